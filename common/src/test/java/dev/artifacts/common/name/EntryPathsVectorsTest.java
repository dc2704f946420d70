package dev.artifacts.common.name;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.artifacts.common.ArtifactException;
import dev.artifacts.common.testing.Vectors;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code misc.entry_path_validation}: wandb's {@code validate_relpath} on Linux. */
class EntryPathsVectorsTest {
  private static final String ARTIFACT = "acme/etl/events";

  static Stream<Arguments> entryPaths() {
    List<Arguments> out = new ArrayList<>();
    Vectors.expected()
        .at("/misc/entry_path_validation/cases")
        .fields()
        .forEachRemaining(f -> out.add(Arguments.of(f.getKey(), f.getValue())));
    assertThat(out).hasSize(17);
    return out.stream();
  }

  @ParameterizedTest(name = "[{0}]")
  @MethodSource("entryPaths")
  void validateRelpath(String path, JsonNode expected) {
    if (expected.has("result")) {
      String normalised = EntryPaths.normalize(path, ARTIFACT);
      assertThat(normalised).isEqualTo(expected.get("result").asText());
      // Normalising is idempotent.
      assertThat(EntryPaths.normalize(normalised, ARTIFACT)).isEqualTo(normalised);
    } else {
      assertThat(expected.get("error").asText()).startsWith("Invalid path: ");
      assertThatThrownBy(() -> EntryPaths.normalize(path, ARTIFACT))
          .isInstanceOf(ArtifactException.InvalidInput.class)
          .hasMessageStartingWith("Invalid entry path '" + path + "' in " + ARTIFACT + ": ");
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "a/\uD800b", "\uDC00", "a\0b", "./", "//", "a/..", "..\\x", "\\x"})
  void moreRejections(String path) {
    assertThatThrownBy(() -> EntryPaths.normalize(path, ARTIFACT))
        .isInstanceOf(ArtifactException.InvalidInput.class)
        .hasMessageContaining("'" + path + "'");
  }
}
