package dev.artifacts.flink.table;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.artifacts.common.manifest.ManifestEntry;
import dev.artifacts.common.name.ArtifactPath;
import dev.artifacts.common.registry.ArtifactRegistries;
import dev.artifacts.common.registry.ArtifactRegistry;
import dev.artifacts.common.registry.ArtifactVersion;
import dev.artifacts.common.registry.VersionQuery;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.avro.file.DataFileStream;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.table.api.EnvironmentSettings;
import org.apache.flink.table.api.TableResult;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.types.Row;
import org.apache.flink.util.CloseableIterator;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.parquet.schema.Type;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code 'connector' = 'artifact'} tables on a MiniCluster with 2 task managers: INSERT through the
 * sink, SELECT through the source, with the registry checked directly in between.
 */
class ArtifactTableITCase {
  private static final ArtifactPath ARTIFACT = ArtifactPath.parse("acme/etl/events");

  @RegisterExtension
  static final MiniClusterExtension MINI_CLUSTER =
      new MiniClusterExtension(
          new MiniClusterResourceConfiguration.Builder()
              .setNumberTaskManagers(2)
              .setNumberSlotsPerTaskManager(2)
              .build());

  @TempDir Path dir;
  private String registryUri;
  private ArtifactRegistry registry;

  @BeforeEach
  void setUp() {
    registryUri = dir.resolve("registry").toString();
    registry = ArtifactRegistries.open(registryUri);
  }

  @AfterEach
  void tearDown() throws IOException {
    registry.close();
  }

  /** Rows with nulls, decimals, dates and a partition value that needs escaping. */
  private static final String ROWS =
      "(1, 'ann', CAST(1.50 AS DECIMAL(10, 2)), DATE '2024-01-01', 'eu/west'),"
          + " (2, CAST(NULL AS STRING), CAST(-2.25 AS DECIMAL(10, 2)), DATE '2024-01-01',"
          + " 'us'), (3, 'cy', CAST(NULL AS DECIMAL(10, 2)), DATE '2024-01-02', 'eu/west'),"
          + " (4, 'dee', CAST(4.00 AS DECIMAL(10, 2)), CAST(NULL AS DATE), 'us'),"
          + " (5, 'eve', CAST(0.01 AS DECIMAL(10, 2)), DATE '2024-01-02', CAST(NULL AS STRING))";

  private static final Set<String> EXPECTED =
      Set.of(
          "+I[1, ann, 1.50, 2024-01-01, eu/west]",
          "+I[2, null, -2.25, 2024-01-01, us]",
          "+I[3, cy, null, 2024-01-02, eu/west]",
          "+I[4, dee, 4.00, null, us]",
          "+I[5, eve, 0.01, 2024-01-02, null]");

