package dev.artifacts.flink.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.artifacts.common.ArtifactException;
import java.time.Duration;
import org.apache.flink.api.connector.source.Boundedness;
import org.apache.flink.connector.file.src.reader.TextLineInputFormat;
import org.junit.jupiter.api.Test;

class ArtifactSourceBuilderTest {

  private static ArtifactSourceBuilder<String> text() {
    return ArtifactSource.forRecordStreamFormat(new TextLineInputFormat());
  }

  @Test
  void boundedByDefaultReadingLatest() {
    ArtifactSource<String> source =
        text().setRegistry("file:///tmp/registry").setArtifact("acme/etl/events").build();
    assertThat(source.getBoundedness()).isEqualTo(Boundedness.BOUNDED);
    assertThat(source.config().target().toString()).isEqualTo("acme/etl/events:latest");
    assertThat(source.config().codecFromFileName()).isTrue();
    assertThat(source.getProducedType().getTypeClass()).isEqualTo(String.class);
  }

  @Test
  void continuousWithAliasAndRunName() {
    ArtifactSource<String> source =
        text()
            .setRegistry("file:///tmp/registry")
            .setArtifact("acme/etl/events:prod")
            .monitorContinuously(Duration.ofSeconds(10))
            .setRunName("nightly")
            .build();
    assertThat(source.getBoundedness()).isEqualTo(Boundedness.CONTINUOUS_UNBOUNDED);
    assertThat(source.config().monitorInterval()).isEqualTo(Duration.ofSeconds(10));
    assertThat(source.config().target().alias()).isEqualTo("prod");
    assertThat(source.config().runName()).isEqualTo("nightly");
  }

  @Test
  void missingRegistryNamesTheArtifact() {
    assertThatThrownBy(() -> text().setArtifact("acme/etl/events").build())
        .isInstanceOf(ArtifactException.InvalidInput.class)
        .hasMessageContaining("acme/etl/events")
        .hasMessageContaining("registry is not set");
  }

  @Test
  void missingArtifactIsNamed() {
    assertThatThrownBy(() -> text().setRegistry("/tmp/r").build())
        .isInstanceOf(ArtifactException.InvalidInput.class)
        .hasMessageContaining("artifact is not set");
  }

  @Test
  void badArtifactNameQuotesIt() {
    assertThatThrownBy(() -> text().setRegistry("/tmp/r").setArtifact("a/b/c/d").build())
        .isInstanceOf(ArtifactException.InvalidInput.class)
        .hasMessageContaining("'a/b/c/d'");
    assertThatThrownBy(() -> text().setRegistry("/tmp/r").setArtifact("acme/etl/bad name!").build())
        .isInstanceOf(ArtifactException.InvalidInput.class)
        .hasMessageContaining("bad name!");
  }

  @Test
  void badIntervalNamesArtifactAndValue() {
    assertThatThrownBy(
            () ->
                text()
                    .setRegistry("/tmp/r")
                    .setArtifact("acme/etl/events")
                    .monitorContinuously(Duration.ZERO)
                    .build())
        .isInstanceOf(ArtifactException.InvalidInput.class)
        .hasMessageContaining("acme/etl/events")
        .hasMessageContaining("PT0S");
    assertThatThrownBy(
            () ->
                text()
                    .setRegistry("/tmp/r")
                    .setArtifact("acme/etl/events")
                    .monitorContinuously(Duration.ofSeconds(-5))
                    .build())
        .hasMessageContaining("PT-5S");
  }

  @Test
  void badSplitSizeAndRunName() {
    assertThatThrownBy(
            () -> text().setRegistry("/tmp/r").setArtifact("acme/etl/e").setSplitSize(0).build())
        .isInstanceOf(ArtifactException.InvalidInput.class)
        .hasMessageContaining("Invalid split size 0 for acme/etl/e");
    assertThatThrownBy(
            () -> text().setRegistry("/tmp/r").setArtifact("acme/etl/e").setRunName(" ").build())
        .isInstanceOf(ArtifactException.InvalidInput.class)
        .hasMessageContaining("Invalid run name");
  }
}
