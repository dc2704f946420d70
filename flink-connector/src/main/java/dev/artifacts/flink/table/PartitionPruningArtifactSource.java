package dev.artifacts.flink.table;

import dev.artifacts.common.manifest.ManifestEntry;
import dev.artifacts.common.name.PartitionPaths;
import dev.artifacts.common.registry.ArtifactRegistries;
import dev.artifacts.common.registry.ArtifactRegistry;
import dev.artifacts.common.registry.ArtifactVersion;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.connector.file.src.FileSourceSplit;
import org.apache.flink.connector.file.src.reader.BulkFormat;
import org.apache.flink.table.api.TableException;
import org.apache.flink.table.connector.format.DecodingFormat;
import org.apache.flink.table.connector.source.DynamicTableSource;
import org.apache.flink.table.connector.source.abilities.SupportsPartitionPushDown;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.types.DataType;

/**
 * A bounded read of a partitioned artifact table that lets the planner prune partitions: it lists
 * the partitions of the version from its manifest, and reads only the files of the partitions the
 * planner keeps. Listing resolves the version when the query is planned, and the source then reads
 * exactly that version ({@code :vN}), so the listing and the files read agree even if the alias
 * moves in between.
 *
 * <p>Continuous reads are not pruned this way: the planner removes the partition predicate from the
 * query, and partitions that only appear in later versions would be dropped.
 */
final class PartitionPruningArtifactSource extends ArtifactDynamicSource
    implements SupportsPartitionPushDown {

  PartitionPruningArtifactSource(
      TableOptions options,
      DataType physicalType,
      PartitionColumns partitions,
      DecodingFormat<BulkFormat<RowData, FileSourceSplit>> bulkFormat,
      DecodingFormat<DeserializationSchema<RowData>> rowFormat) {
    super(options, physicalType, partitions, bulkFormat, rowFormat);
  }

  @Override
  public Optional<List<Map<String, String>>> listPartitions() {
    Set<Map<String, String>> out = new LinkedHashSet<>();
    try (ArtifactRegistry registry = ArtifactRegistries.open(options.registry())) {
      ArtifactVersion resolved = registry.resolve(version);
      version = resolved.path();
      for (ManifestEntry entry : registry.manifest(resolved).entries()) {
        LinkedHashMap<String, String> values = PartitionPaths.values(entry.path());
        // Entries outside the partition layout fail when read; they are not partitions.
        if (values.keySet().containsAll(partitions.columns())) {
          Map<String, String> partition = new HashMap<>();
          for (String column : partitions.columns()) {
            partition.put(column, values.get(column));
          }
          out.add(partition);
        }
      }
    } catch (Exception e) {
      throw new TableException(
          "Cannot list the partitions of " + version + " for table " + options.table(), e);
    }
    return Optional.of(new ArrayList<>(out));
  }

  @Override
  public void applyPartitions(List<Map<String, String>> remainingPartitions) {
    Set<List<String>> keep = new HashSet<>();
    for (Map<String, String> partition : remainingPartitions) {
      List<String> key = new ArrayList<>(partitions.columns().size());
      for (String column : partitions.columns()) {
        key.add(partition.get(column));
      }
      keep.add(key);
    }
    partitionsToRead = keep;
  }

  @Override
  public DynamicTableSource copy() {
    return copyState(
        new PartitionPruningArtifactSource(
            options, physicalType, partitions, bulkFormat, rowFormat));
  }
}
