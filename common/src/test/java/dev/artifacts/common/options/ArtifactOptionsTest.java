package dev.artifacts.common.options;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.artifacts.common.ArtifactException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Pins every option key and default: they are a public contract shared by Spark and Flink. */
class ArtifactOptionsTest {
  @Test
  void keysAndDefaultsArePinned() {
    assertThat(ArtifactOptions.REGISTRY).isEqualTo("registry");
    assertThat(ArtifactOptions.ARTIFACT).isEqualTo("artifact");
    assertThat(ArtifactOptions.TYPE).isEqualTo("type");
    assertThat(ArtifactOptions.DEFAULT_TYPE).isEqualTo("dataset");
    assertThat(ArtifactOptions.ALIASES).isEqualTo("aliases");
    assertThat(ArtifactOptions.TAGS).isEqualTo("tags");
    assertThat(ArtifactOptions.DESCRIPTION).isEqualTo("description");
    assertThat(ArtifactOptions.METADATA).isEqualTo("metadata");
    assertThat(ArtifactOptions.FORMAT).isEqualTo("format");
    assertThat(ArtifactOptions.DEFAULT_FORMAT).isEqualTo("parquet");
    assertThat(ArtifactOptions.STORAGE).isEqualTo("storage");
    assertThat(ArtifactOptions.LOCATION).isEqualTo("location");
    assertThat(ArtifactOptions.RUN).isEqualTo("run");
    assertThat(ArtifactOptions.VERSION_AS_OF).isEqualTo("versionAsOf");
    assertThat(ArtifactOptions.TIMESTAMP_AS_OF).isEqualTo("timestampAsOf");
    assertThat(ArtifactOptions.VIEW).isEqualTo("view");
    assertThat(ArtifactOptions.VERIFY).isEqualTo("verify");
    assertThat(ArtifactOptions.PARTITION_OVERWRITE_MODE).isEqualTo("partitionOverwriteMode");
    assertThat(ArtifactOptions.STREAMING).isEqualTo("streaming");
    assertThat(ArtifactOptions.MONITOR_INTERVAL).isEqualTo("monitor-interval");
    assertThat(ArtifactOptions.FORMATS).containsExactly("parquet", "csv", "json", "orc", "text");
  }

  @Test
  void valuesParseStrictlyWithErrorsNamingArtifactAndValue() {
    assertThat(ArtifactOptions.list(" prod, v-2 ,,")).isEqualTo(List.of("prod", "v-2"));
    assertThat(ArtifactOptions.list(null)).isEmpty();
    assertThat(ArtifactOptions.metadata("{\"rows\": 3}", "a/b/c")).isEqualTo(Map.of("rows", 3));
    assertThat(ArtifactOptions.format(null, "a/b/c")).isEqualTo("parquet");
    assertThat(ArtifactOptions.format("CSV", "a/b/c")).isEqualTo("csv");
    assertThat(ArtifactOptions.Storage.parse(null, "a/b/c"))
        .isEqualTo(ArtifactOptions.Storage.FILES);
    assertThat(ArtifactOptions.Storage.parse("Reference", "a/b/c"))
        .isEqualTo(ArtifactOptions.Storage.REFERENCE);

    assertThatThrownBy(() -> ArtifactOptions.format("avro", "a/b/c"))
        .isInstanceOf(ArtifactException.InvalidInput.class)
        .hasMessageContaining("a/b/c")
        .hasMessageContaining("format='avro'");
    assertThatThrownBy(() -> ArtifactOptions.metadata("[1,2]", "a/b/c"))
        .isInstanceOf(ArtifactException.InvalidInput.class)
        .hasMessageContaining("metadata='[1,2]'");
    assertThatThrownBy(() -> ArtifactOptions.Storage.parse("cloud", "a/b/c"))
        .hasMessageContaining("storage='cloud'");
    assertThatThrownBy(() -> ArtifactOptions.bool("verify", "yes", false, "a/b/c"))
        .hasMessageContaining("verify='yes'");
  }
}
