package dev.artifacts.spark.source;

import static dev.artifacts.spark.source.WriteTesting.filesUnder;
import static dev.artifacts.spark.source.WriteTesting.materialize;
import static dev.artifacts.spark.source.WriteTesting.paths;
import static dev.artifacts.spark.source.WriteTesting.sortedRows;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.artifacts.common.ArtifactException;
import dev.artifacts.common.manifest.ManifestEntry;
import dev.artifacts.common.name.ArtifactPath;
import dev.artifacts.common.registry.ArtifactRegistries;
import dev.artifacts.common.registry.ArtifactRegistry;
import dev.artifacts.common.registry.ArtifactVersion;
import dev.artifacts.common.registry.VersionQuery;
import dev.artifacts.spark.ArtifactWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import scala.collection.JavaConverters;

class ArtifactWriteTest {
  private static SparkSession spark;

  @TempDir Path tmp;
  private String registryUri;
  private ArtifactRegistry registry;
  private int counter;

  @BeforeAll
  static void start() {
    spark = WriteTesting.session("local[2]");
  }

  @AfterAll
  static void stop() {
    spark.stop();
  }

  @BeforeEach
  void openRegistry() {
    registryUri = tmp.resolve("registry").toUri().toString();
    registry = ArtifactRegistries.open(registryUri);
  }

  private Dataset<Row> events(int n, int offset) {
    return spark
        .range(offset, offset + n, 1, 2)
        .selectExpr(
            "id",
            "concat('name-', id) as name",
            "cast(id % 3 as string) as day",
            "id * 1.5 as score");
  }

  private Map<String, String> opts(String... kv) {
    Map<String, String> m = new HashMap<>();
    m.put("registry", registryUri);
    for (int i = 0; i + 1 < kv.length; i += 2) {
      m.put(kv[i], kv[i + 1]);
    }
    return m;
  }

  private String collection() {
    return "acme/etl/events-" + (counter++);
  }

  private ArtifactVersion latest(String path) {
    return registry.resolve(ArtifactPath.parse(path));
  }

  private Dataset<Row> readBack(ArtifactVersion v, String format, StructType schema)
      throws Exception {
    Path dir = materialize(registry, v, Files.createTempDirectory(tmp, "copy"));
    var reader = spark.read().format(format);
    if (schema != null) {
      reader = reader.schema(schema);
    }
    return reader.load(dir.toString());
  }

  // ---- formats -------------------------------------------------------------------------------

  @ParameterizedTest
  @ValueSource(strings = {"parquet", "orc", "json", "csv"})
  void roundTripsEveryFormat(String format) throws Exception {
    String path = collection();
    Dataset<Row> df = events(20, 0);
    ArtifactVersion v =
        ArtifactWriter.write(df, path, opts("format", format), SaveMode.ErrorIfExists);

    assertThat(v.version()).isEqualTo("v0");
    assertThat(v.type()).isEqualTo("dataset");
    assertThat(v.commitProperties())
        .containsEntry(SparkCommitProperties.FORMAT, format)
        .containsEntry(SparkCommitProperties.PARTITION_COLUMNS, "[]")
        .containsEntry(SparkCommitProperties.SCHEMA, df.schema().json());
    assertThat(paths(registry, v))
        .isNotEmpty()
        .allMatch(p -> p.matches("part-0000[01]-000\\..*" + format), "deterministic names");
    // csv and json do not keep types by themselves: read with the recorded schema.
    StructType schema = format.equals("csv") || format.equals("json") ? df.schema() : null;
    assertThat(sortedRows(readBack(v, format, schema))).isEqualTo(sortedRows(df));
    assertThat(registry.loggedBy(v)).get().extracting(r -> r.jobType()).isEqualTo("spark");
    assertThat(v.loggedBy()).isEqualTo(spark.sparkContext().applicationId());
  }

