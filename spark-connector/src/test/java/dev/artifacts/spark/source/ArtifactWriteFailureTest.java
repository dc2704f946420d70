package dev.artifacts.spark.source;

import static dev.artifacts.spark.source.WriteTesting.filesUnder;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.artifacts.common.manifest.ManifestEntry;
import dev.artifacts.common.name.ArtifactPath;
import dev.artifacts.common.registry.ArtifactRegistries;
import dev.artifacts.common.registry.ArtifactRegistry;
import dev.artifacts.common.registry.ArtifactVersion;
import dev.artifacts.spark.ArtifactWriter;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.TaskContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.connector.catalog.Identifier;
import org.apache.spark.sql.connector.catalog.SupportsWrite;
import org.apache.spark.sql.connector.expressions.Expressions;
import org.apache.spark.sql.connector.expressions.Transform;
import org.apache.spark.sql.connector.write.BatchWrite;
import org.apache.spark.sql.connector.write.DataWriter;
import org.apache.spark.sql.connector.write.DataWriterFactory;
import org.apache.spark.sql.connector.write.LogicalWriteInfo;
import org.apache.spark.sql.connector.write.PhysicalWriteInfo;
import org.apache.spark.sql.connector.write.WriterCommitMessage;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.util.CaseInsensitiveStringMap;
import org.apache.spark.unsafe.types.UTF8String;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Task failures, failed jobs and duplicate task attempts. Tasks may fail up to 3 times. */
class ArtifactWriteFailureTest {
  private static SparkSession spark;

  @TempDir Path tmp;
  private String registryUri;
  private ArtifactRegistry registry;

  @BeforeAll
  static void start() {
    spark = WriteTesting.session("local[2,3]");
    // Throws in the first attempt of every task: the retry must succeed and add nothing twice.
    spark
        .udf()
        .register(
            "fail_first_attempt",
            (UDF1<Long, Long>)
                id -> {
                  // Mid-partition, so that the failing attempt has an open file to clean up.
                  if (TaskContext.get().attemptNumber() == 0 && id % 10 == 5) {
                    throw new IllegalStateException("injected failure of the first attempt");
                  }
                  return id;
                },
            DataTypes.LongType);
    spark
        .udf()
        .register(
            "always_fail",
            (UDF1<Long, Long>)
                id -> {
                  if (id == 7) {
                    throw new IllegalStateException("injected failure of every attempt");
                  }
                  return id;
                },
            DataTypes.LongType);
  }

  @AfterAll
  static void stop() {
    spark.stop();
  }

  @BeforeEach
  void openRegistry() {
    registryUri = tmp.resolve("registry").toUri().toString();
    registry = ArtifactRegistries.open(registryUri);
  }

  private Dataset<Row> rows(String udf) {
    // Rows are written before the failing one (id 7 sits in the second half of each partition),
    // so the failed attempts have open files to clean up.
    return spark.range(0, 20, 1, 2).selectExpr(udf + "(id) as id", "cast(id % 2 as string) as day");
  }

  @Test
  void retriedTasksAddTheirFilesOnce() throws Exception {
    Path location = tmp.resolve("refs");
    for (String storage : List.of("files", "reference")) {
      String path = "acme/etl/retried-" + storage;
      Map<String, String> opts =
          Map.of(
              "registry", registryUri,
              "storage", storage,
              "location", storage.equals("reference") ? location.toUri().toString() : "");
      ArtifactVersion v =
          ArtifactWriter.write(
              rows("fail_first_attempt"),
              path,
              storage.equals("files") ? Map.of("registry", registryUri) : opts,
              SaveMode.Overwrite);
      List<ManifestEntry> entries = registry.manifest(v).entries();
      // Two tasks, one file each, written by the second attempt.
      assertThat(entries).hasSize(2);
      assertThat(v.fileCount()).isEqualTo(2);
      assertThat(entries).extracting(ManifestEntry::path).doesNotHaveDuplicates();
      assertThat(filesUnder(tmp.resolve("registry/acme/etl/staging"))).isEmpty();
    }
    // The failed first attempts removed their reference files.
    assertThat(filesUnder(location))
        .filteredOn(p -> !p.getFileName().toString().startsWith("."))
        .hasSize(2);
  }

