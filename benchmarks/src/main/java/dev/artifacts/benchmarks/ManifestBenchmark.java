package dev.artifacts.benchmarks;

import com.sun.management.GarbageCollectionNotificationInfo;
import dev.artifacts.common.digest.ArtifactDigester;
import dev.artifacts.common.manifest.Manifest;
import dev.artifacts.common.manifest.ManifestEntry;
import dev.artifacts.common.manifest.ManifestEntryIterator;
import dev.artifacts.common.manifest.ManifestReader;
import dev.artifacts.common.manifest.ManifestWriter;
import dev.artifacts.common.manifest.SpillingManifestBuilder;
import dev.artifacts.common.name.ArtifactPath;
import dev.artifacts.common.registry.ArtifactDraft;
import dev.artifacts.common.registry.ArtifactRegistries;
import dev.artifacts.common.registry.ArtifactRegistry;
import dev.artifacts.common.registry.ArtifactVersion;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import javax.management.NotificationEmitter;
import javax.management.openmbean.CompositeData;

/**
 * Times manifest building on one large manifest, two ways in one run:
 *
 * <ul>
 *   <li><b>streaming</b>: entries go one by one into a {@link SpillingManifestBuilder} (sorted runs
 *       on local disk past a memory budget), which merges them in code point order and writes the
 *       manifest JSON to a local file while computing the artifact digest and the file MD5 in the
 *       same pass; then {@link ManifestEntryIterator} streams the file back.
 *   <li><b>in-memory</b> (today's path, only up to {@value #IN_MEMORY_LIMIT} entries, beyond which
 *       it does not fit a 1 GiB heap): {@link Manifest#of} sorts a list, {@link ManifestWriter}
 *       writes it, {@link Manifest#digest()}; then the same entries are committed through the
 *       embedded registry as an engine driver does it.
 * </ul>
 *
 * Both paths see the same generated entries in the same order, and the run fails unless they
 * produce the same bytes and digests. Not a test: run it by hand (see {@code
 * benchmarks/README.md}).
 *
 * <p>Arguments: {@code [entries] [seed] [spill-budget-MiB]}, defaults 1,000,000, 42 and 128.
 */
public final class ManifestBenchmark {
  /** Today's in-memory path needs the whole list and sorted copy on the heap. */
  static final int IN_MEMORY_LIMIT = 2_000_000;

  /** The budgets: 1M entries in 5 s, 10M in 60 s (generate + add + merge + write). */
  static long budgetMs(int entries) {
    return entries <= 1_000_000 ? 5_000 : 60_000L * entries / 10_000_000;
  }

  /** What the phases share. Mutable, single-threaded. */
  static final class State {
    final int entryCount;
    final long seed;
    final Path dir;
    final long spillBudgetBytes;
    final long stride;
    SpillingManifestBuilder builder;
    ManifestWriter.Result streamed;
    Path streamedFile;
    List<ManifestEntry> shuffled;
    List<ManifestEntry> forCommit;
    ArtifactRegistry registry;
    ArtifactDraft draft;
    long endToEndMs;
    Manifest manifest;
    Path file;
    ManifestWriter.Result written;
    String digest;

    State(int entryCount, long seed, Path dir, long spillBudgetBytes) {
      this.entryCount = entryCount;
      this.seed = seed;
      this.dir = dir;
      this.spillBudgetBytes = spillBudgetBytes;
      this.stride = strideFor(entryCount);
    }
  }

  /** Which total a phase counts towards. */
  enum Counts {
    NONE,
    STREAMING,
    IN_MEMORY,
    REGISTRY
  }

  /** One timed step. */
  interface Phase {
    String name();

    Counts counts();

    /** Runs the step; returns a short note for the table. */
    String run(State s) throws Exception;
  }

  private record Named(String name, Counts counts, Body body) implements Phase {
    @Override
    public String run(State s) throws Exception {
      return body.run(s);
    }
  }

  @FunctionalInterface
  private interface Body {
    String run(State s) throws Exception;
  }

