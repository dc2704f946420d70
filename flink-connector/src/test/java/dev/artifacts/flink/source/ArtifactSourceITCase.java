package dev.artifacts.flink.source;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.artifacts.common.manifest.ManifestEntry;
import dev.artifacts.common.name.ArtifactPath;
import dev.artifacts.common.registry.ArtifactDraft;
import dev.artifacts.common.registry.ArtifactRegistries;
import dev.artifacts.common.registry.ArtifactRegistry;
import dev.artifacts.common.registry.ArtifactVersion;
import dev.artifacts.common.registry.RunInfo;
import dev.artifacts.flink.sink.ArtifactPartitioner;
import dev.artifacts.flink.sink.ArtifactSink;
import dev.artifacts.flink.sink.VersionPolicy;
import dev.artifacts.flink.testing.FailOnceAfterCommit;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.LongStream;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.serialization.SimpleStringEncoder;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.connector.datagen.source.GeneratorFunction;
import org.apache.flink.connector.file.src.FileSourceSplit;
import org.apache.flink.connector.file.src.impl.StreamFormatAdapter;
import org.apache.flink.connector.file.src.reader.BulkFormat;
import org.apache.flink.connector.file.src.reader.TextLineInputFormat;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.runtime.jobgraph.SavepointConfigOptions;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.SinkFunction;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.CloseableIterator;
import org.apache.flink.util.ExceptionUtils;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * End-to-end on a MiniCluster with 2 task managers: versions written by {@link ArtifactSink} or
 * committed through the registry are read back with {@link ArtifactSource} and Flink's text line
 * format, bounded and continuous, across a stop-with-savepoint.
 */
class ArtifactSourceITCase {
  private static final ArtifactPath ARTIFACT = ArtifactPath.parse("acme/etl/events");

  @RegisterExtension
  static final MiniClusterExtension MINI_CLUSTER =
      new MiniClusterExtension(
          new MiniClusterResourceConfiguration.Builder()
              .setNumberTaskManagers(2)
              .setNumberSlotsPerTaskManager(2)
              .build());

  /** Records the collecting sink saw; static because sinks are deserialized copies. */
  private static final ConcurrentLinkedQueue<String> SEEN = new ConcurrentLinkedQueue<>();

  private static final String FAILURE = "source-itcase";

  /** Logical path to partition values, as the format was handed them in each split. */
  private static final Map<String, Map<String, String>> PARTITIONS = new ConcurrentHashMap<>();

  @TempDir Path dir;
  private String registryUri;
  private ArtifactRegistry registry;

  @BeforeEach
  void setUp() {
    registryUri = dir.resolve("registry").toString();
    registry = ArtifactRegistries.open(registryUri);
    SEEN.clear();
    FailOnceAfterCommit.reset(FAILURE);
    PARTITIONS.clear();
  }

  @AfterEach
  void tearDown() throws IOException {
    registry.close();
  }

  @Test
  void boundedReadsEveryRecordOfAVersionWrittenByTheSink() throws Exception {
    StreamExecutionEnvironment writer = StreamExecutionEnvironment.getExecutionEnvironment();
    writer.setRuntimeMode(RuntimeExecutionMode.BATCH);
    writer.setParallelism(2);
    numbers(writer, 1_000)
        .sinkTo(
            ArtifactSink.<String>builder()
                .setRegistry(registryUri)
                .setArtifact(ARTIFACT.toString())
                .setRowFormat(new SimpleStringEncoder<>(), "csv")
                .setPartitioner(ArtifactPartitioner.of("bucket", s -> s.split(",")[1]))
                .setVersionPolicy(VersionPolicy.END_OF_INPUT)
                .build());
    writer.execute("write-events");
    ArtifactVersion written = registry.resolve(ARTIFACT);

    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    env.setParallelism(2);
    ArtifactSource<String> source =
        ArtifactSource.forBulkFormat(new RecordingPartitions())
            .setRegistry(registryUri)
            .setArtifact(ARTIFACT.toString())
            .build();
    List<String> records = collect(env.fromSource(source, WatermarkStrategy.noWatermarks(), "in"));

    assertExactly(records, expectedNumbers(0, 1_000));
    // The format got ArtifactSourceSplits whose partition values match the directories.
    assertThat(PARTITIONS).hasSize((int) written.fileCount());
    PARTITIONS.forEach(
        (path, values) ->
            assertThat(values).containsExactly(Map.entry("bucket", path.substring(7, 8))));
    List<RunInfo> users = registry.usedBy(written);
    assertThat(users).hasSize(1);
    assertThat(users.get(0).jobType()).isEqualTo("flink");
    assertThat(users.get(0).name()).isEqualTo("read-events");
  }