  @ParameterizedTest
  @ValueSource(strings = {"parquet", "csv", "json", "avro"})
  void batchInsertAndSelectRoundTripWithPartitions(String format) throws Exception {
    StreamTableEnvironment t = batch();
    // Format options pass through with the format's prefix. Flink's CSV writes null as an empty
    // field, which it cannot read back as a number, so the test gives nulls a literal.
    createEvents(t, format, format.equals("csv") ? ", 'csv.null-literal' = 'NULL'" : "");
    t.executeSql("INSERT INTO events VALUES " + ROWS).await(2, TimeUnit.MINUTES);

    List<ArtifactVersion> versions = registry.versions(ARTIFACT, VersionQuery.all());
    assertThat(versions).hasSize(1);
    ArtifactVersion v = versions.get(0);
    List<ManifestEntry> entries = registry.manifest(v).entries();
    assertThat(entries)
        .extracting(e -> e.path().substring(0, e.path().lastIndexOf('/')))
        .containsOnly(
            "dt=2024-01-01/region=eu%2Fwest",
            "dt=2024-01-01/region=us",
            "dt=2024-01-02/region=eu%2Fwest",
            "dt=__HIVE_DEFAULT_PARTITION__/region=us",
            "dt=2024-01-02/region=__HIVE_DEFAULT_PARTITION__");
    assertThat(entries).allSatisfy(e -> assertThat(e.path()).endsWith("." + format));
    for (ManifestEntry e : entries) {
      assertThat(columnsInFile(v, e, format))
          .as("columns stored in %s", e.path())
          .containsExactly("id", "name", "amount");
    }

    assertThat(select(t, "SELECT * FROM events")).isEqualTo(EXPECTED);
    assertThat(select(t, "SELECT id, region FROM events WHERE dt = DATE '2024-01-02'"))
        .containsExactlyInAnyOrder("+I[3, eu/west]", "+I[5, null]");
    // The planner prunes partitions with the values the manifest lists, nulls included.
    assertThat(t.explainSql("SELECT id FROM events WHERE dt = DATE '2024-01-02'"))
        .contains("partitions=[{dt=2024-01-02, region=")
        .contains("{dt=2024-01-02, region=eu/west}", "{dt=2024-01-02, region=null}")
        .doesNotContain("dt=2024-01-01");
    assertThat(select(t, "SELECT id FROM events WHERE dt IS NULL")).containsExactly("+I[4]");
    assertThat(select(t, "SELECT id FROM events WHERE region = 'eu/west' AND id > 1"))
        .containsExactly("+I[3]");

    // Projection push-down: the format reads only the data columns asked for, in query order.
    assertThat(t.explainSql("SELECT region, amount FROM events"))
        .contains("project=[region, amount]");
    assertThat(select(t, "SELECT region, amount, id FROM events WHERE id < 3"))
        .containsExactlyInAnyOrder("+I[eu/west, 1.50, 1]", "+I[us, -2.25, 2]");
    assertThat(select(t, "SELECT DISTINCT dt FROM events"))
        .containsExactlyInAnyOrder("+I[2024-01-01]", "+I[2024-01-02]", "+I[null]");
    assertThat(select(t, "SELECT COUNT(*) FROM events")).containsExactly("+I[5]");
  }

  @Test
  void rowFormatThatCannotProjectReadsWholeRows() throws Exception {
    // Flink's raw format is not a ProjectableDecodingFormat: the connector reorders the columns.
    StreamTableEnvironment t = batch();
    t.executeSql(
        "CREATE TABLE lines (line STRING, p STRING) PARTITIONED BY (p) WITH ("
            + common("raw", ARTIFACT.toString())
            + ")");
    t.executeSql("INSERT INTO lines VALUES ('a', 'x'), ('b', 'y'), ('c', 'x')")
        .await(2, TimeUnit.MINUTES);
    assertThat(
            registry.manifest(registry.resolve(ARTIFACT)).entries().stream()
                .map(e -> e.path().substring(0, e.path().indexOf('/')))
                .collect(Collectors.toSet()))
        .containsExactlyInAnyOrder("p=x", "p=y");
    assertThat(select(t, "SELECT p, line FROM lines"))
        .containsExactlyInAnyOrder("+I[x, a]", "+I[y, b]", "+I[x, c]");
    assertThat(select(t, "SELECT COUNT(*) FROM lines WHERE p = 'x'")).containsExactly("+I[2]");
  }

  @Test
  void staticPartitionInsertAndReadingAVersionOrAlias() throws Exception {
    StreamTableEnvironment t = batch();
    createEvents(t, "parquet", ", 'aliases' = 'first'");
    t.executeSql(
            "INSERT INTO events PARTITION (dt = '2024-02-01', region = 'eu')"
                + " VALUES (10, 'x', CAST(1.00 AS DECIMAL(10, 2)))")
        .await(2, TimeUnit.MINUTES);
    t.executeSql("ALTER TABLE events SET ('aliases' = 'second')");
    t.executeSql("INSERT INTO events VALUES " + ROWS).await(2, TimeUnit.MINUTES);

    List<ArtifactVersion> versions =
        registry.versions(ARTIFACT, VersionQuery.all().withOrder(VersionQuery.Order.VERSION_ASC));
    assertThat(versions).hasSize(2);
    assertThat(versions.get(0).aliases()).contains("first").doesNotContain("latest");
    assertThat(versions.get(1).aliases()).contains("second", "latest");

    String first = "+I[10, x, 1.00, 2024-02-01, eu]";
    Set<String> both = new HashSet<>(EXPECTED);
    both.add(first);
    assertThat(select(t, "SELECT * FROM events")).isEqualTo(both);
    createEvents(t, "parquet", ", 'versionAsOf' = 'v0'", "events_v0");
    assertThat(select(t, "SELECT * FROM events_v0")).containsExactly(first);
    createEvents(t, "parquet", "", "events_first", "acme/etl/events:first");
    assertThat(select(t, "SELECT * FROM events_first")).containsExactly(first);
    assertThat(select(t, "SELECT * FROM events /*+ OPTIONS('versionAsOf' = 'second') */"))
        .isEqualTo(both);
  }

