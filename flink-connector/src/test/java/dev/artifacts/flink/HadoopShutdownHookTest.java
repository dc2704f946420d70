package dev.artifacts.flink;

import static org.assertj.core.api.Assertions.assertThat;

import dev.artifacts.common.testing.ChildJvm;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13: Flink jobs ended with Hadoop's shutdown hook throwing {@code Trying to access closed
 * classloader} when a task was the first to use Hadoop. A fresh JVM is needed: the hook is
 * registered once per process, by whichever thread first initializes Hadoop's {@code
 * ShutdownHookManager}.
 */
class HadoopShutdownHookTest {
  @TempDir Path tmp;

  @Test
  void registryOpenedFirstInUserCodeLeavesAShutdownHookThatDoesNotUseTheClosedLoader()
      throws Exception {
    ChildJvm.Result run =
        ChildJvm.run(
            ChildJvm.command(
                "256m",
                RegistryInUserCodeMain.class.getName(),
                tmp.resolve("registry").toUri().toString()),
            Duration.ofSeconds(60));
    String out = run.output();

    assertThat(run.exitCode()).as(out).isZero();
    assertThat(out)
        .as("the child must have run the user code and closed its loader")
        .contains("user code class loader closed")
        .doesNotContain("closed classloader")
        .doesNotContain("Exception");
  }
}
