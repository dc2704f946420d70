package dev.artifacts.spark;

import dev.artifacts.common.registry.ArtifactVersion;
import dev.artifacts.spark.source.PathWrite;
import java.util.Arrays;
import java.util.Map;
import java.util.Objects;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;

/**
 * Writes a DataFrame as a new artifact version and returns that version:
 *
 * <pre>{@code
 * ArtifactVersion v = ArtifactWriter.write(df, "acme/etl/clean-events",
 *     Map.of("aliases", "prod"), SaveMode.Overwrite, "day");   // -> acme/etl/clean-events:v7
 * }</pre>
 *
 * <p>Like {@code df.write().format("artifact").options(options).mode(mode)
 * .partitionBy(partitionBy).save(path)}, and also for a new partitioning (see {@link PathWrite}).
 * The returned version is the one this very write committed: the write is tagged with a unique id
 * that the version records, so concurrent writes from other threads or applications cannot be
 * mistaken for it. When the data equals the latest version, the registry creates nothing and the
 * latest version is returned; with {@link SaveMode#Ignore} on an existing collection, its latest
 * version.
 */
public final class ArtifactWriter {
  private ArtifactWriter() {}

  public static ArtifactVersion write(
      Dataset<Row> data,
      String path,
      Map<String, String> options,
      SaveMode mode,
      String... partitionBy) {
    Objects.requireNonNull(data, "data is null");
    Objects.requireNonNull(path, "path is null");
    Objects.requireNonNull(mode, "mode is null");
    return PathWrite.write(
        data, path, options == null ? Map.of() : options, mode, Arrays.asList(partitionBy));
  }
}