  @Test
  void referenceStorageWithVersionOptionsAndRunName() throws Exception {
    StreamTableEnvironment t = batch();
    Path location = dir.resolve("data");
    createEvents(
        t,
        "csv",
        ", 'csv.null-literal' = 'NULL', 'storage' = 'reference', 'location' = '"
            + location.toUri()
            + "', 'type' = 'table', 'aliases' = 'prod, nightly', 'tags' = 'etl',"
            + " 'description' = 'from SQL', 'metadata' = '{\"rows\": 5}',"
            + " 'run' = 'sql-nightly'");
    t.executeSql("INSERT INTO events VALUES " + ROWS).await(2, TimeUnit.MINUTES);

    ArtifactVersion v = registry.resolve(ARTIFACT);
    assertThat(v.type()).isEqualTo("table");
    assertThat(v.aliases()).contains("latest", "prod", "nightly");
    assertThat(v.tags()).containsExactly("etl");
    assertThat(v.description()).isEqualTo("from SQL");
    assertThat(v.metadata()).containsEntry("rows", 5);
    assertThat(registry.loggedBy(v)).get().extracting(r -> r.name()).isEqualTo("sql-nightly");
    // file: references are recorded in Python's as_uri() form, '=' encoded (WrittenReferences).
    String root = dev.artifacts.common.reference.FileUris.pythonUri(location.toString());
    assertThat(registry.manifest(v).entries())
        .allSatisfy(e -> assertThat(e.ref()).startsWith(root + "/dt%3D"));
    assertThat(select(t, "SELECT * FROM events")).isEqualTo(EXPECTED);
  }

  @Test
  void streamingInsertCommitsVersionsPerCheckpointAndStreamingSelectFollowsThem() throws Exception {
    StreamTableEnvironment t = streaming();
    t.executeSql(
        "CREATE TABLE numbers (id BIGINT) WITH ('connector' = 'datagen',"
            + " 'fields.id.kind' = 'sequence', 'fields.id.start' = '0', 'fields.id.end' = '1999',"
            + " 'rows-per-second' = '1000')");
    t.executeSql(
        "CREATE TABLE sink_out (id BIGINT, bucket INT) PARTITIONED BY (bucket) WITH ("
            + common("json", ARTIFACT.toString())
            + ")");
    t.executeSql("INSERT INTO sink_out SELECT id, CAST(id % 3 AS INT) FROM numbers")
        .await(2, TimeUnit.MINUTES);

    List<ArtifactVersion> versions =
        registry.versions(ARTIFACT, VersionQuery.all().withOrder(VersionQuery.Order.VERSION_ASC));
    assertThat(versions).as("one version per checkpoint with data").hasSizeGreaterThan(1);
    assertThat(versions.get(versions.size() - 1).commitProperties())
        .containsKey("flink.checkpoint-id");

    // A streaming SELECT reads the latest version, then the files of each later one.
    t.executeSql(
        "CREATE TABLE follow (id BIGINT, bucket INT) PARTITIONED BY (bucket) WITH ("
            + common("json", ARTIFACT.toString())
            + ", 'streaming' = 'true', 'monitor-interval' = '100 ms')");
    TableResult result = t.executeSql("SELECT id, bucket FROM follow");
    Set<Long> seen = new HashSet<>();
    try (CloseableIterator<Row> rows = result.collect()) {
      while (seen.size() < 2_000) {
        Row r = rows.next();
        assertThat(r.<Integer>getFieldAs(1)).isEqualTo((int) (r.<Long>getFieldAs(0) % 3));
        assertThat(seen.add(r.getFieldAs(0))).as("read once: %s", r).isTrue();
      }
      StreamTableEnvironment b = batch();
      b.executeSql(
          "CREATE TABLE sink_out (id BIGINT, bucket INT) PARTITIONED BY (bucket) WITH ("
              + common("json", ARTIFACT.toString())
              + ")");
      b.executeSql("INSERT INTO sink_out VALUES (5000, 2), (5001, 0)").await(2, TimeUnit.MINUTES);
      while (seen.size() < 2_002) {
        Row r = rows.next();
        assertThat(seen.add(r.getFieldAs(0))).as("read once: %s", r).isTrue();
      }
    }
    assertThat(seen)
        .isEqualTo(
            IntStream.concat(IntStream.range(0, 2_000), IntStream.of(5000, 5001))
                .mapToObj(i -> (long) i)
                .collect(Collectors.toSet()));
  }

