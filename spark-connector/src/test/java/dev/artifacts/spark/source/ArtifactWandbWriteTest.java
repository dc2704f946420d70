package dev.artifacts.spark.source;

import static dev.artifacts.spark.source.WriteTesting.materialize;
import static dev.artifacts.spark.source.WriteTesting.sortedRows;
import static org.assertj.core.api.Assertions.assertThat;

import dev.artifacts.common.manifest.Manifest;
import dev.artifacts.common.manifest.ManifestEntry;
import dev.artifacts.common.manifest.ManifestReader;
import dev.artifacts.common.name.ArtifactPath;
import dev.artifacts.common.registry.ArtifactRegistries;
import dev.artifacts.common.registry.ArtifactRegistry;
import dev.artifacts.common.registry.ArtifactVersion;
import dev.artifacts.common.registry.VersionQuery;
import dev.artifacts.common.testing.FakeWandbServer;
import dev.artifacts.spark.ArtifactWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Spark writes against {@link FakeWandbServer}: the tasks upload their own files into the pending
 * artifact the driver created, the driver only commits. The test JVM has {@code WANDB_API_KEY} and
 * {@code WANDB_CACHE_DIR} from the build (as executors would need them); the server's own event log
 * shows which side uploaded what.
 */
class ArtifactWandbWriteTest {
  /** The queries of {@code CommittedVersions.find} after a write. */
  private static final java.util.Set<String> POST_COMMIT_LOOKUP =
      java.util.Set.of("gql ArtifactCollection", "gql ArtifactVersions");

  private static SparkSession spark;

  @TempDir Path tmp;
  private FakeWandbServer server;
  private ArtifactRegistry reader;

  @BeforeAll
  static void start() {
    spark = WriteTesting.session("local[2]");
  }

  @AfterAll
  static void stop() {
    spark.stop();
  }

  @BeforeEach
  void startServer() throws Exception {
    server = new FakeWandbServer();
    // A separate client with its own cache, like a later reader on another machine.
    reader = ArtifactRegistries.open(server.baseUrl(), server.env(tmp.resolve("reader-cache")));
  }

  @AfterEach
  void stopServer() throws Exception {
    reader.close();
    server.close();
    assertThat(server.authViolations).as("storage requests carrying the API key").isEmpty();
    assertThat(server.schemaViolations).as("requests W&B's SDK-derived schema refuses").isEmpty();
  }

  private Dataset<Row> events(int n, int offset) {
    return spark
        .range(offset, offset + n, 1, 4)
        .selectExpr("id", "concat('name-', id) as name", "cast(id % 2 as string) as day");
  }

  private Map<String, String> opts(String... kv) {
    Map<String, String> m = new HashMap<>();
    m.put("registry", server.baseUrl());
    m.put("type", "dataset");
    for (int i = 0; i + 1 < kv.length; i += 2) {
      m.put(kv[i], kv[i + 1]);
    }
    return m;
  }

  private List<String> dataPuts() {
    return server.events.stream().filter(e -> e.startsWith("PUT /put/")).toList();
  }

  /** Every data upload of the write arrived before the driver's final createArtifact. */
  private void assertTasksUploaded(int eventsBefore, ArtifactVersion v) {
    List<String> events = server.events.subList(eventsBefore, server.events.size());
    int finalCreate = events.lastIndexOf("gql CreateArtifact");
    int firstCreate = events.indexOf("gql CreateArtifact");
    assertThat(firstCreate).as("the driver created the pending artifact").isLessThan(finalCreate);
    for (int i = 0; i < events.size(); i++) {
      if (events.get(i).startsWith("PUT /put/")) {
        assertThat(i)
            .as(
                "%s comes from a task: after the pending artifact, before the commit",
                events.get(i))
            .isGreaterThan(firstCreate)
            .isLessThan(finalCreate);
      }
    }
    List<String> commit =
        events.subList(finalCreate, events.size()).stream()
            .filter(e -> !e.equals("gql ArtifactMembershipByName"))
            // The driver re-announces the tasks' files (the server answers "stored"), then
            // finishes the PATCH manifest as wandb-core's finishing writer does.
            .filter(e -> !e.equals("gql CreateArtifactFiles"))
            .toList();
    // ArtifactWriter then looks up the version its write committed (by the write id the version
    // records): read-only queries after the commit, no upload.
    int end = commit.size();
    while (end > 0 && POST_COMMIT_LOOKUP.contains(commit.get(end - 1))) {
      end--;
    }
    commit = commit.subList(0, end);
    if (v == null) {
      assertThat(commit).containsExactly("gql CreateArtifact");
    } else {
      assertThat(commit)
          .containsExactly(
              "gql CreateArtifact",
              "gql UpdateArtifactManifest",
              "PUT /manifest/" + dev.artifacts.common.reference.ArtifactIds.toHex(v.id()),
              "gql CommitArtifact");
    }
  }

