package dev.artifacts.common.registry.fs;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.artifacts.common.ArtifactException;
import dev.artifacts.common.manifest.ManifestEntry;
import dev.artifacts.common.name.ArtifactPath;
import dev.artifacts.common.registry.ArtifactDraft;
import dev.artifacts.common.registry.ArtifactVersion;
import dev.artifacts.common.registry.VersionQuery;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * gc racing committers (issue 15, cases 2 and 3): no committed version may ever reference a body gc
 * removed. The races are made deterministic with {@link FaultyLocalFileSystem}'s hooks.
 */
class GcRaceTest {
  private static final ArtifactPath EVENTS = new ArtifactPath("acme", "p", "events", null);

  @TempDir Path tmp;

  private Path data(int files, String salt) throws IOException {
    Path dir = tmp.resolve("data-" + salt);
    for (int i = 0; i < files; i++) {
      RegistryFixtures.write(dir, "f" + i + ".txt", salt + " body " + i);
    }
    return dir;
  }

  private static ArtifactVersion log(FileSystemRegistry registry, Path dir) throws IOException {
    ArtifactDraft draft = registry.newDraft(EVENTS, "dataset");
    draft.addDir(dir, null);
    return registry.commit(draft).version();
  }

  private static void age(Path dir, Duration age) throws IOException {
    FileTime then = FileTime.from(Instant.now().minus(age));
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.toList()) {
        Files.setLastModifiedTime(p, then);
      }
    }
  }

  /** Every body of every live version can be read back with its committed bytes. */
  private static void assertEveryLiveVersionReadable(FileSystemRegistry registry)
      throws IOException {
    for (ArtifactVersion v : registry.versions(EVENTS, VersionQuery.all())) {
      for (ManifestEntry e : registry.manifest(v).entries()) {
        try (InputStream in = registry.open(v, e)) {
          assertThat((long) in.readAllBytes().length).as(v + " " + e.path()).isEqualTo(e.size());
        }
      }
    }
  }

  /**
   * Case 3: gc lists old unreferenced bodies; before it deletes them, a re-log of the same content
   * reuses them and commits. gc used to delete from its stale listing (every body of the new
   * version gone); now it re-checks each candidate right before deleting it.
   */
  @Test
  void aReLogDuringGcsSweepKeepsItsBodies() throws Exception {
    FaultyLocalFileSystem fs = new FaultyLocalFileSystem();
    Path root = tmp.resolve("registry");
    Path dir = data(20, "same");
    ExecutorService writer = Executors.newSingleThreadExecutor();
    try (FileSystemRegistry gcSide = fs.registry(root);
        FileSystemRegistry logSide = fs.registry(root)) {
      ArtifactVersion v0 = log(logSide, dir);
      logSide.delete(v0, false);
      age(root.resolve("acme/p/objects"), Duration.ofHours(2));

      AtomicBoolean raced = new AtomicBoolean();
      List<Future<ArtifactVersion>> relog = new ArrayList<>();
      fs.beforeDelete =
          p -> {
            if (p.toString().contains("/objects/") && raced.compareAndSet(false, true)) {
              // gc is about to delete its first candidate: a re-log of the same content runs to
              // completion (or to the point where it waits for this gc) right now.
              relog.add(writer.submit(() -> log(logSide, dir)));
              sleep(1_000);
            }
          };
      gcSide.gc(Duration.ofHours(1), false);
      fs.beforeDelete = p -> {};

      ArtifactVersion v1 = relog.get(0).get(30, TimeUnit.SECONDS);
      assertThat(raced).isTrue();
      assertThat(v1.version()).isEqualTo("v1");
      assertEveryLiveVersionReadable(logSide);
    } finally {
      writer.shutdownNow();
    }
  }

  /**
   * Case 2: a commit whose bodies a gc removes between storing and committing them must not commit
   * a version with missing bodies. The draft's bodies are deleted by a forced zero-grace gc while
   * the commit waits at its gc check; the commit stores them again from the local files.
   */
  @Test
  void bodiesRemovedBeforeTheCommitPointAreStoredAgainNotLost() throws Exception {
    FaultyLocalFileSystem fs = new FaultyLocalFileSystem();
    Path root = tmp.resolve("registry");
    try (FileSystemRegistry registry = fs.registry(root)) {
      ArtifactDraft draft = registry.newDraft(EVENTS, "dataset");
      draft.addDir(data(5, "fresh"), null);
      // Nothing references the bodies yet: a forced gc with no grace removes them all.
      assertThat(registry.gc(Duration.ZERO, false, true).objectsRemoved()).isEqualTo(5);

      ArtifactVersion v0 = registry.commit(draft).version();

      assertThat(v0.fileCount()).isEqualTo(5);
      assertEveryLiveVersionReadable(registry);
    }
  }

  @Test
  void aStreamedBodyRemovedBeforeTheCommitPointFailsTheCommitCleanly() throws Exception {
    FaultyLocalFileSystem fs = new FaultyLocalFileSystem();
    Path root = tmp.resolve("registry");
    try (FileSystemRegistry registry = fs.registry(root)) {
      ArtifactDraft draft = registry.newDraft(EVENTS, "dataset");
      try (var out = draft.newFile("streamed.txt")) {
        out.write("only in the store".getBytes(UTF_8));
      }
      registry.gc(Duration.ZERO, false, true);

      org.assertj.core.api.Assertions.assertThatThrownBy(() -> registry.commit(draft))
          .isInstanceOf(ArtifactException.NotFound.class)
          .hasMessageContaining("streamed.txt")
          .hasMessageContaining("nothing was committed");
      assertThat(registry.find(EVENTS)).isEmpty();
    }
  }

  /**
   * Case 2 as the issue found it: {@code log} in a loop racing a looping forced {@code gc} with no
   * grace. Every version that was committed keeps every body.
   */
  @Test
  void logRacingALoopingZeroGraceGcNeverLosesACommittedBody() throws Exception {
    FaultyLocalFileSystem fs = new FaultyLocalFileSystem();
    Path root = tmp.resolve("registry");
    try (FileSystemRegistry gcSide = fs.registry(root);
        FileSystemRegistry logSide = fs.registry(root)) {
      AtomicBoolean done = new AtomicBoolean();
      CompletableFuture<Integer> gcLoop =
          CompletableFuture.supplyAsync(
              () -> {
                int rounds = 0;
                while (!done.get()) {
                  gcSide.gc(Duration.ZERO, false, true);
                  rounds++;
                  sleep(2);
                }
                return rounds;
              });
      int committed = 0;
      for (int round = 0; round < 6; round++) {
        Path dir = data(15, "round" + round);
        try {
          log(logSide, dir);
          committed++;
        } catch (ArtifactException.NotFound | ArtifactException.CommitConflict e) {
          // A clean failure is allowed; a committed version with missing bodies is not.
        }
      }
      done.set(true);
      assertThat(gcLoop.get(60, TimeUnit.SECONDS)).isPositive();
      assertThat(committed).isPositive();
      assertEveryLiveVersionReadable(logSide);
    }
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
