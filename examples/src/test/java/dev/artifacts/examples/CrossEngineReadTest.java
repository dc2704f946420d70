package dev.artifacts.examples;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.artifacts.common.registry.ArtifactRegistries;
import dev.artifacts.common.registry.ArtifactRegistry;
import dev.artifacts.flink.sink.ArtifactPartitioner;
import dev.artifacts.flink.sink.ArtifactSink;
import dev.artifacts.flink.sink.VersionPolicy;
import dev.artifacts.flink.source.ArtifactSource;
import dev.artifacts.flink.source.ArtifactSourceSplit;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.connector.datagen.source.GeneratorFunction;
import org.apache.flink.connector.file.src.FileSourceSplit;
import org.apache.flink.connector.file.src.impl.StreamFormatAdapter;
import org.apache.flink.connector.file.src.reader.BulkFormat;
import org.apache.flink.connector.file.src.reader.TextLineInputFormat;
import org.apache.flink.connector.file.src.util.RecordAndPosition;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.CloseableIterator;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Artifacts written by one engine and read by the other, in one JVM with both on the classpath:
 * JSON lines written by Flink's {@code ArtifactSink} under {@code col=value/} directories are read
 * by Spark's {@code format("artifact")} with the partition columns, and CSV written by Spark with
 * {@code partitionBy} is read by Flink's {@code ArtifactSource} with the partition values of each
 * split.
 */
class CrossEngineReadTest {
  @TempDir static Path dir;
  private static String registry;
  private static SparkSession spark;

  @BeforeAll
  static void startSpark() {
    registry = dir.resolve("registry").toString();
    // Opened here so that Hadoop's shutdown hook does not belong to a Flink task's class loader.
    ArtifactRegistries.open(registry);
    spark =
        SparkSession.builder()
            .master("local[2]")
            .appName("cross-engine-read")
            .config("spark.ui.enabled", "false")
            .config("spark.driver.host", "127.0.0.1")
            .config("spark.driver.bindAddress", "127.0.0.1")
            .config("spark.sql.shuffle.partitions", "2")
            .config("spark.artifact.registry", registry)
            .getOrCreate();
  }

  @AfterAll
  static void stopSpark() {
    spark.stop();
  }

  @Test
  void flinkWrittenJsonLinesAreReadBySparkWithTheirPartitionColumns() throws Exception {
    StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(2);
    env.setRuntimeMode(RuntimeExecutionMode.BATCH);
    env.getConfig().disableGenericTypes();
    env.fromSource(
            new DataGeneratorSource<>(
                // id,user,day,region; the files hold only {"id":…,"user":…}.
                (GeneratorFunction<Long, String>)
                    i ->
                        i
                            + ",user-"
                            + (i % 5)
                            + ",2024-01-0"
                            + (1 + i % 3)
                            + ","
                            + (i % 2 == 0 ? "eu/west" : "us:east"),
                300,
                Types.STRING),
            WatermarkStrategy.noWatermarks(),
            "events")
        .sinkTo(
            ArtifactSink.<String>builder()
                .setRegistry(registry)
                .setArtifact("cross/flink/events")
                .setRowFormat(CrossEngineReadTest::writeJson, "json")
                // Day and region are only in the paths, so Spark can only take them from there.
                .setPartitioner(
                    ArtifactPartitioner.of("day", (String s) -> s.split(",")[2])
                        .and("region", (String s) -> s.split(",")[3]))
                .setVersionPolicy(VersionPolicy.END_OF_INPUT)
                .build());
    env.execute("flink-writes-json");

    Dataset<Row> events = spark.read().format("artifact").load("cross/flink/events:latest");
    assertThat(events.columns()).contains("id", "user", "day", "region");
    assertThat(events.count()).isEqualTo(300);
    assertThat(events.agg(org.apache.spark.sql.functions.sum("id")).first().getLong(0))
        .isEqualTo(LongStream.range(0, 300).sum());
    // Partition values come from the directories, unescaped ('/' and ':' were %2F and %3A).
    List<String> perPartition =
        events.groupBy("day", "region").count().orderBy("day", "region").collectAsList().stream()
            .map(r -> r.get(0) + " " + r.get(1) + " " + r.getLong(2))
            .toList();
    assertThat(perPartition)
        .containsExactly(
            "2024-01-01 eu/west 50",
            "2024-01-01 us:east 50",
            "2024-01-02 eu/west 50",
            "2024-01-02 us:east 50",
            "2024-01-03 eu/west 50",
            "2024-01-03 us:east 50");
    // Each row sits in the partition its own fields name.
    assertThat(
            events
                .selectExpr(
                    "id",
                    "cast(day as string) = concat('2024-01-0', cast(id % 3 + 1 as string)) as d",
                    "region = if(id % 2 = 0, 'eu/west', 'us:east') as r")
                .where("not d or not r")
                .count())
        .isZero();
  }