  static List<Phase> phases(int entries) {
    List<Phase> phases = new ArrayList<>();
    phases.add(
        new Named("generate only (not counted)", Counts.NONE, ManifestBenchmark::generateOnly));
    phases.add(new Named("stream: generate + add/spill", Counts.STREAMING, ManifestBenchmark::add));
    phases.add(
        new Named("stream: merge+serialize+digest", Counts.STREAMING, ManifestBenchmark::merge));
    phases.add(new Named("stream: read back (iterator)", Counts.NONE, ManifestBenchmark::iterate));
    if (entries <= IN_MEMORY_LIMIT) {
      phases.add(new Named("memory: generate list", Counts.NONE, ManifestBenchmark::generate));
      phases.add(new Named("memory: build + sort", Counts.IN_MEMORY, ManifestBenchmark::build));
      phases.add(new Named("memory: serialize", Counts.IN_MEMORY, ManifestBenchmark::serialize));
      phases.add(new Named("memory: artifact digest", Counts.IN_MEMORY, ManifestBenchmark::digest));
      phases.add(new Named("memory: read back", Counts.NONE, ManifestBenchmark::readBack));
      phases.add(new Named("registry: draft", Counts.REGISTRY, ManifestBenchmark::draft));
      phases.add(new Named("registry: commit", Counts.REGISTRY, ManifestBenchmark::commit));
    }
    return phases;
  }

