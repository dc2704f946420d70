package dev.artifacts.spark.shaded;

import static org.assertj.core.api.Assertions.assertThat;

import dev.artifacts.common.manifest.ManifestEntry;
import dev.artifacts.common.name.ArtifactPath;
import dev.artifacts.common.reference.CachePaths;
import dev.artifacts.common.registry.ArtifactRegistries;
import dev.artifacts.common.registry.ArtifactRegistry;
import dev.artifacts.common.registry.ArtifactVersion;
import dev.artifacts.common.testing.ChildJvm;
import dev.artifacts.common.testing.FakeWandbServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Spark write and read against {@link FakeWandbServer} with two executors in separate JVMs
 * ({@code local-cluster}), each with its own W&amp;B cache: every data file reaches the server from
 * an executor, the driver's cache never holds a data body, and the read downloads on the executors.
 * The driver's key and cache come from the build's environment, the executors' from {@code
 * spark.executorEnv.*}, as on a cluster.
 */
class WandbExecutorJvmIT {
  @TempDir Path tmp;

  @Test
  void executorsUploadAndDownloadTheBodies() throws Exception {
    Files.createDirectories(Path.of(System.getProperty("spark.test.home")));
    Path driverCache = Path.of(System.getenv("WANDB_CACHE_DIR"), "artifacts");
    Path executorCache = tmp.resolve("executor-cache");
    String classpath = System.getProperty("java.class.path");
    String opens = String.join(" ", ChildJvm.opens());
    try (FakeWandbServer server = new FakeWandbServer()) {
      SparkSession spark =
          SparkSession.builder()
              .master("local-cluster[2,1,1024]")
              .appName("wandb-executor-jvms")
              .config("spark.ui.enabled", "false")
              .config("spark.sql.shuffle.partitions", "4")
              .config("spark.executor.extraClassPath", classpath)
              .config("spark.executor.extraJavaOptions", opens + " -Dfile.encoding=UTF-8")
              .config("spark.executorEnv.WANDB_API_KEY", FakeWandbServer.API_KEY)
              .config("spark.executorEnv.WANDB_CACHE_DIR", executorCache.toString())
              .config("spark.artifact.registry", server.baseUrl())
              .getOrCreate();
      ArtifactVersion v;
      try {
        long driverPid = ProcessHandle.current().pid();
        List<Long> executorPids =
            new JavaSparkContext(spark.sparkContext())
                .parallelize(List.of(1, 2, 3, 4, 5, 6, 7, 8), 8)
                .map(x -> ProcessHandle.current().pid())
                .distinct()
                .collect();
        assertThat(executorPids).hasSize(2).doesNotContain(driverPid);

        spark
            .range(0, 1000)
            .selectExpr("id", "cast(id % 4 as int) as part")
            .repartition(4)
            .write()
            .format("artifact")
            .mode(SaveMode.ErrorIfExists) // creates the partitioned collection
            .partitionBy("part")
            .save("acme/etl/numbers");

        try (ArtifactRegistry reader =
            ArtifactRegistries.open(server.baseUrl(), server.env(tmp.resolve("reader")))) {
          v = reader.resolve(ArtifactPath.parse("acme/etl/numbers"));
          List<ManifestEntry> entries = reader.manifest(v).entries();
          assertThat(entries).hasSizeGreaterThanOrEqualTo(4);
          for (ManifestEntry e : entries) {
            assertThat(server.hasBlob(e.digest())).isTrue();
            assertThat(executorCache.resolve("artifacts").resolve(CachePaths.md5Path(e.digest())))
                .exists();
            assertThat(driverCache.resolve(CachePaths.md5Path(e.digest()))).doesNotExist();
          }
          assertThat(server.storageCount("PUT /put/")).isEqualTo(entries.size());

          // Executors download on read: empty their cache first.
          try (Stream<Path> walk = Files.walk(executorCache)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
          }
          Row r =
              spark
                  .read()
                  .format("artifact")
                  .load("acme/etl/numbers")
                  .selectExpr("count(*)", "sum(id)", "count(distinct part)")
                  .collectAsList()
                  .get(0);
          assertThat(r.getLong(0)).isEqualTo(1000);
          assertThat(r.getLong(1)).isEqualTo(499500);
          assertThat(r.getLong(2)).isEqualTo(4);
          for (ManifestEntry e : entries) {
            assertThat(driverCache.resolve(CachePaths.md5Path(e.digest()))).doesNotExist();
          }
          assertThat(server.count("ArtifactFileURLsByManifestEntries")).isGreaterThanOrEqualTo(4);
        }
      } finally {
        spark.stop();
      }
      assertThat(server.authViolations).isEmpty();
      assertThat(server.schemaViolations).as("requests W&B's SDK-derived schema refuses").isEmpty();
    }
  }
}
