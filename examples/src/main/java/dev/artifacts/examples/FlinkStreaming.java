package dev.artifacts.examples;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.artifacts.common.manifest.ManifestEntry;
import dev.artifacts.common.name.ArtifactPath;
import dev.artifacts.common.registry.ArtifactRegistries;
import dev.artifacts.common.registry.ArtifactRegistry;
import dev.artifacts.common.registry.ArtifactVersion;
import dev.artifacts.flink.sink.ArtifactPartitioner;
import dev.artifacts.flink.sink.ArtifactSink;
import dev.artifacts.flink.sink.VersionPolicy;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.serialization.SimpleStringEncoder;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.connector.datagen.source.GeneratorFunction;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * A Flink streaming job on the embedded registry: generated click events ({@code
 * seq,user,action,amount} CSV lines, 500 per second) go through {@code ArtifactSink} into {@code
 * demo/flink/clicks}, partitioned by action, with one new version per checkpoint (every second).
 * The generator is bounded, so the job ends after its last checkpoint; the versions and their
 * lineage are then printed.
 *
 * <p>Usage: see the README ({@code java … dev.artifacts.examples.FlinkStreaming [WORKDIR]
 * [EVENTS]}, default {@code ./demo-flink-streaming} and 3000; the registry is {@code
 * WORKDIR/registry}, recreated on each run).
 */
public final class FlinkStreaming {
  static final String ARTIFACT = "demo/flink/clicks";
  private static final PrintStream OUT = new PrintStream(System.out, true, UTF_8);
  private static final String[] ACTIONS = {"view", "click", "buy"};

  private FlinkStreaming() {}

  public static void main(String[] args) throws Exception {
    Path work = ExampleArgs.workDir(args, "demo-flink-streaming");
    long events = ExampleArgs.positiveCount(args, 1, "event count", 3_000);
    WorkDirs.deleteRecursively(work);
    String registry = work.resolve("registry").toString();
    // Opened before the job so that Hadoop's shutdown hook belongs to this thread's class loader,
    // not to a task's (Flink closes that one when the job ends).
    try (ArtifactRegistry reg = ArtifactRegistries.open(registry)) {
      run(reg, registry, events);
    }
    OUT.println();
    OUT.println("Registry: " + registry);
  }

  private static void run(ArtifactRegistry reg, String registry, long events) throws Exception {

    StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(2);
    env.enableCheckpointing(1_000);
    // Records are strings; failing fast on a Kryo fallback keeps Flink off Spark's Kryo here.
    env.getConfig().disableGenericTypes();
    env.fromSource(
            new DataGeneratorSource<>(
                (GeneratorFunction<Long, String>) FlinkStreaming::event,
                events,
                RateLimiterStrategy.perSecond(500),
                Types.STRING),
            WatermarkStrategy.noWatermarks(),
            "click-generator")
        .sinkTo(
            ArtifactSink.<String>builder()
                .setRegistry(registry)
                .setArtifact(ARTIFACT)
                .setType("dataset")
                .setRowFormat(new SimpleStringEncoder<>(), "csv")
                .setPartitioner(ArtifactPartitioner.of("action", (String e) -> e.split(",")[2]))
                .setVersionPolicy(VersionPolicy.PER_CHECKPOINT)
                .setAliases(List.of("streaming"))
                .setDescription("generated click events, one version per checkpoint")
                .build())
        .name("artifact-sink");
    OUT.println("== Streaming " + events + " events into " + ARTIFACT + ", checkpoint every 1 s");
    env.execute("flink-streaming-example");

    OUT.println();
    OUT.println("== Versions (one per checkpoint with data) and lineage");
    VersionTable.print(reg, ARTIFACT, OUT);

    OUT.println();
    OUT.println("== " + ARTIFACT + ":latest, read back");
    ArtifactVersion latest = reg.resolve(ArtifactPath.parse(ARTIFACT + ":latest"));
    Set<String> seqs = new HashSet<>();
    long lines = 0;
    for (ManifestEntry e : reg.manifest(latest).entries()) {
      try (BufferedReader r =
          new BufferedReader(new InputStreamReader(reg.open(latest, e), UTF_8))) {
        for (String line = r.readLine(); line != null; line = r.readLine()) {
          lines++;
          seqs.add(line.substring(0, line.indexOf(',')));
        }
      }
    }
    OUT.println(lines + " events, " + seqs.size() + " distinct");
  }

  /** Event {@code i}: {@code seq,user,action,amount}. */
  static String event(long i) {
    String action = ACTIONS[(int) (i % ACTIONS.length)];
    String amount = action.equals("buy") ? String.format("%d.%02d", i % 100, i % 7) : "0";
    return i + ",user-" + (i % 7) + "," + action + "," + amount;
  }
}
