package dev.artifacts.spark.source;

import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.connector.catalog.StagedTable;
import org.apache.spark.sql.connector.catalog.SupportsWrite;
import org.apache.spark.sql.connector.catalog.TableCapability;
import org.apache.spark.sql.connector.expressions.Transform;
import org.apache.spark.sql.connector.write.LogicalWriteInfo;
import org.apache.spark.sql.connector.write.WriteBuilder;
import org.apache.spark.sql.types.StructType;

/**
 * The table of a create/replace-as-select. Staging does nothing: the version is committed by the
 * {@link ArtifactBatchWrite} when the write succeeds, so nothing exists before that, and a failed
 * write has nothing to undo (and never drops a collection). The version holds exactly what was
 * written.
 */
final class ArtifactStagedTable implements StagedTable, SupportsWrite {
  private static final Set<TableCapability> CAPABILITIES =
      Set.of(
          TableCapability.BATCH_WRITE, TableCapability.TRUNCATE, TableCapability.ACCEPT_ANY_SCHEMA);

  private final WriteTarget target;
  private final StructType schema;
  private final Transform[] partitioning;
  private final Map<String, String> properties;

  ArtifactStagedTable(
      WriteTarget target,
      StructType schema,
      Transform[] partitioning,
      Map<String, String> properties) {
    this.target = target;
    this.schema = schema;
    this.partitioning = partitioning.clone();
    this.properties = Map.copyOf(properties);
  }

  @Override
  public String name() {
    return target.collection().toString();
  }

  @Override
  public StructType schema() {
    return schema;
  }

  @Override
  public Transform[] partitioning() {
    return partitioning.clone();
  }

  /**
   * The table's properties plus the OpenLineage dataset keys, with the version the write committed
   * once it has (see {@link ArtifactTable#properties()}).
   */
  @Override
  public Map<String, String> properties() {
    Map<String, String> props = new java.util.LinkedHashMap<>(properties);
    props.putAll(
        ReadLineage.openLineageProperties(target.registryUri(), target.collection(), committed));
    return java.util.Collections.unmodifiableMap(props);
  }

  private volatile dev.artifacts.common.registry.ArtifactVersion committed;

  @Override
  public Set<TableCapability> capabilities() {
    return CAPABILITIES;
  }

  @Override
  public WriteBuilder newWriteBuilder(LogicalWriteInfo info) {
    ArtifactDataSource.checkWritePath(info.options());
    boolean append = "true".equals(info.options().get(ArtifactDataSource.APPEND_ON_CREATE_OPTION));
    return new ArtifactWriteBuilder(
        target,
        info,
        append ? ArtifactWriteBuilder.Mode.APPEND : ArtifactWriteBuilder.Mode.REPLACE,
        v -> committed = v);
  }

  @Override
  public void commitStagedChanges() {
    // The BatchWrite committed the version already.
  }

  @Override
  public void abortStagedChanges() {
    // Nothing was created; the BatchWrite cleaned up its own files.
  }
}