  @Test
  void tasksUploadTheirFilesAndTheDriverOnlyCommits() throws Exception {
    Dataset<Row> df = events(40, 0);
    int before = server.events.size();

    ArtifactVersion v0 =
        ArtifactWriter.write(
            df, "acme/etl/events", opts("format", "parquet"), SaveMode.Overwrite, "day");

    assertThat(v0.version()).isEqualTo("v0");
    assertTasksUploaded(before, v0);
    Manifest manifest = ManifestReader.read(server.manifestOf(v0.id()), "v0");
    assertThat(dataPuts()).hasSize(manifest.fileCount());
    assertThat(manifest.entries()).extracting(ManifestEntry::birthArtifactId).containsOnly(v0.id());
    assertThat(manifest.entries()).allMatch(e -> e.path().startsWith("day="));

    ArtifactVersion read = reader.resolve(ArtifactPath.parse("acme/etl/events"));
    assertThat(read.commitProperties()).containsEntry(SparkCommitProperties.FORMAT, "parquet");
    Path copy = materialize(reader, read, Files.createTempDirectory(tmp, "copy"));
    assertThat(sortedRows(spark.read().parquet(copy.toString())))
        .isEqualTo(sortedRows(df.selectExpr("id", "name", "day")));

    // Spark's own read: Parquet files fetched per entry through wandbbody: URIs in the tasks.
    // Empty this JVM's W&B cache first (the tasks left their uploads there), so they download.
    Path objects = Path.of(System.getenv("WANDB_CACHE_DIR"), "artifacts", "obj");
    if (Files.exists(objects)) {
      try (var walk = Files.walk(objects)) {
        walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
    Dataset<Row> back =
        spark
            .read()
            .format("artifact")
            .option("registry", server.baseUrl())
            .load("acme/etl/events");
    assertThat(sortedRows(back.select("id", "name", "day")))
        .isEqualTo(sortedRows(df.selectExpr("id", "name", "day")));
    assertThat(server.count("ArtifactFileURLsByManifestEntries")).isEqualTo(manifest.fileCount());
    assertThat(back.filter("day = '1'").count()).isEqualTo(20);
  }

  @Test
  void identicalRewriteUploadsNothingAndAppendKeepsEarlierBirths() throws Exception {
    Dataset<Row> df = events(20, 0).coalesce(2);
    ArtifactVersion v0 =
        ArtifactWriter.write(df, "acme/etl/dedup", opts("format", "json"), SaveMode.Overwrite);
    long puts = dataPuts().size();

    int before = server.events.size();
    ArtifactVersion again =
        ArtifactWriter.write(df, "acme/etl/dedup", opts("format", "json"), SaveMode.Overwrite);
    assertThat(again.id()).isEqualTo(v0.id());
    assertThat(dataPuts()).hasSize((int) puts);
    assertTasksUploaded(before, null);

    ArtifactVersion v1 =
        ArtifactWriter.write(
            events(6, 100).coalesce(1), "acme/etl/dedup", opts("format", "json"), SaveMode.Append);
    assertThat(v1.version()).isEqualTo("v1");
    assertThat(dataPuts()).hasSize((int) puts + 1);
    Manifest m1 = ManifestReader.read(server.manifestOf(v1.id()), "v1");
    Manifest m0 = ManifestReader.read(server.manifestOf(v0.id()), "v0");
    assertThat(m1.fileCount()).isEqualTo(m0.fileCount() + 1);
    for (ManifestEntry e : m0.entries()) {
      assertThat(m1.entry(e.path()).orElseThrow().birthArtifactId()).isEqualTo(v0.id());
    }
    assertThat(reader.versions(ArtifactPath.parse("acme/etl/dedup"), VersionQuery.all()))
        .hasSize(2);
  }

  @Test
  void loggingExistingFilesCopiesThemFromTheExecutors() throws Exception {
    Path data = tmp.resolve("existing");
    for (int i = 0; i < 6; i++) {
      Path f = data.resolve("d" + (i % 2)).resolve("f" + i + ".txt");
      Files.createDirectories(f.getParent());
      Files.writeString(f, "file " + i);
    }
    int before = server.events.size();
    var result =
        dev.artifacts.spark.log.ExistingData.log(
            spark, data.toString(), "acme/etl/raw", Map.of("registry", server.baseUrl()));

    assertThat(result.created()).isTrue();
    assertTasksUploaded(before, result.version());
    assertThat(dataPuts()).hasSize(6);
    ArtifactVersion v = reader.resolve(ArtifactPath.parse("acme/etl/raw"));
    assertThat(reader.manifest(v).entries())
        .extracting(ManifestEntry::path)
        .contains("d0/f0.txt", "d1/f5.txt")
        .hasSize(6);
    ManifestEntry e = reader.manifest(v).entry("d1/f5.txt").orElseThrow();
    try (var in = reader.open(v, e)) {
      assertThat(new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8))
          .isEqualTo("file 5");
    }
  }
}
