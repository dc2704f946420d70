package dev.artifacts.benchmarks;

import dev.artifacts.common.digest.ArtifactDigester;
import dev.artifacts.common.manifest.Manifest;
import dev.artifacts.common.manifest.ManifestEntry;
import dev.artifacts.common.manifest.ManifestReader;
import dev.artifacts.common.manifest.ManifestWriter;
import dev.artifacts.common.name.ArtifactPath;
import dev.artifacts.common.registry.ArtifactDraft;
import dev.artifacts.common.registry.ArtifactRegistries;
import dev.artifacts.common.registry.ArtifactRegistry;
import dev.artifacts.common.registry.ArtifactVersion;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.UUID;

/**
 * Times the core format code on one large manifest: build ({@link Manifest#of}, which sorts by code
 * point), serialise ({@link ManifestWriter} to a file), artifact digest, and read back ({@link
 * ManifestReader#stream}). Not a test: run it by hand (see {@code benchmarks/README.md}).
 *
 * <p>Phases are a list of {@link Phase}s over a shared {@link State}, so a commit phase against a
 * registry can be appended once the registry exists.
 *
 * <p>Arguments: {@code [entries] [seed]}, defaults 1,000,000 and 42.
 */
public final class ManifestBenchmark {
  /** Budget for build + serialise + digest on 1M entries. */
  static final long BUDGET_MS = 10_000;

  /** What the phases share. Mutable, single-threaded. */
  static final class State {
    final int entryCount;
    final long seed;
    final Path dir;
    List<ManifestEntry> shuffled;
    List<ManifestEntry> forCommit;
    ArtifactRegistry registry;
    ArtifactDraft draft;
    long endToEndMs;
    Manifest manifest;
    Path file;
    ManifestWriter.Result written;
    String digest;

    State(int entryCount, long seed, Path dir) {
      this.entryCount = entryCount;
      this.seed = seed;
      this.dir = dir;
    }
  }

  /** One timed step. {@code counted} phases add up to the budgeted total. */
  interface Phase {
    String name();

    boolean counted();

    /** Runs the step; returns a short note for the table. */
    String run(State s) throws Exception;
  }

  private record Named(String name, boolean counted, Body body) implements Phase {
    @Override
    public String run(State s) throws Exception {
      return body.run(s);
    }
  }

  @FunctionalInterface
  private interface Body {
    String run(State s) throws Exception;
  }

  static List<Phase> phases() {
    List<Phase> phases = new ArrayList<>();
    phases.add(new Named("generate (not counted)", false, ManifestBenchmark::generate));
    phases.add(new Named("build + sort (Manifest.of)", true, ManifestBenchmark::build));
    phases.add(new Named("serialize (ManifestWriter)", true, ManifestBenchmark::serialize));
    phases.add(new Named("artifact digest", true, ManifestBenchmark::digest));
    phases.add(new Named("read back (ManifestReader.stream)", false, ManifestBenchmark::readBack));
    phases.add(new Named("registry: draft of stored entries", false, ManifestBenchmark::draft));
    phases.add(new Named("registry: commit (sort+write+digest)", false, ManifestBenchmark::commit));
    return phases;
  }

  public static void main(String[] args) throws Exception {
    int entries = args.length > 0 ? Integer.parseInt(args[0].replace("_", "")) : 1_000_000;
    long seed = args.length > 1 ? Long.parseLong(args[1]) : 42L;
    Path dir = Files.createTempDirectory("manifest-benchmark");
    State state = new State(entries, seed, dir);
    System.out.printf(
        Locale.ROOT,
        "Manifest benchmark: %,d entries, seed %d, max heap %d MiB, %d CPUs, Java %s%n%n",
        entries,
        seed,
        Runtime.getRuntime().maxMemory() >> 20,
        Runtime.getRuntime().availableProcessors(),
        System.getProperty("java.version"));
    String row = "%-36s %10s %14s  %s%n";
    System.out.printf(Locale.ROOT, row, "phase", "ms", "heap now/peak MiB", "note");
    long counted = 0;
    long all = 0;
    try {
      for (Phase phase : phases()) {
        resetPeakHeap();
        long start = System.nanoTime();
        String note = phase.run(state);
        long ms = (System.nanoTime() - start) / 1_000_000;
        all += ms;
        if (phase.counted()) {
          counted += ms;
        }
        System.out.printf(
            Locale.ROOT,
            row,
            phase.name(),
            String.format(Locale.ROOT, "%,d", ms),
            heapNote(),
            note);
      }
    } finally {
      deleteRecursively(dir);
    }
    System.out.printf(
        Locale.ROOT,
        row,
        "total build+sort+serialize+digest",
        String.format(Locale.ROOT, "%,d", counted),
        "",
        counted <= BUDGET_MS ? "within " + BUDGET_MS + " ms budget" : "OVER " + BUDGET_MS + " ms");
    System.out.printf(
        Locale.ROOT,
        row,
        "end-to-end registry draft+commit",
        String.format(Locale.ROOT, "%,d", state.endToEndMs),
        "",
        state.endToEndMs <= BUDGET_MS
            ? "within " + BUDGET_MS + " ms budget"
            : "OVER " + BUDGET_MS + " ms");
    System.out.printf(
        Locale.ROOT, row, "total all phases", String.format(Locale.ROOT, "%,d", all), "", "");
    if ((counted > BUDGET_MS || state.endToEndMs > BUDGET_MS) && entries >= 1_000_000) {
      System.exit(1);
    }
  }