  @Test
  void writeMetricsReachTheSparkUi() throws Exception {
    long before = System.currentTimeMillis();
    String path = collection();
    ArtifactVersion v =
        ArtifactWriter.write(events(30, 0), path, opts(), SaveMode.ErrorIfExists, "day");
    spark.sparkContext().listenerBus().waitUntilEmpty();

    Map<String, Long> metrics = uiMetricsSince(before);

    assertThat(paths(registry, v)).hasSizeGreaterThan(2);
    assertThat(metrics)
        .containsEntry("artifact files written", (long) paths(registry, v).size())
        .containsKey("artifact hashing time (ms, incl. I/O)");
    // Spark 3.5 reads writer metrics for the last time before the task commits, so the bytes
    // Parquet writes while closing each task's last file are not in the UI's figure.
    assertThat(metrics.get("artifact bytes hashed")).isPositive().isLessThanOrEqualTo(v.size());
  }

  /** The artifact metrics of the SQL executions since {@code millis}, as the UI shows them. */
  private static Map<String, Long> uiMetricsSince(long millis) {
    var store = spark.sharedState().statusStore();
    Map<String, Long> found = new HashMap<>();
    for (var execution : JavaConverters.seqAsJavaList(store.executionsList())) {
      if (execution.submissionTime() < millis) {
        continue;
      }
      var values = JavaConverters.mapAsJavaMap(store.executionMetrics(execution.executionId()));
      for (var node :
          JavaConverters.seqAsJavaList(store.planGraph(execution.executionId()).allNodes())) {
        for (var metric : JavaConverters.seqAsJavaList(node.metrics())) {
          String value = values.get(metric.accumulatorId());
          if (metric.name().startsWith("artifact ") && value != null) {
            found.merge(metric.name(), Long.parseLong(value.trim()), Long::sum);
          }
        }
      }
    }
    return found;
  }

  @Test
  void roundTripsText() throws Exception {
    String path = collection();
    Dataset<Row> df = events(10, 0).selectExpr("name as value");
    ArtifactVersion v = ArtifactWriter.write(df, path, opts("format", "text"), SaveMode.Overwrite);
    assertThat(paths(registry, v)).allMatch(p -> p.endsWith(".txt"));
    assertThat(sortedRows(readBack(v, "text", null))).isEqualTo(sortedRows(df));
  }

  // ---- partitions and labels -----------------------------------------------------------------

  @Test
  void partitionedWriteUsesColumnValuePaths() throws Exception {
    String path = collection();
    Dataset<Row> df =
        events(12, 0).selectExpr("id", "name", "case when id = 0 then null else day end as day");
    df = df.union(spark.sql("select 100L as id, 'x' as name, 'a/b:c' as day"));
    ArtifactVersion v =
        ArtifactWriter.write(
            df,
            path,
            opts(
                "aliases", "prod,candidate",
                "tags", "nightly",
                "description", "events",
                "metadata", "{\"rows\": 13}",
                "type", "table-data",
                "run", "my-etl"),
            SaveMode.Overwrite,
            "day");

    List<String> paths = paths(registry, v);
    assertThat(paths)
        .anyMatch(p -> p.startsWith("day=1/part-"))
        .anyMatch(p -> p.startsWith("day=__HIVE_DEFAULT_PARTITION__/"))
        .anyMatch(p -> p.startsWith("day=a%2Fb%3Ac/"))
        .allMatch(p -> p.startsWith("day="));
    assertThat(v.aliases()).contains("latest", "prod", "candidate");
    assertThat(v.tags()).containsExactly("nightly");
    assertThat(v.description()).isEqualTo("events");
    assertThat(v.metadata()).containsEntry("rows", 13);
    assertThat(v.type()).isEqualTo("table-data");
    assertThat(v.commitProperties())
        .containsEntry(SparkCommitProperties.PARTITION_COLUMNS, "[\"day\"]");
    assertThat(registry.loggedBy(v)).get().extracting(r -> r.name()).isEqualTo("my-etl");

    Dataset<Row> back = readBack(v, "parquet", null).selectExpr("id", "name", "day");
    assertThat(sortedRows(back)).isEqualTo(sortedRows(df));
  }

  // ---- save modes ----------------------------------------------------------------------------

