package dev.artifacts.examples;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs the README's first command (the quick start) in a child JVM and checks what it prints. */
class QuickstartDemoTest {
  @TempDir Path work;

  @Test
  void quickstartLogsTwoVersionsReadsByAliasAndPrintsLineage() throws Exception {
    Process p =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                QuickstartDemo.class.getName(),
                work.toString())
            .redirectErrorStream(true)
            .start();
    ByteArrayOutputStream output = new ByteArrayOutputStream();
    p.getInputStream().transferTo(output);
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
    String out = output.toString(UTF_8);
    assertThat(p.exitValue()).as(out).isZero();
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