  /**
   * Batch plans with exchanges in front of the sink: a self cross join (the planner breaks the
   * conflict between its two inputs with an {@code Exchange(distribution=[any])}, whose partitioner
   * is left null: Flink 1.20.1 used to fail building the job graph on it, FLINK-37870), then a hash
   * join and an aggregation over the written table.
   */
  @ParameterizedTest
  @ValueSource(strings = {"parquet", "csv"})
  void batchInsertFromPlansWithExchangesJoinsAndAggregations(String format) throws Exception {
    StreamTableEnvironment t = batch();
    t.executeSql(
        "CREATE TABLE crossed (id BIGINT, tag STRING, bucket INT) PARTITIONED BY (bucket) WITH ("
            + common(format, "acme/etl/crossed")
            + ")");
    t.executeSql(
        "CREATE TEMPORARY VIEW a AS SELECT * FROM (VALUES "
            + IntStream.range(0, 100).mapToObj(i -> "(" + i + ")").collect(Collectors.joining(","))
            + ") AS a(x)");
    t.executeSql(
        "CREATE TEMPORARY VIEW b AS SELECT x AS y, 'tag' || CAST(x AS STRING) AS tag FROM a WHERE x < 50");
    String crossJoin =
        "INSERT INTO crossed SELECT CAST(x * 50 + y AS BIGINT), tag, CAST(y % 4 AS INT)"
            + " FROM a CROSS JOIN b";
    assertThat(t.explainSql(crossJoin)).contains("Exchange(distribution=[any]");
    t.executeSql(crossJoin).await(2, TimeUnit.MINUTES);
    assertThat(select(t, "SELECT id FROM crossed")).hasSize(5_000);
    assertThat(registry.versions(ArtifactPath.parse("acme/etl/crossed"), VersionQuery.all()))
        .hasSize(1);

    t.executeSql(
        "CREATE TABLE summary (tag STRING, total BIGINT, bucket INT) PARTITIONED BY (bucket)"
            + " WITH ("
            + common(format, "acme/etl/summary")
            + ")");
    String joinAndAggregate =
        "INSERT INTO summary SELECT b.tag, COUNT(*), CAST(MIN(b.y) % 4 AS INT)"
            + " FROM crossed c JOIN b ON c.tag = b.tag GROUP BY b.tag";
    assertThat(t.explainSql(joinAndAggregate)).contains("Exchange(distribution=[hash[");
    t.executeSql(joinAndAggregate).await(2, TimeUnit.MINUTES);
    assertThat(select(t, "SELECT tag, total FROM summary"))
        .hasSize(50)
        .allSatisfy(row -> assertThat(row).endsWith(", 100]"));
  }

  /** A streaming join of two append-only inputs hashes both sides before the sink. */
  @Test
  void streamingInsertFromAJoinWithExchanges() throws Exception {
    StreamTableEnvironment t = streaming();
    t.executeSql(
        "CREATE TABLE numbers (id BIGINT) WITH ('connector' = 'datagen',"
            + " 'fields.id.kind' = 'sequence', 'fields.id.start' = '0', 'fields.id.end' = '999',"
            + " 'rows-per-second' = '1000')");
    t.executeSql(
        "CREATE TEMPORARY VIEW names AS SELECT * FROM (VALUES (0, 'zero'), (1, 'one'), (2, 'two'))"
            + " AS names(k, name)");
    t.executeSql(
        "CREATE TABLE joined (id BIGINT, name STRING, k INT) PARTITIONED BY (k) WITH ("
            + common("json", "acme/etl/joined")
            + ")");
    t.executeSql(
            "INSERT INTO joined SELECT n.id, names.name, names.k FROM numbers n"
                + " JOIN names ON CAST(n.id % 3 AS INT) = names.k")
        .await(2, TimeUnit.MINUTES);
    StreamTableEnvironment read = batch();
    read.executeSql(
        "CREATE TABLE joined (id BIGINT, name STRING, k INT) PARTITIONED BY (k) WITH ("
            + common("json", "acme/etl/joined")
            + ")");
    Set<String> rows = select(read, "SELECT id, name, k FROM joined");
    assertThat(rows).hasSize(1_000).contains("+I[4, one, 1]", "+I[999, zero, 0]");
  }

