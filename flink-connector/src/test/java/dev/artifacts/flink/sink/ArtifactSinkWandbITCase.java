package dev.artifacts.flink.sink;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.artifacts.common.manifest.ManifestEntry;
import dev.artifacts.common.name.ArtifactPath;
import dev.artifacts.common.reference.CachePaths;
import dev.artifacts.common.registry.ArtifactRegistries;
import dev.artifacts.common.registry.ArtifactRegistry;
import dev.artifacts.common.registry.ArtifactVersion;
import dev.artifacts.common.registry.VersionQuery;
import dev.artifacts.common.testing.FakeWandbServer;
import dev.artifacts.flink.testing.FailOnceAfterCommit;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.serialization.SimpleStringEncoder;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.connector.datagen.source.GeneratorFunction;
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
 * The sink against {@link FakeWandbServer} on a MiniCluster with 2 task managers. Writers,
 * aggregator and committer get W&amp;B caches in different directories, as on different machines:
 * the committer's cache stays empty (so every body the server has was uploaded by a writer subtask,
 * and each checkpoint's partial manifest reached the committer in the committable). Exactly-once
 * across a failure relies on the commit properties the backend stores in W&amp;B metadata.
 */
class ArtifactSinkWandbITCase {
  private static final ArtifactPath ARTIFACT = ArtifactPath.parse("acme/etl/events");

  @RegisterExtension
  static final MiniClusterExtension MINI_CLUSTER =
      new MiniClusterExtension(
          new MiniClusterResourceConfiguration.Builder()
              .setNumberTaskManagers(2)
              .setNumberSlotsPerTaskManager(2)
              .build());

  private static final String FAILURE = "sink-wandb-itcase";

  @TempDir Path dir;
  private FakeWandbServer server;
  private ArtifactRegistry reader;

  @BeforeEach
  void setUp() throws IOException {
    server = new FakeWandbServer();
    reader = ArtifactRegistries.open(server.baseUrl(), server.env(dir.resolve("reader")));
    FailOnceAfterCommit.reset(FAILURE);
  }

  @AfterEach
  void tearDown() throws IOException {
    reader.close();
    server.close();
    assertThat(server.authViolations).as("storage requests carrying the API key").isEmpty();
    assertThat(server.schemaViolations).as("requests W&B's SDK-derived schema refuses").isEmpty();
  }

  /**
   * Opens the W&amp;B registry with a cache chosen by who opens it, as if writers, aggregator and
   * committer ran on three machines.
   */
  record SplitCaches(
      String baseUrl, String writerCache, String aggregatorCache, String committerCache)
      implements RegistryFactory {
    @Override
    public ArtifactRegistry open() {
      List<Class<?>> stack =
          StackWalker.getInstance(StackWalker.Option.RETAIN_CLASS_REFERENCE)
              .walk(s -> s.<Class<?>>map(StackWalker.StackFrame::getDeclaringClass).toList());
      String cache =
          stack.contains(ArtifactWriter.class)
              ? writerCache
              : stack.contains(ArtifactWriteAggregator.class) ? aggregatorCache : committerCache;
      Map<String, String> env = new HashMap<>();
      env.put("WANDB_API_KEY", FakeWandbServer.API_KEY);
      env.put("WANDB_CACHE_DIR", cache);
      return ArtifactRegistries.open(baseUrl, env);
    }
  }

  private ArtifactSinkBuilder<String> sink() {
    return ArtifactSink.<String>builder()
        .setRegistry(server.baseUrl())
        .setRegistryFactory(
            new SplitCaches(
                server.baseUrl(),
                dir.resolve("writers").toString(),
                dir.resolve("aggregator").toString(),
                dir.resolve("committer").toString()))
        .setArtifact(ARTIFACT.toString())
        .setRowFormat(new SimpleStringEncoder<>(), "csv");
  }

