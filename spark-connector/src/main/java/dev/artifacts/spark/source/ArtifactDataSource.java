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
import org.apache.spark.sql.SQLContext;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.connector.catalog.Table;
import org.apache.spark.sql.connector.catalog.TableProvider;
import org.apache.spark.sql.connector.expressions.Transform;
import org.apache.spark.sql.execution.datasources.DataSourceUtils;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.sources.BaseRelation;
import org.apache.spark.sql.sources.CreatableRelationProvider;
import org.apache.spark.sql.sources.DataSourceRegister;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.util.CaseInsensitiveStringMap;
import scala.collection.JavaConverters;
import scala.collection.immutable.Map$;

/**
 * {@code format("artifact")}.
 *
 * <p>Reads are DataSource V2: {@link TableProvider} resolves {@code entity/project/name[:alias]}
 * (or {@code versionAsOf}/{@code timestampAsOf}) once and returns a table pinned to that version.
 *
 * <p>Writes enter through {@link CreatableRelationProvider}, because for a path-based source that
 * is the only way Spark 3.5 hands over every {@link SaveMode} and the {@code partitionBy} columns
 * of a new collection; the save mode is then translated into DataFrameWriterV2 operations on the
 * registry's {@link ArtifactCatalog}, which run on the DSv2 {@code BatchWrite}: tasks hash while
 * writing, the driver commits one manifest.
 */
