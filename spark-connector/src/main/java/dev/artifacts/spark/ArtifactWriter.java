package dev.artifacts.spark;

import dev.artifacts.common.ArtifactException;
import dev.artifacts.common.name.ArtifactPath;
import dev.artifacts.common.options.ArtifactOptions;
import dev.artifacts.common.registry.ArtifactRegistries;
import dev.artifacts.common.registry.ArtifactRegistry;
import dev.artifacts.common.registry.ArtifactVersion;
import dev.artifacts.common.registry.CommitResult;
import dev.artifacts.spark.source.ArtifactDataSource;
import dev.artifacts.spark.source.CommittedVersions;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.execution.datasources.DataSourceUtils;
import scala.collection.JavaConverters;

/**
 * Writes a DataFrame as a new artifact version and returns that version:
 *
 * <pre>{@code
 * ArtifactVersion v = ArtifactWriter.write(df, "acme/etl/clean-events",
 *     Map.of("aliases", "prod"), SaveMode.Overwrite, "day");   // -> acme/etl/clean-events:v7
 * }</pre>
 *
 * <p>Equivalent to {@code df.write().format("artifact").options(options).mode(mode)
 * .partitionBy(partitionBy).save(path)}, whose V1 entry point it calls directly. The returned
 * version is the one this very write committed (tagged with a unique id, so concurrent writes from
 * other threads cannot be mistaken for it); when the data equals the latest version, the registry
 * creates nothing and the latest version is returned; with {@link SaveMode#Ignore} on an existing
 * collection, its latest version.
 */
public final class ArtifactWriter {
  private static final String PARTITION_COLUMNS_KEY = "__partition_columns";

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
    Map<String, String> all = new HashMap<>(options == null ? Map.of() : options);
    String writeId = UUID.randomUUID().toString();
    all.put(CommittedVersions.WRITE_ID_OPTION, writeId);
    all.put("path", path);
    if (partitionBy.length > 0) {
      all.put(
          PARTITION_COLUMNS_KEY,
          DataSourceUtils.encodePartitioningColumns(
              JavaConverters.asScalaBuffer(Arrays.asList(partitionBy)).toSeq()));
    }
    // Straight into the V1 write entry point: what DataFrameWriter.save() ends up calling, without
    // first asking the read side (TableProvider.getTable) whether the table takes V2 writes.
    new ArtifactDataSource()
        .createRelation(
            data.sqlContext(),
            mode,
            JavaConverters.mapAsScalaMap(all)
                .toMap(scala.Predef.<scala.Tuple2<String, String>>$conforms()),
            data);
    return CommittedVersions.take(writeId)
        .map(CommitResult::version)
        .orElseGet(() -> latest(data.sparkSession(), path, all));
  }

  /** No commit happened (Ignore on an existing collection): report what is there. */
  private static ArtifactVersion latest(SparkSession session, String path, Map<String, String> o) {
    String uri = o.get(ArtifactOptions.REGISTRY);
    if (uri == null || uri.isBlank()) {
      uri = session.conf().get("spark.artifact.registry", ArtifactRegistries.defaultUri());
    }
    try (ArtifactRegistry registry =
        ArtifactRegistries.open(uri, session.sessionState().newHadoopConf())) {
      return registry.resolve(ArtifactPath.parse(path));
    } catch (ArtifactException.NotFound | java.io.IOException e) {
      throw new IllegalStateException("Cannot report the version written to " + path, e);
    }
  }
}
