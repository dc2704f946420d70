package dev.artifacts.spark.source;

import java.util.Map;
import org.apache.spark.sql.connector.catalog.Identifier;
import org.apache.spark.sql.connector.catalog.NamespaceChange;
import org.apache.spark.sql.connector.catalog.StagedTable;
import org.apache.spark.sql.connector.catalog.StagingTableCatalog;
import org.apache.spark.sql.connector.catalog.SupportsNamespaces;
import org.apache.spark.sql.connector.catalog.Table;
import org.apache.spark.sql.connector.catalog.TableChange;
import org.apache.spark.sql.connector.expressions.Transform;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.util.CaseInsensitiveStringMap;

/**
 * A Spark catalog over one registry: {@code spark.sql.catalog.art =
 * dev.artifacts.spark.source.ArtifactCatalog} with {@code spark.sql.catalog.art.registry = <uri>}.
 * Tables are collections; namespaces are {@code [project]} (entity from the {@code entity} catalog
 * option or {@code WANDB_ENTITY}) or {@code [entity, project]}. {@code SELECT … FROM
 * art.project.collection VERSION AS OF 'v2'} reads a version or alias; {@code TIMESTAMP AS OF} the
 * newest version committed by then.
 *
 * <p>It is a {@link StagingTableCatalog} so that create/replace-as-select is atomic: nothing is
 * created before the write commits, and a failed write never drops a collection.
 */
public final class ArtifactCatalog implements StagingTableCatalog, SupportsNamespaces {
  private String name;

  @Override
  public void initialize(String name, CaseInsensitiveStringMap options) {
    this.name = name;
  }

  @Override
  public String name() {
    return name;
  }

  // ---- read side -----------------------------------------------------------------------------

  @Override
  public Identifier[] listTables(String[] namespace) {
    throw new UnsupportedOperationException("read path: not built yet");
  }

  @Override
  public Table loadTable(Identifier ident) {
    throw new UnsupportedOperationException("read path: not built yet");
  }

  @Override
  public Table loadTable(Identifier ident, String version) {
    throw new UnsupportedOperationException("read path: not built yet");
  }

  @Override
  public Table loadTable(Identifier ident, long timestamp) {
    throw new UnsupportedOperationException("read path: not built yet");
  }

  @Override
  public String[][] listNamespaces() {
    throw new UnsupportedOperationException("read path: not built yet");
  }

  @Override
  public String[][] listNamespaces(String[] namespace) {
    throw new UnsupportedOperationException("read path: not built yet");
  }

  @Override
  public Map<String, String> loadNamespaceMetadata(String[] namespace) {
    throw new UnsupportedOperationException("read path: not built yet");
  }

  // ---- write side ----------------------------------------------------------------------------

  @Override
  public boolean tableExists(Identifier ident) {
    throw new UnsupportedOperationException("write path: not built yet");
  }

  @Override
  public Table createTable(
      Identifier ident, StructType schema, Transform[] partitions, Map<String, String> properties) {
    throw new UnsupportedOperationException("write path: not built yet");
  }

  @Override
  public StagedTable stageCreate(
      Identifier ident, StructType schema, Transform[] partitions, Map<String, String> properties) {
    throw new UnsupportedOperationException("write path: not built yet");
  }

  @Override
  public StagedTable stageReplace(
      Identifier ident, StructType schema, Transform[] partitions, Map<String, String> properties) {
    throw new UnsupportedOperationException("write path: not built yet");
  }

  @Override
  public StagedTable stageCreateOrReplace(
      Identifier ident, StructType schema, Transform[] partitions, Map<String, String> properties) {
    throw new UnsupportedOperationException("write path: not built yet");
  }

  @Override
  public boolean dropTable(Identifier ident) {
    throw new UnsupportedOperationException("write path: not built yet");
  }

  // ---- not supported -------------------------------------------------------------------------

  @Override
  public Table alterTable(Identifier ident, TableChange... changes) {
    throw new UnsupportedOperationException(
        "Cannot alter " + ident + ": artifact versions are immutable; write a new version");
  }

  @Override
  public void renameTable(Identifier oldIdent, Identifier newIdent) {
    throw new UnsupportedOperationException("Cannot rename " + oldIdent + ": not supported");
  }

  @Override
  public void createNamespace(String[] namespace, Map<String, String> metadata) {
    throw new UnsupportedOperationException("Projects are created by their first artifact");
  }

  @Override
  public void alterNamespace(String[] namespace, NamespaceChange... changes) {
    throw new UnsupportedOperationException("Cannot alter a project");
  }

  @Override
  public boolean dropNamespace(String[] namespace, boolean cascade) {
    throw new UnsupportedOperationException("Cannot drop a project; delete its collections");
  }
}
