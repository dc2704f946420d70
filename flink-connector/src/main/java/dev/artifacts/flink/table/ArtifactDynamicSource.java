package dev.artifacts.flink.table;

import dev.artifacts.common.ArtifactException;
import dev.artifacts.common.name.ArtifactPath;
import dev.artifacts.common.options.ArtifactOptions;
import dev.artifacts.flink.source.ArtifactSource;
import dev.artifacts.flink.source.ArtifactSourceBuilder;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;
import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.connector.file.src.FileSourceSplit;
import org.apache.flink.connector.file.src.reader.BulkFormat;
import org.apache.flink.connector.file.table.DeserializationSchemaAdapter;
import org.apache.flink.table.api.DataTypes;
import org.apache.flink.table.api.ValidationException;
import org.apache.flink.table.connector.ChangelogMode;
import org.apache.flink.table.connector.format.DecodingFormat;
import org.apache.flink.table.connector.format.ProjectableDecodingFormat;
import org.apache.flink.table.connector.source.DynamicTableSource;
import org.apache.flink.table.connector.source.ScanTableSource;
import org.apache.flink.table.connector.source.SourceProvider;
import org.apache.flink.table.connector.source.abilities.SupportsProjectionPushDown;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.types.DataType;
import org.apache.flink.table.types.logical.LogicalType;

/**
 * The planner's view of an artifact table as a source: an {@link ArtifactSource} reading one
 * version (the alias in {@code 'artifact'}, {@code 'versionAsOf'}, or latest), or with {@code
 * 'streaming' = 'true'} that version and then the new files of every later one. Partition columns
 * are filled from the entries' {@code col=value/} directories.
 */
class ArtifactDynamicSource implements ScanTableSource, SupportsProjectionPushDown {
  final TableOptions options;
  final DataType physicalType;
  final PartitionColumns partitions;
  final DecodingFormat<BulkFormat<RowData, FileSourceSplit>> bulkFormat;
  final DecodingFormat<DeserializationSchema<RowData>> rowFormat;

  /** The version to read, {@code entity/project/name:alias}. */
  ArtifactPath version;

  /** Values of the partitions to read, in partition column order; {@code null} reads all. */
  Set<List<String>> partitionsToRead;

  /** The table columns the query reads, in its order; {@code null} for all. */
  int[] projection;

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
    List<String> names = DataType.getFieldNames(physicalType);
    int[] produced = projection != null ? projection : IntStream.range(0, names.size()).toArray();
    int[] dataIndexes = partitions.dataIndexes();
    // The data columns to read from the files, in the order the query wants them. A query that
    // needs none (only partition columns, or count(*)) still reads one, to count the rows.
    int[] fileColumns =
        IntStream.of(produced).map(i -> indexOf(dataIndexes, i)).filter(j -> j >= 0).toArray();
    if (fileColumns.length == 0) {
      fileColumns = new int[] {0};
    }
    DataType fileType = partitions.dataType();
    BulkFormat<RowData, FileSourceSplit> format;
    boolean fileProjected;
    if (bulkFormat instanceof ProjectableDecodingFormat<BulkFormat<RowData, FileSourceSplit>> p) {
      format = p.createRuntimeDecoder(context, fileType, topLevel(fileColumns));
      fileProjected = true;
    } else if (bulkFormat != null) {
      format = bulkFormat.createRuntimeDecoder(context, fileType);
      fileProjected = false;
    } else if (rowFormat instanceof ProjectableDecodingFormat<DeserializationSchema<RowData>> p) {
      format =
          new DeserializationSchemaAdapter(
              p.createRuntimeDecoder(context, fileType, topLevel(fileColumns)));
      fileProjected = true;
    } else {
      format = new DeserializationSchemaAdapter(rowFormat.createRuntimeDecoder(context, fileType));
      fileProjected = false;
    }
    // Rows of the format, followed by the partition values: where each produced column is.
    int[] fileRowColumns = fileColumns;
    int fileArity = fileProjected ? fileColumns.length : dataIndexes.length;
    int[] producedOrder = new int[produced.length];
    for (int k = 0; k < produced.length; k++) {
      int data = indexOf(dataIndexes, produced[k]);
      if (data >= 0) {
        producedOrder[k] = fileProjected ? indexOf(fileRowColumns, data) : data;
      } else {
        producedOrder[k] = fileArity + partitions.columns().indexOf(names.get(produced[k]));
      }
    }
    boolean identity =
        partitions.isEmpty()
            && producedOrder.length == fileArity
            && IntStream.range(0, producedOrder.length).allMatch(k -> producedOrder[k] == k);
    if (!identity) {
      format =
          new PartitionValuesBulkFormat(
              format,
              options.table() + " (" + options.artifact() + ")",
              partitions.columns(),
              partitionTypes(),
              producedOrder,
              partitionsToRead,
              context.createTypeInformation(producedType()));
    }
    return SourceProvider.of(build(builder(format)));
  }

  @Override
  public boolean supportsNestedProjection() {
    return false;
  }

  @Override
  public void applyProjection(int[][] projectedFields, DataType producedDataType) {
    this.projection = Arrays.stream(projectedFields).mapToInt(path -> path[0]).toArray();
  }

  private DataType producedType() {
    if (projection == null) {
      return physicalType;
    }
    List<DataTypes.Field> fields = DataType.getFields(physicalType);
    return DataTypes.ROW(IntStream.of(projection).mapToObj(fields::get).toList());
  }

  private static int[][] topLevel(int[] columns) {
    return IntStream.of(columns).mapToObj(c -> new int[] {c}).toArray(int[][]::new);
  }

  private static int indexOf(int[] values, int value) {
    for (int i = 0; i < values.length; i++) {
      if (values[i] == value) {
        return i;
      }
    }
    return -1;
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

  @Override
  public DynamicTableSource copy() {
    return copyState(
        new ArtifactDynamicSource(options, physicalType, partitions, bulkFormat, rowFormat));
  }

  <S extends ArtifactDynamicSource> S copyState(S copy) {
    copy.version = version;
    copy.partitionsToRead = partitionsToRead == null ? null : new HashSet<>(partitionsToRead);
    copy.projection = projection == null ? null : projection.clone();
    return copy;
  }

  @Override
  public String asSummaryString() {
    return "Artifact(" + version + ")";
  }
}
