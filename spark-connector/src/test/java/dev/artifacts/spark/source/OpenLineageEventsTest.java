package dev.artifacts.spark.source;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.artifacts.common.name.ArtifactPath;
import dev.artifacts.common.registry.ArtifactRegistry;
import dev.artifacts.common.registry.ArtifactVersion;
import dev.artifacts.common.registry.CommitResult;
import dev.artifacts.spark.ArtifactWriter;
import dev.artifacts.spark.log.ExistingData;
import io.openlineage.client.utils.DatasetIdentifier;
import io.openlineage.client.utils.filesystem.FilesystemDatasetUtils;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real OpenLineage Spark listener (file transport) names our datasets: a job that reads one
 * artifact version and writes another emits an event whose inputs and outputs carry both, with
 * namespace (the registry URI), name ({@code entity/project/name}) and version facet. Logging
 * existing data names the source location (as OpenLineage names paths) as the input and the logged
 * version as the output.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OpenLineageEventsTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path tmp;
  SparkSession spark;
  ArtifactRegistry registry;
  String uri;
  Path events;

  @BeforeAll
  void start() throws Exception {
    uri = tmp.resolve("registry").toUri().toString();
    events = tmp.resolve("openlineage.jsonl");
    spark =
        ReadFixtures.session("openlineage-test")
            .config("spark.extraListeners", "io.openlineage.spark.agent.OpenLineageSparkListener")
            .config("spark.openlineage.transport.type", "file")
            .config("spark.openlineage.transport.location", events.toString())
            .config("spark.openlineage.namespace", "test-jobs")
            .config("spark.artifact.registry", uri)
            .config("spark.sql.catalog.art", ArtifactCatalog.class.getName())
            .config("spark.sql.catalog.art.registry", uri)
            .config("spark.sql.catalog.art.entity", "acme")
            .getOrCreate();
    registry = SparkRegistries.open(uri, spark);
    Path raw = tmp.resolve("raw");
    spark.range(4).selectExpr("id", "cast(id % 2 as int) part").write().parquet(raw.toString());
    ReadFixtures.commit(
        registry, new ArtifactPath("acme", "p", "raw", null), raw, Map.of(), "prod");
    // A second version, so that reading v0 by alias must name v0 and not the latest.
    Path raw1 = tmp.resolve("raw1");
    spark.range(6).selectExpr("id", "cast(id % 2 as int) part").write().parquet(raw1.toString());
    ReadFixtures.commit(registry, new ArtifactPath("acme", "p", "raw", null), raw1, Map.of());
  }

  @AfterAll
  void stop() {
    spark.stop();
  }

  @Test
  void pathBasedReadAndWriteNameBothVersions() throws Exception {
    spark
        .read()
        .format("artifact")
        .load("acme/p/raw:prod")
        .write()
        .format("artifact")
        .mode(SaveMode.Overwrite)
        .save("acme/p/path-out");
    ArtifactVersion out = registry.resolve(ArtifactPath.parse("acme/p/path-out:latest"));

    assertEventWith(dataset("acme/p/raw", "v0"), dataset("acme/p/path-out", out.version()));
  }

  @Test
  void appendThroughTheWriterHelperNamesTheNewVersion() throws Exception {
    spark.read().format("artifact").load("acme/p/raw:v1").createOrReplaceTempView("raw_v1");
    ArtifactWriter.write(
        spark.table("raw_v1"), "acme/p/append-out", Map.of(), SaveMode.Append, "part");
    ArtifactVersion second =
        ArtifactWriter.write(
            spark.table("raw_v1").where("id > 2"),
            "acme/p/append-out",
            Map.of(),
            SaveMode.Append,
            "part");
    assertThat(second.version()).isEqualTo("v1");

    assertEventWith(dataset("acme/p/raw", "v1"), dataset("acme/p/append-out", "v1"));
  }

  @Test
  void catalogInsertNamesBothVersions() throws Exception {
    spark.sql("CREATE TABLE art.p.`sql-out` USING artifact AS SELECT * FROM art.p.raw");
    spark.sql("INSERT INTO art.p.`sql-out` SELECT * FROM art.p.raw VERSION AS OF 'v0'");
    ArtifactVersion out = registry.resolve(ArtifactPath.parse("acme/p/sql-out:latest"));
    assertThat(out.version()).isEqualTo("v1");

    assertEventWith(dataset("acme/p/raw", "v0"), dataset("acme/p/sql-out", "v1"));
    assertEventWith(dataset("acme/p/raw", "v1"), dataset("acme/p/sql-out", "v0"));
  }

  @Test
  void existingDataLoggedByCopyNamesTheSourceAndTheVersion() throws Exception {
    Path source = existingData("copied");
    CommitResult result =
        ExistingData.log(
            spark, source.toString(), "acme/p/logged-copy", Map.of("storage", "files"));

    assertCompleteEventWith(
        location(source), dataset("acme/p/logged-copy", result.version().version()));
  }

  @Test
  void existingDataLoggedByReferenceNamesTheSourceAndTheVersion() throws Exception {
    Path source = existingData("referenced");
    ExistingData.log(
        spark, source.toUri().toString(), "acme/p/logged-refs", Map.of("storage", "reference"));
    // A second version, so that the event must name the one this logging committed.
    Files.writeString(source.resolve("more.txt"), "more\n");
    CommitResult result =
        ExistingData.log(
            spark, source.toUri().toString(), "acme/p/logged-refs", Map.of("storage", "reference"));
    assertThat(result.version().version()).isEqualTo("v1");

    assertCompleteEventWith(location(source), dataset("acme/p/logged-refs", "v1"));
  }

  // ---- helpers -------------------------------------------------------------------------------

  private Map<String, String> dataset(String name, String version) {
    return Map.of("namespace", uri, "name", name, "version", version);
  }

  /** A directory of a few files, two levels deep, with a Spark-style marker file. */
  private Path existingData(String name) throws IOException {
    Path dir = tmp.resolve("existing-" + name);
    Files.createDirectories(dir.resolve("day=1"));
    Files.writeString(dir.resolve("day=1/part-0.csv"), "a,b\n1,2\n");
    Files.writeString(dir.resolve("top.txt"), "top\n");
    Files.writeString(dir.resolve("_SUCCESS"), "");
    return dir;
  }

  /** How OpenLineage itself names a location (its filesystem naming), without a version. */
  private static Map<String, String> location(Path dir) {
    DatasetIdentifier id =
        FilesystemDatasetUtils.fromLocation(new org.apache.hadoop.fs.Path(dir.toUri()).toUri());
    return Map.of("namespace", id.getNamespace(), "name", id.getName());
  }

  /**
   * Like {@link #assertEventWith}, for a {@code COMPLETE} event and an input matched by namespace
   * and name only (a location has no version).
   */
  private void assertCompleteEventWith(Map<String, String> input, Map<String, String> output)
      throws Exception {
    long deadline = System.nanoTime() + 30_000_000_000L;
    List<JsonNode> all = List.of();
    while (System.nanoTime() < deadline) {
      all = readEvents();
      for (JsonNode event : all) {
        if ("COMPLETE".equals(event.path("eventType").asText())
            && containsName(event.path("inputs"), input)
            && contains(event.path("outputs"), output)) {
          return;
        }
      }
      Thread.sleep(200);
    }
    throw new AssertionError(
        "No COMPLETE OpenLineage event with input "
            + input
            + " and output "
            + output
            + "; seen:\n"
            + summaries(all));
  }

  private static boolean containsName(JsonNode datasets, Map<String, String> expected) {
    for (JsonNode d : datasets) {
      if (expected.get("namespace").equals(d.path("namespace").asText())
          && expected.get("name").equals(d.path("name").asText())) {
        return true;
      }
    }
    return false;
  }

  /**
   * Waits until one emitted event has {@code input} among its inputs (unless null) and {@code
   * output} among its outputs; the listener emits on Spark's listener bus, after the job.
   */
  private void assertEventWith(Map<String, String> input, Map<String, String> output)
      throws Exception {
    long deadline = System.nanoTime() + 30_000_000_000L;
    List<JsonNode> all = List.of();
    while (System.nanoTime() < deadline) {
      all = readEvents();
      for (JsonNode event : all) {
        if ((input == null || contains(event.path("inputs"), input))
            && contains(event.path("outputs"), output)) {
          return;
        }
      }
      Thread.sleep(200);
    }
    throw new AssertionError(
        "No OpenLineage event with input "
            + input
            + " and output "
            + output
            + "; seen:\n"
            + summaries(all));
  }

  private static List<String> summaries(List<JsonNode> events) {
    List<String> seen = new ArrayList<>();
    for (JsonNode e : events) {
      seen.add(
          e.path("eventType").asText()
              + " "
              + e.path("job").path("name").asText()
              + " inputs="
              + names(e.path("inputs"))
              + " outputs="
              + names(e.path("outputs")));
    }
    return seen;
  }

  private List<JsonNode> readEvents() throws IOException {
    List<JsonNode> out = new ArrayList<>();
    if (!Files.exists(events)) {
      return out;
    }
    for (String line : Files.readAllLines(events)) {
      if (!line.isBlank()) {
        out.add(JSON.readTree(line));
      }
    }
    return out;
  }

  private static boolean contains(JsonNode datasets, Map<String, String> expected) {
    for (JsonNode d : datasets) {
      if (expected.get("namespace").equals(d.path("namespace").asText())
          && expected.get("name").equals(d.path("name").asText())
          && expected
              .get("version")
              .equals(d.path("facets").path("version").path("datasetVersion").asText())) {
        return true;
      }
    }
    return false;
  }

  private static List<String> names(JsonNode datasets) {
    List<String> out = new ArrayList<>();
    for (JsonNode d : datasets) {
      out.add(
          d.path("namespace").asText()
              + " "
              + d.path("name").asText()
              + "@"
              + d.path("facets").path("version").path("datasetVersion").asText("-"));
    }
    return out;
  }
}
