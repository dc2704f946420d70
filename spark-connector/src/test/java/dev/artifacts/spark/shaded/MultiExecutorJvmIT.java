package dev.artifacts.spark.shaded;

import static org.assertj.core.api.Assertions.assertThat;

import dev.artifacts.common.name.ArtifactPath;
import dev.artifacts.common.registry.ArtifactRegistries;
import dev.artifacts.common.registry.ArtifactRegistry;
import dev.artifacts.common.registry.ArtifactVersion;
import dev.artifacts.common.testing.ChildJvm;
import dev.artifacts.spark.log.ExistingData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Everything the connector sends to executors survives Java serialization into other JVMs: Spark's
 * {@code local-cluster} mode runs two executors as separate processes (not threads of this JVM),
 * and a partitioned write, a read and a reference logging run through them.
 */
class MultiExecutorJvmIT {
  @TempDir Path tmp;

  @Test
  void writeReadAndLogRunOnTwoExecutorJvms() throws Exception {
    Files.createDirectories(Path.of(System.getProperty("spark.test.home")));
    String classpath = System.getProperty("java.class.path");
    String opens = String.join(" ", ChildJvm.opens());
    String registry = tmp.resolve("registry").toString();
    SparkSession spark =
        SparkSession.builder()
            .master("local-cluster[2,1,1024]")
            .appName("multi-executor-jvm")
            .config("spark.ui.enabled", "false")
            .config("spark.sql.shuffle.partitions", "4")
            .config("spark.executor.extraClassPath", classpath)
            .config("spark.executor.extraJavaOptions", opens + " -Dfile.encoding=UTF-8")
            .config("spark.artifact.registry", registry)
            .getOrCreate();
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
          .save("multi/jvm/numbers");
      Row r =
          spark
              .read()
              .format("artifact")
              .load("multi/jvm/numbers")
              .selectExpr("count(*)", "sum(id)", "count(distinct part)")
              .collectAsList()
              .get(0);
      assertThat(r.getLong(0)).isEqualTo(1000);
      assertThat(r.getLong(1)).isEqualTo(499500);
      assertThat(r.getLong(2)).isEqualTo(4);

      Path data = tmp.resolve("data");
      for (int i = 0; i < 6; i++) {
        Path f = data.resolve("d" + (i % 3)).resolve("f" + i + ".txt");
        Files.createDirectories(f.getParent());
        Files.writeString(f, "file " + i + "\n");
      }
      ArtifactVersion logged =
          ExistingData.log(spark, data.toString(), "multi/jvm/raw", Map.of("storage", "reference"))
              .version();
      try (ArtifactRegistry reg = ArtifactRegistries.open(registry)) {
        assertThat(reg.manifest(logged).fileCount()).isEqualTo(6);
        assertThat(reg.resolve(ArtifactPath.parse("multi/jvm/numbers")).fileCount())
            .isGreaterThanOrEqualTo(4);
      }
    } finally {
      spark.stop();
    }
  }
}
