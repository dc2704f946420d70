package dev.artifacts.flink.table;

import dev.artifacts.flink.source.ArtifactSourceSplit;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Set;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.file.src.FileSourceSplit;
import org.apache.flink.connector.file.src.reader.BulkFormat;
import org.apache.flink.connector.file.src.util.RecordMapperWrapperRecordIterator;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.data.utils.JoinedRowData;
import org.apache.flink.table.data.utils.ProjectedRowData;
import org.apache.flink.table.types.logical.LogicalType;

/**
 * Reads the rows of a file with the table's format and adds the partition columns, whose values
 * come from the split's {@link ArtifactSourceSplit#partitionValues()}: the manifest's logical path,
 * since a stored body's physical path is its digest and says nothing about partitions. It also puts
 * the columns in the order the query asked for (projection push-down).
 */
final class PartitionValuesBulkFormat implements BulkFormat<RowData, FileSourceSplit> {
  private static final long serialVersionUID = 1L;

  private final BulkFormat<RowData, FileSourceSplit> fileFormat;
  private final String table;
  private final List<String> partitionColumns;
  private final LogicalType[] partitionTypes;

  /** For each produced column, its position in (the format's row ++ partition columns). */
  private final int[] producedOrder;

  /** Values of the partitions to read (others are skipped unopened); {@code null} for all. */
  private final HashSet<List<String>> partitionsToRead;

  private final TypeInformation<RowData> producedType;

  PartitionValuesBulkFormat(
      BulkFormat<RowData, FileSourceSplit> fileFormat,
      String table,
      List<String> partitionColumns,
      LogicalType[] partitionTypes,
      int[] producedOrder,
      Set<List<String>> partitionsToRead,
      TypeInformation<RowData> producedType) {
    this.fileFormat = fileFormat;
    this.table = table;
    this.partitionColumns = List.copyOf(partitionColumns);
    this.partitionTypes = partitionTypes.clone();
    this.producedOrder = producedOrder.clone();
    this.partitionsToRead = partitionsToRead == null ? null : new HashSet<>(partitionsToRead);
    this.producedType = producedType;
  }

  @Override
  public Reader<RowData> createReader(Configuration config, FileSourceSplit split)
      throws IOException {
    if (pruned(split)) {
      return EMPTY;
    }
    return withPartitions(fileFormat.createReader(config, split), split);
  }

  @Override
  public Reader<RowData> restoreReader(Configuration config, FileSourceSplit split)
      throws IOException {
    if (pruned(split)) {
      return EMPTY;
    }
    return withPartitions(fileFormat.restoreReader(config, split), split);
  }

  /**
   * A split of a partition the planner pruned: the source still plans a split per file, but its
   * file is never opened.
   */
  private boolean pruned(FileSourceSplit split) {
    if (partitionsToRead == null || !(split instanceof ArtifactSourceSplit artifactSplit)) {
      return false;
    }
    LinkedHashMap<String, String> values = artifactSplit.partitionValues();
    List<String> key = new ArrayList<>(partitionColumns.size());
    for (String column : partitionColumns) {
      key.add(values.get(column));
    }
    return !partitionsToRead.contains(key);
  }

  private static final Reader<RowData> EMPTY =
      new Reader<>() {
        @Override
        public RecordIterator<RowData> readBatch() {
          return null;
        }

        @Override
        public void close() {}
      };

  private Reader<RowData> withPartitions(Reader<RowData> reader, FileSourceSplit split)
      throws IOException {
    if (!(split instanceof ArtifactSourceSplit artifactSplit)) {
      throw new IOException(
          "Cannot read " + split + " of " + table + ": it is not a split of an artifact source");
    }
    LinkedHashMap<String, String> values = artifactSplit.partitionValues();
    GenericRowData partitionRow = new GenericRowData(partitionColumns.size());
    for (int i = 0; i < partitionColumns.size(); i++) {
      String column = partitionColumns.get(i);
      if (!values.containsKey(column)) {
        throw new IOException(
            "Cannot read '"
                + artifactSplit.logicalPath()
                + "' of "
                + table
                + ": its path has no '"
                + column
                + "=' directory, but the table is partitioned by "
                + partitionColumns);
      }
      try {
        partitionRow.setField(
            i, PartitionColumns.parse(values.get(column), partitionTypes[i], column, table));
      } catch (IllegalArgumentException e) {
        throw new IOException(e.getMessage() + "; file '" + artifactSplit.logicalPath() + "'", e);
      }
    }
    // Both views are reused for every row of the split, as Flink's own file formats reuse rows.
    JoinedRowData joined = new JoinedRowData();
    ProjectedRowData row = ProjectedRowData.from(producedOrder);
    return RecordMapperWrapperRecordIterator.wrapReader(
        reader,
        fileRow -> {
          joined.replace(fileRow, partitionRow);
          joined.setRowKind(fileRow.getRowKind());
          return row.replaceRow(joined);
        });
  }

  @Override
  public boolean isSplittable() {
    return fileFormat.isSplittable();
  }

  @Override
  public TypeInformation<RowData> getProducedType() {
    return producedType;
  }
}
