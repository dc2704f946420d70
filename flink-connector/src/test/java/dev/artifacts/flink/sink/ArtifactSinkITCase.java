package dev.artifacts.flink.sink;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.artifacts.common.manifest.ManifestEntry;
import dev.artifacts.common.name.ArtifactPath;
import dev.artifacts.common.registry.ArtifactRegistries;
import dev.artifacts.common.registry.ArtifactRegistry;
import dev.artifacts.common.registry.ArtifactVersion;
import dev.artifacts.common.registry.VersionQuery;
import dev.artifacts.flink.testing.FailOnceAfterCommit;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.serialization.BulkWriter;
import org.apache.flink.api.common.serialization.SimpleStringEncoder;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.connector.datagen.source.GeneratorFunction;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.core.fs.FSDataOutputStream;
import org.apache.flink.runtime.jobgraph.SavepointConfigOptions;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * End-to-end on a MiniCluster with 2 task managers: records generated with {@code id,bucket} lines
 * go through the sink into a filesystem registry in a temporary directory, and are read back
 * through the registry. Every test checks that each record is committed exactly once.
 */
class ArtifactSinkITCase {
  private static final ArtifactPath ARTIFACT = ArtifactPath.parse("acme/etl/events");

  @RegisterExtension
  static final MiniClusterExtension MINI_CLUSTER =
      new MiniClusterExtension(
          new MiniClusterResourceConfiguration.Builder()
              .setNumberTaskManagers(2)
              .setNumberSlotsPerTaskManager(2)
              .build());

  private static final String FAILURE = "sink-itcase";

  @TempDir Path dir;
  private String registryUri;
  private ArtifactRegistry registry;

  @BeforeEach
  void setUp() {
    registryUri = dir.resolve("registry").toString();
    registry = ArtifactRegistries.open(registryUri);
    FailOnceAfterCommit.reset(FAILURE);
  }

  @AfterEach
  void tearDown() throws IOException {
    registry.close();
  }

  @Test
  void boundedBatchJobCommitsOneVersionWithEveryRecord() throws Exception {
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    env.setRuntimeMode(RuntimeExecutionMode.BATCH);
    env.setParallelism(2);
    source(env, 1_000, null)
        .sinkTo(
            sink()
                .setPartitioner(ArtifactPartitioner.of("bucket", s -> s.split(",")[1]))
                .setVersionPolicy(VersionPolicy.END_OF_INPUT)
                .setMetadata(Map.of("source", "datagen"))
                .build());
    env.execute("bounded-artifact-job");

    List<ArtifactVersion> versions = versions();
    assertThat(versions).hasSize(1);
    ArtifactVersion v = versions.get(0);
    assertThat(v.commitProperties())
        .containsEntry(SinkConfig.CHECKPOINT_ID, Long.toString(Long.MAX_VALUE))
        .containsKeys(SinkConfig.JOB_ID, SinkConfig.OPERATOR_ID);
    assertThat(v.metadata()).containsEntry("source", "datagen");
    assertThat(registry.loggedBy(v))
        .get()
        .satisfies(
            run -> {
              assertThat(run.jobType()).isEqualTo("flink");
              assertThat(run.name()).isEqualTo("bounded-artifact-job");
              assertThat(run.id()).isEqualTo(v.commitProperties().get(SinkConfig.JOB_ID));
            });
    List<ManifestEntry> entries = registry.manifest(v).entries();
    assertThat(entries).allSatisfy(e -> assertThat(e.path()).matches("bucket=[012]/part-.*\\.csv"));
    // Each partition file holds only its bucket.
    for (ManifestEntry e : entries) {
      String bucket = e.path().substring("bucket=".length(), "bucket=".length() + 1);
      assertThat(lines(v, e, false)).allSatisfy(l -> assertThat(l).endsWith("," + bucket));
    }
    assertExactlyOnce(records(v, false), 1_000);
  }

  @Test
  void referenceStorageWithBulkFormat() throws Exception {
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    env.setRuntimeMode(RuntimeExecutionMode.BATCH);
    env.setParallelism(2);
    Path location = dir.resolve("data");
    source(env, 500, null)
        .sinkTo(
            ArtifactSink.<String>builder()
                .setRegistry(registryUri)
                .setArtifact(ARTIFACT.toString())
                .setBulkFormat(new GzipLines(), "txt.gz")
                .setStorage("reference")
                .setLocation(location.toString())
                .setVersionPolicy(VersionPolicy.END_OF_INPUT)
                .build());
    env.execute("reference-job");

    ArtifactVersion v = registry.resolve(ARTIFACT);
    assertThat(registry.manifest(v).entries())
        .isNotEmpty()
        .allSatisfy(
            e -> {
              assertThat(e.ref()).startsWith(location.toUri().toString().replaceAll("/$", ""));
              assertThat(e.digest()).hasSize(24);
            });
    assertExactlyOnce(records(v, true), 500);
  }

