package dev.artifacts.common.name;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.artifacts.common.ArtifactException;
import dev.artifacts.common.testing.Vectors;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code misc.artifact_path_parsing}: W&amp;B's {@code ArtifactPath.from_str} returns {@code
 * prefix/project/name} where {@code name} still carries {@code :alias}; ours splits it into {@code
 * name} and {@code alias} and fills missing parts from the environment.
 */
class ArtifactPathVectorsTest {
  private static final Map<String, String> ENV =
      Map.of("WANDB_ENTITY", "env-entity", "WANDB_PROJECT", "env-project");

  static Stream<Arguments> parsing() {
    List<Arguments> out = new ArrayList<>();
    Vectors.expected()
        .at("/misc/artifact_path_parsing")
        .fields()
        .forEachRemaining(f -> out.add(Arguments.of(f.getKey(), f.getValue())));
    assertThat(out).hasSize(10);
    return out.stream();
  }

  @ParameterizedTest(name = "[{0}]")
  @MethodSource("parsing")
  void parsesLikeWandb(String input, JsonNode wandb) {
    if (wandb.has("error")) {
      assertThat(wandb.get("error").asText()).contains("Invalid artifact path");
      assertThatThrownBy(() -> ArtifactPath.parse(input, ENV))
          .isInstanceOf(ArtifactException.InvalidInput.class)
          .hasMessageStartingWith("Invalid artifact path '" + input + "'");
      return;
    }
    String wandbName = wandb.get("name").asText();
    int colon = wandbName.indexOf(':');
    String name = colon < 0 ? wandbName : wandbName.substring(0, colon);
    String alias = colon < 0 ? null : wandbName.substring(colon + 1);
    String entity = wandb.get("prefix").isNull() ? "env-entity" : wandb.get("prefix").asText();
    String project = wandb.get("project").isNull() ? "env-project" : wandb.get("project").asText();

    if (name.isEmpty()) {
      // 'ent/proj/:v0': W&B parses the name as ':v0' and fails later at the server. We reject
      // the empty collection name up front, deliberately.
      assertThatThrownBy(() -> ArtifactPath.parse(input, ENV))
          .isInstanceOf(ArtifactException.InvalidInput.class)
          .hasMessageStartingWith("Invalid name '' for " + input + ": ");
    } else if (alias != null && (alias.contains("/") || alias.contains(":"))) {
      // W&B splits the same way (at the first ':'), but no alias can contain '/' or ':', so we
      // reject the lookup with the alias it would have used, instead of asking the server.
      assertThatThrownBy(() -> ArtifactPath.parse(input, ENV))
          .isInstanceOf(ArtifactException.InvalidInput.class)
          .hasMessageStartingWith("Invalid alias '" + alias + "' for ");
    } else {
      ArtifactPath parsed = ArtifactPath.parse(input, ENV);
      assertThat(parsed).isEqualTo(new ArtifactPath(entity, project, name, alias));
      assertThat(parsed.isRegistryPath()).isEqualTo(wandb.get("is_registry_path").asBoolean());
      assertThat(parsed.aliasOrLatest()).isEqualTo(alias == null ? "latest" : alias);
    }
  }

  @Test
  void defaultsFromEnvironment() {
    assertThat(ArtifactPath.parse("name:v3", Map.of("WANDB_ENTITY", "e")))
        .isEqualTo(new ArtifactPath("e", "uncategorized", "name", "v3"));
    assertThat(ArtifactPath.parse("name", Map.of("WANDB_ENTITY", "e", "WANDB_PROJECT", "")))
        .isEqualTo(new ArtifactPath("e", "uncategorized", "name", null));
    assertThat(ArtifactPath.parse("p/name", Map.of("WANDB_ENTITY", "e", "WANDB_PROJECT", "x")))
        .isEqualTo(new ArtifactPath("e", "p", "name", null));
    assertThat(ArtifactPath.parse("a/b/c", Map.of("WANDB_ENTITY", "e", "WANDB_PROJECT", "x")))
        .isEqualTo(new ArtifactPath("a", "b", "c", null));
    assertThat(ArtifactPath.parse("a/b/c:v1", Map.of()).toString()).isEqualTo("a/b/c:v1");
  }

  @ParameterizedTest
  @ValueSource(strings = {"a/b/c/d", "a/b/c/d:v0", "/a/b/c:latest", "a//b/c"})
  void fourOrMorePartsRejected(String input) {
    assertThatThrownBy(() -> ArtifactPath.parse(input, ENV))
        .isInstanceOf(ArtifactException.InvalidInput.class)
        .hasMessageContaining("'" + input + "'")
        .hasMessageContaining("three parts");
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "   ", "/proj/name", "ent//name", "name:", "bad name:v0"})
  void badPathsNameTheInput(String input) {
    assertThatThrownBy(() -> ArtifactPath.parse(input, ENV))
        .isInstanceOf(ArtifactException.InvalidInput.class)
        .hasMessageStartingWith("Invalid ")
        // The offending value, or the whole path it came from.
        .hasMessageContaining(input.isBlank() ? "'" + input + "'" : input);
  }
}
