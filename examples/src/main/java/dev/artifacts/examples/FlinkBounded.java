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
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.serialization.SimpleStringEncoder;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.connector.datagen.source.GeneratorFunction;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * A bounded Flink job (batch execution) on the embedded registry, run once per day as a daily load:
 * each run generates that day's orders ({@code day,order,customer,amount} CSV lines) and writes
 * them through {@code ArtifactSink} into {@code demo/flink/orders}, partitioned by day, as one
 * version when the input ends. The second run's version appends to the first. The versions, their
 * lineage and the rows per day of {@code :latest} and {@code :v0} are printed.
 *
 * <p>Usage: see the README ({@code java … dev.artifacts.examples.FlinkBounded [WORKDIR]}, default
 * {@code ./demo-flink-bounded}; the registry is {@code WORKDIR/registry}, recreated on each run).
 */
public final class FlinkBounded {
  static final String ARTIFACT = "demo/flink/orders";
  private static final PrintStream OUT = new PrintStream(System.out, true, UTF_8);

  private FlinkBounded() {}

  public static void main(String[] args) throws Exception {
    Path work = ExampleArgs.workDir(args, "demo-flink-bounded");
    WorkDirs.deleteRecursively(work);
    String registry = work.resolve("registry").toString();

    // Opened before the jobs so that Hadoop's shutdown hook belongs to this thread's class loader,
    // not to a task's (Flink closes that one when the job ends).
    try (ArtifactRegistry reg = ArtifactRegistries.open(registry)) {
      OUT.println("== Daily load of 2024-01-01 (1000 orders)");
      runDailyLoad(registry, "2024-01-01", 1_000);
      OUT.println("== Daily load of 2024-01-02 (600 orders)");
      runDailyLoad(registry, "2024-01-02", 600);

      OUT.println();
      OUT.println("== Versions and lineage");
      VersionTable.print(reg, ARTIFACT, OUT);
      for (String alias : List.of("latest", "v0")) {
        OUT.println();
        OUT.println("== Orders per day in " + ARTIFACT + ":" + alias);
        ArtifactVersion v = reg.resolve(ArtifactPath.parse(ARTIFACT + ":" + alias));
        rowsPerDay(reg, v).forEach((day, rows) -> OUT.println("  " + day + " " + rows));
      }
    }
    OUT.println();
    OUT.println("Registry: " + registry);
  }

  private static void runDailyLoad(String registry, String day, long orders) throws Exception {
    StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(2);
    env.setRuntimeMode(RuntimeExecutionMode.BATCH);
    // Records are strings; failing fast on a Kryo fallback keeps Flink off Spark's Kryo here.
    env.getConfig().disableGenericTypes();
    env.fromSource(
            new DataGeneratorSource<>(
                (GeneratorFunction<Long, String>)
                    i -> day + "," + i + ",customer-" + (i % 13) + "," + (5 + i % 50) + ".00",
                orders,
                Types.STRING),
            WatermarkStrategy.noWatermarks(),
            "orders-" + day)
        .sinkTo(
            ArtifactSink.<String>builder()
                .setRegistry(registry)
                .setArtifact(ARTIFACT)
                .setType("dataset")
                .setRowFormat(new SimpleStringEncoder<>(), "csv")
                .setPartitioner(ArtifactPartitioner.of("day", (String o) -> o.split(",")[0]))
                .setVersionPolicy(VersionPolicy.END_OF_INPUT)
                .setMetadata(Map.of("day", day, "orders", orders))
                .setAliases(List.of("day-" + day))
                .build())
        .name("artifact-sink");
    env.execute("daily-orders-" + day);
  }

  /** Reads every file of {@code v} back from the registry and counts lines per partition. */
  private static Map<String, Long> rowsPerDay(ArtifactRegistry reg, ArtifactVersion v)
      throws Exception {
    Map<String, Long> rows = new TreeMap<>();
    for (ManifestEntry e : reg.manifest(v).entries()) {
      String partition = e.path().substring(0, e.path().indexOf('/'));
      try (BufferedReader r = new BufferedReader(new InputStreamReader(reg.open(v, e), UTF_8))) {
        rows.merge(partition, r.lines().count(), Long::sum);
      }
    }
    return rows;
  }
}