  @Test
  void streamingCommitsOneAppendingVersionPerCheckpointWithData() throws Exception {
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    env.setParallelism(2);
    env.enableCheckpointing(300);
    source(env, 2_000, 1_000).sinkTo(sink().setAliases(List.of("streaming")).build());
    env.execute("streaming-job");

    List<ArtifactVersion> versions = versionsOldestFirst();
    assertThat(versions).hasSizeGreaterThanOrEqualTo(2);
    assertAppendingAndOnePerCheckpoint(versions);
    ArtifactVersion latest = versions.get(versions.size() - 1);
    assertThat(latest.aliases()).contains("latest", "streaming");
    assertExactlyOnce(records(latest, false), 2_000);
  }

  @Test
  void endOfInputPolicyInStreamingKeepsCheckpointsStagedUntilTheEnd() throws Exception {
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    env.setParallelism(2);
    env.enableCheckpointing(200);
    source(env, 1_500, 1_000)
        .sinkTo(sink().setVersionPolicy(VersionPolicy.END_OF_INPUT).build())
        .uid("artifact-sink");
    env.execute("streaming-end-of-input");

    List<ArtifactVersion> versions = versions();
    assertThat(versions).hasSize(1);
    // Files of several checkpoints, merged into the one version.
    assertThat(
            registry.manifest(versions.get(0)).entries().stream()
                .map(e -> e.path().split("-")[4])
                .distinct()
                .count())
        .isGreaterThan(1);
    assertExactlyOnce(records(versions.get(0), false), 1_500);
  }

