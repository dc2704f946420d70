package dev.artifacts.common.registry.fs;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.artifacts.common.manifest.Manifest;
import dev.artifacts.common.name.ArtifactPath;
import dev.artifacts.common.registry.ArtifactDraft;
import dev.artifacts.common.registry.ArtifactVersion;
import dev.artifacts.common.registry.CommitResult;
import dev.artifacts.common.registry.VersionQuery;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The commit point under contention: threads of one registry, and separate JVMs. */
class ConcurrentCommitTest {
  private static final ArtifactPath EVENTS = new ArtifactPath("acme", "p", "events", null);

  @TempDir Path root;

  @Test
  void eightThreadsGetGaplessVersions() throws Exception {
    int threads = 8;
    CountDownLatch start = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try (FileSystemRegistry registry = RegistryFixtures.open(root, new FakeReferences())) {
      List<Future<CommitResult>> results = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int worker = t;
        ArtifactDraft draft = registry.newDraft(EVENTS, "dataset");
        try (OutputStream out = draft.newFile("part-" + worker)) {
          out.write(("thread " + worker).getBytes(UTF_8));
        }
        results.add(
            pool.submit(
                () -> {
                  start.await();
                  return registry.commit(draft);
                }));
      }
      start.countDown();
      List<Integer> indices = new ArrayList<>();
      for (Future<CommitResult> f : results) {
        CommitResult r = f.get(60, TimeUnit.SECONDS);
        assertThat(r.created()).isTrue();
        indices.add(r.version().versionIndex());
      }
      assertThat(indices).containsExactlyInAnyOrderElementsOf(range(threads));
      assertIntact(registry, threads);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void fourProcessesGetGaplessVersions() throws Exception {
    int processes = 4;
    int each = 5;
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<Process> started = new ArrayList<>();
    for (int p = 0; p < processes; p++) {
      ProcessBuilder pb =
          new ProcessBuilder(
              java,
              "-Xmx256m",
              "-cp",
              System.getProperty("java.class.path"),
              CommitWorker.class.getName(),
              root.toString(),
              EVENTS.toString(),
              "w" + p,
              String.valueOf(each));
      pb.redirectErrorStream(true);
      pb.redirectOutput(root.resolveSibling(root.getFileName() + "-worker" + p + ".log").toFile());
      started.add(pb.start());
    }
    for (int p = 0; p < processes; p++) {
      Process proc = started.get(p);
      assertThat(proc.waitFor(180, TimeUnit.SECONDS)).as("worker %d finished", p).isTrue();
      Path log = root.resolveSibling(root.getFileName() + "-worker" + p + ".log");
      assertThat(proc.exitValue())
          .as("worker %d exit; output:%n%s", p, Files.readString(log))
          .isZero();
    }
    try (FileSystemRegistry registry = RegistryFixtures.open(root, new FakeReferences())) {
      assertIntact(registry, processes * each);
    }
  }

  private static void assertIntact(FileSystemRegistry registry, int count) {
    List<ArtifactVersion> versions =
        registry.versions(EVENTS, VersionQuery.all().withOrder(VersionQuery.Order.VERSION_ASC));
    assertThat(versions)
        .extracting(ArtifactVersion::versionIndex)
        .containsExactlyElementsOf(range(count));
    assertThat(versions.stream().map(ArtifactVersion::digest).distinct()).hasSize(count);
    assertThat(versions.stream().map(ArtifactVersion::id).distinct()).hasSize(count);
    for (ArtifactVersion v : versions) {
      Manifest m = registry.manifest(v);
      assertThat(m.digest()).isEqualTo(v.digest());
      assertThat(m.fileCount()).isEqualTo(1);
    }
    assertThat(registry.resolve(EVENTS).versionIndex()).isEqualTo(count - 1);
  }

  private static List<Integer> range(int n) {
    return IntStream.range(0, n).boxed().toList();
  }
}
