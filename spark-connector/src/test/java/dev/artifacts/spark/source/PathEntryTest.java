package dev.artifacts.spark.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.artifacts.common.name.ArtifactPath;
import dev.artifacts.common.registry.ArtifactRegistry;
import dev.artifacts.common.registry.ArtifactVersion;
import dev.artifacts.spark.ArtifactWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The path-based entry point resolves through the registry's catalog and hands nothing over between
 * calls or threads: the version a write committed comes back from the registry, and registries are
 * shared only between callers with the same URI and Hadoop configuration.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PathEntryTest {
  @TempDir static Path tmp;
  SparkSession spark;
  String uri;
  ArtifactRegistry registry;

  @BeforeAll
  void start() {
    uri = tmp.resolve("registry").toUri().toString();
    spark = WriteTesting.session("local[2]", SparkRegistries.SESSION_REGISTRY, uri);
    registry = SparkRegistries.open(uri, spark);
  }

  @AfterAll
  void stop() {
    spark.stop();
  }

  private Dataset<Row> rows(SparkSession session, long start, int n) {
    return session.range(start, start + n, 1, 1).selectExpr("id", "cast(id % 2 as string) as part");
  }

  @Test
  void concurrentWritesToDifferentArtifactsEachGetTheirOwnVersionBack() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(2);
    CyclicBarrier together = new CyclicBarrier(2);
    int rounds = 3;
    try {
      List<Future<List<ArtifactVersion>>> results = new ArrayList<>();
      for (int t = 0; t < 2; t++) {
        String path = "acme/conc/writer-" + t;
        // Different row counts per thread, so a version handed to the wrong caller shows.
        int n = 3 + 4 * t;
        SparkSession session = t == 0 ? spark : spark.newSession();
        Callable<List<ArtifactVersion>> writes =
            () -> {
              List<ArtifactVersion> got = new ArrayList<>();
              for (int r = 0; r < rounds; r++) {
                together.await(60, TimeUnit.SECONDS);
                got.add(
                    ArtifactWriter.write(
                        rows(session, 1000L * r, n), path, Map.of(), SaveMode.Append));
              }
              return got;
            };
        results.add(pool.submit(writes));
      }
      Set<String> writeIds = new HashSet<>();
      for (int t = 0; t < 2; t++) {
        List<ArtifactVersion> got = results.get(t).get(5, TimeUnit.MINUTES);
        assertThat(got)
            .extracting(v -> v.path().collectionPath())
            .containsOnly("acme/conc/writer-" + t);
        assertThat(got).extracting(ArtifactVersion::version).containsExactly("v0", "v1", "v2");
        for (int r = 0; r < rounds; r++) {
          ArtifactVersion v = got.get(r);
          // The version the caller got is the one its own write committed, as the registry says.
          assertThat(registry.resolve(v.path()).digest()).isEqualTo(v.digest());
          assertThat(spark.read().format("artifact").load(v.path().toString()).count())
              .as("rows of %s", v.path())
              .isEqualTo((long) (3 + 4 * t) * (r + 1));
          writeIds.add(v.commitProperties().get(CommittedVersions.WRITE_ID_PROPERTY));
        }
      }
      assertThat(writeIds).hasSize(2 * rounds).doesNotContainNull();
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void aWriteThatCommitsNothingNewReportsTheVersionItsDataEquals() {
    String path = "acme/conc/same";
    ArtifactVersion v0 =
        ArtifactWriter.write(rows(spark, 0, 4), path, Map.of(), SaveMode.Overwrite);
    ArtifactVersion again =
        ArtifactWriter.write(rows(spark, 0, 4), path, Map.of(), SaveMode.Overwrite);
    assertThat(again.version()).isEqualTo(v0.version());
    assertThat(CommittedVersions.find(registry, ArtifactPath.parse(path), "no-such-write"))
        .isEmpty();
  }

  @Test
  void saveRoutesEveryModeThroughTheCatalog() {
    String path = "acme/save/events";
    // ErrorIfExists on a new collection: a create-as-select, partitionBy kept.
    rows(spark, 0, 6).write().format("artifact").partitionBy("part").save(path);
    ArtifactVersion v0 = registry.resolve(ArtifactPath.parse(path));
    assertThat(SparkCommitProperties.partitionColumns(v0)).containsExactly("part");
    assertThatThrownBy(() -> rows(spark, 0, 6).write().format("artifact").save(path))
        .hasMessageContaining("already exists");
    rows(spark, 100, 6).write().format("artifact").mode(SaveMode.Ignore).save(path);
    assertThat(registry.resolve(ArtifactPath.parse(path)).version()).isEqualTo("v0");

    // Append and overwrite write to the table the catalog loads, keeping its partitioning.
    rows(spark, 100, 2)
        .write()
        .format("artifact")
        .mode(SaveMode.Append)
        .option("aliases", "prod")
        .save(path);
    ArtifactVersion v1 = registry.resolve(ArtifactPath.parse(path + ":prod"));
    assertThat(v1.version()).isEqualTo("v1");
    assertThat(SparkCommitProperties.partitionColumns(v1)).containsExactly("part");
    assertThat(spark.read().format("artifact").load(path + ":prod").count()).isEqualTo(8);

    // A dynamic partition overwrite: only partition part=0 is replaced.
    rows(spark, 200, 1)
        .write()
        .format("artifact")
        .mode(SaveMode.Overwrite)
        .option("partitionOverwriteMode", "dynamic")
        .save(path);
    assertThat(spark.read().format("artifact").load(path).where("part = '0'").count()).isEqualTo(1);
    assertThat(spark.read().format("artifact").load(path).where("part = '1'").count()).isEqualTo(4);

    // Append to a collection that does not exist yet creates it.
    rows(spark, 0, 3).write().format("artifact").mode(SaveMode.Append).save("acme/save/fresh");
    assertThat(spark.read().format("artifact").load("acme/save/fresh").count()).isEqualTo(3);

    // Spark binds a path-based append or overwrite to an existing collection's partitioning; for
    // a new collection with partitionBy that fails naming the collection and the way to create it.
    assertThatThrownBy(
            () ->
                rows(spark, 0, 3)
                    .write()
                    .format("artifact")
                    .mode(SaveMode.Overwrite)
                    .partitionBy("part")
                    .save("acme/save/new-partitioned"))
        .hasMessageContaining(
            "Cannot write acme/save/new-partitioned with partitionBy and mode append or overwrite")
        .hasMessageContaining("ArtifactWriter.write");
    assertThat(registry.find(ArtifactPath.parse("acme/save/new-partitioned"))).isEmpty();

    // An alias in a write path is refused, naming the path.
    assertThatThrownBy(
            () ->
                rows(spark, 0, 3)
                    .write()
                    .format("artifact")
                    .mode(SaveMode.Append)
                    .save(path + ":prod"))
        .hasMessageContaining("Invalid artifact path '" + path + ":prod' for a write");
  }

  @Test
  void readOptionsShapeThePathTableAndTravelInItsIdentifier() {
    String path = "acme/save/csv";
    ArtifactWriter.write(rows(spark, 0, 4), path, Map.of("format", "csv"), SaveMode.Overwrite);
    // The recorded schema applies by default; header=false with inferSchema gives _c0 columns.
    assertThat(spark.read().format("artifact").load(path).columns()).containsExactly("id", "part");
    assertThat(
            spark
                .read()
                .format("artifact")
                .option("format", "csv")
                .option("lineSep", "\n")
                .load(path)
                .count())
        .isEqualTo(4);
    CatalogIdentifiers.PathName name =
        CatalogIdentifiers.PathName.of(
            "csv", false, Map.of("header", "true", "odd key", "a&b=c", "versionAsOf", "v0"));
    assertThat(CatalogIdentifiers.PathName.parse(name.encoded())).isEqualTo(name);
    assertThat(name.options()).containsOnlyKeys("header", "odd key");
  }

  // ---- registry cache -------------------------------------------------------------------------

  @Test
  void differentHadoopConfigurationsGetDifferentRegistries() {
    String cached = tmp.resolve("cached").toUri().toString();
    Configuration a = new Configuration(false);
    a.set("fs.s3a.access.key", "alice");
    Configuration b = new Configuration(false);
    b.set("fs.s3a.access.key", "bob");
    Configuration a2 = new Configuration(false);
    a2.set("fs.s3a.access.key", "alice");
    // Spark's own settings do not decide how storage is reached.
    a2.set("spark.sql.shuffle.partitions", "7");

    ArtifactRegistry forA = SparkRegistries.open(cached, a);
    ArtifactRegistry forB = SparkRegistries.open(cached, b);
    assertThat(forB).isNotSameAs(forA);
    assertThat(SparkRegistries.open(cached, a2)).isSameAs(forA);
    assertThat(SparkRegistries.open(tmp.resolve("other").toUri().toString(), a)).isNotSameAs(forA);
  }

  @Test
  void sessionsWithDifferentCredentialsDoNotShareARegistry() {
    SparkSession other = spark.newSession();
    other.conf().set("fs.s3a.secret.key", "someone-else");
    ArtifactRegistry mine = SparkRegistries.open(uri, spark);
    assertThat(SparkRegistries.open(uri, spark)).isSameAs(mine);
    assertThat(SparkRegistries.open(uri, other)).isNotSameAs(mine);
  }
}