  @Test
  void failedJobLeavesNoVersionAndNoFiles() throws Exception {
    Path location = tmp.resolve("refs");
    String path = "acme/etl/failed";
    assertThatThrownBy(
            () ->
                ArtifactWriter.write(
                    rows("always_fail"), path, Map.of("registry", registryUri), SaveMode.Overwrite))
        .hasStackTraceContaining("injected failure of every attempt");
    assertThatThrownBy(
            () ->
                ArtifactWriter.write(
                    rows("always_fail"),
                    path,
                    Map.of(
                        "registry",
                        registryUri,
                        "storage",
                        "reference",
                        "location",
                        location.toUri().toString()),
                    SaveMode.Overwrite))
        .hasStackTraceContaining("injected failure of every attempt");
    assertThat(registry.find(ArtifactPath.parse(path))).isEmpty();
    assertThat(filesUnder(tmp.resolve("registry/acme/etl/staging"))).isEmpty();
    assertThat(filesUnder(location))
        .filteredOn(p -> !p.getFileName().toString().startsWith("."))
        .isEmpty();
  }

  /**
   * What speculation produces: two attempts of one partition both write and commit, Spark keeps the
   * message of one. Local mode never speculates (TaskSchedulerImpl starts speculation only for
   * cluster masters), so the two attempts are driven by hand through the real write classes.
   */
  @Test
  void duplicateAttemptsContributeOneSetOfFiles() throws Exception {
    Path location = tmp.resolve("spec");
    ArtifactCatalog catalog = new ArtifactCatalog();
    String name = CatalogIdentifiers.registerPathCatalog(spark, registryUri);
    catalog.initialize(name, CaseInsensitiveStringMap.empty());
    StructType schema =
        new StructType().add("id", DataTypes.LongType).add("day", DataTypes.StringType);
    Identifier ident = Identifier.of(new String[] {"acme", "etl"}, "speculated");
    Transform[] partitioning = {Expressions.identity("day")};
    SupportsWrite table =
        (SupportsWrite) catalog.stageCreateOrReplace(ident, schema, partitioning, Map.of());
    Map<String, String> options =
        Map.of("storage", "reference", "location", location.toUri().toString());
    LogicalWriteInfo info =
        new LogicalWriteInfo() {
          @Override
          public CaseInsensitiveStringMap options() {
            return new CaseInsensitiveStringMap(options);
          }

          @Override
          public String queryId() {
            return "q1";
          }

          @Override
          public StructType schema() {
            return schema;
          }
        };
    BatchWrite batch = table.newWriteBuilder(info).build().toBatch();
    DataWriterFactory factory =
        batch.createBatchWriterFactory(
            new PhysicalWriteInfo() {
              @Override
              public int numPartitions() {
                return 1;
              }
            });
    WriterCommitMessage first = writeAttempt(factory, 101);
    WriterCommitMessage second = writeAttempt(factory, 102);
    assertThat(first).isNotEqualTo(second);
    // Spark keeps the first successful attempt's message; the other attempt's files are strays.
    batch.commit(new WriterCommitMessage[] {first});

    ArtifactVersion v = registry.resolve(ArtifactPath.parse("acme/etl/speculated"));
    List<ManifestEntry> entries = registry.manifest(v).entries();
    assertThat(entries)
        .extracting(ManifestEntry::path)
        .containsExactly(
            "day=a/part-00000-000.snappy.parquet", "day=b/part-00000-001.snappy.parquet");
    Set<String> referenced = new HashSet<>();
    entries.forEach(
        e -> referenced.add(Path.of(java.net.URI.create(e.ref())).getFileName().toString()));
    assertThat(filesUnder(location))
        .filteredOn(p -> !p.getFileName().toString().startsWith("."))
        .extracting(p -> p.getFileName().toString())
        .containsExactlyInAnyOrderElementsOf(referenced);
  }

  private static WriterCommitMessage writeAttempt(DataWriterFactory factory, long taskId)
      throws Exception {
    try (DataWriter<InternalRow> writer = factory.createWriter(0, taskId)) {
      writer.write(new GenericInternalRow(new Object[] {1L, UTF8String.fromString("a")}));
      writer.write(new GenericInternalRow(new Object[] {2L, UTF8String.fromString("b")}));
      return writer.commit();
    }
  }
}