  @Test
  void readsThePinnedAliasOrVersion() throws Exception {
    ArtifactVersion v0 = commit(null, List.of("prod"), file("a.txt", 0, 10));
    commit(null, List.of(), file("b.txt", 10, 20));

    assertExactly(readBounded(ARTIFACT + ":prod", "pin-prod"), expectedNumbers(0, 10));
    assertExactly(readBounded(ARTIFACT + ":v1", "pin-v1"), expectedNumbers(10, 20));
    assertExactly(readBounded(ARTIFACT.toString(), "pin-latest"), expectedNumbers(10, 20));
    assertThat(registry.usedBy(v0)).extracting(RunInfo::name).containsExactly("pin-prod");
  }

  @Test
  void missingArtifactOrAliasFailsTheJobNamingIt() {
    assertThatThrownBy(() -> readBounded("acme/etl/nothing", "missing"))
        .satisfies(
            e ->
                assertThat(ExceptionUtils.stringifyException(e))
                    .contains("Cannot read acme/etl/nothing:latest"));
  }

  @Test
  void continuousReadsOnlyTheNewFilesOfEachNewVersion() throws Exception {
    ArtifactVersion v0 = commit(null, List.of(), file("day=1/a.txt", 0, 50));
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    env.setParallelism(2);
    env.enableCheckpointing(200);
    env.fromSource(continuousSource(), WatermarkStrategy.noWatermarks(), "in")
        .uid("artifact-source")
        .addSink(new Collect());
    JobClient job = env.executeAsync("continuous");
    try {
      await(() -> SEEN.size() >= 50, "first version read");
      ArtifactVersion v1 = commit(v0, List.of(), file("day=2/b.txt", 50, 80));
      await(() -> SEEN.size() >= 80, "second version read");
      // A version whose new file repeats nothing, and one with a rewritten file.
      ArtifactVersion v2 = commit(v1, List.of(), file("day=2/c.txt", 80, 100));
      await(() -> SEEN.size() >= 100, "third version read");
      commit(v2, List.of(), file("day=1/a.txt", 100, 110)); // a.txt rewritten
      await(() -> SEEN.size() >= 110, "rewritten file read");
      Thread.sleep(1_000); // several more polls: nothing is read twice
      assertExactly(new ArrayList<>(SEEN), expectedNumbers(0, 110));
    } finally {
      job.cancel().get();
    }
  }

  @Test
  void resumesFromASavepointWithoutReadingAgain() throws Exception {
    ArtifactVersion v0 = commit(null, List.of(), file("a.txt", 0, 40), file("b.txt", 40, 80));
    JobClient first = continuousJob(new Configuration(), "before-savepoint");
    String savepoint;
    try {
      await(() -> SEEN.size() >= 80, "first version read");
      savepoint =
          first
              .stopWithSavepoint(
                  false,
                  dir.resolve("savepoints").toUri().toString(),
                  SavepointFormatType.CANONICAL)
              .get();
    } catch (Exception e) {
      first.cancel();
      throw e;
    }
    commit(v0, List.of(), file("c.txt", 80, 100));

    Configuration conf = new Configuration();
    conf.set(SavepointConfigOptions.SAVEPOINT_PATH, savepoint);
    JobClient second = continuousJob(conf, "after-savepoint");
    try {
      await(() -> SEEN.size() >= 100, "new version read after the restore");
      Thread.sleep(1_000);
      assertExactly(new ArrayList<>(SEEN), expectedNumbers(0, 100));
    } finally {
      second.cancel().get();
    }
  }

