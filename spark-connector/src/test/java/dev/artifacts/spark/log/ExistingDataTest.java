package dev.artifacts.spark.log;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.artifacts.common.ArtifactException;
import dev.artifacts.common.digest.Digests;
import dev.artifacts.common.manifest.Manifest;
import dev.artifacts.common.manifest.ManifestEntry;
import dev.artifacts.common.name.ArtifactPath;
import dev.artifacts.common.registry.ArtifactRegistries;
import dev.artifacts.common.registry.ArtifactRegistry;
import dev.artifacts.common.registry.ArtifactVersion;
import dev.artifacts.common.registry.CommitResult;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskStart;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExistingDataTest {
  private static SparkSession spark;
  private static final AtomicInteger TASKS = new AtomicInteger();

  @TempDir Path tmp;
  private Path data;
  private Path registryRoot;
  private Map<String, String> expected;

  @BeforeAll
  static void startSpark() {
    spark =
        SparkSession.builder()
            .master("local[2]")
            .appName("existing-data-test")
            .config("spark.ui.enabled", "false")
            .config("spark.sql.shuffle.partitions", "2")
            .getOrCreate();
    spark
        .sparkContext()
        .addSparkListener(
            new SparkListener() {
              @Override
              public void onTaskStart(SparkListenerTaskStart taskStart) {
                TASKS.incrementAndGet();
              }
            });
  }

  @AfterAll
  static void stopSpark() {
    spark.stop();
  }

  @BeforeEach
  void setUp() throws IOException {
    data = tmp.resolve("data");
    registryRoot = tmp.resolve("registry");
    expected = new TreeMap<>();
    write("top.txt", "top\n");
    write("_SUCCESS", "");
    for (int day = 1; day <= 3; day++) {
      for (int part = 0; part < 4; part++) {
        write("day=" + day + "/part-" + part + ".csv", "day,part\n" + day + "," + part + "\n");
      }
    }
    write("unicode/naïve-😀.txt", "smile\n");
  }

  private void write(String rel, String text) throws IOException {
    Path f = data.resolve(rel);
    Files.createDirectories(f.getParent());
    Files.writeString(f, text, UTF_8);
    expected.put(rel, Digests.md5Base64(text));
  }

  private Map<String, String> options(String storage) {
    return Map.of("registry", registryRoot.toString(), "storage", storage, "aliases", "raw");
  }

  @Test
  void filesAreCopiedIntoTheRegistryWithTheirDigestsComputedOnExecutors() throws IOException {
    TASKS.set(0);
    CommitResult result =
        ExistingData.log(spark, data.toString(), "acme/etl/raw", options("files"));
    assertThat(result.created()).isTrue();
    assertThat(TASKS.get()).as("hashing ran as Spark tasks").isGreaterThanOrEqualTo(2);

    ArtifactVersion v = result.version();
    assertThat(v.path().toString()).isEqualTo("acme/etl/raw:v0");
    assertThat(v.aliases()).contains("raw", "latest");
    try (ArtifactRegistry registry = ArtifactRegistries.open(registryRoot.toString())) {
      Manifest m = registry.manifest(v);
      Map<String, String> actual = new TreeMap<>();
      for (ManifestEntry e : m.entries()) {
        assertThat(e.isReference()).isFalse();
        actual.put(e.path(), e.digest());
        try (InputStream in = registry.open(v, e)) {
          assertThat(Digests.md5Base64(in.readAllBytes())).isEqualTo(e.digest());
        }
      }
      assertThat(actual).isEqualTo(expected);
      assertThat(registry.loggedBy(v).orElseThrow().id())
          .isEqualTo(spark.sparkContext().applicationId());
    }

    CommitResult again = ExistingData.log(spark, data.toString(), "acme/etl/raw", options("files"));
    assertThat(again.created()).isFalse();
    assertThat(again.version().versionIndex()).isZero();
  }

  @Test
  void referencesKeepFilesInPlaceWithContentDigests() throws IOException {
    CommitResult result =
        ExistingData.log(spark, data.toUri().toString(), "acme/etl/refs", options("reference"));
    try (ArtifactRegistry registry = ArtifactRegistries.open(registryRoot.toString())) {
      Manifest m = registry.manifest(result.version());
      Map<String, String> actual = new TreeMap<>();
      for (ManifestEntry e : m.entries()) {
        assertThat(e.ref()).startsWith("file:").endsWith(e.path());
        actual.put(e.path(), e.digest());
      }
      assertThat(actual).isEqualTo(expected);
      ManifestEntry csv = m.entry("day=2/part-3.csv").orElseThrow();
      try (InputStream in = registry.open(result.version(), csv)) {
        assertThat(new String(in.readAllBytes(), UTF_8)).isEqualTo("day,part\n2,3\n");
      }
      try (var objects = Files.walk(registryRoot)) {
        assertThat(
                objects
                    .filter(p -> p.toString().contains("/objects/"))
                    .filter(Files::isRegularFile))
            .as("references store no bodies")
            .isEmpty();
      }
    }
  }

  @Test
  void manySubdirectoriesAreListedByASparkJobWithTheSameResult() throws IOException {
    String key = "spark.sql.sources.parallelPartitionDiscovery.threshold";
    TASKS.set(0);
    CommitResult onDriver =
        ExistingData.log(spark, data.toString(), "acme/etl/listed-on-driver", options("files"));
    int driverListingTasks = TASKS.get();
    spark.conf().set(key, "1");
    try {
      TASKS.set(0);
      CommitResult inJob =
          ExistingData.log(spark, data.toString(), "acme/etl/listed-in-job", options("files"));
      // Four subdirectories over a threshold of one: the listing job adds tasks.
      assertThat(TASKS.get()).isGreaterThan(driverListingTasks);
      assertThat(inJob.version().digest()).isEqualTo(onDriver.version().digest());
      assertThat(inJob.version().fileCount()).isEqualTo(expected.size());
    } finally {
      spark.conf().unset(key);
    }
  }

  @Test
  void aPlainLocalPathIsReferencedAsAFileUri() throws IOException {
    CommitResult result =
        ExistingData.log(spark, data.toString(), "acme/etl/plain-refs", options("reference"));
    try (ArtifactRegistry registry = ArtifactRegistries.open(registryRoot.toString())) {
      ManifestEntry e = registry.manifest(result.version()).entry("top.txt").orElseThrow();
      assertThat(e.ref()).isEqualTo("file://" + data.toAbsolutePath() + "/top.txt");
      assertThat(e.digest()).isEqualTo(expected.get("top.txt"));
    }
  }

  @Test
  void aTypeConflictFailsBeforeAnyTaskWithTheRegistrysError() {
    ExistingData.log(spark, data.toString(), "acme/etl/typed", options("reference"));
    Map<String, String> model = new java.util.HashMap<>(options("reference"));
    model.put("type", "model");
    TASKS.set(0);
    assertThatThrownBy(() -> ExistingData.log(spark, data.toString(), "acme/etl/typed", model))
        .isInstanceOf(ArtifactException.InvalidInput.class)
        .hasMessageContaining("acme/etl/typed")
        .hasMessageContaining("type 'model'");
    assertThat(TASKS.get()).isZero();
  }

  @Test
  void badInputFailsBeforeAnyTaskRuns() {
    TASKS.set(0);
    assertThatThrownBy(
            () ->
                ExistingData.log(
                    spark, tmp.resolve("missing").toString(), "acme/etl/raw", options("files")))
        .isInstanceOf(ArtifactException.NotFound.class)
        .hasMessageContaining("missing")
        .hasMessageContaining("acme/etl/raw");
    assertThatThrownBy(
            () -> ExistingData.log(spark, data.toString(), "acme/etl/raw:prod", options("files")))
        .isInstanceOf(ArtifactException.InvalidInput.class)
        .hasMessageContaining("acme/etl/raw:prod");
    assertThatThrownBy(
            () -> ExistingData.log(spark, data.toString(), "acme/etl/raw", options("cloud")))
        .hasMessageContaining("storage='cloud'");
    assertThatThrownBy(
            () ->
                ExistingData.log(
                    spark,
                    data.toString(),
                    "acme/etl/raw",
                    Map.of("registry", registryRoot.toString(), "aliases", "a/b")))
        .hasMessageContaining("a/b");
    assertThat(TASKS.get()).isZero();
    assertThat(ArtifactPath.parse("acme/etl/raw").alias()).isNull();
  }
}
