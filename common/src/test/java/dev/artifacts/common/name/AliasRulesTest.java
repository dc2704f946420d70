package dev.artifacts.common.name;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.artifacts.common.ArtifactException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Issue 15, case 9: aliases that overflow, hide characters or only look alike. */
class AliasRulesTest {
  private static final ArtifactPath EVENTS = new ArtifactPath("acme", "p", "events", null);

  @Test
  void versionFormsThatOverflowAreRejected() {
    assertThatThrownBy(() -> Names.validateAlias("v99999999999", EVENTS))
        .isInstanceOf(ArtifactException.InvalidInput.class)
        .hasMessageContaining("Invalid alias 'v99999999999' for acme/p/events")
        .hasMessageContaining("larger than any version index");
    Names.validateAlias("v12", EVENTS); // a real version form: the registry decides about it
    Names.validateAlias("v1x", EVENTS);
  }

  @Test
  void invisibleAndControlCharactersAreRejected() {
    for (String alias : List.of("prod\u0000", "pr\nod", "pro\u200Bd", "prod\u2028", "\u007Fx")) {
      assertThatThrownBy(() -> Names.validateAlias(alias, EVENTS))
          .as(alias)
          .isInstanceOf(ArtifactException.InvalidInput.class)
          .hasMessageContaining("invisible or control characters");
    }
  }

  @Test
  void decomposedAndComposedFormsAreOneAlias() {
    String composed = "caf\u00e9";
    String decomposed = "cafe\u0301";
    assertThat(Names.normalizeAlias(decomposed, EVENTS)).isEqualTo(composed);
    assertThat(Names.normalizeAliases(List.of(composed, decomposed), EVENTS))
        .containsExactly(composed);
  }
}