  @Test
  void exactlyOnceIntoTheSinkThroughAFailure() throws Exception {
    TestFile[] files =
        IntStream.range(0, 8)
            .mapToObj(i -> file("part-" + i + ".txt", i * 500, (i + 1) * 500))
            .toArray(TestFile[]::new);
    commit(null, List.of(), files);
    ArtifactPath copy = ArtifactPath.parse("acme/etl/copy");

    Configuration conf = new Configuration();
    conf.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
    conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 3);
    conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofMillis(200));
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
    env.setParallelism(2);
    env.enableCheckpointing(200);
    env.fromSource(
            ArtifactSource.forRecordStreamFormat(new TextLineInputFormat())
                .setRegistry(registryUri)
                .setArtifact(ARTIFACT.toString())
                .build(),
            WatermarkStrategy.noWatermarks(),
            "in")
        .uid("artifact-source")
        .map(FailOnceAfterCommit.watching(FAILURE, registryUri, null, copy).slowly())
        .uid("fail-once")
        .sinkTo(
            ArtifactSink.<String>builder()
                .setRegistry(registryUri)
                .setArtifact(copy.toString())
                .setRowFormat(new SimpleStringEncoder<>(), "csv")
                .build())
        .uid("artifact-sink");
    env.execute("copy-with-failure");

    assertThat(FailOnceAfterCommit.failed(FAILURE))
        .as("the job failed once after a commit")
        .isTrue();
    ArtifactVersion latest = registry.resolve(copy);
    List<String> records = new ArrayList<>();
    for (ManifestEntry e : registry.manifest(latest).entries()) {
      try (InputStream in = registry.open(latest, e)) {
        new String(in.readAllBytes(), UTF_8).lines().forEach(records::add);
      }
    }
    assertExactly(records, expectedNumbers(0, 4_000));
  }

  // ---- helpers ---------------------------------------------------------------------------

  private ArtifactSource<String> continuousSource() {
    return ArtifactSource.forRecordStreamFormat(new TextLineInputFormat())
        .setRegistry(registryUri)
        .setArtifact(ARTIFACT.toString())
        .monitorContinuously(Duration.ofMillis(100))
        .build();
  }

  private JobClient continuousJob(Configuration conf, String name) throws Exception {
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
    env.setParallelism(2);
    env.enableCheckpointing(200);
    env.fromSource(continuousSource(), WatermarkStrategy.noWatermarks(), "in")
        .uid("artifact-source")
        .addSink(new Collect())
        .uid("collect");
    return env.executeAsync(name);
  }

  private List<String> readBounded(String artifact, String jobName) throws Exception {
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    env.setParallelism(2);
    ArtifactSource<String> source =
        ArtifactSource.forRecordStreamFormat(new TextLineInputFormat())
            .setRegistry(registryUri)
            .setArtifact(artifact)
            .build();
    List<String> out = new ArrayList<>();
    try (CloseableIterator<String> it =
        env.fromSource(source, WatermarkStrategy.noWatermarks(), "in").executeAndCollect(jobName)) {
      it.forEachRemaining(out::add);
    }
    return out;
  }

  private static List<String> collect(DataStream<String> stream) throws Exception {
    List<String> out = new ArrayList<>();
    try (CloseableIterator<String> it = stream.executeAndCollect("read-events")) {
      it.forEachRemaining(out::add);
    }
    return out;
  }

  private static DataStream<String> numbers(StreamExecutionEnvironment env, long count) {
    GeneratorFunction<Long, String> lines = i -> i + "," + (i % 3);
    return env.fromSource(
        new DataGeneratorSource<>(lines, count, RateLimiterStrategy.noOp(), Types.STRING),
        WatermarkStrategy.noWatermarks(),
        "numbers");
  }

  private static Set<String> expectedNumbers(long from, long to) {
    return LongStream.range(from, to).mapToObj(i -> i + "," + (i % 3)).collect(Collectors.toSet());
  }

  private static void assertExactly(List<String> records, Set<String> expected) {
    assertThat(new HashSet<>(records)).as("no duplicates").hasSize(records.size());
    assertThat(new HashSet<>(records)).as("every record").isEqualTo(expected);
  }

  /** A file of lines {@code i,i%3} for i in [from, to). */
  private record TestFile(String name, int from, int to) {}

  private static TestFile file(String name, int from, int to) {
    return new TestFile(name, from, to);
  }

  private ArtifactVersion commit(ArtifactVersion base, List<String> aliases, TestFile... files)
      throws IOException {
    ArtifactDraft draft =
        base == null ? registry.newDraft(ARTIFACT, "dataset") : registry.newDraft(base);
    for (TestFile f : files) {
      try (OutputStream out = draft.newFile(f.name())) {
        String text =
            IntStream.range(f.from(), f.to())
                .mapToObj(i -> i + "," + (i % 3) + "\n")
                .collect(Collectors.joining());
        out.write(text.getBytes(UTF_8));
      }
    }
    draft.aliases(aliases);
    return registry.commit(draft).version();
  }

  private static void await(BooleanSupplier condition, String what) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("Timed out waiting for: " + what + " (seen " + SEEN.size() + ")");
      }
      Thread.sleep(50);
    }
  }

  /** Adds every record to {@link #SEEN}. */
  private static final class Collect implements SinkFunction<String> {
    @Override
    public void invoke(String value, Context context) {
      SEEN.add(value);
    }
  }

  /**
   * Text lines, recording the partition values of each split the reader is given: proves formats
   * receive {@link ArtifactSourceSplit}s, as the SQL connector's partition columns need.
   */
  private static final class RecordingPartitions implements BulkFormat<String, FileSourceSplit> {
    private final StreamFormatAdapter<String> lines =
        new StreamFormatAdapter<>(new TextLineInputFormat());

    @Override
    public Reader<String> createReader(Configuration config, FileSourceSplit split)
        throws IOException {
      ArtifactSourceSplit s = (ArtifactSourceSplit) split;
      PARTITIONS.put(s.logicalPath(), s.partitionValues());
      return lines.createReader(config, split);
    }

    @Override
    public Reader<String> restoreReader(Configuration config, FileSourceSplit split)
        throws IOException {
      return lines.restoreReader(config, split);
    }

    @Override
    public boolean isSplittable() {
      return false;
    }

    @Override
    public TypeInformation<String> getProducedType() {
      return Types.STRING;
    }
  }
}
