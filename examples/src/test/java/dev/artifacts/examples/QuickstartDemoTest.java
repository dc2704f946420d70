package dev.artifacts.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.artifacts.common.testing.ChildJvm;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs the README's first command (the quick start) in a child JVM and checks what it prints. */
class QuickstartDemoTest {
  @TempDir Path work;

  @Test
  void quickstartLogsTwoVersionsReadsByAliasAndPrintsLineage() throws Exception {
    ChildJvm.Result run =
        ChildJvm.run(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                QuickstartDemo.class.getName(),
                work.toString()),
            Duration.ofSeconds(120));
    String out = run.output();
    assertThat(run.exitCode()).as(out).isZero();
    assertThat(out)
        .contains("committed demo/etl/events:v0")
        .contains("created=false -> demo/etl/events:v0")
        .contains("committed demo/etl/events:v1")
        .contains("demo/etl/events:prod   -> v0")
        .contains("demo/etl/events:latest -> v1")
        .contains("verify: ")
        .contains("\"storagePolicy\":\"wandb-storage-policy-v1\"")
        .contains("committed demo/etl/event-counts:v0")
        .containsPattern("demo/etl/events:v1 +logged by: ingest events +used by: summarize events");
  }
}