  @Test
  void exactlyOnceWhenTheJobFailsAfterACommit() throws Exception {
    Configuration conf = new Configuration();
    conf.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
    conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 3);
    conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofMillis(200));
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
    env.setParallelism(2);
    env.enableCheckpointing(200);
    source(env, 3_000, 1_000)
        .map(FailOnceAfterCommit.watching(FAILURE, registryUri, null, ARTIFACT))
        .uid("fail-once")
        .sinkTo(sink().build())
        .uid("artifact-sink");
    env.execute("failing-job");

    assertThat(FailOnceAfterCommit.failed(FAILURE)).isTrue();
    List<ArtifactVersion> versions = versionsOldestFirst();
    assertAppendingAndOnePerCheckpoint(versions);
    assertExactlyOnce(records(versions.get(versions.size() - 1), false), 3_000);
  }

  @Test
  void exactlyOnceAcrossStopWithSavepointAndRestore() throws Exception {
    StreamExecutionEnvironment first = streamingEnv(new Configuration());
    source(first, 4_000, 500).sinkTo(sink().build()).uid("artifact-sink");
    JobClient job = first.executeAsync("before-savepoint");
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (versions().isEmpty() && System.nanoTime() < deadline) {
      Thread.sleep(100);
    }
    assertThat(versions()).as("a version before the savepoint").isNotEmpty();
    String savepoint =
        job.stopWithSavepoint(
                false, dir.resolve("savepoints").toUri().toString(), SavepointFormatType.CANONICAL)
            .get();
    int before = records(registry.resolve(ARTIFACT), false).size();
    assertThat(before).isLessThan(4_000);

    Configuration conf = new Configuration();
    conf.set(SavepointConfigOptions.SAVEPOINT_PATH, savepoint);
    StreamExecutionEnvironment second = streamingEnv(conf);
    source(second, 4_000, 4_000).sinkTo(sink().build()).uid("artifact-sink");
    second.execute("after-savepoint");

    List<ArtifactVersion> versions = versionsOldestFirst();
    assertAppendingAndOnePerCheckpoint(versions);
    assertThat(versions.stream().map(v -> v.commitProperties().get(SinkConfig.JOB_ID)).distinct())
        .as("versions from both jobs")
        .hasSize(2);
    assertExactlyOnce(records(versions.get(versions.size() - 1), false), 4_000);
  }

  // ---- helpers ---------------------------------------------------------------------------

  private static StreamExecutionEnvironment streamingEnv(Configuration conf) {
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
    env.setParallelism(2);
    env.enableCheckpointing(200);
    return env;
  }

  private ArtifactSinkBuilder<String> sink() {
    return ArtifactSink.<String>builder()
        .setRegistry(registryUri)
        .setArtifact(ARTIFACT.toString())
        .setRowFormat(new SimpleStringEncoder<>(), "csv");
  }

  /** {@code count} lines {@code id,id%3}, rate-limited (records per second) when rate is set. */
  private static DataStream<String> source(
      StreamExecutionEnvironment env, long count, Integer perSecond) {
    GeneratorFunction<Long, String> lines = i -> i + "," + (i % 3);
    DataGeneratorSource<String> source =
        new DataGeneratorSource<>(
            lines,
            count,
            perSecond == null
                ? RateLimiterStrategy.noOp()
                : RateLimiterStrategy.perSecond(perSecond),
            Types.STRING);
    return env.fromSource(source, WatermarkStrategy.noWatermarks(), "numbers").uid("numbers");
  }

  private List<ArtifactVersion> versions() {
    if (registry.collection(ARTIFACT).isEmpty()) {
      return List.of();
    }
    return registry.versions(ARTIFACT, VersionQuery.all());
  }

  private List<ArtifactVersion> versionsOldestFirst() {
    return registry.versions(
        ARTIFACT, VersionQuery.all().withOrder(VersionQuery.Order.VERSION_ASC));
  }

  /**
   * Each version adds files to the previous one and comes from a distinct checkpoint of its job, in
   * increasing order: no checkpoint was committed twice and none without data.
   */
  private void assertAppendingAndOnePerCheckpoint(List<ArtifactVersion> versions) {
    Set<String> previous = Set.of();
    Map<String, Long> lastCheckpointByJob = new java.util.HashMap<>();
    for (ArtifactVersion v : versions) {
      Set<String> paths =
          registry.manifest(v).entries().stream()
              .map(ManifestEntry::path)
              .collect(Collectors.toSet());
      assertThat(paths).as("%s appends to the previous version", v).containsAll(previous);
      assertThat(paths.size()).as("%s adds files", v).isGreaterThan(previous.size());
      previous = paths;
      String job = v.commitProperties().get(SinkConfig.JOB_ID);
      long checkpoint = Long.parseLong(v.commitProperties().get(SinkConfig.CHECKPOINT_ID));
      Long last = lastCheckpointByJob.put(job, checkpoint);
      if (last != null) {
        assertThat(checkpoint).as("checkpoint of %s", v).isGreaterThan(last);
      }
    }
  }

  private static void assertExactlyOnce(List<String> records, long count) {
    Set<String> distinct = new HashSet<>(records);
    assertThat(distinct).as("no duplicates").hasSize(records.size());
    Set<String> expected =
        LongStream.range(0, count).mapToObj(i -> i + "," + (i % 3)).collect(Collectors.toSet());
    assertThat(distinct).as("no loss").isEqualTo(expected);
  }

  private List<String> records(ArtifactVersion v, boolean gzip) throws IOException {
    List<String> out = new ArrayList<>();
    for (ManifestEntry e : registry.manifest(v).entries()) {
      out.addAll(lines(v, e, gzip));
    }
    return out;
  }

  private List<String> lines(ArtifactVersion v, ManifestEntry e, boolean gzip) throws IOException {
    try (InputStream raw = registry.open(v, e);
        InputStream in = gzip ? new GZIPInputStream(raw) : raw;
        BufferedReader reader = new BufferedReader(new InputStreamReader(in, UTF_8))) {
      return reader.lines().toList();
    }
  }

  /** A minimal bulk format: gzip-compressed lines; finish() ends the gzip member. */
  private static final class GzipLines implements BulkWriter.Factory<String> {
    @Override
    public BulkWriter<String> create(FSDataOutputStream out) throws IOException {
      GZIPOutputStream gzip = new GZIPOutputStream(out);
      return new BulkWriter<>() {
        @Override
        public void addElement(String element) throws IOException {
          gzip.write((element + "\n").getBytes(UTF_8));
        }

        @Override
        public void flush() throws IOException {
          gzip.flush();
        }

        @Override
        public void finish() throws IOException {
          gzip.finish();
        }
      };
    }
  }
}
