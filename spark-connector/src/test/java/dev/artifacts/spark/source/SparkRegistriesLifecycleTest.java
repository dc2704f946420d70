package dev.artifacts.spark.source;

import static org.assertj.core.api.Assertions.assertThat;

import dev.artifacts.common.registry.ArtifactRegistry;
import java.nio.file.Path;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Registries a driver opened are closed and forgotten when its Spark application ends. */
class SparkRegistriesLifecycleTest {
  @TempDir Path tmp;

  @Test
  void theApplicationsEndClosesItsRegistries() {
    String uri = tmp.resolve("registry").toUri().toString();
    SparkSession spark = WriteTesting.session("local[1]");
    Configuration conf;
    ArtifactRegistry opened;
    try {
      conf = spark.sessionState().newHadoopConf();
      opened = SparkRegistries.open(uri, spark);
      // Same URI and configuration: the cached instance.
      assertThat(SparkRegistries.open(uri, conf)).isSameAs(opened);
    } finally {
      spark.stop();
    }
    // Stopping the context delivered the application end before stop() returned.
    ArtifactRegistry afterStop = SparkRegistries.open(uri, conf);
    assertThat(afterStop).isNotSameAs(opened);
  }
}
