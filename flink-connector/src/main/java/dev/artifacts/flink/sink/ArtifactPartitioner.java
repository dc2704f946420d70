package dev.artifacts.flink.sink;

import dev.artifacts.common.name.PartitionPaths;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.api.java.functions.KeySelector;

/**
 * Maps a record to the logical directory its part file lives in, {@code col=value/col2=value2}, the
 * layout Spark and Hive readers recognise. Values are escaped as Spark escapes partition values
 * ({@code %XX} for {@code / = % :} and other unsafe characters) and a {@code null} value becomes
 * {@code __HIVE_DEFAULT_PARTITION__}, so partitions written by Flink and Spark look the same.
 *
 * <p>Immutable; {@link #and} returns a new partitioner.
 */
@PublicEvolving
public final class ArtifactPartitioner<IN> implements Serializable {
  private static final long serialVersionUID = 1L;

  /** Spark's {@code ExternalCatalogUtils.DEFAULT_PARTITION_NAME}. */
  public static final String DEFAULT_PARTITION_NAME = PartitionPaths.DEFAULT_PARTITION_NAME;

  private final List<String> columns;
  private final List<KeySelector<IN, ?>> keys;

  private ArtifactPartitioner(List<String> columns, List<KeySelector<IN, ?>> keys) {
    this.columns = List.copyOf(columns);
    this.keys = List.copyOf(keys);
  }

  /** Partitions by one column whose value {@code key} extracts from each record. */
  public static <IN> ArtifactPartitioner<IN> of(String column, KeySelector<IN, ?> key) {
    return new ArtifactPartitioner<IN>(List.of(), List.of()).and(column, key);
  }

  /** Adds a nested partition column below the existing ones. */
  public ArtifactPartitioner<IN> and(String column, KeySelector<IN, ?> key) {
    Objects.requireNonNull(column, "column is null");
    Objects.requireNonNull(key, "key is null");
    if (column.isBlank() || !column.equals(escape(column))) {
      throw new IllegalArgumentException(
          "Invalid partition column '"
              + column
              + "': use a non-empty name without '/', '=', '%', ':' or control characters");
    }
    if (columns.contains(column)) {
      throw new IllegalArgumentException("Invalid partition column '" + column + "': repeated");
    }
    List<String> c = new ArrayList<>(columns);
    c.add(column);
    List<KeySelector<IN, ?>> k = new ArrayList<>(keys);
    k.add(key);
    return new ArtifactPartitioner<>(c, k);
  }

  public List<String> columns() {
    return columns;
  }

  /** The logical directory of {@code record}, without a trailing slash. */
  public String partitionPath(IN record) throws Exception {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < columns.size(); i++) {
      if (i > 0) {
        sb.append('/');
      }
      Object value = keys.get(i).getKey(record);
      String text = value == null ? null : value.toString();
      sb.append(PartitionPaths.segment(columns.get(i), text));
    }
    return sb.toString();
  }

  /** Spark's {@code ExternalCatalogUtils.escapePathName}, shared with readers through common. */
  static String escape(String value) {
    return PartitionPaths.escape(value);
  }
}
