package dev.artifacts.spark.source;

import dev.artifacts.common.ArtifactException;
import dev.artifacts.common.digest.Digests;
import dev.artifacts.common.name.ArtifactPath;
import dev.artifacts.common.name.Names;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.connector.catalog.Identifier;

/**
 * How catalog identifiers map to collections, and how a path-based write finds a catalog for its
 * registry. Shared by the read and write sides of {@link ArtifactCatalog}.
 *
 * <p>An identifier's namespace is {@code [entity, project]}, {@code [project]} (entity from the
 * catalog option {@code entity}, else {@code WANDB_ENTITY}, else the login name, as {@link
 * ArtifactPath#parse} does) or empty (project from the catalog option {@code project}); its name is
 * the collection.
 */
final class CatalogIdentifiers {
  /** Catalog option naming the default entity for one-level namespaces. */
  static final String ENTITY = "entity";

  /** Catalog option naming the project of identifiers without a namespace ({@code art.name}). */
  static final String PROJECT = "project";

  /** Catalog option naming the registry URI. */
  static final String REGISTRY = "registry";

  private static final String CATALOG_CONF_PREFIX = "spark.sql.catalog.";

  /**
   * The collection an identifier names; {@code defaultEntity} and {@code defaultProject} may be
   * null.
   */
  static ArtifactPath collection(Identifier ident, String defaultEntity, String defaultProject) {
    String[] ns = ident.namespace();
    if (ns.length == 0 && defaultProject != null && !defaultProject.isBlank()) {
      ns = new String[] {defaultProject.trim()};
    }
    String display = String.join(".", ns) + (ns.length > 0 ? "." : "") + ident.name();
    String entity;
    String project;
    if (ns.length == 2) {
      entity = ns[0];
      project = ns[1];
    } else if (ns.length == 1) {
      project = ns[0];
      entity =
          defaultEntity != null && !defaultEntity.isBlank()
              ? defaultEntity
              : ArtifactPath.parse("x/x", System.getenv()).entity();
    } else {
      throw new ArtifactException.InvalidInput(
          "Invalid table identifier '"
              + display
              + "': expected <project>.<collection> or <entity>.<project>.<collection>, got "
              + Arrays.toString(ns)
              + (ns.length == 0
                  ? "; name the project, or set the catalog's default project"
                      + " (spark.sql.catalog.<name>.project)"
                  : ""));
    }
    ArtifactPath path = new ArtifactPath(entity, project, ident.name(), null);
    Names.validateProject(project, path);
    Names.validateName(ident.name(), path);
    return path;
  }

  static Identifier identifier(ArtifactPath collection) {
    return Identifier.of(
        new String[] {collection.entity(), collection.project()}, collection.name());
  }

  /** {@code artifact_<first 8 hex digits of md5(uri)>}: stable per registry, a valid SQL name. */
  static String catalogName(String registryUri) {
    String hex = Digests.hex(Digests.newMd5().digest(registryUri.getBytes(StandardCharsets.UTF_8)));
    return "artifact_" + hex.substring(0, 8);
  }

  /**
   * Registers an {@link ArtifactCatalog} for {@code registryUri} on the session unless one is
   * registered under its name already, and returns the name. Catalogs are loaded lazily from the
   * session conf, so setting it at run time is enough.
   */
  static String register(SparkSession session, String registryUri) {
    String name = catalogName(registryUri);
    String key = CATALOG_CONF_PREFIX + name;
    synchronized (CatalogIdentifiers.class) {
      if (session.conf().getOption(key).isEmpty()) {
        session.conf().set(key + "." + REGISTRY, registryUri);
        session.conf().set(key, ArtifactCatalog.class.getName());
      }
    }
    return name;
  }

  /** The registry URI of catalog {@code catalogName} as configured on the session. */
  static String registryUri(SparkSession session, String catalogName) {
    String key = CATALOG_CONF_PREFIX + catalogName + "." + REGISTRY;
    return session.conf().getOption(key).getOrElse(() -> SparkRegistries.uri(Map.of(), session));
  }

  /** The default entity of catalog {@code catalogName} as configured on the session, or null. */
  static String defaultEntity(SparkSession session, String catalogName) {
    return session
        .conf()
        .getOption(CATALOG_CONF_PREFIX + catalogName + "." + ENTITY)
        .getOrElse(() -> null);
  }

  /** The default project of catalog {@code catalogName} as configured on the session, or null. */
  static String defaultProject(SparkSession session, String catalogName) {
    return session
        .conf()
        .getOption(CATALOG_CONF_PREFIX + catalogName + "." + PROJECT)
        .getOrElse(() -> null);
  }

  /** {@code `catalog`.`entity`.`project`.`name`}, for {@code Dataset.writeTo}. */
  static String quoted(String catalogName, ArtifactPath collection) {
    return quote(catalogName)
        + "."
        + quote(collection.entity())
        + "."
        + quote(collection.project())
        + "."
        + quote(collection.name());
  }

  private static String quote(String part) {
    return "`" + part.replace("`", "``") + "`";
  }

  // ---- per catalog instance (read side) ----

  private final String catalog;
  private final String defaultEntity;
  private final String defaultProject;

  /** Identifier mapping of one catalog instance, with its {@code entity} and {@code project}. */
  CatalogIdentifiers(String catalog, Map<String, String> options) {
    this.catalog = catalog;
    String project = options.get(PROJECT);
    this.defaultProject = project == null || project.isBlank() ? null : project.trim();
    String entity = options.get(ENTITY);
    // ArtifactPath fills a missing entity from WANDB_ENTITY, then the login name.
    this.defaultEntity =
        entity == null || entity.isBlank() ? ArtifactPath.parse("p/x").entity() : entity.trim();
  }

  String defaultEntity() {
    return defaultEntity;
  }

  /** {@code [entity, project]} of a namespace. */
  String[] project(String[] namespace) {
    if (namespace.length == 0 && defaultProject != null) {
      return new String[] {defaultEntity, defaultProject};
    }
    if (namespace.length == 1) {
      return new String[] {defaultEntity, namespace[0]};
    }
    if (namespace.length == 2) {
      return namespace.clone();
    }
    throw new ArtifactException.InvalidInput(
        "Invalid namespace "
            + Arrays.toString(namespace)
            + " in catalog "
            + catalog
            + ": expected [project] or [entity, project]"
            + (namespace.length == 0
                ? "; name the project, or set the catalog's default project (spark.sql.catalog."
                    + catalog
                    + ".project)"
                : ""));
  }

  /** The collection an identifier names (no alias). */
  ArtifactPath collection(Identifier ident) {
    String[] ep = project(ident.namespace());
    ArtifactPath path = new ArtifactPath(ep[0], ep[1], ident.name(), null);
    Names.validateProject(ep[1], path);
    Names.validateName(ident.name(), path);
    return path;
  }
}
