package dev.artifacts.common.registry.fs;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.artifacts.common.manifest.ManifestEntry;
import dev.artifacts.common.name.ArtifactPath;
import dev.artifacts.common.registry.ArtifactDraft;
import dev.artifacts.common.registry.ArtifactRegistries;
import dev.artifacts.common.registry.ArtifactRegistry;
import dev.artifacts.common.registry.ArtifactVersion;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Appending drafts re-apply their changes to whatever is latest when they commit. */
class RebaseCommitTest {
  private static final ArtifactPath EVENTS = new ArtifactPath("acme", "p", "events", null);

  @TempDir Path root;
  private ArtifactRegistry registry;

  @BeforeEach
  void open() {
    registry = ArtifactRegistries.open(root.toString());
  }

  @AfterEach
  void close() throws IOException {
    registry.close();
  }

  private static void file(ArtifactDraft draft, String path, String text) throws IOException {
    try (OutputStream out = draft.newFile(path)) {
      out.write(text.getBytes(UTF_8));
    }
  }

  private List<String> paths(ArtifactVersion v) {
    return registry.manifest(v).entries().stream().map(ManifestEntry::path).toList();
  }

  private ArtifactVersion v0() throws IOException {
    ArtifactDraft d = registry.newDraft(EVENTS, "dataset");
    file(d, "a", "a");
    return registry.commit(d).version();
  }

  @Test
  void twoAppendersFromTheSameBaseKeepEachOthersEntries() throws IOException {
    ArtifactVersion v0 = v0();
    ArtifactDraft first = registry.newDraft(v0).rebaseOnLatest();
    ArtifactDraft second = registry.newDraft(v0).rebaseOnLatest();
    file(first, "b", "b");
    file(second, "c", "c");

    ArtifactVersion v1 = registry.commit(first).version();
    ArtifactVersion v2 = registry.commit(second).version();

    assertThat(paths(v1)).containsExactly("a", "b");
    assertThat(paths(v2)).containsExactly("a", "b", "c");
  }

  @Test
  void withoutRebaseADraftCommitsExactlyItsManifest() throws IOException {
    ArtifactVersion v0 = v0();
    ArtifactDraft first = registry.newDraft(v0);
    ArtifactDraft second = registry.newDraft(v0);
    file(first, "b", "b");
    file(second, "c", "c");
    registry.commit(first);
    assertThat(paths(registry.commit(second).version())).containsExactly("a", "c");
  }

  @Test
  void replacingAPartitionAlsoDropsWhatAnotherWriterAddedThereMeanwhile() throws IOException {
    ArtifactVersion v0 = v0();
    ArtifactDraft replace = registry.newDraft(v0).rebaseOnLatest();
    ArtifactDraft other = registry.newDraft(v0).rebaseOnLatest();
    file(other, "day=1/x", "x");
    file(other, "day=2/y", "y");
    registry.commit(other);

    try {
      replace.remove("day=1"); // nothing there when the draft was made
    } catch (dev.artifacts.common.ArtifactException.NotFound expected) {
      // still recorded, and applied to the latest version at commit
    }
    file(replace, "day=1/z", "z");
    ArtifactVersion v2 = registry.commit(replace).version();
    assertThat(paths(v2)).containsExactly("a", "day=1/z", "day=2/y");
  }

  @Test
  void eightConcurrentAppendersLoseNothing() throws Exception {
    ArtifactVersion v0 = v0();
    int writers = 8;
    CountDownLatch start = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(writers);
    try {
      List<Future<ArtifactVersion>> futures = new ArrayList<>();
      for (int i = 0; i < writers; i++) {
        String name = "w" + i;
        ArtifactDraft d = registry.newDraft(v0).rebaseOnLatest();
        file(d, name, name);
        futures.add(
            pool.submit(
                () -> {
                  start.await();
                  return registry.commit(d).version();
                }));
      }
      start.countDown();
      for (Future<ArtifactVersion> f : futures) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }
    ArtifactVersion latest = registry.resolve(EVENTS);
    assertThat(latest.versionIndex()).isEqualTo(writers);
    assertThat(paths(latest)).containsExactly("a", "w0", "w1", "w2", "w3", "w4", "w5", "w6", "w7");
  }
}
