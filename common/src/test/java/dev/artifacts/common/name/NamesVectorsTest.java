package dev.artifacts.common.name;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.artifacts.common.ArtifactException;
import dev.artifacts.common.testing.Vectors;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Validation rules (§4) against {@code misc.*_validation} and friends. */
class NamesVectorsTest {
  private static final String ARTIFACT = "acme/etl/events";
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private static JsonNode misc(String key) {
    return Vectors.expected().get("misc").get(key);
  }

  private static Stream<Arguments> cases(String key) {
    List<Arguments> out = new ArrayList<>();
    misc(key).fields().forEachRemaining(f -> out.add(Arguments.of(f.getKey(), f.getValue())));
    assertThat(out).isNotEmpty();
    return out.stream();
  }

  static Stream<Arguments> nameValidation() {
    return cases("name_validation");
  }

  /** Our validateName is W&amp;B's constructor check for new artifacts: regex plus length. */
  @ParameterizedTest(name = "[{0}]")
  @MethodSource("nameValidation")
  void names(String key, JsonNode expected) {
    String name = key.matches("'x'\\*\\d+") ? "x".repeat(Integer.parseInt(key.substring(4))) : key;
    boolean ok = expected.get("constructor_regex_ok").asBoolean() && name.length() <= 128;
    // validate_artifact_name (names read back) is looser; it agrees with us on every rejection.
    if (!expected.get("validate_artifact_name").asText().equals("ok")) {
      assertThat(ok).isFalse();
    }

    if (ok) {
      assertThatCode(() -> Names.validateName(name, ARTIFACT)).doesNotThrowAnyException();
    } else {
      assertThatThrownBy(() -> Names.validateName(name, ARTIFACT))
          .isInstanceOf(ArtifactException.InvalidInput.class)
          .hasMessageStartingWith("Invalid name '" + name + "' for " + ARTIFACT + ": ");
    }
  }

  static Stream<Arguments> typeValidation() {
    return cases("type_validation");
  }

  @ParameterizedTest(name = "[{0}]")
  @MethodSource("typeValidation")
  void types(String key, JsonNode expected) {
    String type = key.substring(0, key.indexOf(" + name="));
    String name = key.substring(key.indexOf(" + name=") + 8);

    if (expected.asText().equals("ok")) {
      assertThatCode(() -> Names.validateType(type, name, ARTIFACT)).doesNotThrowAnyException();
    } else {
      assertThatThrownBy(() -> Names.validateType(type, name, ARTIFACT))
          .isInstanceOf(ArtifactException.InvalidInput.class)
          .hasMessageStartingWith("Invalid type '" + type + "' for " + ARTIFACT + ": ");
    }
  }

  @Test
  void typeRegexIsFastOnNearMisses() {
    String evil = "a".repeat(60) + "!";
    Assertions.assertTimeoutPreemptively(
        Duration.ofSeconds(2),
        () ->
            assertThatThrownBy(() -> Names.validateType(evil, "x", ARTIFACT))
                .isInstanceOf(ArtifactException.InvalidInput.class)
                .hasMessageContaining(evil));
  }

  @ParameterizedTest
  @ValueSource(strings = {"a", "a b", "a  b", "a.b", "a-b_c", "-", "model v2.1", "données"})
  void typesAcceptedByTheServerPattern(String type) {
    assertThatCode(() -> Names.validateType(type, "x", ARTIFACT)).doesNotThrowAnyException();
  }

  @ParameterizedTest
  @ValueSource(strings = {"a ", " a", ".a", "a!", "a b!", "a\tb"})
  void typesRejectedByTheServerPattern(String type) {
    assertThatThrownBy(() -> Names.validateType(type, "x", ARTIFACT))
        .isInstanceOf(ArtifactException.InvalidInput.class)
        .hasMessageContaining("'" + type + "'");
  }

  static Stream<Arguments> aliasValidation() {
    return cases("alias_validation_client_side");
  }

  @ParameterizedTest(name = "[{0}]")
  @MethodSource("aliasValidation")
  void aliases(String alias, JsonNode expected) {
    if (expected.asText().startsWith("ok")) {
      assertThatCode(() -> Names.validateAlias(alias, ARTIFACT)).doesNotThrowAnyException();
      assertThat(Names.normalizeAliases(List.of(alias, alias), ARTIFACT)).containsExactly(alias);
    } else {
      assertThatThrownBy(() -> Names.validateAlias(alias, ARTIFACT))
          .isInstanceOf(ArtifactException.InvalidInput.class)
          .hasMessageStartingWith("Invalid alias '" + alias + "' for " + ARTIFACT + ": ");
    }
  }

  static Stream<Arguments> versionAliases() {
    return cases("alias_is_version_index");
  }

  @ParameterizedTest(name = "[{0}]")
  @MethodSource("versionAliases")
  void versionIndex(String alias, JsonNode expected) {
    OptionalInt index = Names.versionIndex(alias);
    assertThat(index.isPresent()).isEqualTo(expected.asBoolean());
  }

