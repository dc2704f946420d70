package dev.artifacts.common.registry.contract;

import static org.assertj.core.api.Assertions.assertThat;

import dev.artifacts.common.name.ArtifactPath;
import dev.artifacts.common.registry.fs.CommitWorker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Starts {@link CommitWorker} JVMs on one registry root and waits for all of them to succeed. */
final class CommitterProcesses {
  private CommitterProcesses() {}

  static void run(
      String root,
      List<String> systemProperties,
      ArtifactPath collection,
      int workers,
      int count,
      Path logDir)
      throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<Process> started = new ArrayList<>();
    List<Path> logs = new ArrayList<>();
    try {
      for (int w = 0; w < workers; w++) {
        List<String> command = new ArrayList<>(List.of(java, "-Xmx256m"));
        command.addAll(systemProperties);
        command.addAll(
            List.of(
                "-cp",
                System.getProperty("java.class.path"),
                CommitWorker.class.getName(),
                root,
                collection.toString(),
                "w" + w,
                String.valueOf(count)));
        Path log = Files.createTempFile(logDir, "worker" + w + "-", ".log");
        logs.add(log);
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.redirectErrorStream(true);
        pb.redirectOutput(log.toFile());
        started.add(pb.start());
      }
      for (int w = 0; w < workers; w++) {
        Process p = started.get(w);
        assertThat(p.waitFor(180, TimeUnit.SECONDS)).as("worker %d finished", w).isTrue();
        assertThat(p.exitValue())
            .as("worker %d exit; output:%n%s", w, Files.readString(logs.get(w)))
            .isZero();
      }
    } finally {
      for (Process p : started) {
        p.destroyForcibly();
      }
    }
  }
}