  @Test
  void sparkWrittenCsvIsReadByFlinkWithThePartitionValuesOfEachSplit() throws Exception {
    List<String> rows = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      rows.add(i + ",user-" + (i % 7) + "," + (i % 4 == 0 ? "buy" : "view"));
    }
    Dataset<Row> df =
        spark
            .createDataset(rows, Encoders.STRING())
            .selectExpr(
                "cast(split(value, ',')[0] as int) as id",
                "split(value, ',')[1] as user",
                "split(value, ',')[2] as action");
    df.write()
        .format("artifact")
        .mode(SaveMode.ErrorIfExists)
        .option("format", "csv")
        .partitionBy("action")
        .save("cross/spark/events");

    StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(2);
    env.setRuntimeMode(RuntimeExecutionMode.BATCH);
    List<String> read = new ArrayList<>();
    try (CloseableIterator<String> it =
        env.fromSource(
                ArtifactSource.forBulkFormat(new LinesWithPartitionValues())
                    .setRegistry(registry)
                    .setArtifact("cross/spark/events:latest")
                    .build(),
                WatermarkStrategy.noWatermarks(),
                "spark-written")
            .executeAndCollect("flink-reads-spark-csv")) {
      it.forEachRemaining(read::add);
    }
    // Spark wrote id,user into action=<value>/ files; Flink sees the value through the split.
    assertThat(read).containsExactlyInAnyOrderElementsOf(rows);
    try (ArtifactRegistry reg = ArtifactRegistries.open(registry)) {
      assertThat(
              reg
                  .usedBy(
                      reg.resolve(
                          dev.artifacts.common.name.ArtifactPath.parse(
                              "cross/spark/events:latest")))
                  .stream()
                  .map(r -> r.name())
                  .collect(Collectors.toList()))
          .contains("flink-reads-spark-csv");
    }
  }

  private static void writeJson(String record, OutputStream out) throws IOException {
    String[] f = record.split(",");
    out.write(("{\"id\":" + f[0] + ",\"user\":\"" + f[1] + "\"}\n").getBytes(UTF_8));
  }

  /** CSV lines with the split's partition values appended as columns, in directory order. */
  private static final class LinesWithPartitionValues
      implements BulkFormat<String, FileSourceSplit> {
    private final StreamFormatAdapter<String> lines =
        new StreamFormatAdapter<>(new TextLineInputFormat());

    @Override
    public Reader<String> createReader(Configuration config, FileSourceSplit split)
        throws IOException {
      return appending(lines.createReader(config, split), split);
    }

    @Override
    public Reader<String> restoreReader(Configuration config, FileSourceSplit split)
        throws IOException {
      return appending(lines.restoreReader(config, split), split);
    }

    private static Reader<String> appending(Reader<String> reader, FileSourceSplit split) {
      String suffix =
          ((ArtifactSourceSplit) split)
              .partitionValues().values().stream().map(v -> "," + v).collect(Collectors.joining());
      return new Reader<>() {
        @Override
        public RecordIterator<String> readBatch() throws IOException {
          RecordIterator<String> batch = reader.readBatch();
          if (batch == null) {
            return null;
          }
          return new RecordIterator<>() {
            @Override
            public RecordAndPosition<String> next() {
              RecordAndPosition<String> r = batch.next();
              return r == null
                  ? null
                  : new RecordAndPosition<>(
                      r.getRecord() + suffix, r.getOffset(), r.getRecordSkipCount());
            }

            @Override
            public void releaseBatch() {
              batch.releaseBatch();
            }
          };
        }

        @Override
        public void close() throws IOException {
          reader.close();
        }
      };
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