  @Test
  void versionIndexValues() {
    assertThat(Names.versionIndex("v0")).hasValue(0);
    assertThat(Names.versionIndex("v12")).hasValue(12);
    assertThat(Names.versionIndex("v\u0663")).hasValue(3); // Arabic-Indic three
    assertThat(Names.versionIndex("v99999999999")).isEmpty();
    assertThat(Names.versionIndex("v+1")).isEmpty();
    assertThat(Names.versionIndex(null)).isEmpty();
  }

  static Stream<Arguments> tagValidation() {
    return cases("tag_validation");
  }

  @ParameterizedTest(name = "[{0}]")
  @MethodSource("tagValidation")
  void tags(String tag, JsonNode expected) {
    if (expected.isArray()) {
      List<String> normalised = MAPPER.convertValue(expected, new TypeReference<>() {});
      assertThat(Names.normalizeTags(List.of(tag), ARTIFACT)).isEqualTo(normalised);
      assertThat(Names.normalizeTags(List.of(tag, tag), ARTIFACT)).isEqualTo(normalised);
    } else {
      assertThat(expected.asText()).isEqualTo("invalid");
      assertThatThrownBy(() -> Names.normalizeTags(List.of("ok", tag), ARTIFACT))
          .isInstanceOf(ArtifactException.InvalidInput.class)
          .hasMessageStartingWith("Invalid tag '" + tag + "' for " + ARTIFACT + ": ");
    }
  }

  @Test
  void tagsKeepFirstOccurrenceOrder() {
    assertThat(Names.normalizeTags(List.of("b", "a", "b", "c", "a"), ARTIFACT))
        .containsExactly("b", "a", "c");
    String tooLong = "t".repeat(129);
    assertThatThrownBy(() -> Names.normalizeTags(List.of(tooLong), ARTIFACT))
        .hasMessageContaining(tooLong);
  }

  @Test
  void metadataKeyLimit() {
    assertThat(misc("metadata_101_keys").asText()).contains("100");
    Map<String, Object> hundred = new LinkedHashMap<>();
    for (int i = 0; i < 100; i++) {
      hundred.put("k" + i, i);
    }
    assertThat(Names.normalizeMetadata(hundred, ARTIFACT)).hasSize(100);
    hundred.put("k100", 100);

    assertThatThrownBy(() -> Names.normalizeMetadata(hundred, ARTIFACT))
        .isInstanceOf(ArtifactException.InvalidInput.class)
        .hasMessageStartingWith("Invalid metadata")
        .hasMessageContaining(ARTIFACT)
        .hasMessageContaining("101 keys");
  }

  @Test
  void metadataNormalisation() {
    Map<String, Object> input = new LinkedHashMap<>();
    input.put("nan", Double.NaN);
    input.put("n", 1);
    input.put("nested", Map.of("a", List.of(1, 2)));
    Map<String, Object> expected =
        MAPPER.convertValue(misc("metadata_normalization"), new TypeReference<>() {});

    Map<String, Object> normalised = Names.normalizeMetadata(input, ARTIFACT);

    assertThat(normalised).isEqualTo(expected);
    assertThat(normalised).containsEntry("nan", null);
    // NaN nested in lists and maps becomes null too.
    assertThat(
            Names.normalizeMetadata(
                Map.of("l", List.of(1.5, Double.NaN), "m", Map.of("f", Float.NaN)), ARTIFACT))
        .isEqualTo(
            Map.of(
                "l",
                java.util.Arrays.asList(1.5, null),
                "m",
                java.util.Collections.singletonMap("f", null)));
  }

  @ParameterizedTest
  @ValueSource(doubles = {Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY})
  void metadataInfinityRejected(double value) {
    assertThatThrownBy(() -> Names.normalizeMetadata(Map.of("loss", value), ARTIFACT))
        .isInstanceOf(ArtifactException.InvalidInput.class)
        .hasMessageContaining("'loss'")
        .hasMessageContaining(ARTIFACT);
    assertThatThrownBy(
            () -> Names.normalizeMetadata(Map.of("deep", Map.of("x", List.of(value))), ARTIFACT))
        .isInstanceOf(ArtifactException.InvalidInput.class)
        .hasMessageContaining("deep");
  }

  @ParameterizedTest
  @ValueSource(strings = {"ok-project", "wandb-registry-model"})
  void projectsAccepted(String project) {
    assertThatCode(() -> Names.validateProject(project, ARTIFACT)).doesNotThrowAnyException();
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "a/b", "a\\b", "a#b", "a?b", "a%b", "a:b", "a\nb", "a\rb"})
  void projectsRejected(String project) {
    assertThatThrownBy(() -> Names.validateProject(project, ARTIFACT))
        .isInstanceOf(ArtifactException.InvalidInput.class)
        .hasMessageStartingWith("Invalid project '" + project + "' for " + ARTIFACT + ": ");
  }
}
