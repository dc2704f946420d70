package dev.artifacts.flink.sink;

import static org.assertj.core.api.Assertions.assertThat;

import dev.artifacts.common.manifest.ManifestEntry;
import dev.artifacts.common.name.ArtifactPath;
import dev.artifacts.common.registry.ArtifactRegistries;
import dev.artifacts.common.registry.ArtifactRegistry;
import dev.artifacts.common.registry.ArtifactVersion;
import dev.artifacts.flink.source.ArtifactSource;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.file.DataFileStream;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.serialization.BulkWriter;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.connector.datagen.source.GeneratorFunction;
import org.apache.flink.formats.avro.AvroWriters;
import org.apache.flink.formats.avro.typeutils.GenericRecordAvroTypeInfo;
import org.apache.flink.formats.parquet.avro.AvroParquetReaders;
import org.apache.flink.formats.parquet.avro.AvroParquetWriters;
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
 * The DataStream sink with Flink's bulk writers: Avro records as Parquet ({@code
 * AvroParquetWriters}) read back through {@link ArtifactSource} with {@code AvroParquetReaders},
 * and as Avro container files ({@code AvroWriters}) read back with Avro's own reader.
 */
class ArtifactSinkParquetAvroITCase {
  private static final ArtifactPath ARTIFACT = ArtifactPath.parse("acme/etl/records");
  private static final int COUNT = 1_000;
  private static final Schema SCHEMA =
      SchemaBuilder.record("Event")
          .fields()
          .requiredLong("id")
          .requiredString("bucket")
          .optionalDouble("score")
          .endRecord();

  @RegisterExtension
  static final MiniClusterExtension MINI_CLUSTER =
      new MiniClusterExtension(
          new MiniClusterResourceConfiguration.Builder()
              .setNumberTaskManagers(2)
              .setNumberSlotsPerTaskManager(2)
              .build());

  @TempDir Path dir;
  private String registryUri;
  private ArtifactRegistry registry;

  @BeforeEach
  void setUp() {
    registryUri = dir.resolve("registry").toString();
    registry = ArtifactRegistries.open(registryUri);
  }

  @AfterEach
  void tearDown() throws IOException {
    registry.close();
  }

  @Test
  void parquetRoundTripThroughSinkAndSource() throws Exception {
    write(AvroParquetWriters.forGenericRecord(SCHEMA), "parquet");

    ArtifactVersion v = registry.resolve(ARTIFACT);
    assertThat(registry.manifest(v).entries())
        .extracting(ManifestEntry::path)
        .allMatch(p -> p.matches("bucket=b[0-2]/part-.*\\.parquet"));

    StreamExecutionEnvironment env = batchEnv();
    List<String> read = new ArrayList<>();
    try (var records =
        env.fromSource(
                ArtifactSource.forRecordStreamFormat(AvroParquetReaders.forGenericRecord(SCHEMA))
                    .setRegistry(registryUri)
                    .setArtifact(ARTIFACT.toString())
                    .build(),
                WatermarkStrategy.noWatermarks(),
                "parquet-records")
            .map(GenericRecord::toString)
            .executeAndCollect()) {
      records.forEachRemaining(read::add);
    }
    assertThat(read).hasSize(COUNT);
    assertThat(Set.copyOf(read)).isEqualTo(expected());
  }

  @Test
  void avroFilesRoundTrip() throws Exception {
    write(AvroWriters.forGenericRecord(SCHEMA), "avro");

    ArtifactVersion v = registry.resolve(ARTIFACT);
    List<String> read = new ArrayList<>();
    for (ManifestEntry e : registry.manifest(v).entries()) {
      assertThat(e.path()).matches("bucket=b[0-2]/part-.*\\.avro");
      try (InputStream in = registry.open(v, e);
          DataFileStream<GenericRecord> avro =
              new DataFileStream<>(in, new GenericDatumReader<>(SCHEMA))) {
        avro.forEach(r -> read.add(r.toString()));
      }
    }
    assertThat(read).hasSize(COUNT);
    assertThat(Set.copyOf(read)).isEqualTo(expected());
  }

  private void write(BulkWriter.Factory<GenericRecord> format, String extension) throws Exception {
    StreamExecutionEnvironment env = batchEnv();
    records(env)
        .sinkTo(
            ArtifactSink.<GenericRecord>builder()
                .setRegistry(registryUri)
                .setArtifact(ARTIFACT.toString())
                .setBulkFormat(format, extension)
                .setPartitioner(ArtifactPartitioner.of("bucket", r -> r.get("bucket").toString()))
                .setVersionPolicy(VersionPolicy.END_OF_INPUT)
                .build());
    env.execute(extension + "-sink");
  }

  private static StreamExecutionEnvironment batchEnv() {
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    env.setRuntimeMode(RuntimeExecutionMode.BATCH);
    env.setParallelism(2);
    return env;
  }

  private static DataStream<GenericRecord> records(StreamExecutionEnvironment env) {
    GeneratorFunction<Long, GenericRecord> generator = ArtifactSinkParquetAvroITCase::record;
    return env.fromSource(
        new DataGeneratorSource<>(
            generator, COUNT, RateLimiterStrategy.noOp(), new GenericRecordAvroTypeInfo(SCHEMA)),
        WatermarkStrategy.noWatermarks(),
        "records");
  }

  /** Record i; every seventh has a null score. */
  private static GenericRecord record(long i) {
    GenericRecord r = new GenericData.Record(SCHEMA);
    r.put("id", i);
    r.put("bucket", "b" + (i % 3));
    r.put("score", i % 7 == 0 ? null : i / 4.0);
    return r;
  }

  private static Set<String> expected() {
    return LongStream.range(0, COUNT)
        .mapToObj(i -> record(i).toString())
        .collect(Collectors.toSet());
  }
}