  @Test
  void saveModes() {
    String path = collection();
    ArtifactVersion v0 = ArtifactWriter.write(events(6, 0), path, opts(), SaveMode.ErrorIfExists);
    assertThatThrownBy(
            () -> ArtifactWriter.write(events(6, 0), path, opts(), SaveMode.ErrorIfExists))
        .hasMessageContaining("Cannot write " + path)
        .hasMessageContaining("ErrorIfExists");

    ArtifactVersion ignored = ArtifactWriter.write(events(3, 50), path, opts(), SaveMode.Ignore);
    assertThat(ignored.version()).isEqualTo("v0");

    ArtifactVersion v1 = ArtifactWriter.write(events(4, 100), path, opts(), SaveMode.Append);
    assertThat(v1.version()).isEqualTo("v1");
    assertThat(v1.fileCount()).isEqualTo(v0.fileCount() + 2);
    assertThat(paths(registry, v1)).containsAll(paths(registry, v0));

    ArtifactVersion v2 = ArtifactWriter.write(events(4, 200), path, opts(), SaveMode.Overwrite);
    assertThat(v2.version()).isEqualTo("v2");
    assertThat(v2.fileCount()).isEqualTo(2);

    // Append to a collection that does not exist creates it.
    String other = collection();
    assertThat(ArtifactWriter.write(events(2, 0), other, opts(), SaveMode.Append).version())
        .isEqualTo("v0");
    assertThat(ArtifactWriter.write(events(2, 0), collection(), opts(), SaveMode.Ignore).version())
        .isEqualTo("v0");
  }

  @Test
  void dynamicPartitionOverwriteReplacesOnlyWrittenPartitions() throws Exception {
    String path = collection();
    Dataset<Row> first = events(9, 0); // days 0, 1, 2
    ArtifactWriter.write(first, path, opts(), SaveMode.Overwrite, "day");
    Dataset<Row> update =
        events(9, 0).where("day = '1'").selectExpr("id + 1000 as id", "name", "day", "score");
    ArtifactVersion v1 =
        ArtifactWriter.write(
            update, path, opts("partitionOverwriteMode", "dynamic"), SaveMode.Overwrite, "day");

    assertThat(v1.version()).isEqualTo("v1");
    Dataset<Row> back = readBack(v1, "parquet", null).selectExpr("id", "name", "day", "score");
    Dataset<Row> expected =
        first.where("day <> '1'").unionByName(update).selectExpr("id", "name", "day", "score");
    assertThat(sortedRows(back)).isEqualTo(sortedRows(expected));

    // The session conf selects dynamic mode too.
    spark.conf().set("spark.sql.sources.partitionOverwriteMode", "dynamic");
    try {
      ArtifactVersion v2 =
          ArtifactWriter.write(
              events(3, 0).where("day = '0'"), path, opts(), SaveMode.Overwrite, "day");
      assertThat(paths(registry, v2))
          .anyMatch(p -> p.startsWith("day=1/"))
          .anyMatch(p -> p.startsWith("day=2/"));
    } finally {
      spark.conf().unset("spark.sql.sources.partitionOverwriteMode");
    }
  }

  @Test
  void appendKeepsTheCollectionsFormatAndRejectsOtherColumns() {
    String path = collection();
    ArtifactWriter.write(events(4, 0), path, opts("format", "orc"), SaveMode.Overwrite);
    ArtifactVersion v1 = ArtifactWriter.write(events(4, 10), path, opts(), SaveMode.Append);
    assertThat(paths(registry, v1)).allMatch(p -> p.endsWith(".orc"));
    assertThatThrownBy(
            () ->
                ArtifactWriter.write(events(4, 10), path, opts("format", "json"), SaveMode.Append))
        .hasMessageContaining("Invalid option format='json' for " + path);
    assertThatThrownBy(
            () ->
                ArtifactWriter.write(events(4, 10).selectExpr("id"), path, opts(), SaveMode.Append))
        .hasMessageContaining("Cannot find data for the output column `name`");
  }

  // ---- dedup ---------------------------------------------------------------------------------

  @ParameterizedTest
  @ValueSource(strings = {"parquet", "orc", "csv"})
  void rewritingIdenticalDataCreatesNoVersion(String format) {
    String path = collection();
    ArtifactVersion v0 =
        ArtifactWriter.write(
            events(20, 0), path, opts("format", format), SaveMode.Overwrite, "day");
    ArtifactVersion again =
        ArtifactWriter.write(
            events(20, 0), path, opts("format", format), SaveMode.Overwrite, "day");
    assertThat(again.version()).isEqualTo("v0");
    assertThat(again.digest()).isEqualTo(v0.digest());
    assertThat(registry.versions(v0.path().withAlias(null), VersionQuery.all())).hasSize(1);
  }

