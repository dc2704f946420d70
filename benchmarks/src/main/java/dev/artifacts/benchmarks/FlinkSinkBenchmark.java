package dev.artifacts.benchmarks;

import dev.artifacts.common.name.ArtifactPath;
import dev.artifacts.common.registry.ArtifactRegistries;
import dev.artifacts.common.registry.ArtifactRegistry;
import dev.artifacts.common.registry.ArtifactVersion;
import dev.artifacts.flink.sink.ArtifactSink;
import dev.artifacts.flink.sink.VersionPolicy;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.serialization.BulkWriter;
import org.apache.flink.api.common.serialization.SimpleStringEncoder;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.connector.datagen.source.GeneratorFunction;
import org.apache.flink.connector.file.sink.FileSink;
import org.apache.flink.core.fs.FSDataOutputStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.filesystem.bucketassigners.BasePathBucketAssigner;
import org.apache.flink.streaming.api.functions.sink.filesystem.rollingpolicies.OnCheckpointRollingPolicy;

/**
 * {@code ArtifactSink} (files storage, embedded registry) against Flink's own {@code FileSink} on
 * the local filesystem, in the same run: the same generated CSV lines, the same row format ({@code
 * SimpleStringEncoder}), the same rolling (one part file per subtask and checkpoint), the same
 * streaming job (parallelism 2, a checkpoint every second, a bounded generator so the job ends with
 * a final checkpoint that commits the last files). Target: artifact/FileSink throughput ≥ 0.9.
 *
 * <p>Each run is timed by the job's net runtime (submission to finish, after the final commit), so
 * MiniCluster start-up is not counted. One warm-up run of each sink, then {@code rounds} runs
 * alternating the two sinks so drift on a shared machine hits both; the median is reported. Both
 * outputs are checked to hold the same number of bytes.
 *
 * <p>Arguments: {@code [records] [rounds] [checkpoint-ms]}, defaults 10,000,000 (about 870 MB), 3
 * and 1000.
 */
public final class FlinkSinkBenchmark {
  private static final String ARTIFACT = "bench/flink/events";
  private static final String FILE_SINK = "FileSink";
  private static final String BUFFERED_FILE_SINK = "FileSink-bulk";
  private static final String ARTIFACT_SINK = "ArtifactSink";

  private FlinkSinkBenchmark() {}

  public static void main(String[] args) throws Exception {
    long records = args.length > 0 ? Long.parseLong(args[0]) : 10_000_000;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
    long checkpointMs = args.length > 2 ? Long.parseLong(args[2]) : 1_000;
    Path work = Files.createTempDirectory("flink-sink-benchmark");
    System.out.printf(
        Locale.ROOT,
        "FlinkSinkBenchmark: %,d records, %d rounds after 1 warm-up, checkpoint every %d ms,"
            + " parallelism 2, %d cores, load average %.2f, work dir %s%n",
        records,
        rounds,
        checkpointMs,
        Runtime.getRuntime().availableProcessors(),
        java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage(),
        work);
    List<Result> fileSink = new ArrayList<>();
    List<Result> bufferedFileSink = new ArrayList<>();
    List<Result> artifactSink = new ArrayList<>();
    try {
      for (int round = 0; round <= rounds; round++) {
        String label = round == 0 ? "warm-up" : "run " + round;
        Result f = runFileSink(work.resolve("filesink-" + round), records, checkpointMs, false);
        print(FILE_SINK, label, records, f);
        Result b = runFileSink(work.resolve("buffered-" + round), records, checkpointMs, true);
        print(BUFFERED_FILE_SINK, label, records, b);
        Result a = runArtifactSink(work.resolve("registry-" + round), records, checkpointMs);
        print(ARTIFACT_SINK, label, records, a);
        if (f.bytes != a.bytes || b.bytes != a.bytes) {
          throw new IllegalStateException(
              "Outputs differ: FileSink wrote "
                  + f.bytes
                  + " bytes, buffered FileSink "
                  + b.bytes
                  + ", ArtifactSink "
                  + a.bytes);
        }
        if (round > 0) {
          fileSink.add(f);
          bufferedFileSink.add(b);
          artifactSink.add(a);
        }
        // Keeps the disk from filling up and the page cache comparable between runs.
        deleteRecursively(work.resolve("filesink-" + round));
        deleteRecursively(work.resolve("buffered-" + round));
        deleteRecursively(work.resolve("registry-" + round));
      }
    } finally {
      deleteRecursively(work);
    }
    Result f = median(fileSink);
    Result b = median(bufferedFileSink);
    Result a = median(artifactSink);
    System.out.println();
    System.out.println("median of " + rounds + " runs:");
    print(FILE_SINK, "median", records, f);
    print(BUFFERED_FILE_SINK, "median", records, b);
    print(ARTIFACT_SINK, "median", records, a);
    double ratio = (double) f.nanos / a.nanos;
    System.out.printf(
        Locale.ROOT,
        "ratio artifact/FileSink throughput: %.2f (target >= 0.90) %s%n",
        ratio,
        ratio >= 0.9 ? "OK" : "BELOW TARGET");
    System.out.printf(
        Locale.ROOT,
        "ratio artifact/FileSink with buffered bulk writer: %.2f (sink overhead without the"
            + " unbuffered local writes)%n",
        (double) b.nanos / a.nanos);
  }