public final class ArtifactDataSource
    implements TableProvider, CreatableRelationProvider, DataSourceRegister {

  public static final String SHORT_NAME = "artifact";

  @Override
  public String shortName() {
    return SHORT_NAME;
  }

  // ---- read (TableProvider) ------------------------------------------------------------------

  /**
   * Resolves the path and time-travel options to one version and infers its schema; the resolved
   * version is handed to {@link #getTable} (see {@link PinnedRead}) so both see the same version.
   *
   * @throws dev.artifacts.common.ArtifactException naming the artifact when the collection, version
   *     or alias does not exist or the files cannot be read as one format
   */
  @Override
  public StructType inferSchema(CaseInsensitiveStringMap options) {
    return PinnedRead.resolveAndHold(options).schema();
  }

  /** Identity transforms of the partition columns of the version {@link #inferSchema} pinned. */
  @Override
  public Transform[] inferPartitioning(CaseInsensitiveStringMap options) {
    return PinnedRead.peek(options)
        .orElseGet(() -> PinnedRead.resolveAndHold(options))
        .partitioning()
        .clone();
  }

  /**
   * A read-only table ({@code BATCH_READ} only, so {@code df.write} falls back to {@link
   * #createRelation}) pinned to the version {@link #inferSchema} resolved on this thread. Without a
   * preceding inference (a user-given schema, or Spark asking during a write) the version is
   * resolved here, and a collection that does not exist yet gives a table that fails only when
   * read.
   */
  @Override
  public Table getTable(
      StructType schema, Transform[] partitioning, Map<String, String> properties) {
    CaseInsensitiveStringMap options = new CaseInsensitiveStringMap(properties);
    java.util.Optional<PinnedRead> held = PinnedRead.take(options);
    if (held.isPresent()) {
      PinnedRead read = held.get();
      // With a user-given schema the held plan (inferred) does not apply; the table re-plans the
      // same pinned version with that schema.
      ReadPlan plan = read.schema().equals(schema) ? read.plan() : null;
      return new ArtifactTable(
          read.registryUri(),
          read.collection(),
          read.version(),
          schema,
          partitioning,
          properties,
          ArtifactTable.READ_CAPABILITIES,
          plan);
    }
    org.apache.spark.sql.SparkSession session = org.apache.spark.sql.SparkSession.active();
    dev.artifacts.common.name.ArtifactPath path = PinnedRead.path(options);
    String uri = SparkRegistries.uri(options, session);
    dev.artifacts.common.registry.ArtifactVersion version = null;
    String unreadable = null;
    try {
      version =
          VersionResolver.resolveIfExists(
                  SparkRegistries.open(uri, session), path, options, PinnedRead.zone(session))
              .orElse(null);
    } catch (dev.artifacts.common.ArtifactException.NotFound e) {
      // A write may name an alias that does not exist yet; only a read of this table fails.
      unreadable = e.getMessage();
    }
    return new ArtifactTable(
            uri,
            path.withAlias(null),
            version,
            schema,
            partitioning,
            properties,
            ArtifactTable.READ_CAPABILITIES)
        .unreadable(unreadable);
  }

  /**
   * True, so that a write hands its DataFrame's schema to {@link #getTable} instead of making Spark
   * infer the schema of a collection that may not exist yet, and so reads accept {@code
   * .schema(...)}.
   */
  @Override
  public boolean supportsExternalMetadata() {
    return true;
  }

  // ---- write (CreatableRelationProvider) -----------------------------------------------------

  @Override
  public BaseRelation createRelation(
      SQLContext sqlContext,
      SaveMode mode,
      scala.collection.immutable.Map<String, String> parameters,
      Dataset<Row> data) {
    SparkSession session = sqlContext.sparkSession();
    Map<String, String> options = new HashMap<>(JavaConverters.mapAsJavaMap(parameters));
    ArtifactPath collection = writePath(options.remove("path"));
    List<String> partitionBy = writePartitionColumns(options.remove(PARTITION_COLUMNS_KEY));
    // Everything a task would trip over later is checked here, before any task runs.
    WriteOptions parsed = WriteOptions.parse(collection, options, session);
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
    String registryUri = SparkRegistries.uri(options, session);
    ArtifactRegistry registry = SparkRegistries.open(registryUri, session);
    Optional<ArtifactVersion> latest = registry.find(collection);
    String catalog = CatalogIdentifiers.register(session, registryUri);
    DataFrameWriterV2<Row> writer =
        data.writeTo(CatalogIdentifiers.quoted(catalog, collection)).options(options);
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
        create(writer, partitions);
      }
      case Ignore -> {
        if (latest.isEmpty()) {
          create(writer, partitions);
        }
      }
      case Overwrite -> {
        if (latest.isPresent() && parsed.dynamicOverwrite()) {
          checkPartitioning(collection, latest.get(), partitionBy);
          overwritePartitions(writer);
        } else if (latest.isPresent()) {
          // Truncate through the table the catalog loads for writes; the new partitioning travels
          // in Spark's own partitionBy key, because a truncate keeps the table's otherwise.
          overwrite(writer.option(PARTITION_COLUMNS_KEY, partitionColumnsJson(partitionBy)));
        } else {
          partitioned(writer, partitions).createOrReplace();
        }
      }
      case Append -> {
        if (latest.isPresent()) {
          checkPartitioning(collection, latest.get(), partitionBy);
          append(writer);
        } else {
          // Another application may create the collection first: create-or-replace never fails on
          // that, and the marker makes the staged table write with append semantics (unique file
          // names, re-applied onto whatever is latest at commit) instead of replacing.
          createOrReplace(writer.option(APPEND_ON_CREATE_OPTION, "true"), partitions);
        }
      }
      default -> throw new IllegalArgumentException("Invalid save mode " + mode);
    }
    StructType schema = data.schema();
    return new BaseRelation() {
      @Override
      public SQLContext sqlContext() {
        return sqlContext;
      }

      @Override
      public StructType schema() {
        return schema;
      }
    };
  }

  static scala.collection.immutable.Map<String, String> emptyScalaMap() {
    return Map$.MODULE$.empty();
  }

  // ---- write helpers -------------------------------------------------------------------------

  /**
   * Spark's key for the {@code partitionBy} columns of a V1 write (a JSON array); also passed on to
   * a truncating V2 write, see {@link ArtifactWrite}.
   */
  static final String PARTITION_COLUMNS_KEY = "__partition_columns";

  /** Internal write option: a create that must behave as an append (see createRelation). */
  static final String APPEND_ON_CREATE_OPTION = "__artifact_append_on_create";

  private static ArtifactPath writePath(String path) {
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

  private static List<String> writePartitionColumns(String json) {
    if (json == null || json.isBlank()) {
      return List.of();
    }
    return List.copyOf(
        JavaConverters.seqAsJavaList(DataSourceUtils.decodePartitioningColumns(json)));
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

  private static void create(DataFrameWriterV2<Row> writer, Column[] partitions) {
    try {
      partitioned(writer, partitions).create();
    } catch (Exception e) {
      throw rethrow(e);
    }
  }

  private static void createOrReplace(DataFrameWriterV2<Row> writer, Column[] partitions) {
    try {
      partitioned(writer, partitions).createOrReplace();
    } catch (Exception e) {
      throw rethrow(e);
    }
  }

  private static void append(DataFrameWriterV2<Row> writer) {
    try {
      writer.append();
    } catch (Exception e) {
      throw rethrow(e);
    }
  }

  private static void overwrite(DataFrameWriterV2<Row> writer) {
    try {
      writer.overwrite(functions.lit(true));
    } catch (Exception e) {
      throw rethrow(e);
    }
  }

  private static String partitionColumnsJson(List<String> columns) {
    return DataSourceUtils.encodePartitioningColumns(JavaConverters.asScalaBuffer(columns).toSeq());
  }

  private static void overwritePartitions(DataFrameWriterV2<Row> writer) {
    try {
      writer.overwritePartitions();
    } catch (Exception e) {
      throw rethrow(e);
    }
  }

  // DataFrameWriterV2 declares checked Spark exceptions (the collection vanished between the check
  // and the write); they are reported as they are.
  private static RuntimeException rethrow(Exception e) {
    if (e instanceof RuntimeException r) {
      return r;
    }
    return new IllegalStateException(e.getMessage(), e);
  }
}
