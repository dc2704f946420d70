package dev.artifacts.spark.source;

import dev.artifacts.common.ArtifactException;
import dev.artifacts.common.name.ArtifactPath;
import dev.artifacts.common.registry.ArtifactRegistry;
import dev.artifacts.common.registry.ArtifactVersion;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.DataFrameWriterV2;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.execution.datasources.DataSourceUtils;
import org.apache.spark.sql.functions;
import scala.collection.JavaConverters;

/**
 * A path-based write with a {@link SaveMode} and {@code partitionBy} columns that returns the
 * version it committed: the engine of {@code dev.artifacts.spark.ArtifactWriter}.
 *
 * <p>The save mode becomes DataFrameWriterV2 operations on the registry's path-based {@link
 * ArtifactCatalog}, which run on the DSv2 {@code BatchWrite} (tasks hash while writing, the driver
 * commits one manifest). Unlike {@code df.write().save()}, whose append and overwrite Spark binds
 * to the existing table's partitioning, this also creates a partitioned collection with any mode
 * and re-partitions a collection on overwrite.
 *
 * <p>The committed version comes back through the registry, not through memory: the write carries a
 * fresh id ({@link CommittedVersions#WRITE_ID_OPTION}) that the commit records in the version's
 * commit properties, and {@link CommittedVersions#find} looks it up after the write returned.
 */
public final class PathWrite {
  private PathWrite() {}

  /**
   * Writes {@code data} to collection {@code path} and returns the version it committed; when the
   * data equals the latest version (the registry creates nothing) or the mode is {@code Ignore} on
   * an existing collection, the latest version.
   *
   * @throws ArtifactException.InvalidInput naming the artifact for an invalid path, option or
   *     partition column, or {@code ErrorIfExists} on an existing collection
   */
  public static ArtifactVersion write(
      Dataset<Row> data,
      String path,
      Map<String, String> options,
      SaveMode mode,
      List<String> partitionBy) {
    SparkSession session = data.sparkSession();
    ArtifactPath collection = writePath(path);
    Map<String, String> writeOptions = new HashMap<>(options);
    writeOptions.remove("path");
    String writeId = CommittedVersions.newWriteId();
    writeOptions.put(CommittedVersions.WRITE_ID_OPTION, writeId);
    // Everything a task would trip over later is checked here, before any task runs.
    WriteOptions parsed = WriteOptions.parse(collection, writeOptions, session);
    List<String> columns = Arrays.asList(data.schema().fieldNames());
    for (String column : partitionBy) {
      if (columns.stream().noneMatch(column::equalsIgnoreCase)) {
        throw new ArtifactException.InvalidInput(
            "Cannot write "
                + collection
                + ": partition column '"
                + column
                + "' is not in the data (columns: "
                + String.join(", ", columns)
                + ")");
      }
    }
    String registryUri = SparkRegistries.uri(writeOptions, session);
    ArtifactRegistry registry = SparkRegistries.open(registryUri, session);
    Optional<ArtifactVersion> latest = registry.find(collection);
    String catalog = CatalogIdentifiers.registerPathCatalog(session, registryUri);
    DataFrameWriterV2<Row> writer =
        data.writeTo(CatalogIdentifiers.quoted(catalog, collection)).options(writeOptions);
    Column[] partitions = partitionBy.stream().map(functions::col).toArray(Column[]::new);

    switch (mode) {
      case ErrorIfExists -> {
        if (latest.isPresent()) {
          throw new ArtifactException.InvalidInput(
              "Cannot write "
                  + collection
                  + ": it exists (latest "
                  + latest.get().version()
                  + ") and the save mode is ErrorIfExists; use mode append or overwrite");
        }
        run(() -> partitioned(writer, partitions).create());
      }
      case Ignore -> {
        if (latest.isEmpty()) {
          run(() -> partitioned(writer, partitions).create());
        }
      }
      case Overwrite -> {
        if (latest.isPresent() && parsed.dynamicOverwrite()) {
          checkPartitioning(collection, latest.get(), partitionBy);
          run(writer::overwritePartitions);
        } else if (latest.isPresent()) {
          // Truncate through the table the catalog loads for writes; the new partitioning travels
          // in Spark's own partitionBy key, because a truncate keeps the table's otherwise.
          run(
              () ->
                  writer
                      .option(
                          ArtifactDataSource.PARTITION_COLUMNS_KEY,
                          partitionColumnsJson(partitionBy))
                      .overwrite(functions.lit(true)));
        } else {
          run(() -> partitioned(writer, partitions).createOrReplace());
        }
      }
      case Append -> {
        if (latest.isPresent()) {
          checkPartitioning(collection, latest.get(), partitionBy);
          run(writer::append);
        } else {
          // Another application may create the collection first: create-or-replace never fails on
          // that, and the marker makes the staged table write with append semantics (unique file
          // names, re-applied onto whatever is latest at commit) instead of replacing.
          run(
              () ->
                  partitioned(
                          writer.option(ArtifactDataSource.APPEND_ON_CREATE_OPTION, "true"),
                          partitions)
                      .createOrReplace());
        }
      }
      default -> throw new IllegalArgumentException("Invalid save mode " + mode);
    }
    return CommittedVersions.find(registry, collection, writeId)
        .or(() -> registry.find(collection))
        .orElseThrow(
            () ->
                new IllegalStateException(
                    "Cannot report the version written to "
                        + collection
                        + ": the write succeeded but the collection has no version"));
  }

