package dev.artifacts.spark.source;

import dev.artifacts.common.ArtifactException;
import dev.artifacts.common.digest.Digests;
import dev.artifacts.common.name.ArtifactPath;
import dev.artifacts.common.name.Names;
import dev.artifacts.common.options.ArtifactOptions;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.connector.catalog.Identifier;

/**
 * How catalog identifiers map to collections, and how a path-based read or write finds a catalog
 * for its registry. Shared by the read and write sides of {@link ArtifactCatalog}.
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
   * Catalog option marking the catalog of path-based reads and writes: it loads a collection that
   * does not exist yet as an empty table to write to (a {@code SELECT} catalog reports it missing).
   */
  static final String PATH_BASED = "path-based";

  /**
   * Registers the path-based {@link ArtifactCatalog} of {@code registryUri} on the session, unless
   * it is registered already, and returns its name (as Iceberg registers its default catalog for
   * path-based tables). The registration is session conf, so it is scoped to the session; catalogs
   * are loaded lazily from that conf, so setting it at run time is enough.
   */
  static String registerPathCatalog(SparkSession session, String registryUri) {
    String name = catalogName(registryUri);
    String key = CATALOG_CONF_PREFIX + name;
    synchronized (CatalogIdentifiers.class) {
      if (session.conf().getOption(key).isEmpty()) {
        session.conf().set(key + "." + REGISTRY, registryUri);
        session.conf().set(key + "." + PATH_BASED, "true");
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

  // ---- path-based identifiers ----

  /** Marks the table listing a version's manifest entries ({@code view=manifest}). */
  static final String MANIFEST_SUFFIX = "$manifest";

  /** Starts the read options carried in a path-based identifier's name. */
  static final String READ_OPTIONS_MARK = "$read?";

  /** Options that select what is read; they travel as the identifier and version instead. */
  private static final java.util.Set<String> SELECTOR_OPTIONS =
      java.util.Set.of(
          "path",
          "paths",
          ArtifactOptions.ARTIFACT.toLowerCase(java.util.Locale.ROOT),
          ArtifactOptions.REGISTRY.toLowerCase(java.util.Locale.ROOT),
          ArtifactOptions.VERSION_AS_OF.toLowerCase(java.util.Locale.ROOT),
          ArtifactOptions.TIMESTAMP_AS_OF.toLowerCase(java.util.Locale.ROOT),
          ArtifactOptions.VIEW.toLowerCase(java.util.Locale.ROOT));

  /**
   * The name of a table as a path-based read or write names it: the collection, {@link
   * #MANIFEST_SUFFIX} for the manifest view, and the remaining options ({@code header}, {@code
   * format}, {@code verify}, …) after {@link #READ_OPTIONS_MARK}, URL-encoded and sorted. A
   * catalog's {@code loadTable} receives nothing but the identifier and the version, and what a
   * read's schema is depends on these options (a CSV header, schema inference), so the identifier
   * carries them, as Iceberg's carries snapshot selectors. Collection names cannot contain {@code
   * $}, so the name is unambiguous.
   */
  record PathName(
      String collection, boolean manifest, java.util.SortedMap<String, String> options) {
    static PathName of(String collection, boolean manifest, Map<String, String> options) {
      java.util.SortedMap<String, String> kept = new java.util.TreeMap<>();
      options.forEach(
          (k, v) -> {
            if (!SELECTOR_OPTIONS.contains(k.toLowerCase(java.util.Locale.ROOT))
                && !k.startsWith("__")
                && v != null) {
              kept.put(k, v);
            }
          });
      return new PathName(collection, manifest, kept);
    }

    String encoded() {
      StringBuilder name = new StringBuilder(collection);
      if (manifest) {
        name.append(MANIFEST_SUFFIX);
      }
      if (!options.isEmpty()) {
        name.append(READ_OPTIONS_MARK);
        String sep = "";
        for (Map.Entry<String, String> e : options.entrySet()) {
          name.append(sep)
              .append(urlEncode(e.getKey()))
              .append('=')
              .append(urlEncode(e.getValue()));
          sep = "&";
        }
      }
      return name.toString();
    }

    /** Parses a table name; a plain collection name (a SQL table) has no view and no options. */
    static PathName parse(String name) {
      java.util.SortedMap<String, String> options = new java.util.TreeMap<>();
      int mark = name.indexOf(READ_OPTIONS_MARK);
      if (mark >= 0) {
        String query = name.substring(mark + READ_OPTIONS_MARK.length());
        name = name.substring(0, mark);
        for (String pair : query.split("&")) {
          if (!pair.isEmpty()) {
            int eq = pair.indexOf('=');
            options.put(
                urlDecode(eq < 0 ? pair : pair.substring(0, eq)),
                eq < 0 ? "" : urlDecode(pair.substring(eq + 1)));
          }
        }
      }
      boolean manifest = name.endsWith(MANIFEST_SUFFIX);
      if (manifest) {
        name = name.substring(0, name.length() - MANIFEST_SUFFIX.length());
      }
      return new PathName(name, manifest, options);
    }

    private static String urlEncode(String s) {
      return java.net.URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private static String urlDecode(String s) {
      return java.net.URLDecoder.decode(s, StandardCharsets.UTF_8);
    }
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
