package dev.artifacts.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.artifacts.common.testing.ChildJvm;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs the bounded Flink example in a child JVM, as the README does, and checks what it prints. */
class FlinkBoundedTest {
  @TempDir Path work;

  @Test
  void twoDailyLoadsCommitTwoVersionsAndTheSecondAppends() throws Exception {
    List<String> command = ChildJvm.command("512m", FlinkBounded.class.getName(), work.toString());
    ChildJvm.Result run = ChildJvm.run(command, Duration.ofSeconds(180));
    String out = run.output();
    assertThat(run.exitCode()).as(out).isZero();
    assertThat(out)
        .containsPattern(
            "demo/flink/orders:v0 +day-2024-01-01 +files: \\d+ +checkpoint: end-of-input +logged"
                + " by: daily-orders-2024-01-01 \\(flink [0-9a-f]{32}\\)")
        .containsPattern(
            "demo/flink/orders:v1 +latest,day-2024-01-02 +files: \\d+ +checkpoint: end-of-input"
                + " +logged by: daily-orders-2024-01-02 \\(flink [0-9a-f]{32}\\)")
        .contains(
            "== Orders per day in demo/flink/orders:latest\n"
                + "  day=2024-01-01 1000\n"
                + "  day=2024-01-02 600\n")
        .contains("== Orders per day in demo/flink/orders:v0\n  day=2024-01-01 1000\n\n")
        .doesNotContain("Exception")
        .doesNotContain("closed classloader")
        // One SLF4J provider: Spark's log4j binding is excluded (examples/pom.xml).
        .doesNotContain("multiple SLF4J providers");
  }
}
