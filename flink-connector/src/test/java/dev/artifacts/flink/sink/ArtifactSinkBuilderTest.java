package dev.artifacts.flink.sink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.artifacts.common.ArtifactException;
import dev.artifacts.common.options.ArtifactOptions;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.serialization.BulkWriter;
import org.apache.flink.api.common.serialization.SimpleStringEncoder;
import org.apache.flink.util.InstantiationUtil;
import org.junit.jupiter.api.Test;

class ArtifactSinkBuilderTest {

  private static ArtifactSinkBuilder<String> valid() {
    return ArtifactSink.<String>builder()
        .setRegistry("/tmp/registry")
        .setArtifact("acme/etl/events")
        .setRowFormat(new SimpleStringEncoder<>(), "csv");
  }

  @Test
  void buildsWithDefaults() throws Exception {
    ArtifactSink<String> sink = valid().build();
    SinkConfig<String> c = sink.config();
    assertThat(c.artifact().toString()).isEqualTo("acme/etl/events");
    assertThat(c.type()).isEqualTo(ArtifactOptions.DEFAULT_TYPE);
    assertThat(c.storage()).isEqualTo(ArtifactOptions.Storage.FILES);
    assertThat(c.policy()).isEqualTo(VersionPolicy.PER_CHECKPOINT);
    // The sink travels with the job graph.
    InstantiationUtil.clone(sink);
  }

  @Test
  void artifactMustHaveThreePartsAndNoAlias() {
    assertThatThrownBy(() -> valid().setArtifact(null).build())
        .isInstanceOf(ArtifactException.InvalidInput.class)
        .hasMessageContaining("no artifact");
    assertThatThrownBy(() -> valid().setArtifact("etl/events").build())
        .hasMessageContaining("Invalid artifact 'etl/events'")
        .hasMessageContaining("entity/project/name");
    assertThatThrownBy(() -> valid().setArtifact("acme/etl/events:prod").build())
        .hasMessageContaining("Invalid artifact 'acme/etl/events:prod'")
        .hasMessageContaining("setAliases");
  }

  @Test
  void registryIsRequired() {
    assertThatThrownBy(() -> valid().setRegistry(" ").build())
        .isInstanceOf(ArtifactException.InvalidInput.class)
        .hasMessageContaining("acme/etl/events")
        .hasMessageContaining("setRegistry");
  }

  @Test
  void labelsAreValidated() {
    assertThatThrownBy(() -> valid().setAliases(List.of("v:1")).build())
        .isInstanceOf(ArtifactException.InvalidInput.class)
        .hasMessageContaining("v:1")
        .hasMessageContaining("acme/etl/events");
    assertThatThrownBy(() -> valid().setType("").build())
        .hasMessageContaining("Invalid option type=''")
        .hasMessageContaining("acme/etl/events");
    assertThatThrownBy(() -> valid().setAliases(null).build())
        .hasMessageContaining("Invalid option aliases='null' for acme/etl/events");
    // The rule the Spark connector applies: vN aliases belong to the registry.
    assertThatThrownBy(() -> valid().setAliases(List.of("v3")).build())
        .isInstanceOf(ArtifactException.InvalidInput.class)
        .hasMessageContaining("Invalid alias 'v3' for acme/etl/events")
        .hasMessageContaining("assigned by the registry");
  }

  @Test
  void exactlyOneFormatWithAnExtension() {
    BulkWriter.Factory<String> bulk = out -> null;
    assertThatThrownBy(
            () ->
                valid()
                    .setBulkFormat(bulk, "bin")
                    .setRowFormat(new SimpleStringEncoder<>(), "csv")
                    .build())
        .hasMessageContaining("both a row format and a bulk format");
    assertThatThrownBy(
            () ->
                ArtifactSink.<String>builder()
                    .setRegistry("/r")
                    .setArtifact("acme/etl/events")
                    .build())
        .hasMessageContaining("no format")
        .hasMessageContaining("acme/etl/events");
    assertThatThrownBy(() -> valid().setRowFormat(new SimpleStringEncoder<>(), ".csv").build())
        .hasMessageContaining("Invalid file extension '.csv' for acme/etl/events");
  }

  @Test
  void referenceStorageNeedsAnAbsoluteLocation() {
    assertThatThrownBy(() -> valid().setStorage("reference").build())
        .hasMessageContaining("reference storage needs a location")
        .hasMessageContaining("acme/etl/events");
    assertThatThrownBy(() -> valid().setStorage("reference").setLocation("out/dir").build())
        .hasMessageContaining("Invalid option location='out/dir' for acme/etl/events");
    assertThatThrownBy(() -> valid().setLocation("file:///data").build())
        .hasMessageContaining("only used with storage=reference");
    assertThatThrownBy(() -> valid().setStorage("cloud"))
        .hasMessageContaining("Invalid option storage='cloud'");
    assertThat(
            valid().setStorage("reference").setLocation("/data/out/").build().config().location())
        .isEqualTo("file:///data/out");
  }

  @Test
  void metadataIsCheckedAndKept() {
    assertThat(valid().setMetadata(Map.of("rows", 3)).build().config().metadata())
        .containsEntry("rows", 3);
    assertThatThrownBy(() -> valid().setVersionPolicy(null).build())
        .hasMessageContaining("Invalid version policy 'null' for acme/etl/events");
  }

  @Test
  void partitionPathsEscapeLikeSpark() throws Exception {
    ArtifactPartitioner<String> p =
        ArtifactPartitioner.<String>of("day", s -> s.split(",")[0]).and("k", s -> s.split(",")[1]);
    assertThat(p.partitionPath("2024-01-02,a/b=c")).isEqualTo("day=2024-01-02/k=a%2Fb%3Dc");
    assertThat(ArtifactPartitioner.<String>of("k", s -> null).partitionPath("x"))
        .isEqualTo("k=" + ArtifactPartitioner.DEFAULT_PARTITION_NAME);
    assertThatThrownBy(() -> ArtifactPartitioner.<String>of("a/b", s -> s))
        .hasMessageContaining("Invalid partition column 'a/b'");
  }
}
