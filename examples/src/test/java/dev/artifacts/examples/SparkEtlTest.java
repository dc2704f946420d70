package dev.artifacts.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.artifacts.common.testing.ChildJvm;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs the Spark ETL example in a child JVM, as the README does, and checks what it prints. */
class SparkEtlTest {
  @TempDir Path work;

  @Test
  void etlWritesTwoVersionsAndReadsLatestAndV0() throws Exception {
    List<String> command = ChildJvm.command("1g", SparkEtl.class.getName(), work.toString());
    ChildJvm.Result run = ChildJvm.run(command, Duration.ofSeconds(180));
    String out = run.output();
    assertThat(run.exitCode()).as(out).isZero();
    assertThat(out)
        .contains("committed demo/etl/raw-events:v0")
        .contains("committed demo/etl/clean-events:v0")
        .contains("committed demo/etl/raw-events:v1")
        .contains("committed demo/etl/clean-events:v1")
        .contains("[2024-01-03,2,99.99]")
        .containsPattern(
            "demo/etl/clean-events:v0\\n  \\[2024-01-01,3,12.5\\]\\n  \\[2024-01-02,2,3.2\\]\\n\\n")
        .containsPattern("demo/etl/clean-events:v1 +latest,candidate +logged by: spark-etl-example")
        .doesNotContain("multiple SLF4J providers");
  }
}