  // ---- helpers ---------------------------------------------------------------------------

  /** Streaming execution, parallelism 2, a checkpoint (and so a version) every 200 ms. */
  private static StreamTableEnvironment streaming() {
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    env.setParallelism(2);
    env.enableCheckpointing(200);
    return StreamTableEnvironment.create(env, EnvironmentSettings.inStreamingMode());
  }

  private static StreamTableEnvironment batch() {
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    env.setRuntimeMode(RuntimeExecutionMode.BATCH);
    env.setParallelism(2);
    return StreamTableEnvironment.create(env, EnvironmentSettings.inBatchMode());
  }

  private void createEvents(StreamTableEnvironment t, String format, String extra) {
    createEvents(t, format, extra, "events");
  }

  private void createEvents(StreamTableEnvironment t, String format, String extra, String name) {
    createEvents(t, format, extra, name, ARTIFACT.toString());
  }

  private void createEvents(
      StreamTableEnvironment t, String format, String extra, String name, String artifact) {
    t.executeSql(
        "CREATE TABLE "
            + name
            + " (id BIGINT, name STRING, amount DECIMAL(10, 2), dt DATE, region STRING)"
            + " PARTITIONED BY (dt, region) WITH ("
            + common(format, artifact)
            + extra
            + ")");
  }

  private String common(String format, String artifact) {
    return "'connector' = 'artifact', 'registry' = '"
        + registryUri
        + "', 'artifact' = '"
        + artifact
        + "', 'format' = '"
        + format
        + "'";
  }

  private static Set<String> select(StreamTableEnvironment t, String sql) throws Exception {
    List<String> out = new ArrayList<>();
    try (CloseableIterator<Row> rows = t.executeSql(sql).collect()) {
      rows.forEachRemaining(r -> out.add(r.toString()));
    }
    Set<String> distinct = new HashSet<>(out);
    assertThat(distinct).as("no duplicates in %s", out).hasSize(out.size());
    return distinct;
  }

  /** The column names stored inside one data file, read with the format's own library. */
  private List<String> columnsInFile(ArtifactVersion v, ManifestEntry e, String format)
      throws IOException {
    switch (format) {
      case "parquet":
        URI uri = registry.contentStore("acme", "etl").location(e.digest()).orElseThrow();
        try (ParquetFileReader reader =
            ParquetFileReader.open(
                HadoopInputFile.fromPath(
                    new org.apache.hadoop.fs.Path(uri), new Configuration()))) {
          return reader.getFooter().getFileMetaData().getSchema().getFields().stream()
              .map(Type::getName)
              .toList();
        }
      case "avro":
        try (InputStream in = registry.open(v, e);
            DataFileStream<GenericRecord> avro =
                new DataFileStream<>(in, new GenericDatumReader<>())) {
          return avro.getSchema().getFields().stream()
              .map(org.apache.avro.Schema.Field::name)
              .toList();
        }
      case "json":
        try (InputStream in = registry.open(v, e)) {
          String first = new String(in.readAllBytes(), UTF_8).lines().findFirst().orElseThrow();
          return new com.fasterxml.jackson.databind.ObjectMapper()
              .readTree(first).properties().stream().map(java.util.Map.Entry::getKey).toList();
        }
      case "csv":
        try (InputStream in = registry.open(v, e)) {
          // No header: the three stored columns, and never the partition values.
          String first = new String(in.readAllBytes(), UTF_8).lines().findFirst().orElseThrow();
          assertThat(first.split(",", -1)).hasSize(3);
          assertThat(first).doesNotContain("2024-").doesNotContain("eu/west");
          return List.of("id", "name", "amount");
        }
      default:
        throw new IllegalArgumentException(format);
    }
  }
}
