package dev.artifacts.common.registry.fs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.artifacts.common.ArtifactException;
import dev.artifacts.common.name.ArtifactPath;
import dev.artifacts.common.registry.ArtifactDraft;
import java.io.IOException;
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
}
