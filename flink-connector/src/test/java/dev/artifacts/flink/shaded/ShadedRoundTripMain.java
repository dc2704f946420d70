package dev.artifacts.flink.shaded;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.artifacts.common.manifest.ManifestEntry;
import dev.artifacts.common.name.ArtifactPath;
import dev.artifacts.common.registry.ArtifactRegistries;
import dev.artifacts.common.registry.ArtifactRegistry;
import dev.artifacts.common.registry.ArtifactVersion;
import dev.artifacts.flink.sink.ArtifactPartitioner;
import dev.artifacts.flink.sink.ArtifactSink;
import dev.artifacts.flink.sink.VersionPolicy;
import dev.artifacts.flink.source.ArtifactSource;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.util.HashSet;
import java.util.Set;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.serialization.SimpleStringEncoder;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.connector.datagen.source.GeneratorFunction;
import org.apache.flink.connector.file.src.reader.TextLineInputFormat;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.CloseableIterator;

/**
 * Runs in the child JVM of {@link ShadedJarIT}, whose classpath has Flink, Hadoop and the shaded
 * jar but not the project's classes: a bounded job writes 1,000 {@code id,bucket} lines through
 * {@code ArtifactSink} partitioned by bucket, then the version is read back through the registry.
 * Prints {@code ROUND-TRIP <records> <sum of ids> <partitions>}; a second job reads the version
 * back through {@code ArtifactSource} and prints {@code READ-BACK <records> <sum of ids>}.
 */
public final class ShadedRoundTripMain {
  private ShadedRoundTripMain() {}

  public static void main(String[] args) throws Exception {
    String registry = args[0];
    StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(2);
    env.setRuntimeMode(RuntimeExecutionMode.BATCH);
    env.fromSource(
            new DataGeneratorSource<>(
                (GeneratorFunction<Long, String>) i -> i + "," + (i % 3), 1_000, Types.STRING),
            WatermarkStrategy.noWatermarks(),
            "numbers")
        .sinkTo(
            ArtifactSink.<String>builder()
                .setRegistry(registry)
                .setArtifact("acme/shaded/numbers")
                .setRowFormat(new SimpleStringEncoder<>(), "csv")
                .setPartitioner(ArtifactPartitioner.of("bucket", (String s) -> s.split(",")[1]))
                .setVersionPolicy(VersionPolicy.END_OF_INPUT)
                .build());
    env.execute("shaded-round-trip");

    long records = 0;
    long sum = 0;
    Set<String> partitions = new HashSet<>();
    try (ArtifactRegistry reg = ArtifactRegistries.open(registry)) {
      ArtifactVersion v = reg.resolve(ArtifactPath.parse("acme/shaded/numbers:latest"));
      System.out.println("committed " + v.path());
      for (ManifestEntry e : reg.manifest(v).entries()) {
        partitions.add(e.path().substring(0, e.path().indexOf('/')));
        try (BufferedReader r = new BufferedReader(new InputStreamReader(reg.open(v, e), UTF_8))) {
          for (String line = r.readLine(); line != null; line = r.readLine()) {
            records++;
            sum += Long.parseLong(line.split(",")[0]);
          }
        }
      }
    }
    System.out.println("ROUND-TRIP " + records + " " + sum + " " + partitions.size());

    // And back through ArtifactSource, in a second bounded job.
    StreamExecutionEnvironment read = StreamExecutionEnvironment.createLocalEnvironment(2);
    read.setRuntimeMode(RuntimeExecutionMode.BATCH);
    long readRecords = 0;
    long readSum = 0;
    try (CloseableIterator<String> lines =
        read.fromSource(
                ArtifactSource.forRecordStreamFormat(new TextLineInputFormat())
                    .setRegistry(registry)
                    .setArtifact("acme/shaded/numbers:v0")
                    .build(),
                WatermarkStrategy.noWatermarks(),
                "artifact-source")
            .executeAndCollect("shaded-read-back")) {
      while (lines.hasNext()) {
        readRecords++;
        readSum += Long.parseLong(lines.next().split(",")[0]);
      }
    }
    System.out.println("READ-BACK " + readRecords + " " + readSum);
  }
}