  /** The collection of a write; an alias in the path is refused (aliases are an option). */
  static ArtifactPath writePath(String path) {
    if (path == null || path.isBlank()) {
      throw new ArtifactException.InvalidInput(
          "Cannot write an artifact without a path: use save(\"entity/project/name\")");
    }
    ArtifactPath parsed = ArtifactPath.parse(path);
    if (parsed.alias() != null) {
      throw new ArtifactException.InvalidInput(
          "Invalid artifact path '"
              + path
              + "' for a write: it names alias '"
              + parsed.alias()
              + "'; save to entity/project/name and give aliases with option(\"aliases\", ...)");
    }
    return parsed;
  }

  /** An append or partition overwrite keeps the collection's partitioning, as Spark's does. */
  private static void checkPartitioning(
      ArtifactPath collection, ArtifactVersion latest, List<String> partitionBy) {
    List<String> existing = SparkCommitProperties.partitionColumns(latest);
    if (!partitionBy.isEmpty()
        && !partitionBy.stream()
            .map(c -> c.toLowerCase(Locale.ROOT))
            .toList()
            .equals(existing.stream().map(c -> c.toLowerCase(Locale.ROOT)).toList())) {
      throw new ArtifactException.InvalidInput(
          "Cannot write to "
              + collection
              + " partitioned by "
              + partitionBy
              + ": "
              + latest
              + " is partitioned by "
              + existing
              + "; use the same partitionBy columns or mode overwrite");
    }
  }

  private static DataFrameWriterV2<Row> partitioned(
      DataFrameWriterV2<Row> writer, Column[] partitions) {
    if (partitions.length == 0) {
      return writer;
    }
    return (DataFrameWriterV2<Row>)
        writer.partitionedBy(partitions[0], Arrays.copyOfRange(partitions, 1, partitions.length));
  }

  private static String partitionColumnsJson(List<String> columns) {
    return DataSourceUtils.encodePartitioningColumns(JavaConverters.asScalaBuffer(columns).toSeq());
  }

  /** A DataFrameWriterV2 operation, which may declare Spark's checked exceptions. */
  private interface Operation {
    void run() throws Exception;
  }

  // DataFrameWriterV2 declares checked Spark exceptions (the collection vanished between the check
  // and the write); they are reported as they are.
  private static void run(Operation operation) {
    try {
      operation.run();
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IllegalStateException(e.getMessage(), e);
    }
  }
}
