package dev.artifacts.benchmarks;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.SplittableRandom;

/** The generated source trees the file benchmarks log: random bytes, ten day= partitions. */
final class BenchmarkFiles {
  private BenchmarkFiles() {}

  /** Writes {@code files} files of {@code kib} KiB each under {@code dir}; returns the bytes. */
  static long write(Path dir, int files, long kib) throws IOException {
    SplittableRandom random = new SplittableRandom(42);
    byte[] chunk = new byte[1024];
    long total = 0;
    for (int i = 0; i < files; i++) {
      Path f = dir.resolve(String.format(Locale.ROOT, "day=%02d/part-%05d.bin", i % 10, i));
      Files.createDirectories(f.getParent());
      try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(f), 1 << 16)) {
        for (long k = 0; k < kib; k++) {
          random.nextBytes(chunk);
          out.write(chunk);
          total += chunk.length;
        }
      }
    }
    return total;
  }

  /** Reads every file once, so each measured path starts from the page cache. */
  static void warmPageCache(Path dir) throws IOException {
    try (var walk = Files.walk(dir)) {
      for (Path p : walk.filter(Files::isRegularFile).toList()) {
        Files.readAllBytes(p);
      }
    }
  }
}
