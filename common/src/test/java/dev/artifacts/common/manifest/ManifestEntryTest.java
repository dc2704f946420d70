package dev.artifacts.common.manifest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ManifestEntryTest {
  @Test
  void extraIsDeeplyCopiedAndImmutable() {
    List<Object> list = new ArrayList<>(List.of(1));
    Map<String, Object> nested = new HashMap<>(Map.of("l", list));
    Map<String, Object> extra = new HashMap<>(Map.of("n", nested));

    ManifestEntry e = new ManifestEntry("p", "d", null, 1L, null, extra);
    list.add(2);
    nested.put("x", "y");

    assertThat(e.extra()).isEqualTo(Map.of("n", Map.of("l", List.of(1))));
    @SuppressWarnings("unchecked")
    Map<String, Object> copied = (Map<String, Object>) e.extra().get("n");
    assertThatThrownBy(() -> copied.put("z", 1)).isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void rejectsNegativeSizeAndEmptyPath() {
    assertThatThrownBy(() -> ManifestEntry.file("p", "d", -1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("-1")
        .hasMessageContaining("'p'");
    assertThatThrownBy(() -> ManifestEntry.file("", "d", 1))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