  /** Job net runtime and bytes written. */
  private record Result(long nanos, long bytes, int files) {}

  private static Result runFileSink(Path dir, long records, long checkpointMs, boolean buffered)
      throws Exception {
    org.apache.flink.core.fs.Path base = new org.apache.flink.core.fs.Path(dir.toUri());
    FileSink<String> sink =
        buffered
            // Bulk formats roll on every checkpoint, as the row format does with this policy.
            ? FileSink.forBulkFormat(base, new BufferedLines())
                .withBucketAssigner(new BasePathBucketAssigner<>())
                .build()
            : FileSink.forRowFormat(base, new SimpleStringEncoder<String>())
                .withBucketAssigner(new BasePathBucketAssigner<>())
                .withRollingPolicy(OnCheckpointRollingPolicy.build())
                .build();
    JobExecutionResult r = run(sink, records, checkpointMs, "filesink-benchmark");
    long bytes = 0;
    int files = 0;
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.filter(Files::isRegularFile).toList()) {
        // Finished part files only; FileSink keeps in-progress files hidden (".part-…").
        if (!p.getFileName().toString().startsWith(".")) {
          bytes += Files.size(p);
          files++;
        }
      }
    }
    return new Result(r.getNetRuntime() * 1_000_000L, bytes, files);
  }

  private static Result runArtifactSink(Path registryDir, long records, long checkpointMs)
      throws Exception {
    String registry = registryDir.toString();
    // Opened before the job so that Hadoop's shutdown hook is not tied to a task's class loader.
    try (ArtifactRegistry reg = ArtifactRegistries.open(registry)) {
      ArtifactSink<String> sink =
          ArtifactSink.<String>builder()
              .setRegistry(registry)
              .setArtifact(ARTIFACT)
              .setRowFormat(new SimpleStringEncoder<>(), "csv")
              .setVersionPolicy(VersionPolicy.PER_CHECKPOINT)
              .build();
      JobExecutionResult r = run(sink, records, checkpointMs, "artifact-sink-benchmark");
      ArtifactVersion latest = reg.resolve(ArtifactPath.parse(ARTIFACT + ":latest"));
      return new Result(r.getNetRuntime() * 1_000_000L, latest.size(), (int) latest.fileCount());
    }
  }

  private static JobExecutionResult run(
      Sink<String> sink, long records, long checkpointMs, String name) throws Exception {
    StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(2);
    env.enableCheckpointing(checkpointMs);
    env.getConfig().disableGenericTypes();
    env.fromSource(
            new DataGeneratorSource<>(
                (GeneratorFunction<Long, String>) FlinkSinkBenchmark::line, records, Types.STRING),
            WatermarkStrategy.noWatermarks(),
            "generator")
        .sinkTo(sink)
        .name("sink");
    return env.execute(name);
  }

  /**
   * About 100 bytes: {@code seq,user,action,payload}. The payload comes from a fixed pool so that
   * generating records costs little next to writing them (a profile of the first version showed the
   * generator's number formatting as the largest cost of the job).
   */
  static String line(long i) {
    return i
        + ",user-"
        + (i % 10_007)
        + ","
        + (i % 3 == 0 ? "buy" : "view")
        + ","
        + PAYLOADS[(int) (i & (PAYLOADS.length - 1))];
  }

  private static final String[] PAYLOADS = payloads();

  private static String[] payloads() {
    java.util.Random random = new java.util.Random(42);
    String[] p = new String[1024];
    for (int i = 0; i < p.length; i++) {
      StringBuilder sb = new StringBuilder(64);
      while (sb.length() < 64) {
        sb.append(Long.toHexString(random.nextLong()));
      }
      p[i] = sb.substring(0, 64);
    }
    return p;
  }

  /**
   * The lines {@code SimpleStringEncoder} writes, through a 64 KiB buffer. Flink's local
   * recoverable stream writes each {@code write} call straight to the file channel (a system call
   * per call, two per record with the row format); this baseline removes that cost.
   */
  private static final class BufferedLines implements BulkWriter.Factory<String> {
    @Override
    public BulkWriter<String> create(FSDataOutputStream out) {
      BufferedOutputStream buffer = new BufferedOutputStream(out, 64 * 1024);
      return new BulkWriter<>() {
        @Override
        public void addElement(String element) throws IOException {
          buffer.write(element.getBytes(StandardCharsets.UTF_8));
          buffer.write('\n');
        }

        @Override
        public void flush() throws IOException {
          buffer.flush();
        }

        @Override
        public void finish() throws IOException {
          // The sink closes the underlying stream itself.
          buffer.flush();
        }
      };
    }
  }

  private static void print(String sink, String label, long records, Result r) {
    double seconds = r.nanos / 1e9;
    System.out.printf(
        Locale.ROOT,
        "%-13s %-8s %8.2f s %,12.0f records/s %8.1f MB/s  (%,d bytes in %d files)%n",
        sink,
        label,
        seconds,
        records / seconds,
        r.bytes / 1e6 / seconds,
        r.bytes,
        r.files);
  }

  private static Result median(List<Result> results) {
    List<Result> sorted = new ArrayList<>(results);
    sorted.sort(Comparator.comparingLong(Result::nanos));
    return sorted.get(sorted.size() / 2);
  }

  private static void deleteRecursively(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
