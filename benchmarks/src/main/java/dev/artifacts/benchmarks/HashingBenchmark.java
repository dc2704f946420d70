package dev.artifacts.benchmarks;

import dev.artifacts.cli.ArtifactCli;
import dev.artifacts.common.digest.Digests;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Hashing throughput of {@code artifact log} on a directory of many files, against the machine's
 * own limit measured in the same run: the number of cores times the single-thread rate of {@link
 * MessageDigest} MD5 over bytes already in memory. Target: the aggregate rate of {@code log} is at
 * least 80% of that limit.
 *
 * <p>Runs the real command ({@link ArtifactCli#execute}) in two modes: {@code --reference} (hash
 * only: what hashing costs) and the default, which also copies every body into the registry. Files
 * are written once and read once before timing, so they come from the page cache in every mode, as
 * they would for data just produced by a job.
 *
 * <p>Arguments: {@code [files] [MiB per file] [rounds]}, defaults 200, 4 and 3 (800 MiB; best of 3
 * rounds per mode).
 */
public final class HashingBenchmark {
  private HashingBenchmark() {}

  public static void main(String[] args) throws Exception {
    int files = args.length > 0 ? Integer.parseInt(args[0]) : 200;
    int mib = args.length > 1 ? Integer.parseInt(args[1]) : 4;
    int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 3;
    int cores = Runtime.getRuntime().availableProcessors();
    Path work = Files.createTempDirectory("hashing-benchmark");
    try {
      Path data = work.resolve("data");
      long bytes = BenchmarkFiles.write(data, files, mib * 1024L);
      System.out.printf(
          Locale.ROOT,
          "Hashing benchmark: %d files x %d MiB = %d MiB, %d cores, Java %s%n%n",
          files,
          mib,
          bytes >> 20,
          cores,
          System.getProperty("java.version"));

      BenchmarkFiles.warmPageCache(data);
      double single = singleThreadMd5Rate();
      double limit = single * cores;

      double reference = best(rounds, () -> logOnce(work, data, true), bytes);
      double stored = best(rounds, () -> logOnce(work, data, false), bytes);

      String row = "%-52s %10s %8s%n";
      System.out.printf(Locale.ROOT, row, "measure", "MiB/s", "ratio");
      System.out.printf(
          Locale.ROOT, row, "single-thread MessageDigest MD5 (in memory)", mbs(single), "");
      System.out.printf(
          Locale.ROOT, row, "limit: " + cores + " cores x single-thread rate", mbs(limit), "1.00");
      System.out.printf(
          Locale.ROOT,
          row,
          "artifact log --reference (hash only)",
          mbs(reference),
          ratio(reference / limit));
      System.out.printf(
          Locale.ROOT,
          row,
          "artifact log (hash + copy into the registry)",
          mbs(stored),
          ratio(stored / limit));
      System.out.printf(
          Locale.ROOT,
          "%nTarget: log --reference >= 0.80 of the limit: %s%n",
          reference / limit >= 0.8 ? "met" : "NOT met");
    } finally {
      ManifestBenchmark.deleteRecursively(work);
    }
  }

  /** Best (highest) rate in MiB/s over {@code rounds} timed runs. */
  private static double best(int rounds, Timed run, long bytes) throws Exception {
    double best = 0;
    for (int i = 0; i < rounds; i++) {
      long nanos = run.nanos();
      best = Math.max(best, (bytes / 1048576.0) / (nanos / 1e9));
    }
    return best;
  }

  @FunctionalInterface
  private interface Timed {
    long nanos() throws Exception;
  }

  /** One {@code artifact log} into a fresh registry; returns its wall time. */
  private static long logOnce(Path work, Path data, boolean reference) throws IOException {
    Path registry = work.resolve("registry");
    ManifestBenchmark.deleteRecursively(registry);
    java.util.List<String> args =
        new java.util.ArrayList<>(
            java.util.List.of(
                "--registry",
                registry.toString(),
                "log",
                data.toString(),
                "--name",
                "b/b/data",
                "--type",
                "dataset"));
    if (reference) {
      args.add("--reference");
    }
    long start = System.nanoTime();
    int code = ArtifactCli.execute(args.toArray(String[]::new));
    long nanos = System.nanoTime() - start;
    if (code != 0) {
      throw new IllegalStateException("artifact log failed with status " + code);
    }
    return nanos;
  }

  /** MiB/s of one thread hashing a 64 MiB buffer; best of 5 after a warm-up. */
  private static double singleThreadMd5Rate() {
    byte[] buffer = new byte[64 << 20];
    new SplittableRandom(7).nextBytes(buffer);
    MessageDigest md5 = Digests.newMd5();
    double best = 0;
    for (int i = 0; i < 6; i++) {
      long start = System.nanoTime();
      for (int off = 0; off < buffer.length; off += 1 << 16) {
        md5.update(buffer, off, 1 << 16);
      }
      md5.digest();
      double rate = 64 / ((System.nanoTime() - start) / 1e9);
      if (i > 0) {
        best = Math.max(best, rate);
      }
    }
    return best;
  }

  private static String mbs(double rate) {
    return String.format(Locale.ROOT, "%.0f", rate);
  }

  private static String ratio(double r) {
    return String.format(Locale.ROOT, "%.2f", r);
  }
}
