package dev.artifacts.common.registry.fs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.artifacts.common.digest.Digests;
import dev.artifacts.common.digest.FileDigest;
import dev.artifacts.common.name.ArtifactPath;
import dev.artifacts.common.registry.ArtifactDraft;
import dev.artifacts.common.registry.ArtifactVersion;
import dev.artifacts.common.registry.ContentStore;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 14, copy mode: a local file is read once while it is copied to staging and hashed, then
 * published under the digest of the staged bytes.
 */
class CopyOnceStoreTest {
  private static final ArtifactPath EVENTS = new ArtifactPath("acme", "p", "events", null);
  private static final Path THREAD_IO = Path.of("/proc/thread-self/io");

  @TempDir Path tmp;

  private Path root() {
    return tmp.resolve("registry");
  }

  /**
   * Bytes this thread has read through read(2) and friends, page cache included (Linux {@code
   * rchar}); storing a file twice-read shows up as twice its size.
   */
  private static long bytesReadByThisThread() throws IOException {
    for (String line : Files.readAllLines(THREAD_IO)) {
      if (line.startsWith("rchar:")) {
        return Long.parseLong(line.substring(6).trim());
      }
    }
    throw new IllegalStateException("No rchar in " + THREAD_IO);
  }

  private static Path randomFile(Path file, int size, long seed) throws IOException {
    byte[] bytes = new byte[size];
    new SplittableRandom(seed).nextBytes(bytes);
    Files.createDirectories(file.getParent());
    return Files.write(file, bytes);
  }

  @Test
  void aNewFileIsReadOnceWhileItIsStored() throws IOException {
    assumeTrue(Files.isReadable(THREAD_IO), "needs Linux per-thread I/O accounting");
    int size = 16 << 20;
    Path file = randomFile(tmp.resolve("data/big.bin"), size, 1);
    try (FileSystemRegistry registry = RegistryFixtures.open(root(), new FakeReferences())) {
      ContentStore store = registry.contentStore("acme", "p");
      long before = bytesReadByThisThread();
      FileDigest digest = store.put(file);
      long read = bytesReadByThisThread() - before;

      assertThat(digest).isEqualTo(Digests.digest(file));
      // Hashing first and copying afterwards reads 2 x 16 MiB; metadata reads are tiny.
      assertThat(read).isBetween((long) size, size + (1L << 20));
      try (InputStream in = store.open(digest.base64())) {
        assertThat(Digests.digest(in)).isEqualTo(digest);
      }
      assertThat(stagingLeftovers()).isEmpty();
    }
  }

  @Test
  void storingKnownContentAgainDropsTheStagedCopyAndKeepsOneObject() throws IOException {
    Path first = randomFile(tmp.resolve("data/a.bin"), 300_000, 2);
    Path second = Files.copy(first, tmp.resolve("data/b.bin"));
    try (FileSystemRegistry registry = RegistryFixtures.open(root(), new FakeReferences())) {
      ArtifactDraft draft = registry.newDraft(EVENTS, "dataset");
      draft.addDir(tmp.resolve("data"), null);
      ArtifactVersion v = registry.commit(draft).version();

      assertThat(registry.manifest(v).entries()).hasSize(2);
      assertThat(objects()).hasSize(1);
      assertThat(stagingLeftovers()).isEmpty();
      FileDigest again = registry.contentStore("acme", "p").put(second);
      assertThat(again).isEqualTo(Digests.digest(first));
      assertThat(objects()).hasSize(1);
      assertThat(stagingLeftovers()).isEmpty();
    }
  }

  /**
   * A file rewritten while it is stored is either refused or stored under the digest of the bytes
   * that were copied; no object ever holds bytes other than those its name says.
   */
  @Test
  void aFileRewrittenWhileStoredIsNeverStoredUnderAnotherDigest() throws Exception {
    Path file = randomFile(tmp.resolve("data/hot.bin"), 4 << 20, 3);
    AtomicBoolean stop = new AtomicBoolean();
    List<Throwable> writerErrors = new ArrayList<>();
    Thread writer =
        new Thread(
            () -> {
              long seed = 100;
              try {
                while (!stop.get()) {
                  // Rewrites in place (no rename), so a reader can see a mix of old and new bytes.
                  byte[] bytes = new byte[(4 << 20) + (int) (seed % 3) * 4096];
                  new SplittableRandom(seed++).nextBytes(bytes);
                  Files.write(file, bytes);
                }
              } catch (IOException e) {
                synchronized (writerErrors) {
                  writerErrors.add(e);
                }
              }
            });
    int refused = 0;
    int stored = 0;
    try (FileSystemRegistry registry = RegistryFixtures.open(root(), new FakeReferences())) {
      ContentStore store = registry.contentStore("acme", "p");
      writer.start();
      for (int i = 0; i < 30; i++) {
        try {
          FileDigest d = store.put(file);
          stored++;
          try (InputStream in = store.open(d.base64())) {
            assertThat(Digests.digest(in)).isEqualTo(d);
          }
        } catch (IOException e) {
          assertThat(e).hasMessageContaining(file.toString()).hasMessageContaining("changed");
          refused++;
        }
      }
    } finally {
      stop.set(true);
      writer.join();
    }
    assertThat(writerErrors).isEmpty();
    assertThat(stored + refused).isEqualTo(30);
    for (Path object : objects()) {
      String hex = object.getParent().getFileName().toString() + object.getFileName();
      assertThat(Digests.digest(object).hex()).as(object.toString()).isEqualTo(hex);
    }
    assertThat(stagingLeftovers()).isEmpty();
  }

  @Test
  void aCopyThatFailsLeavesNoObjectAndNoStagedBody() throws IOException {
    FaultyLocalFileSystem fs = new FaultyLocalFileSystem();
    Path file = randomFile(tmp.resolve("data/x.bin"), 200_000, 4);
    try (FileSystemRegistry registry = fs.registry(root())) {
      ContentStore store = registry.contentStore("acme", "p");
      fs.diskFull = true;
      assertThatThrownBy(() -> store.put(file))
          .isInstanceOf(IOException.class)
          .hasMessageContaining(file.toString())
          .hasMessageContaining("No space left on device");
      assertThat(objects()).isEmpty();
      assertThat(stagingLeftovers()).isEmpty();

      fs.diskFull = false;
      FileDigest d = store.put(file);
      assertThat(objects()).hasSize(1);
      assertThat(Digests.digest(objects().get(0))).isEqualTo(d);
    }
  }

  private List<Path> objects() throws IOException {
    return filesUnder(root().resolve("acme/p/objects"));
  }

  private List<Path> stagingLeftovers() throws IOException {
    return filesUnder(root().resolve("acme/p/staging"));
  }

  private static List<Path> filesUnder(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      return walk.filter(Files::isRegularFile).sorted().toList();
    }
  }
}