  public static void main(String[] args) throws Exception {
    int entries = args.length > 0 ? Integer.parseInt(args[0].replace("_", "")) : 1_000_000;
    long seed = args.length > 1 ? Long.parseLong(args[1]) : 42L;
    long spillMiB = args.length > 2 ? Long.parseLong(args[2]) : 128;
    Path dir = Files.createTempDirectory("manifest-benchmark");
    State state = new State(entries, seed, dir, spillMiB << 20);
    HeapWatch heap = HeapWatch.install();
    System.out.printf(
        Locale.ROOT,
        "Manifest benchmark: %,d entries, seed %d, spill budget %d MiB, max heap %d MiB, %d CPUs,"
            + " Java %s, GC %s%n%n",
        entries,
        seed,
        spillMiB,
        Runtime.getRuntime().maxMemory() >> 20,
        Runtime.getRuntime().availableProcessors(),
        System.getProperty("java.version"),
        ManagementFactory.getGarbageCollectorMXBeans().stream()
            .map(GarbageCollectorMXBean::getName)
            .collect(Collectors.joining(", ")));
    String row = "%-34s %9s %9s %14s  %s%n";
    System.out.printf(Locale.ROOT, row, "phase", "ms", "cpu ms", "live/peak MiB", "note");
    com.sun.management.OperatingSystemMXBean os =
        (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    Map<Counts, Long> totals = new java.util.EnumMap<>(Counts.class);
    Map<Counts, Long> cpuTotals = new java.util.EnumMap<>(Counts.class);
    long streamingLivePeak = 0;
    String registryFailed = null;
    try {
      for (Phase phase : phases(entries)) {
        heap.reset();
        long start = System.nanoTime();
        long cpuStart = os.getProcessCpuTime();
        String note;
        try {
          note = phase.run(state);
        } catch (OutOfMemoryError e) {
          if (phase.counts() != Counts.REGISTRY) {
            throw e;
          }
          // The registry's draft and commit still hold every entry in memory (issue 14; only the
          // manifest JSON is streamed): report where it ran out instead of losing the table.
          state.draft = null;
          state.forCommit = null;
          registryFailed = phase.name() + ": OutOfMemoryError";
          System.out.printf(Locale.ROOT, row, phase.name(), "-", "-", "-", "OutOfMemoryError");
          break;
        }
        long ms = (System.nanoTime() - start) / 1_000_000;
        long cpuMs = (os.getProcessCpuTime() - cpuStart) / 1_000_000;
        cpuTotals.merge(phase.counts(), cpuMs, Long::sum);
        totals.merge(phase.counts(), ms, Long::sum);
        if (phase.counts() == Counts.STREAMING) {
          streamingLivePeak = Math.max(streamingLivePeak, heap.livePeak());
        }
        System.out.printf(
            Locale.ROOT,
            row,
            phase.name(),
            String.format(Locale.ROOT, "%,d", ms),
            String.format(Locale.ROOT, "%,d", cpuMs),
            heap.livePeak() + " / " + heap.usedPeak(),
            note);
      }
    } finally {
      if (state.builder != null) {
        state.builder.close();
      }
      deleteRecursively(dir);
    }
    long streaming = totals.getOrDefault(Counts.STREAMING, 0L);
    long budget = budgetMs(entries);
    System.out.println();
    System.out.printf(
        Locale.ROOT,
        row,
        "streaming total (to a local file)",
        String.format(Locale.ROOT, "%,d", streaming),
        String.format(Locale.ROOT, "%,d", cpuTotals.getOrDefault(Counts.STREAMING, 0L)),
        streamingLivePeak + " live",
        (streaming <= budget ? "within " : "OVER ")
            + String.format(Locale.ROOT, "%,d", budget)
            + " ms budget");
    if (entries <= IN_MEMORY_LIMIT) {
      long inMemory = totals.getOrDefault(Counts.IN_MEMORY, 0L);
      System.out.printf(
          Locale.ROOT,
          row,
          "in-memory build+sort+ser.+digest",
          String.format(Locale.ROOT, "%,d", inMemory),
          String.format(Locale.ROOT, "%,d", cpuTotals.getOrDefault(Counts.IN_MEMORY, 0L)),
          "",
          String.format(
              Locale.ROOT,
              "streaming/in-memory %.2f (list generation not counted in-memory)",
              streaming / (double) inMemory));
      System.out.printf(
          Locale.ROOT,
          row,
          "registry draft+commit",
          String.format(Locale.ROOT, "%,d", totals.getOrDefault(Counts.REGISTRY, 0L)),
          String.format(Locale.ROOT, "%,d", cpuTotals.getOrDefault(Counts.REGISTRY, 0L)),
          "",
          registryFailed == null
              ? "end to end through the embedded registry (draft in memory, manifest streamed)"
              : "FAILED (" + registryFailed + ")");
    }
    System.out.printf(
        Locale.ROOT,
        "%nms = wall time; cpu ms = CPU time of this process (all threads, GC included), which"
            + " other load on the machine disturbs less.%nlive = heap in use after a GC (max over"
            + " the phase's collections; 0 = no GC ran); peak = sum of the heap pools' peaks (upper"
            + " bound, includes garbage).%n");
    if (streaming > budget && entries >= 1_000_000) {
      System.exit(1);
    }
  }

  /**
   * Entry {@code i}: realistic Spark/Flink output ({@code
   * day=2024-01-DD/part-NNNNN-<uuid>.parquet}) visited in a scattered order (a stride permutation
   * of the indices), so the sort has real work. A pure function of (seed, i), so both paths see the
   * same entries without holding a list.
   */
  static ManifestEntry entry(long seed, long stride, int i, int count) {
    long n = Math.floorMod(i * stride + seed, (long) count);
    long h1 = mix(seed ^ n);
    long h2 = mix(h1 + n);
    int day = 1 + (int) (n % 31);
    StringBuilder path = new StringBuilder(72).append("day=2024-01-");
    if (day < 10) {
      path.append('0');
    }
    path.append(day).append("/part-");
    String part = Long.toString(n / 31);
    for (int pad = part.length(); pad < 5; pad++) {
      path.append('0');
    }
    path.append(part).append('-').append(new UUID(h1, h2)).append(".parquet");
    byte[] md5 = new byte[16];
    for (int b = 0; b < 8; b++) {
      md5[b] = (byte) (h2 >>> (8 * b));
      md5[8 + b] = (byte) (h1 >>> (8 * b));
    }
    long size = 1_000_000L + Math.floorMod(h1, 200_000_000L);
    return ManifestEntry.file(path.toString(), Base64.getEncoder().encodeToString(md5), size);
  }

  /**
   * A stride coprime to {@code count}: {@code i -> i * stride + seed (mod count)} is a bijection.
   */
  static long strideFor(int count) {
    long stride = (long) (count * 0.6180339887) | 1;
    while (gcd(stride, count) != 1) {
      stride += 2;
    }
    return stride;
  }

  private static long gcd(long a, long b) {
    return b == 0 ? a : gcd(b, a % b);
  }

  /** SplitMix64's finaliser. */
  private static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  /** The cost of generating the entries alone, to read the add phase against. */
  static String generateOnly(State s) {
    long sum = 0;
    for (int i = 0; i < s.entryCount; i++) {
      sum += entry(s.seed, s.stride, i, s.entryCount).path().length();
    }
    return String.format(Locale.ROOT, "%,d path chars", sum);
  }

  static String add(State s) throws IOException {
    s.builder =
        new SpillingManifestBuilder(
            s.dir, SpillingManifestBuilder.Budget.ofBytes(s.spillBudgetBytes));
    for (int i = 0; i < s.entryCount; i++) {
      s.builder.add(entry(s.seed, s.stride, i, s.entryCount));
    }
    return String.format(Locale.ROOT, "%d runs spilled", s.builder.runCount());
  }

  static String merge(State s) throws IOException {
    s.streamedFile = s.dir.resolve("streamed_manifest.json");
    try (OutputStream out = Files.newOutputStream(s.streamedFile)) {
      s.streamed =
          s.builder.writeTo(out, Manifest.STORAGE_LAYOUT_V2, null, ManifestWriter.Style.CANONICAL);
    }
    s.builder.close();
    s.builder = null;
    return String.format(
        Locale.ROOT, "%,d bytes, digest %s", s.streamed.bytes(), s.streamed.artifactDigest());
  }

  /** Streams the file back through a digester in bounded memory. */
  static String iterate(State s) throws IOException {
    ArtifactDigester digester = new ArtifactDigester();
    long count = 0;
    try (InputStream in = Files.newInputStream(s.streamedFile);
        ManifestEntryIterator it = ManifestEntryIterator.open(in, s.streamedFile.toString())) {
      while (it.hasNext()) {
        ManifestEntry e = it.next();
        digester.add(e.path(), e.digest());
        count++;
      }
    }
    String d = digester.finish();
    if (!d.equals(s.streamed.artifactDigest()) || count != s.entryCount) {
      throw new IllegalStateException("Read back " + count + " entries, digest " + d);
    }
    Files.delete(s.streamedFile);
    return String.format(Locale.ROOT, "%,d entries, digest matches", count);
  }

  static String generate(State s) {
    List<ManifestEntry> entries = new ArrayList<>(s.entryCount);
    for (int i = 0; i < s.entryCount; i++) {
      entries.add(entry(s.seed, s.stride, i, s.entryCount));
    }
    s.shuffled = entries;
    return "e.g. " + entries.get(0).path();
  }

  static String build(State s) {
    s.forCommit = s.shuffled; // the same entries, in the same order, feed the registry phases
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
    if (s.streamed != null
        && !(s.streamed.artifactDigest().equals(s.digest)
            && s.streamed.fileMd5Base64().equals(s.written.fileMd5Base64())
            && s.streamed.bytes() == s.written.bytes())) {
      throw new IllegalStateException(
          "The streaming path wrote " + s.streamed + ", the in-memory path " + s.written);
    }
    return s.digest + (s.streamed != null ? ", same bytes as streamed" : "");
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
    // References (file: URIs that are never read), as in the reference artifacts that reach
    // millions of entries: the commit point checks that every stored body exists, and this
    // benchmark stores none. The artifact digest depends only on paths and digests, so it is the
    // same as the core phases'.
    for (ManifestEntry e : s.forCommit) {
      s.draft.addEntry(
          ManifestEntry.reference(
              e.path(), e.digest(), "file:///bench/" + e.path(), e.size(), Map.of()));
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

  /**
   * Heap peaks of a phase: the heap in use after each collection (from GC notifications, which is
   * what the program really holds) and the sum of the heap pools' peaks (an upper bound that
   * includes garbage not yet collected).
   */
  static final class HeapWatch {
    private final AtomicLong livePeak = new AtomicLong();
    private final List<MemoryPoolMXBean> pools;
    private final Set<String> poolNames;

    private HeapWatch() {
      pools =
          ManagementFactory.getMemoryPoolMXBeans().stream()
              .filter(p -> p.getType() == MemoryType.HEAP)
              .toList();
      poolNames = pools.stream().map(MemoryPoolMXBean::getName).collect(Collectors.toSet());
    }

    static HeapWatch install() {
      HeapWatch watch = new HeapWatch();
      for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
        if (gc instanceof NotificationEmitter emitter) {
          emitter.addNotificationListener(
              (n, handback) -> {
                if (GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(
                    n.getType())) {
                  GarbageCollectionNotificationInfo info =
                      GarbageCollectionNotificationInfo.from((CompositeData) n.getUserData());
                  long used = 0;
                  for (Map.Entry<String, MemoryUsage> e :
                      info.getGcInfo().getMemoryUsageAfterGc().entrySet()) {
                    if (watch.poolNames.contains(e.getKey())) {
                      used += e.getValue().getUsed();
                    }
                  }
                  watch.livePeak.accumulateAndGet(used, Math::max);
                }
              },
              null,
              null);
        }
      }
      return watch;
    }

    void reset() {
      livePeak.set(0);
      pools.forEach(MemoryPoolMXBean::resetPeakUsage);
    }

    /** MiB. */
    long livePeak() {
      return livePeak.get() >> 20;
    }

    /** MiB. */
    long usedPeak() {
      long peak = 0;
      for (MemoryPoolMXBean pool : pools) {
        peak += pool.getPeakUsage().getUsed();
      }
      return peak >> 20;
    }
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
