package dev.artifacts.spark.source;

import dev.artifacts.common.name.ArtifactPath;
import dev.artifacts.common.registry.ArtifactVersion;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.connector.catalog.SupportsRead;
import org.apache.spark.sql.connector.catalog.SupportsWrite;
import org.apache.spark.sql.connector.catalog.TableCapability;
import org.apache.spark.sql.connector.expressions.Transform;
import org.apache.spark.sql.connector.read.ScanBuilder;
import org.apache.spark.sql.connector.write.LogicalWriteInfo;
import org.apache.spark.sql.connector.write.WriteBuilder;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.util.CaseInsensitiveStringMap;

/**
 * A collection as a Spark table, pinned to one resolved version for reading ({@code version} is
 * null for a collection that does not exist yet and is only being written).
 */
final class ArtifactTable implements SupportsRead, SupportsWrite {
  private final String registryUri;
  private final ArtifactPath collection;
  private final ArtifactVersion version;
  private final StructType schema;
  private final Transform[] partitioning;
  private final Map<String, String> options;
  private final Set<TableCapability> capabilities;

  ArtifactTable(
      String registryUri,
      ArtifactPath collection,
      ArtifactVersion version,
      StructType schema,
      Transform[] partitioning,
      Map<String, String> options,
      Set<TableCapability> capabilities) {
    this.registryUri = registryUri;
    this.collection = collection;
    this.version = version;
    this.schema = schema;
    this.partitioning = partitioning;
    this.options = Map.copyOf(options);
    this.capabilities = Set.copyOf(capabilities);
  }

  @Override
  public String name() {
    return version == null ? collection.toString() : version.path().toString();
  }

  @Override
  public StructType schema() {
    return schema;
  }

  @Override
  public Transform[] partitioning() {
    return partitioning.clone();
  }

  @Override
  public Map<String, String> properties() {
    return options;
  }

  @Override
  public Set<TableCapability> capabilities() {
    return capabilities;
  }

  @Override
  public ScanBuilder newScanBuilder(CaseInsensitiveStringMap readOptions) {
    throw new UnsupportedOperationException("read path: not built yet");
  }

  @Override
  public WriteBuilder newWriteBuilder(LogicalWriteInfo info) {
    // Appends by default; truncate() and overwriteDynamicPartitions() switch the mode.
    WriteTarget target =
        new WriteTarget(
            registryUri,
            collection,
            WriteTarget.partitionColumns(partitioning, collection),
            version);
    return new ArtifactWriteBuilder(target, info, ArtifactWriteBuilder.Mode.APPEND);
  }

  String registryUri() {
    return registryUri;
  }

  ArtifactPath collection() {
    return collection;
  }

  /** The pinned version, or null for a collection that is only being written. */
  ArtifactVersion version() {
    return version;
  }

  Map<String, String> options() {
    return options;
  }
}
