package dev.artifacts.flink.lineage;

import static org.assertj.core.api.Assertions.assertThat;

import dev.artifacts.common.name.ArtifactPath;
import dev.artifacts.common.registry.ArtifactDraft;
import dev.artifacts.common.registry.ArtifactRegistries;
import dev.artifacts.common.registry.ArtifactRegistry;
import dev.artifacts.flink.ArtifactLineage;
import dev.artifacts.flink.sink.ArtifactSink;
import dev.artifacts.flink.source.ArtifactSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.serialization.SimpleStringEncoder;
import org.apache.flink.api.connector.source.Boundedness;
import org.apache.flink.api.dag.Transformation;
import org.apache.flink.connector.file.src.reader.TextLineInputFormat;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.lineage.DatasetConfigFacet;
import org.apache.flink.streaming.api.lineage.DefaultLineageGraph;
import org.apache.flink.streaming.api.lineage.LineageDataset;
import org.apache.flink.streaming.api.lineage.LineageEdge;
import org.apache.flink.streaming.api.lineage.LineageGraph;
import org.apache.flink.streaming.api.lineage.LineageVertex;
import org.apache.flink.streaming.api.lineage.LineageVertexProvider;
import org.apache.flink.streaming.api.lineage.SourceLineageVertex;
import org.apache.flink.streaming.api.transformations.SinkTransformation;
import org.apache.flink.streaming.api.transformations.SourceTransformation;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link ArtifactSource} and {@link ArtifactSink} are Flink {@link LineageVertexProvider}s: the
 * lineage graph of a job, built from its transformations the way Flink's lineage listeners get it,
 * names the artifacts read and written, for DataStream jobs and for {@code 'connector' =
 * 'artifact'} SQL tables.
 */
class ArtifactLineageTest {
  @TempDir Path dir;
  private String registryUri;
  private ArtifactRegistry registry;

  @BeforeEach
  void setUp() throws Exception {
    registryUri = dir.resolve("registry").toString();
    registry = ArtifactRegistries.open(registryUri);
    Path data = Files.createDirectories(dir.resolve("data"));
    Files.writeString(data.resolve("part-0.json"), "{\"id\": 1, \"name\": \"ann\"}\n");
    ArtifactDraft draft = registry.newDraft(ArtifactPath.parse("acme/etl/raw"), "dataset");
    draft.addDir(data, null);
    registry.commit(draft.aliases(List.of("prod")));
  }

  @AfterEach
  void tearDown() throws Exception {
    registry.close();
  }

  @Test
  void dataStreamJobGraphNamesTheArtifactsReadAndWritten() {
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    env.fromSource(
            ArtifactSource.forRecordStreamFormat(new TextLineInputFormat())
                .setRegistry(registryUri)
                .setArtifact("acme/etl/raw:prod")
                .monitorContinuously(Duration.ofSeconds(5))
                .build(),
            WatermarkStrategy.noWatermarks(),
            "raw")
        .map(String::toUpperCase)
        .sinkTo(
            ArtifactSink.<String>builder()
                .setRegistry(registryUri)
                .setArtifact("acme/etl/clean")
                .setRowFormat(new SimpleStringEncoder<>(), "json")
                .setAliases(List.of("streaming"))
                .build());

    LineageGraph graph = lineageGraph(env);

    assertThat(graph.sources()).hasSize(1);
    SourceLineageVertex source = graph.sources().get(0);
    assertThat(source.boundedness()).isEqualTo(Boundedness.CONTINUOUS_UNBOUNDED);
    assertDataset(source.datasets(), "acme/etl/raw", Map.of("artifact", "acme/etl/raw:prod"));
    assertThat(graph.sinks()).hasSize(1);
    assertDataset(
        graph.sinks().get(0).datasets(),
        "acme/etl/clean",
        Map.of("artifact", "acme/etl/clean", "type", "dataset", "aliases", "streaming"));
    assertThat(graph.relations()).hasSize(1);
  }

  @Test
  void sqlTablesNameTheArtifactsReadAndWritten() {
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    StreamTableEnvironment t = StreamTableEnvironment.create(env);
    t.executeSql(
        "CREATE TABLE raw_events (id BIGINT, name STRING) WITH ('connector' = 'artifact',"
            + " 'registry' = '"
            + registryUri
            + "', 'artifact' = 'acme/etl/raw', 'versionAsOf' = 'v0', 'format' = 'json')");
    t.executeSql(
        "CREATE TABLE clean_events (id BIGINT, name STRING) WITH ('connector' = 'artifact',"
            + " 'registry' = '"
            + registryUri
            + "', 'artifact' = 'acme/etl/clean', 'format' = 'json')");
    t.createStatementSet()
        .addInsertSql("INSERT INTO clean_events SELECT id, UPPER(name) FROM raw_events")
        .attachAsDataStream();

    LineageGraph graph = lineageGraph(env);

    assertThat(graph.sources()).hasSize(1);
    assertThat(graph.sources().get(0).boundedness()).isEqualTo(Boundedness.BOUNDED);
    assertDataset(graph.sources().get(0).datasets(), "acme/etl/raw", Map.of());
    assertThat(graph.sinks()).hasSize(1);
    assertDataset(graph.sinks().get(0).datasets(), "acme/etl/clean", Map.of());
  }

  private void assertDataset(
      List<LineageDataset> datasets, String name, Map<String, String> expectedConfig) {
    assertThat(datasets).hasSize(1);
    LineageDataset dataset = datasets.get(0);
    assertThat(dataset.namespace()).isEqualTo(registryUri);
    assertThat(dataset.name()).isEqualTo(name);
    assertThat(dataset.facets()).containsOnlyKeys(ArtifactLineage.FACET);
    DatasetConfigFacet facet = (DatasetConfigFacet) dataset.facets().get(ArtifactLineage.FACET);
    assertThat(facet.name()).isEqualTo(ArtifactLineage.FACET);
    assertThat(facet.config()).containsAllEntriesOf(expectedConfig);
  }

  /**
   * The job's lineage graph: every source and sink that provides a lineage vertex, with an edge
   * from each source to each sink (Flink 1.20 defines the interfaces; this is how a listener of
   * Flink 2's job status events builds the graph from the transformations).
   */
  private static LineageGraph lineageGraph(StreamExecutionEnvironment env) {
    Set<Transformation<?>> all = new LinkedHashSet<>();
    for (Transformation<?> t : env.getTransformations()) {
      all.addAll(t.getTransitivePredecessors());
    }
    List<SourceLineageVertex> sources = new ArrayList<>();
    List<LineageVertex> sinks = new ArrayList<>();
    for (Transformation<?> t : all) {
      if (t instanceof SourceTransformation<?, ?, ?> s
          && s.getSource() instanceof LineageVertexProvider p) {
        sources.add((SourceLineageVertex) p.getLineageVertex());
      } else if (t instanceof SinkTransformation<?, ?> s
          && s.getSink() instanceof LineageVertexProvider p) {
        sinks.add(p.getLineageVertex());
      }
    }
    DefaultLineageGraph.LineageGraphBuilder builder = DefaultLineageGraph.builder();
    for (SourceLineageVertex source : sources) {
      for (LineageVertex sink : sinks) {
        builder.addLineageEdge(
            new LineageEdge() {
              @Override
              public SourceLineageVertex source() {
                return source;
              }

              @Override
              public LineageVertex sink() {
                return sink;
              }
            });
      }
    }
    return builder.build();
  }
}