  @Test
  void writersUploadAndStreamingCommitsAreExactlyOnceAcrossAFailure() throws Exception {
    Configuration conf = new Configuration();
    conf.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
    conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 3);
    conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofMillis(200));
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
    env.setParallelism(2);
    env.enableCheckpointing(300);
    source(env, 2_000, 1_000)
        .map(
            FailOnceAfterCommit.watching(
                FAILURE,
                server.baseUrl(),
                Map.of(
                    "WANDB_API_KEY",
                    FakeWandbServer.API_KEY,
                    "WANDB_CACHE_DIR",
                    dir.resolve("probe").toString()),
                ARTIFACT))
        .uid("fail-once")
        .sinkTo(sink().setAliases(List.of("streaming")).build())
        .uid("artifact-sink");
    env.execute("wandb-streaming-job");

    assertThat(FailOnceAfterCommit.failed(FAILURE)).isTrue();
    List<ArtifactVersion> versions =
        reader.versions(ARTIFACT, VersionQuery.all().withOrder(VersionQuery.Order.VERSION_ASC));
    assertThat(versions).hasSizeGreaterThanOrEqualTo(2);
    // Commit properties came back from W&B metadata: one version per checkpoint, increasing.
    Map<String, Long> lastByJob = new HashMap<>();
    Set<String> previous = Set.of();
    for (ArtifactVersion v : versions) {
      assertThat(v.metadata()).isEmpty();
      String job = v.commitProperties().get(SinkConfig.JOB_ID);
      long checkpoint = Long.parseLong(v.commitProperties().get(SinkConfig.CHECKPOINT_ID));
      Long last = lastByJob.put(job, checkpoint);
      if (last != null) {
        assertThat(checkpoint).as("checkpoint of %s", v).isGreaterThan(last);
      }
      Set<String> paths =
          reader.manifest(v).entries().stream()
              .map(ManifestEntry::path)
              .collect(Collectors.toSet());
      assertThat(paths).as("%s appends", v).containsAll(previous);
      assertThat(paths.size()).isGreaterThan(previous.size());
      previous = paths;
    }
    ArtifactVersion latest = versions.get(versions.size() - 1);
    assertThat(latest.aliases()).contains("latest", "streaming");
    assertExactlyOnce(records(latest), 2_000);
    assertCommittingSideHeldNoData(latest);
  }

  @Test
  void boundedJobCommitsOneVersionUploadedByTheWriters() throws Exception {
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    env.setRuntimeMode(RuntimeExecutionMode.BATCH);
    env.setParallelism(2);
    source(env, 1_000, null)
        .sinkTo(
            sink()
                .setPartitioner(ArtifactPartitioner.of("bucket", s -> s.split(",")[1]))
                .setVersionPolicy(VersionPolicy.END_OF_INPUT)
                .build());
    env.execute("wandb-bounded-job");

    List<ArtifactVersion> versions = reader.versions(ARTIFACT, VersionQuery.all());
    assertThat(versions).hasSize(1);
    ArtifactVersion v = versions.get(0);
    assertThat(v.commitProperties())
        .containsEntry(SinkConfig.CHECKPOINT_ID, Long.toString(Long.MAX_VALUE));
    assertThat(reader.manifest(v).entries())
        .allSatisfy(e -> assertThat(e.path()).matches("bucket=[012]/part-.*\\.csv"))
        .allSatisfy(e -> assertThat(e.birthArtifactId()).isNotNull());
    // Writers and committer met on one pending artifact: nothing else was left pending.
    assertThat(server.states("acme", "etl", "events")).containsExactly("COMMITTED");
    assertExactlyOnce(records(v), 1_000);
    assertCommittingSideHeldNoData(v);
  }

  /**
   * Every data body is on the server, uploaded once, and the writers' caches hold them while the
   * committing side's cache holds none (only its staged partial manifests).
   */
  private void assertCommittingSideHeldNoData(ArtifactVersion v) {
    Set<String> digests =
        reader.manifest(v).entries().stream()
            .map(ManifestEntry::digest)
            .collect(Collectors.toSet());
    Path writers = dir.resolve("writers/artifacts");
    Path committer = dir.resolve("committer/artifacts");
    assertThat(objects(committer)).as("files in the committer's cache").isZero();
    for (String d : digests) {
      assertThat(server.hasBlob(d)).isTrue();
      assertThat(writers.resolve(CachePaths.md5Path(d))).exists();
      assertThat(Files.exists(committer.resolve(CachePaths.md5Path(d))))
          .as("body %s in the committer's cache", d)
          .isFalse();
    }
    assertThat(server.storageCount("PUT /put/")).isGreaterThanOrEqualTo(digests.size());
  }

  private static long objects(Path cacheRoot) {
    Path obj = cacheRoot.resolve("obj");
    if (!Files.exists(obj)) {
      return 0;
    }
    try (var s = Files.walk(obj)) {
      return s.filter(Files::isRegularFile).count();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

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

  private static void assertExactlyOnce(List<String> records, long count) {
    Set<String> distinct = new HashSet<>(records);
    assertThat(distinct).as("no duplicates").hasSize(records.size());
    Set<String> expected =
        LongStream.range(0, count).mapToObj(i -> i + "," + (i % 3)).collect(Collectors.toSet());
    assertThat(distinct).as("no loss").isEqualTo(expected);
  }

  private List<String> records(ArtifactVersion v) throws IOException {
    List<String> out = new ArrayList<>();
    for (ManifestEntry e : reader.manifest(v).entries()) {
      try (InputStream in = reader.open(v, e);
          BufferedReader r = new BufferedReader(new InputStreamReader(in, UTF_8))) {
        out.addAll(r.lines().toList());
      }
    }
    return out;
  }
}
