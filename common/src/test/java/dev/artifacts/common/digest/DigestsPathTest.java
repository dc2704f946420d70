package dev.artifacts.common.digest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@link Digests#digest(Path)} reads through pooled buffers: sizes around them, and sharing. */
class DigestsPathTest {
  @TempDir Path dir;

  @ParameterizedTest
  @ValueSource(ints = {0, 1, 65_535, 65_536, 65_537, 3 * 65_536 + 11})
  void digestOfAFileEqualsTheMd5OfItsBytes(int size) throws IOException {
    byte[] bytes = random(size, size);
    Path file = Files.write(dir.resolve("f" + size), bytes);

    FileDigest d = Digests.digest(file);

    assertThat(d.size()).isEqualTo(size);
    assertThat(d.base64()).isEqualTo(Digests.md5Base64(bytes));
  }

  @Test
  void threadsHashingAtOnceGetTheirOwnFilesDigests() throws Exception {
    List<Path> files = new ArrayList<>();
    List<String> expected = new ArrayList<>();
    for (int i = 0; i < 64; i++) {
      byte[] bytes = random(i, 100_000 + i * 997);
      files.add(Files.write(dir.resolve("g" + i), bytes));
      expected.add(Digests.md5Base64(bytes));
    }
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      for (int round = 0; round < 5; round++) {
        List<Future<String>> got = new ArrayList<>();
        for (Path f : files) {
          got.add(pool.submit(() -> Digests.digest(f).base64()));
        }
        for (int i = 0; i < files.size(); i++) {
          assertThat(got.get(i).get()).as("file %d, round %d", i, round).isEqualTo(expected.get(i));
        }
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void aMissingFileFailsAndLeavesLaterDigestsIntact() throws IOException {
    Path missing = dir.resolve("gone");
    assertThatThrownBy(() -> Digests.digest(missing)).isInstanceOf(NoSuchFileException.class);

    byte[] bytes = random(3, 70_000);
    assertThat(Digests.digest(Files.write(dir.resolve("after"), bytes)).base64())
        .isEqualTo(Digests.md5Base64(bytes));
  }

  private static byte[] random(long seed, int size) {
    byte[] bytes = new byte[size];
    new SplittableRandom(seed).nextBytes(bytes);
    return bytes;
  }
}
