package dev.artifacts.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.artifacts.common.testing.ChildJvm;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the Flink streaming example in a child JVM, as the README does (Spark's jars are on the same
 * classpath), and checks what it prints.
 */
class FlinkStreamingTest {
  @TempDir Path work;

  @Test
  void streamingJobCommitsOneAppendingVersionPerCheckpointAndEveryEventOnce() throws Exception {
    List<String> command =
        ChildJvm.command("512m", FlinkStreaming.class.getName(), work.toString(), "1500");
    ChildJvm.Result run = ChildJvm.run(command, Duration.ofSeconds(180));
    String out = run.output();
    assertThat(run.exitCode()).as(out).isZero();

    // 1,500 events at 500/s with a checkpoint every second: several versions, each with more
    // files than the one before, all logged by the one job.
    Matcher m =
        Pattern.compile(
                "demo/flink/clicks:v(\\d+) +(\\S*) +files: (\\d+) +checkpoint: (\\S+) +logged by:"
                    + " flink-streaming-example \\(flink [0-9a-f]{32}\\)")
            .matcher(out);
    int versions = 0;
    int lastFiles = 0;
    String lastAliases = "";
    while (m.find()) {
      assertThat(Integer.parseInt(m.group(1))).isEqualTo(versions);
      int files = Integer.parseInt(m.group(3));
      assertThat(files).as(out).isGreaterThan(lastFiles);
      lastFiles = files;
      lastAliases = m.group(2);
      versions++;
    }
    assertThat(versions).as(out).isGreaterThanOrEqualTo(2);
    assertThat(lastAliases).isEqualTo("latest,streaming");
    assertThat(out).contains("1500 events, 1500 distinct");
    assertThat(out).doesNotContain("Exception");
  }
}
