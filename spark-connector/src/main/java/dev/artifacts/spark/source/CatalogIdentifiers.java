package dev.artifacts.spark.source;

import dev.artifacts.common.ArtifactException;
import dev.artifacts.common.name.ArtifactPath;
import dev.artifacts.common.name.Names;
import java.util.Arrays;
import java.util.Map;
import org.apache.spark.sql.connector.catalog.Identifier;

/**
 * Maps catalog namespaces and identifiers to artifact paths: a namespace is {@code [project]}
 * (entity from the catalog's {@code entity} option, else {@code WANDB_ENTITY}, else the login name,
 * as {@link ArtifactPath} defaults it) or {@code [entity, project]}; a table name is a collection.
 * Shared by the read and write sides of {@link ArtifactCatalog}.
 */
final class CatalogIdentifiers {
  /** Catalog option naming the entity of one-level namespaces. */
  static final String ENTITY = "entity";

  private final String catalog;
  private final String defaultEntity;

  CatalogIdentifiers(String catalog, Map<String, String> options) {
    this.catalog = catalog;
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
            + ": expected [project] or [entity, project]");
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
