package dev.artifacts.flink.source;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.artifacts.common.manifest.ManifestEntry;
import dev.artifacts.common.name.ArtifactPath;
import dev.artifacts.common.reference.CachePaths;
import dev.artifacts.common.registry.ArtifactDraft;
import dev.artifacts.common.registry.ArtifactRegistries;
import dev.artifacts.common.registry.ArtifactRegistry;
import dev.artifacts.common.registry.ArtifactVersion;
import dev.artifacts.common.testing.FakeWandbServer;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.connector.file.src.reader.TextLineInputFormat;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.CloseableIterator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The source against {@link FakeWandbServer} on a MiniCluster with 2 task managers: splits name
 * {@code wandbbody:} URIs, which Flink opens through its Hadoop fallback, and the task reading a
 * split downloads the body from storage into a W&amp;B cache other than the writer's.
 */
class ArtifactSourceWandbITCase {
  private static final ArtifactPath ARTIFACT = ArtifactPath.parse("acme/etl/events");

  @RegisterExtension
  static final MiniClusterExtension MINI_CLUSTER =
      new MiniClusterExtension(
          new MiniClusterResourceConfiguration.Builder()
              .setNumberTaskManagers(2)
              .setNumberSlotsPerTaskManager(2)
              .build());

  @TempDir Path dir;
  private FakeWandbServer server;
  private ArtifactRegistry writer;

  @BeforeEach
  void setUp() throws IOException {
    server = new FakeWandbServer();
    writer = ArtifactRegistries.open(server.baseUrl(), server.env(dir.resolve("writer")));
  }

  @AfterEach
  void tearDown() throws IOException {
    writer.close();
    server.close();
    assertThat(server.authViolations).as("storage requests carrying the API key").isEmpty();
    assertThat(server.schemaViolations).as("requests W&B's SDK-derived schema refuses").isEmpty();
  }

  @Test
  void boundedReadDownloadsStoredBodiesOnTheTasks() throws Exception {
    ArtifactDraft draft = writer.newDraft(ARTIFACT, "dataset");
    List<String> expected = new ArrayList<>();
    for (int file = 0; file < 4; file++) {
      int f = file;
      List<String> lines = IntStream.range(0, 250).mapToObj(i -> f + "," + i).toList();
      expected.addAll(lines);
      try (OutputStream out = draft.newFile("part=" + file + "/data-" + file + ".csv")) {
        out.write((String.join("\n", lines) + "\n").getBytes(UTF_8));
      }
    }
    ArtifactVersion v = writer.commit(draft).version();
    List<ManifestEntry> entries = writer.manifest(v).entries();
    assertThat(entries).hasSize(4).allSatisfy(e -> assertThat(e.isReference()).isFalse());
    long getsBefore = server.storageCount("GET /get/");

    Path readerCache = dir.resolve("reader");
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    env.setParallelism(2);
    ArtifactSource<String> source =
        ArtifactSource.forRecordStreamFormat(new TextLineInputFormat())
            .setRegistry(server.baseUrl())
            .setRegistryEnvironment(server.env(readerCache))
            .setArtifact(ARTIFACT.toString())
            .build();
    List<String> records = new ArrayList<>();
    try (CloseableIterator<String> it =
        env.fromSource(source, WatermarkStrategy.noWatermarks(), "wandb-in")
            .executeAndCollect("read-wandb")) {
      it.forEachRemaining(records::add);
    }

    assertThat(records).containsExactlyInAnyOrderElementsOf(expected);
    // Every body came from storage (the writer's cache is not the reader's), once each.
    assertThat(server.storageCount("GET /get/") - getsBefore).isEqualTo(entries.size());
    for (ManifestEntry e : entries) {
      assertThat(readerCache.resolve("artifacts").resolve(CachePaths.md5Path(e.digest())))
          .as("body of %s in the reading side's cache", e.path())
          .exists();
    }
  }
}