  // ---- reference storage ---------------------------------------------------------------------

  @Test
  void referenceStorageOnLocalFiles() throws Exception {
    String path = collection();
    Path location = tmp.resolve("tables/events");
    Dataset<Row> df = events(10, 0);
    ArtifactVersion v =
        ArtifactWriter.write(
            df,
            path,
            opts("storage", "reference", "location", location.toUri().toString()),
            SaveMode.Overwrite,
            "day");
    List<ManifestEntry> entries = registry.manifest(v).entries();
    assertThat(entries).isNotEmpty().allMatch(ManifestEntry::isReference);
    for (ManifestEntry e : entries) {
      assertThat(e.ref()).startsWith("file://" + location.toAbsolutePath());
      Path file = Path.of(java.net.URI.create(e.ref()));
      assertThat(Files.exists(file)).as("%s exists", e.ref()).isTrue();
    }
    // Only the referenced files are in the location: nothing stray.
    assertThat(
            filesUnder(location).stream().filter(p -> !p.getFileName().toString().startsWith(".")))
        .hasSize(entries.size());
    assertThat(sortedRows(readBack(v, "parquet", null).selectExpr("id", "name", "day", "score")))
        .isEqualTo(sortedRows(df));
    assertThat(v.commitProperties()).containsEntry(SparkCommitProperties.STORAGE, "reference");
  }

  // ---- bad input -----------------------------------------------------------------------------

  @Test
  void badOptionsFailBeforeAnyTaskRuns() throws Exception {
    WriteTesting.TaskCounter tasks = new WriteTesting.TaskCounter();
    spark.sparkContext().addSparkListener(tasks);
    try {
      String path = collection();
      assertThatThrownBy(() -> save(path, opts("format", "avro")))
          .isInstanceOf(ArtifactException.InvalidInput.class)
          .hasMessageContaining("Invalid option format='avro' for " + path);
      assertThatThrownBy(() -> save(path, opts("storage", "reference")))
          .hasMessageContaining("Invalid option storage='reference' for " + path)
          .hasMessageContaining("location");
      assertThatThrownBy(() -> save(path, opts("storage", "s3")))
          .hasMessageContaining("Invalid option storage='s3'");
      assertThatThrownBy(() -> save(path, opts("aliases", "v3")))
          .hasMessageContaining("Invalid alias 'v3' for " + path);
      assertThatThrownBy(() -> save(path, opts("tags", "ok,bad/tag")))
          .hasMessageContaining("Invalid tag 'bad/tag'");
      assertThatThrownBy(() -> save(path, opts("metadata", "[1]")))
          .hasMessageContaining("Invalid option metadata='[1]'");
      assertThatThrownBy(() -> save(path, opts("partitionOverwriteMode", "sometimes")))
          .hasMessageContaining("Invalid option partitionOverwriteMode='sometimes'");
      assertThatThrownBy(() -> save("acme/etl/bad name", opts())).hasMessageContaining("bad name");
      assertThatThrownBy(() -> save(path + ":prod", opts()))
          .hasMessageContaining("Invalid artifact path '" + path + ":prod' for a write");
      assertThatThrownBy(
              () -> ArtifactWriter.write(events(3, 0), path, opts(), SaveMode.Overwrite, "nope"))
          .hasMessageContaining("partition column 'nope'");
      assertThatThrownBy(
              () ->
                  ArtifactWriter.write(
                      events(3, 0).selectExpr("id", "name"),
                      path,
                      opts("format", "text"),
                      SaveMode.Overwrite))
          .hasMessageContaining("The Text datasource doesn't support the column `id`");
      spark.sparkContext().listenerBus().waitUntilEmpty();
      assertThat(tasks.started.get()).isZero();
      assertThat(registry.find(ArtifactPath.parse(path))).isEmpty();
    } finally {
      spark.sparkContext().removeSparkListener(tasks);
    }
  }

