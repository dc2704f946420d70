package dev.artifacts.flink.table;

import dev.artifacts.common.ArtifactException;
import dev.artifacts.common.options.ArtifactOptions;
import dev.artifacts.flink.sink.ArtifactSink;
import dev.artifacts.flink.sink.ArtifactSinkBuilder;
import dev.artifacts.flink.sink.VersionPolicy;
import java.util.Map;
import org.apache.flink.api.common.serialization.BulkWriter;
import org.apache.flink.api.common.serialization.Encoder;
import org.apache.flink.api.common.serialization.SerializationSchema;
import org.apache.flink.connector.file.table.SerializationSchemaAdapter;
import org.apache.flink.table.api.ValidationException;
import org.apache.flink.table.connector.ChangelogMode;
import org.apache.flink.table.connector.format.EncodingFormat;
import org.apache.flink.table.connector.sink.DynamicTableSink;
import org.apache.flink.table.connector.sink.SinkV2Provider;
import org.apache.flink.table.connector.sink.abilities.SupportsPartitioning;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.types.DataType;

/**
 * The planner's view of an artifact table as a sink: an insert-only {@link ArtifactSink} of {@link
 * RowData}. A bounded (batch) insert commits one version at the end of input; an unbounded one
 * commits a version per checkpoint that wrote data. Each version appends to the latest one.
 * Partition columns become {@code col=value/} directories and are left out of the files.
 */
final class ArtifactDynamicSink implements DynamicTableSink, SupportsPartitioning {
  private final TableOptions options;
  private final PartitionColumns partitions;
  private final String format;
  private final EncodingFormat<BulkWriter.Factory<RowData>> bulkFormat;
  private final EncodingFormat<SerializationSchema<RowData>> rowFormat;

  ArtifactDynamicSink(
      TableOptions options,
      PartitionColumns partitions,
      String format,
      EncodingFormat<BulkWriter.Factory<RowData>> bulkFormat,
      EncodingFormat<SerializationSchema<RowData>> rowFormat) {
    this.options = options;
    this.partitions = partitions;
    this.format = format;
    this.bulkFormat = bulkFormat;
    this.rowFormat = rowFormat;
  }

  @Override
  public ChangelogMode getChangelogMode(ChangelogMode requestedMode) {
    // Versions only ever add files: updates and deletes cannot be expressed.
    return ChangelogMode.insertOnly();
  }

  @Override
  public SinkRuntimeProvider getSinkRuntimeProvider(Context context) {
    ArtifactSinkBuilder<RowData> builder =
        builder(context.isBounded() ? VersionPolicy.END_OF_INPUT : VersionPolicy.PER_CHECKPOINT);
    int[] dataIndexes = partitions.dataIndexes();
    DataType dataType = partitions.dataType();
    if (bulkFormat != null) {
      builder.setBulkFormat(
          new ProjectingBulkWriterFactory(
              bulkFormat.createRuntimeEncoder(context, dataType), dataIndexes),
          format);
    } else {
      builder.setRowFormat(
          new ProjectingEncoder(
              new SerializationSchemaAdapter(rowFormat.createRuntimeEncoder(context, dataType)),
              dataIndexes),
          format);
    }
    return SinkV2Provider.of(build(builder));
  }

  /**
   * Runs every check of the sink builder at planning time, with a format that is never used: the
   * real format needs the planner's sink context, which only exists when the plan is translated.
   */
  void validate() {
    Encoder<RowData> unused = (row, out) -> {};
    build(builder(VersionPolicy.END_OF_INPUT).setRowFormat(unused, format));
  }

  private ArtifactSinkBuilder<RowData> builder(VersionPolicy policy) {
    ArtifactSinkBuilder<RowData> builder =
        ArtifactSink.<RowData>builder()
            .setRegistry(options.registry())
            .setArtifact(options.artifact().toString())
            .setStorage(options.storage())
            .setVersionPolicy(policy)
            .setAliases(ArtifactOptions.list(options.get(ArtifactOptions.ALIASES)))
            .setTags(ArtifactOptions.list(options.get(ArtifactOptions.TAGS)))
            .setMetadata(options.metadata())
            .setDescription(options.get(ArtifactOptions.DESCRIPTION))
            .setRunName(options.get(ArtifactOptions.RUN));
    String type = options.get(ArtifactOptions.TYPE);
    if (type != null) {
      builder.setType(type);
    }
    if (options.storage() == ArtifactOptions.Storage.REFERENCE) {
      builder.setLocation(options.get(ArtifactOptions.LOCATION));
    }
    if (!partitions.isEmpty()) {
      builder.setPartitioner(partitions.partitioner());
    }
    return builder;
  }

  private ArtifactSink<RowData> build(ArtifactSinkBuilder<RowData> builder) {
    try {
      return builder.build();
    } catch (ArtifactException.InvalidInput e) {
      throw new ValidationException(
          "Invalid options for table " + options.table() + ": " + e.getMessage(), e);
    }
  }

  @Override
  public void applyStaticPartition(Map<String, String> partition) {
    // Nothing to keep: the planner also puts the static values into the rows it writes, where the
    // partitioner finds them.
  }

  @Override
  public boolean requiresPartitionGrouping(boolean supportsGrouping) {
    // The writer keeps one open file per partition, so rows need not arrive grouped.
    return false;
  }

  @Override
  public DynamicTableSink copy() {
    return new ArtifactDynamicSink(options, partitions, format, bulkFormat, rowFormat);
  }

  @Override
  public String asSummaryString() {
    return "Artifact(" + options.artifact() + ", " + format + ")";
  }
}
