package dev.artifacts.common.registry.fs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.artifacts.common.ArtifactException;
import dev.artifacts.common.digest.FileDigest;
import dev.artifacts.common.name.ArtifactPath;
import dev.artifacts.common.registry.ArtifactDraft;
import dev.artifacts.common.registry.ContentStore;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 15, case 8: what cannot be logged is reported with its path and reason, never skipped
 * silently or thrown as a bare path or an {@code Error}.
 */
class SourceProblemsTest {
  private static final ArtifactPath EVENTS = new ArtifactPath("acme", "p", "events", null);

  @TempDir Path tmp;

  @Test
  void symlinkLoopsDanglingLinksAndFifosAreListedWithTheirReason() throws Exception {
    Path dir = tmp.resolve("data");
    RegistryFixtures.write(dir, "ok.txt", "fine");
    Files.createSymbolicLink(dir.resolve("loop"), dir);
    Files.createSymbolicLink(dir.resolve("dangling"), tmp.resolve("nowhere"));
    Process mkfifo = new ProcessBuilder("mkfifo", dir.resolve("pipe").toString()).start();
    assertThat(mkfifo.waitFor(10, TimeUnit.SECONDS)).isTrue();
    assertThat(mkfifo.exitValue()).isZero();
    try (FileSystemRegistry registry =
        RegistryFixtures.open(tmp.resolve("registry"), new FakeReferences())) {
      ArtifactDraft draft = registry.newDraft(EVENTS, "dataset");
      assertThatThrownBy(() -> draft.addDir(dir, null))
          .isInstanceOf(ArtifactException.InvalidInput.class)
          .hasMessageContaining(dir.resolve("loop") + " (symlink loop)")
          .hasMessageContaining(dir.resolve("dangling") + " (dangling symlink)")
          .hasMessageContaining(dir.resolve("pipe") + " (not a regular file");
    }
  }

  @Test
  void aFullDiskWhileABodyIsWrittenIsAnIoErrorNamingTheFile() throws IOException {
    FaultyLocalFileSystem fs = new FaultyLocalFileSystem();
    Path file = RegistryFixtures.write(tmp.resolve("data"), "big.bin", "bytes that do not fit");
    try (FileSystemRegistry registry = fs.registry(tmp.resolve("registry"))) {
      ArtifactDraft draft = registry.newDraft(EVENTS, "dataset");
      fs.diskFull = true;
      assertThatThrownBy(() -> draft.addFile(file, "big.bin"))
          .isInstanceOf(IOException.class)
          .hasMessageContaining(file.toString())
          .hasMessageContaining("No space left on device");
      assertThatThrownBy(
              () -> {
                try (var out = draft.newFile("streamed.bin")) {
                  out.write(new byte[] {1, 2, 3});
                }
              })
          .isInstanceOf(IOException.class)
          .hasMessageContaining("No space left on device");
    }
  }

  @Test
  void aRegistryPathThatIsAFileIsRejectedWithTheReason() throws IOException {
    Path file = Files.writeString(tmp.resolve("not-a-dir"), "x");
    assertThatThrownBy(
            () ->
                FileSystemRegistry.open(file.toString(), new Configuration(), new FakeReferences()))
        .isInstanceOf(ArtifactException.InvalidInput.class)
        .hasMessageContaining(file.toString())
        .hasMessageContaining("is a file, not a directory");
  }

  /** An I/O error without a path (as EIO gives) is reported with the file that failed. */
  @Test
  void anUnreadableSourceIsNamed() throws IOException {
    Path file = RegistryFixtures.write(tmp.resolve("data"), "bad.bin", "unreadable");
    try (FileSystemRegistry registry =
        RegistryFixtures.open(tmp.resolve("registry"), new FakeReferences())) {
      ContentStore real = registry.contentStore("acme", "p");
      ContentStore failing =
          new ContentStore() {
            @Override
            public FileDigest put(Path f) throws IOException {
              throw new IOException("Input/output error");
            }

            @Override
            public BodyWriter newBody() throws IOException {
              return real.newBody();
            }

            @Override
            public boolean contains(String md5) throws IOException {
              return real.contains(md5);
            }

            @Override
            public InputStream open(String md5) throws IOException {
              return real.open(md5);
            }
          };
      ArtifactDraft draft =
          new ArtifactDraft(EVENTS, "dataset", failing, new FakeReferences(), null, null);
      assertThatThrownBy(() -> draft.addDir(file.getParent(), null))
          .isInstanceOf(IOException.class)
          .hasMessageContaining(file.toString())
          .hasMessageContaining("Input/output error");
    }
  }
}