  private void save(String path, Map<String, String> options) {
    ArtifactWriter.write(events(3, 0), path, options, SaveMode.Overwrite);
  }

  // ---- concurrency ---------------------------------------------------------------------------

  @Test
  void concurrentWritersGetGaplessVersions() throws Exception {
    String path = collection();
    ArtifactWriter.write(events(2, 0), path, opts(), SaveMode.Overwrite);
    ExecutorService pool = Executors.newFixedThreadPool(2);
    SparkSession second = spark.newSession();
    try {
      List<Future<ArtifactVersion>> results = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        SparkSession s = i % 2 == 0 ? spark : second;
        int offset = 1000 * (i + 1);
        Callable<ArtifactVersion> write =
            () ->
                ArtifactWriter.write(
                    s.range(offset, offset + 5, 1, 1)
                        .selectExpr(
                            "id",
                            "concat('n', id) as name",
                            "cast(id % 3 as string) as day",
                            "id * 1.5 as score"),
                    path,
                    opts(),
                    SaveMode.Overwrite);
        results.add(pool.submit(write));
      }
      List<String> versions = new ArrayList<>();
      for (Future<ArtifactVersion> f : results) {
        versions.add(f.get().version());
      }
      assertThat(versions).containsExactlyInAnyOrder("v1", "v2", "v3", "v4");
    } finally {
      pool.shutdownNow();
    }
    assertThat(registry.versions(ArtifactPath.parse(path), VersionQuery.all()))
        .extracting(ArtifactVersion::versionIndex)
        .containsExactlyInAnyOrder(0, 1, 2, 3, 4);
    assertThat(filesUnder(tmp.resolve("registry/acme/etl/staging"))).isEmpty();
  }

  @Test
  void concurrentAppendsKeepEveryRow() throws Exception {
    String path = collection();
    ArtifactWriter.write(events(2, 0), path, opts(), SaveMode.Overwrite);
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<ArtifactVersion>> results = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        int offset = 1000 * (i + 1);
        Callable<ArtifactVersion> append =
            () ->
                ArtifactWriter.write(
                    spark
                        .range(offset, offset + 5, 1, 1)
                        .selectExpr(
                            "id",
                            "concat('n', id) as name",
                            "cast(id % 3 as string) as day",
                            "id * 1.5 as score"),
                    path,
                    opts(),
                    SaveMode.Append);
        results.add(pool.submit(append));
      }
      for (Future<ArtifactVersion> f : results) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }
    // Each append re-applies its files onto whatever was latest when it committed.
    long rows = spark.read().format("artifact").option("registry", registryUri).load(path).count();
    assertThat(rows).isEqualTo(2 + 4 * 5);
  }

  // ---- catalog -------------------------------------------------------------------------------

  @Test
  void sqlThroughTheCatalog() {
    spark.conf().set("spark.sql.catalog.art", ArtifactCatalog.class.getName());
    spark.conf().set("spark.sql.catalog.art.registry", registryUri);
    spark.sql(
        "CREATE TABLE art.acme.etl.sql_events PARTITIONED BY (day) AS"
            + " SELECT id, cast(id % 2 AS string) AS day FROM range(6)");
    ArtifactVersion v0 = latest("acme/etl/sql_events");
    assertThat(v0.version()).isEqualTo("v0");
    assertThat(paths(registry, v0)).allMatch(p -> p.startsWith("day="));

    spark.sql("INSERT INTO art.acme.etl.sql_events SELECT 100L, '7'");
    ArtifactVersion v1 = latest("acme/etl/sql_events");
    assertThat(v1.fileCount()).isEqualTo(v0.fileCount() + 1);
    assertThat(paths(registry, v1)).anyMatch(p -> p.startsWith("day=7/"));

    assertThatThrownBy(() -> spark.sql("CREATE TABLE art.acme.etl.sql_events AS SELECT 1 AS id"))
        .hasMessageContaining("sql_events");
    assertThatThrownBy(() -> spark.sql("DROP TABLE art.acme.etl.sql_events"))
        .hasMessageContaining("Cannot drop acme/etl/sql_events");
    assertThat(latest("acme/etl/sql_events").version()).isEqualTo("v1");
  }
}
