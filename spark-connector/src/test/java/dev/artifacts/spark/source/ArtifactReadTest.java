package dev.artifacts.spark.source;

import static dev.artifacts.spark.source.ReadFixtures.commit;
import static dev.artifacts.spark.source.ReadFixtures.messages;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.artifacts.common.manifest.ManifestEntry;
import dev.artifacts.common.name.ArtifactPath;
import dev.artifacts.common.registry.ArtifactDraft;
import dev.artifacts.common.registry.ArtifactRegistry;
import dev.artifacts.common.registry.ArtifactVersion;
import dev.artifacts.common.registry.RunInfo;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.connector.catalog.TableCatalog;
import org.apache.spark.sql.connector.expressions.Transform;
import org.apache.spark.sql.execution.SparkPlan;
import org.apache.spark.sql.execution.datasources.FilePartition;
import org.apache.spark.sql.execution.datasources.PartitionedFile;
import org.apache.spark.sql.execution.datasources.v2.BatchScanExec;
import org.apache.spark.sql.execution.datasources.v2.DataSourceV2Relation;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.util.CaseInsensitiveStringMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import scala.collection.JavaConverters;

/** {@code spark.read().format("artifact")} against an embedded registry in a temp directory. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ArtifactReadTest {
  @TempDir static Path tmp;
  SparkSession spark;
  String uri;
  ArtifactRegistry registry;
  int dirs;

  @BeforeAll
  void start() {
    spark = ReadFixtures.session("artifact-read-test").getOrCreate();
    uri = tmp.resolve("registry").toUri().toString();
    spark.conf().set(SparkRegistries.SESSION_REGISTRY, uri);
    registry = SparkRegistries.open(uri, spark);
  }

  @AfterAll
  void stop() {
    spark.stop();
  }

  private static ArtifactPath coll(String name) {
    return new ArtifactPath("acme", "p", name, null);
  }

  private Dataset<Row> events(int n, int offset) {
    return spark
        .range(offset, offset + n)
        .selectExpr(
            "cast(id as int) id",
            "concat('n', cast(id as string)) name",
            "cast(id % 3 as int) day");
  }

  /** Writes with plain Spark and returns the output directory. */
  private Path write(Dataset<Row> df, String format, String... partitionBy) {
    Path dir = tmp.resolve("out" + dirs++);
    df.write()
        .format(format)
        .partitionBy(partitionBy)
        .option("header", "true")
        .save(dir.toString());
    return dir;
  }

  private Dataset<Row> read(String path) {
    return spark.read().format("artifact").load(path);
  }

  private static List<String> sorted(Dataset<Row> df) {
    return df.collectAsList().stream().map(Row::toString).sorted().toList();
  }

  // ---- formats, schemas, partitions ----------------------------------------------------------

  @Test
  void parquetRoundTripInfersPartitionColumnsAndTypesFromLogicalPaths() throws Exception {
    Dataset<Row> df = events(30, 0);
    ArtifactVersion v = commit(registry, coll("parquet"), write(df, "parquet", "day"), Map.of());

    Dataset<Row> back = read("acme/p/parquet");

    assertThat(back.schema().fieldNames()).containsExactly("id", "name", "day");
    assertThat(back.schema().apply("day").dataType()).isEqualTo(DataTypes.IntegerType);
    assertThat(sorted(back)).isEqualTo(sorted(df));
    assertThat(registry.manifest(v).entries()).allMatch(e -> e.path().startsWith("day="));
  }

  @Test
  void everyFormatRoundTrips() throws Exception {
    Dataset<Row> df = events(12, 0);
    for (String format : List.of("csv", "json", "orc")) {
      commit(registry, coll("fmt-" + format), write(df, format, "day"), Map.of());
      Dataset<Row> back =
          spark
              .read()
              .format("artifact")
              .option("header", "true")
              .option("inferSchema", "true")
              .load("acme/p/fmt-" + format);
      assertThat(sorted(back.selectExpr("cast(id as int) id", "name", "day")))
          .as(format)
          .isEqualTo(sorted(df));
    }
    commit(registry, coll("fmt-text"), write(df.select("name"), "text"), Map.of());
    assertThat(sorted(read("acme/p/fmt-text"))).isEqualTo(sorted(df.selectExpr("name as value")));
  }

  @Test
  void theSchemaOptionFixesTheSchemaOfFilesWithoutOne() throws Exception {
    Dataset<Row> df = events(6, 0);
    commit(registry, coll("ddl"), write(df, "csv", "day"), Map.of());
    Dataset<Row> back =
        spark
            .read()
            .format("artifact")
            .option("header", "true")
            .option("schema", "id INT, name STRING")
            .load("acme/p/ddl");
    assertThat(back.schema().apply("id").dataType()).isEqualTo(DataTypes.IntegerType);
    assertThat(sorted(back.select("id", "name", "day"))).isEqualTo(sorted(df));
    assertThatThrownBy(
            () -> spark.read().format("artifact").option("schema", "id NOPE").load("acme/p/ddl"))
        .hasMessageContaining("Invalid option schema='id NOPE' for acme/p/ddl");
  }

  @Test
  void recordedSchemaPartitionColumnsAndFormatAreUsedInsteadOfInference() throws Exception {
    Dataset<Row> df = events(9, 0);
    StructType recorded =
        new StructType()
            .add("id", DataTypes.LongType)
            .add("name", DataTypes.StringType)
            .add("day", DataTypes.StringType);
    // Files named .dat: inference could not tell their format; the recorded one is used.
    Path dir = write(df.selectExpr("cast(id as long) id", "name", "day"), "parquet", "day");
    try (var walk = Files.walk(dir)) {
      for (Path p : walk.filter(p -> p.toString().endsWith(".parquet")).toList()) {
        Files.move(p, p.resolveSibling(p.getFileName() + ".dat"));
      }
    }
    commit(
        registry,
        coll("recorded"),
        dir,
        Map.of(
            ReadPlan.SCHEMA_PROPERTY,
            recorded.json(),
            ReadPlan.PARTITION_COLUMNS_PROPERTY,
            SparkCommitProperties.partitionColumnsJson(List.of("day")),
            ReadPlan.FORMAT_PROPERTY,
            "parquet"));

    Dataset<Row> back = read("acme/p/recorded");

    assertThat(back.schema().apply("id").dataType()).isEqualTo(DataTypes.LongType);
    assertThat(back.schema().apply("day").dataType()).isEqualTo(DataTypes.StringType);
    assertThat(back.where("day = '1'").count()).isEqualTo(3);
  }

  /**
   * The manifest SplitPlannerTest#sideFilesAreNotData plans with Flink: both engines select the
   * same data entries, by common's EntryFiles rule.
   */
  @Test
  void sideFilesAreNotData() throws Exception {
    ArtifactDraft draft = registry.newDraft(coll("sidefiles"), "dataset");
    Map<String, String> files = new java.util.LinkedHashMap<>();
    files.put("day=1/a.csv", "1\n");
    files.put("day=1/.a.csv.crc", "crc");
    files.put("_SUCCESS", "");
    files.put("_meta/schema.json", "{}");
    files.put("day=2/b.csv", "2\n");
    for (Map.Entry<String, String> f : files.entrySet()) {
      try (java.io.OutputStream out = draft.newFile(f.getKey())) {
        out.write(f.getValue().getBytes(java.nio.charset.StandardCharsets.UTF_8));
      }
    }
    ArtifactVersion v = registry.commit(draft).version();

    ReadPlan plan = ReadPlan.plan(spark, registry, v, Map.of("format", "csv"), null);
    assertThat(plan.files())
        .extracting(ReadPlan.DataFile::logicalPath)
        .containsExactlyInAnyOrder("day=1/a.csv", "day=2/b.csv");
    assertThat(sorted(read("acme/p/sidefiles").selectExpr("_c0", "day")))
        .containsExactly("[1,1]", "[2,2]");
  }

  @Test
  void mixedFormatsGiveAnErrorNamingTheArtifactAndExtensions() throws Exception {
    Path dir = write(events(4, 0), "parquet");
    Files.writeString(dir.resolve("notes.csv"), "a,b\n1,2\n");
    commit(registry, coll("mixed"), dir, Map.of());

    assertThatThrownBy(() -> read("acme/p/mixed"))
        .hasMessageContaining("Cannot infer the format of acme/p/mixed:v0")
        .hasMessageContaining("[.csv, .parquet]")
        .hasMessageContaining("format=");
  }

  @Test
  void compressedCsvStoredByDigestIsRefusedRatherThanMisread() throws Exception {
    Path dir = tmp.resolve("out" + dirs++);
    events(4, 0).write().option("compression", "gzip").csv(dir.toString());
    commit(registry, coll("gzcsv"), dir, Map.of());

    assertThatThrownBy(() -> read("acme/p/gzcsv"))
        .hasMessageContaining("Cannot read acme/p/gzcsv:v0: entry 'part-")
        .hasMessageContaining(
            "is a compressed file stored by content digest, where Spark's csv reader");
  }

  // ---- pruning and pushdown ------------------------------------------------------------------

  @Test
  void aQueryOnOnePartitionOpensOnlyThatPartitionsFiles() throws Exception {
    Dataset<Row> df = events(30, 1000).repartition(2);
    // A recorded schema, as the write path stores it: no footer is read to infer one.
    ArtifactVersion v =
        commit(
            registry,
            coll("pruned"),
            write(df, "parquet", "day"),
            Map.of(
                ReadPlan.SCHEMA_PROPERTY,
                df.schema().json(),
                ReadPlan.PARTITION_COLUMNS_PROPERTY,
                SparkCommitProperties.partitionColumnsJson(List.of("day"))));
    Map<String, URI> objectOf = new java.util.HashMap<>();
    for (ManifestEntry e : registry.manifest(v).entries()) {
      objectOf.put(e.path(), registry.contentStore("acme", "p").location(e.digest()).orElseThrow());
    }
    Set<String> day2 =
        objectOf.entrySet().stream()
            .filter(e -> e.getKey().startsWith("day=2/"))
            .map(e -> e.getValue().toString())
            .collect(Collectors.toSet());
    assertThat(day2).isNotEmpty();

    Dataset<Row> one = read("acme/p/pruned").where("day = 2");

    assertThat(scannedFiles(one)).isEqualTo(day2);
    assertThat(one.queryExecution().executedPlan().toString())
        .contains("PartitionFilters: [isnotnull(day", "(day#");
    // Stronger than the plan: with every other partition's bodies deleted the query still
    // succeeds, so it cannot have opened them; the full scan proves the deletion bites.
    for (Map.Entry<String, URI> e : objectOf.entrySet()) {
      if (!e.getKey().startsWith("day=2/")) {
        Files.delete(Path.of(e.getValue()));
      }
    }
    assertThat(read("acme/p/pruned").where("day = 2").count()).isEqualTo(10);
    assertThatThrownBy(() -> read("acme/p/pruned").count()).isInstanceOf(Exception.class);
  }

  @Test
  void dataFiltersArePushedIntoParquet() throws Exception {
    commit(registry, coll("pushdown"), write(events(20, 0), "parquet", "day"), Map.of());

    Dataset<Row> q = read("acme/p/pushdown").where("id > 15");

    String plan = q.queryExecution().executedPlan().toString();
    assertThat(plan).contains("PushedFilters: [GreaterThan(id,15)]");
    assertThat(plan).contains("ParquetScan");
    // Spark's vectorized Parquet reader produces columnar batches.
    assertThat(plan).contains("ColumnarToRow");
    assertThat(q.count()).isEqualTo(4);
  }

  // ---- time travel and pinning ---------------------------------------------------------------

  @Test
  void versionAsOfAcceptsVersionsLatestAndAliases() throws Exception {
    ArtifactPath c = coll("travel");
    commit(registry, c, write(events(3, 0), "parquet"), Map.of(), "prod");
    commit(registry, c, write(events(5, 0), "parquet"), Map.of());

    assertThat(read("acme/p/travel").count()).isEqualTo(5);
    assertThat(read("acme/p/travel:v0").count()).isEqualTo(3);
    assertThat(read("acme/p/travel:prod").count()).isEqualTo(3);
    for (String selector : List.of("v0", "prod", "latest", "v1")) {
      long expected = selector.equals("latest") || selector.equals("v1") ? 5 : 3;
      assertThat(
              spark
                  .read()
                  .format("artifact")
                  .option("versionAsOf", selector)
                  .load("acme/p/travel")
                  .count())
          .as(selector)
          .isEqualTo(expected);
    }
  }

  @Test
  void timestampAsOfReadsTheNewestVersionCommittedByThen() throws Exception {
    ArtifactPath c = coll("clock");
    ArtifactVersion v0 = commit(registry, c, write(events(2, 0), "parquet"), Map.of());
    Thread.sleep(20);
    ArtifactVersion v1 = commit(registry, c, write(events(4, 0), "parquet"), Map.of());

    assertThat(readAsOf(v0.createdAt().toString()).count()).isEqualTo(2);
    assertThat(readAsOf(v1.createdAt().minusMillis(1).toString()).count()).isEqualTo(2);
    // Epoch milliseconds: v1 was created within the millisecond after its truncated time.
    assertThat(readAsOf(Long.toString(v1.createdAt().toEpochMilli() + 1)).count()).isEqualTo(4);
    assertThatThrownBy(() -> readAsOf(v0.createdAt().minusSeconds(60).toString()))
        .hasMessageContaining("Cannot read acme/p/clock as of")
        .hasMessageContaining("no version was committed at or before then");
    assertThatThrownBy(() -> readAsOf("yesterday"))
        .hasMessageContaining("Invalid option timestampAsOf='yesterday' for acme/p/clock");
  }

  private Dataset<Row> readAsOf(String ts) {
    return spark.read().format("artifact").option("timestampAsOf", ts).load("acme/p/clock");
  }

  @Test
  void aScanStaysOnTheVersionResolvedWhenTheAliasMoves() throws Exception {
    ArtifactPath c = coll("pinned");
    commit(registry, c, write(events(3, 0), "parquet"), Map.of(), "prod");
    ArtifactVersion v1 = commit(registry, c, write(events(6, 0), "parquet"), Map.of());

    Dataset<Row> df = read("acme/p/pinned:prod");
    registry.addAlias(v1, "prod");

    assertThat(df.count()).isEqualTo(3);
    assertThat(read("acme/p/pinned:prod").count()).isEqualTo(6);

    // Spark loads a path read's table once, from the catalog, with the alias as the version: the
    // table is pinned to what the alias named then, schema and scan included.
    ArtifactVersion v0 = registry.resolve(c.withAlias("v0"));
    registry.addAlias(v0, "prod");
    ArtifactDataSource source = new ArtifactDataSource();
    CaseInsensitiveStringMap options =
        new CaseInsensitiveStringMap(Map.of("path", "acme/p/pinned:prod"));
    assertThat(source.extractTimeTravelVersion(options)).contains("prod");
    TableCatalog catalog =
        (TableCatalog)
            spark.sessionState().catalogManager().catalog(source.extractCatalog(options));
    ArtifactTable table =
        (ArtifactTable)
            catalog.loadTable(
                source.extractIdentifier(options),
                source.extractTimeTravelVersion(options).orElseThrow());
    registry.addAlias(v1, "prod");
    assertThat(table.version().version()).isEqualTo("v0");
    assertThat(table.properties()).containsEntry("artifact.version", "v0");
  }

  @Test
  void unknownVersionsAliasesAndCollectionsFailAtPlanningNamingTheArtifact() throws Exception {
    commit(registry, coll("known"), write(events(2, 0), "parquet"), Map.of());

    assertThatThrownBy(() -> read("acme/p/known:nope"))
        .hasMessageContaining(
            "Cannot read acme/p/known:nope: acme/p/known has no version or alias 'nope'")
        .hasMessageContaining("; it has versions v0 and aliases latest (v0)");
    assertThatThrownBy(
            () -> spark.read().format("artifact").option("versionAsOf", "v7").load("acme/p/known"))
        .hasMessageContaining("has no version or alias 'v7'");
    assertThatThrownBy(() -> read("acme/p/absent"))
        .hasMessageContaining("Cannot read acme/p/absent: no such collection");
    assertThatThrownBy(
            () ->
                spark.read().format("artifact").option("versionAsOf", "v0").load("acme/p/known:v0"))
        .hasMessageContaining("Invalid option versionAsOf='v0' for acme/p/known:v0");
    // The table of a collection that does not exist yet is the one a write creates; it fails
    // only when read.
    ArtifactTable table =
        (ArtifactTable)
            new ArtifactDataSource()
                .getTable(
                    new StructType().add("a", DataTypes.IntegerType),
                    new Transform[0],
                    Map.of("path", "acme/p/not-yet"));
    assertThat(table.version()).isNull();
    assertThat(table.capabilities())
        .contains(org.apache.spark.sql.connector.catalog.TableCapability.BATCH_WRITE)
        .doesNotContain(org.apache.spark.sql.connector.catalog.TableCapability.BATCH_READ);
    assertThatThrownBy(() -> table.newScanBuilder(CaseInsensitiveStringMap.empty()))
        .hasMessage("Cannot read acme/p/not-yet: no such collection");
    // An alias that does not exist fails when the table is loaded, naming the alias.
    assertThatThrownBy(
            () ->
                new ArtifactDataSource()
                    .getTable(
                        new StructType().add("a", DataTypes.IntegerType),
                        new Transform[0],
                        Map.of("path", "acme/p/known:next")))
        .hasMessageContaining("acme/p/known has no version or alias 'next'");
    // A path read resolves through the catalog, so it takes no user-given schema (as Iceberg's).
    assertThatThrownBy(
            () ->
                spark
                    .read()
                    .format("artifact")
                    .schema(new StructType().add("a", DataTypes.IntegerType))
                    .load("acme/p/known"))
        .hasMessageContaining("does not support user specified schema");
  }

  // ---- views, verification, references -------------------------------------------------------

  @Test
  void manifestViewHasOneRowPerEntry() throws Exception {
    ArtifactVersion v =
        commit(registry, coll("manifest"), write(events(6, 0), "parquet", "day"), Map.of());

    Dataset<Row> rows =
        spark.read().format("artifact").option("view", "manifest").load("acme/p/manifest");

    assertThat(rows.schema().fieldNames())
        .containsExactly("path", "digest", "size", "ref", "birth_artifact_id", "extra");
    List<ManifestEntry> entries = registry.manifest(v).entries();
    assertThat(rows.count()).isEqualTo(entries.size());
    Row first = rows.orderBy("path").first();
    assertThat(first.getString(0)).isEqualTo(entries.get(0).path());
    assertThat(first.getString(1)).isEqualTo(entries.get(0).digest());
    assertThat(first.getLong(2)).isEqualTo(entries.get(0).size());
    assertThat(first.isNullAt(3)).isTrue();
    assertThat(first.getString(5)).isEqualTo("{}");
  }

  @Test
  void verifyRehashesOnExecutorsAndNamesTheCorruptedFile() throws Exception {
    ArtifactVersion v =
        commit(registry, coll("verified"), write(events(6, 0), "parquet", "day"), Map.of());
    assertThat(verified("acme/p/verified").count()).isEqualTo(6);

    ManifestEntry victim = registry.manifest(v).entries().get(0);
    Path object =
        Path.of(registry.contentStore("acme", "p").location(victim.digest()).orElseThrow());
    byte[] bytes = Files.readAllBytes(object);
    bytes[bytes.length / 2] ^= 1;
    Files.write(object, bytes);

    assertThatThrownBy(() -> verified("acme/p/verified").count())
        .satisfies(
            e ->
                assertThat(messages(e))
                    .contains("Cannot read acme/p/verified:v0: 1 of ")
                    .contains("'" + victim.path() + "'")
                    .contains("expected digest " + victim.digest()));
  }

  private Dataset<Row> verified(String path) {
    return spark.read().format("artifact").option("verify", "true").load(path);
  }

  @Test
  void fileReferencesAreReadInPlace() throws Exception {
    Dataset<Row> df = events(9, 0);
    Path dir = write(df, "parquet", "day");
    try (var walk = Files.walk(dir)) {
      for (Path p : walk.filter(Files::isRegularFile).toList()) {
        String name = p.getFileName().toString();
        if (name.startsWith("_") || name.endsWith(".crc")) {
          Files.delete(p);
        }
      }
    }
    ArtifactDraft draft = registry.newDraft(coll("refs"), "dataset");
    draft.addReference(dir.toUri().toString(), null);
    ArtifactVersion v = registry.commit(draft).version();
    assertThat(registry.manifest(v).entries()).allMatch(ManifestEntry::isReference);

    Dataset<Row> back = read("acme/p/refs");

    assertThat(sorted(back)).isEqualTo(sorted(df));
    assertThat(scannedFiles(back)).allMatch(f -> f.startsWith(dir.toUri().toString()));
  }

  // ---- lineage -------------------------------------------------------------------------------

  @Test
  void readingRecordsTheVersionAsAnInputOfThisApplication() throws Exception {
    ArtifactVersion v = commit(registry, coll("lineage"), write(events(3, 0), "parquet"), Map.of());
    String appId = spark.sparkContext().applicationId();

    read("acme/p/lineage").count();
    read("acme/p/lineage").count();

    List<RunInfo> users = registry.usedBy(v);
    assertThat(users).extracting(RunInfo::id).containsExactly(appId);
    assertThat(users.get(0).jobType()).isEqualTo("spark");
    assertThat(users.get(0).name()).isEqualTo("artifact-read-test");
    assertThat(registry.inputsOf("acme", "p", appId))
        .extracting(ArtifactVersion::id)
        .contains(v.id());
  }

  @Test
  void tablePropertiesCarryOpenLineageDatasetKeys() throws Exception {
    commit(registry, coll("ol"), write(events(3, 0), "parquet"), Map.of());
    commit(registry, coll("ol"), write(events(4, 0), "parquet"), Map.of());

    Map<String, String> props = table(read("acme/p/ol:v0")).properties();

    assertThat(props)
        .containsEntry("openlineage.dataset.namespace", uri)
        .containsEntry("openlineage.dataset.name", "acme/p/ol")
        .containsEntry("openlineage.dataset.facets.version", "{\"datasetVersion\":\"v0\"}");
  }

  // ---- helpers -------------------------------------------------------------------------------

  private static org.apache.spark.sql.connector.catalog.Table table(Dataset<Row> df) {
    return JavaConverters.seqAsJavaList(df.queryExecution().analyzed().collectLeaves()).stream()
        .filter(DataSourceV2Relation.class::isInstance)
        .map(p -> ((DataSourceV2Relation) p).table())
        .findFirst()
        .orElseThrow();
  }

  /** The physical files the executed plan's file scan will open. */
  static Set<String> scannedFiles(Dataset<Row> df) {
    Set<String> files = new HashSet<>();
    List<SparkPlan> leaves = new ArrayList<>();
    leaves.addAll(JavaConverters.seqAsJavaList(df.queryExecution().executedPlan().collectLeaves()));
    for (SparkPlan leaf : leaves) {
      if (leaf instanceof BatchScanExec scan) {
        for (var part : JavaConverters.seqAsJavaList(scan.inputPartitions())) {
          for (PartitionedFile f : ((FilePartition) part).files()) {
            files.add(f.toPath().toUri().toString());
          }
        }
      }
    }
    return files;
  }
}
