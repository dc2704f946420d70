package dev.artifacts.flink.table;

import dev.artifacts.common.ArtifactException;
import dev.artifacts.common.name.ArtifactPath;
import dev.artifacts.common.options.ArtifactOptions;
import dev.artifacts.flink.source.ArtifactSource;
import dev.artifacts.flink.source.ArtifactSourceBuilder;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.connector.file.src.FileSourceSplit;
import org.apache.flink.connector.file.src.reader.BulkFormat;
import org.apache.flink.connector.file.table.DeserializationSchemaAdapter;
import org.apache.flink.table.api.ValidationException;
import org.apache.flink.table.connector.ChangelogMode;
import org.apache.flink.table.connector.format.DecodingFormat;
import org.apache.flink.table.connector.source.DynamicTableSource;
import org.apache.flink.table.connector.source.ScanTableSource;
import org.apache.flink.table.connector.source.SourceProvider;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.types.DataType;
import org.apache.flink.table.types.logical.LogicalType;

/**
 * The planner's view of an artifact table as a source: an {@link ArtifactSource} reading one
 * version (the alias in {@code 'artifact'}, {@code 'versionAsOf'}, or latest), or with {@code
 * 'streaming' = 'true'} that version and then the new files of every later one. Partition columns
 * are filled from the entries' {@code col=value/} directories.
 */
class ArtifactDynamicSource implements ScanTableSource {
  final TableOptions options;
  final DataType physicalType;
  final PartitionColumns partitions;
  final DecodingFormat<BulkFormat<RowData, FileSourceSplit>> bulkFormat;
  final DecodingFormat<DeserializationSchema<RowData>> rowFormat;

  /** The version to read, {@code entity/project/name:alias}. */
  ArtifactPath version;

  /** Values of the partitions to read, in partition column order; {@code null} reads all. */
  Set<List<String>> partitionsToRead;

  ArtifactDynamicSource(
      TableOptions options,
      DataType physicalType,
      PartitionColumns partitions,
      DecodingFormat<BulkFormat<RowData, FileSourceSplit>> bulkFormat,
      DecodingFormat<DeserializationSchema<RowData>> rowFormat) {
    this.options = options;
    this.physicalType = physicalType;
    this.partitions = partitions;
    this.bulkFormat = bulkFormat;
    this.rowFormat = rowFormat;
    this.version = options.versionToRead();
  }

  @Override
  public ChangelogMode getChangelogMode() {
    return bulkFormat != null ? bulkFormat.getChangelogMode() : rowFormat.getChangelogMode();
  }

  @Override
  public ScanRuntimeProvider getScanRuntimeProvider(ScanContext context) {
    DataType dataType = partitions.dataType();
    BulkFormat<RowData, FileSourceSplit> format =
        bulkFormat != null
            ? bulkFormat.createRuntimeDecoder(context, dataType)
            : new DeserializationSchemaAdapter(rowFormat.createRuntimeDecoder(context, dataType));
    if (!partitions.isEmpty()) {
      format =
          new PartitionValuesBulkFormat(
              format,
              options.table() + " (" + options.artifact() + ")",
              partitions.columns(),
              partitionTypes(),
              tableOrder(),
              partitionsToRead,
              context.createTypeInformation(physicalType));
    }
    return SourceProvider.of(build(builder(format)));
  }

  private ArtifactSourceBuilder<RowData> builder(BulkFormat<RowData, FileSourceSplit> format) {
    ArtifactSourceBuilder<RowData> builder =
        ArtifactSource.forBulkFormat(format)
            .setRegistry(options.registry())
            .setArtifact(version.toString())
            .setRunName(options.get(ArtifactOptions.RUN));
    if (options.streaming()) {
      builder.monitorContinuously(options.monitorInterval());
    }
    return builder;
  }

  private ArtifactSource<RowData> build(ArtifactSourceBuilder<RowData> builder) {
    try {
      return builder.build();
    } catch (ArtifactException.InvalidInput e) {
      throw new ValidationException(
          "Invalid options for table " + options.table() + ": " + e.getMessage(), e);
    }
  }

  private LogicalType[] partitionTypes() {
    List<String> names = DataType.getFieldNames(physicalType);
    List<DataType> types = DataType.getFieldDataTypes(physicalType);
    return partitions.columns().stream()
        .map(c -> types.get(names.indexOf(c)).getLogicalType())
        .toArray(LogicalType[]::new);
  }

  /** For each table column, its position in the file's columns followed by the partitions. */
  private int[] tableOrder() {
    List<String> names = DataType.getFieldNames(physicalType);
    int[] dataIndexes = partitions.dataIndexes();
    int[] order = new int[names.size()];
    for (int j = 0; j < dataIndexes.length; j++) {
      order[dataIndexes[j]] = j;
    }
    for (int p = 0; p < partitions.columns().size(); p++) {
      order[names.indexOf(partitions.columns().get(p))] = dataIndexes.length + p;
    }
    return order;
  }

  @Override
  public DynamicTableSource copy() {
    return copyState(
        new ArtifactDynamicSource(options, physicalType, partitions, bulkFormat, rowFormat));
  }

  <S extends ArtifactDynamicSource> S copyState(S copy) {
    copy.version = version;
    copy.partitionsToRead = partitionsToRead == null ? null : new HashSet<>(partitionsToRead);
    return copy;
  }

  @Override
  public String asSummaryString() {
    return "Artifact(" + version + ")";
  }
}