  /** Realistic Spark/Flink output: day partitions of parquet parts, in random order. */
  static String generate(State s) {
    Random random = new Random(s.seed);
    List<ManifestEntry> entries = new ArrayList<>(s.entryCount);
    Base64.Encoder b64 = Base64.getEncoder();
    byte[] md5 = new byte[16];
    for (int i = 0; i < s.entryCount; i++) {
      int day = 1 + i % 31;
      int part = i / 31;
      String path =
          String.format(
              Locale.ROOT,
              "day=2024-01-%02d/part-%05d-%s.parquet",
              day,
              part,
              new UUID(random.nextLong(), random.nextLong()));
      random.nextBytes(md5);
      long size = 1_000_000L + random.nextInt(200_000_000);
      entries.add(ManifestEntry.file(path, b64.encodeToString(md5), size));
    }
    Collections.shuffle(entries, random);
    s.shuffled = entries;
    return "e.g. " + entries.get(0).path();
  }

  static String build(State s) {
    s.forCommit = s.shuffled; // the same entries, in random order, feed the registry phases
    s.manifest = Manifest.of(s.shuffled);
    s.shuffled = null;
    return String.format(Locale.ROOT, "%,d entries", s.manifest.fileCount());
  }

  static String serialize(State s) throws IOException {
    s.file = s.dir.resolve("wandb_manifest.json");
    try (OutputStream out = Files.newOutputStream(s.file)) {
      ManifestWriter writer = new ManifestWriter(out);
      for (ManifestEntry e : s.manifest.entries()) {
        writer.add(e);
      }
      s.written = writer.finish();
    }
    return String.format(
        Locale.ROOT, "%,d bytes, file MD5 %s", s.written.bytes(), s.written.fileMd5Base64());
  }

  static String digest(State s) {
    s.digest = s.manifest.digest();
    if (!s.digest.equals(s.written.artifactDigest())) {
      throw new IllegalStateException(
          "Writer digest " + s.written.artifactDigest() + " != Manifest.digest() " + s.digest);
    }
    return s.digest;
  }

  /** Streams the file back through a digester: proves the bytes hold the same manifest. */
  static String readBack(State s) throws IOException {
    ArtifactDigester digester = new ArtifactDigester();
    long[] count = {0};
    try (InputStream in = Files.newInputStream(s.file)) {
      ManifestReader.stream(
          in,
          s.file.toString(),
          e -> {
            digester.add(e.path(), e.digest());
            count[0]++;
          });
    }
    String d = digester.finish();
    if (!d.equals(s.digest) || count[0] != s.entryCount) {
      throw new IllegalStateException("Read back " + count[0] + " entries, digest " + d);
    }
    return String.format(Locale.ROOT, "%,d entries, digest matches", count[0]);
  }

  /**
   * End to end through the embedded registry, as an engine driver does it: entries reported by
   * tasks go into a draft in arrival order. Frees the core phases' manifest first so the heap holds
   * one copy of the entries, as it would in a real commit.
   */
  static String draft(State s) throws IOException {
    s.manifest = null;
    s.registry = ArtifactRegistries.open(s.dir.resolve("registry").toString());
    long start = System.nanoTime();
    s.draft = s.registry.newDraft(ArtifactPath.parse("bench/bench/million"), "dataset");
    for (ManifestEntry e : s.forCommit) {
      s.draft.addStoredEntry(e);
    }
    s.forCommit = null;
    s.endToEndMs = (System.nanoTime() - start) / 1_000_000;
    return String.format(Locale.ROOT, "%,d entries", s.draft.fileCount());
  }

  static String commit(State s) throws IOException {
    long start = System.nanoTime();
    ArtifactVersion v = s.registry.commit(s.draft).version();
    s.endToEndMs += (System.nanoTime() - start) / 1_000_000;
    s.draft = null;
    s.registry.close();
    if (!v.digest().equals(s.digest) || v.fileCount() != s.entryCount) {
      throw new IllegalStateException("Committed " + v + " with digest " + v.digest());
    }
    return v + ", digest matches";
  }

  private static void resetPeakHeap() {
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() == MemoryType.HEAP) {
        pool.resetPeakUsage();
      }
    }
  }

  /** Heap in use now and the peak of the phase (sum of pool peaks, an upper bound). */
  private static String heapNote() {
    long peak = 0;
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() == MemoryType.HEAP) {
        peak += pool.getPeakUsage().getUsed();
      }
    }
    long used = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    return String.format(Locale.ROOT, "%d / %d", used >> 20, peak >> 20);
  }

  static void deleteRecursively(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (var walk = Files.walk(dir)) {
      for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  private ManifestBenchmark() {}
}
