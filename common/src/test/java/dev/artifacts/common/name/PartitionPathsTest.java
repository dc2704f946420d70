package dev.artifacts.common.name;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.LinkedHashMap;
import java.util.List;
import org.junit.jupiter.api.Test;

class PartitionPathsTest {

  @Test
  void escapesAsSparkDoes() {
    // Expected strings from Spark 3.5 ExternalCatalogUtils.getPartitionPathString.
    assertThat(PartitionPaths.segment("day", "2024-01-01")).isEqualTo("day=2024-01-01");
    assertThat(PartitionPaths.segment("p", "a/b=c%d:e")).isEqualTo("p=a%2Fb%3Dc%25d%3Ae");
    assertThat(PartitionPaths.segment("p", "tab\there")).isEqualTo("p=tab%09here");
    assertThat(PartitionPaths.segment("p", "é ü")).isEqualTo("p=é ü");
    assertThat(PartitionPaths.segment("p", null)).isEqualTo("p=__HIVE_DEFAULT_PARTITION__");
    assertThat(PartitionPaths.segment("p", "")).isEqualTo("p=__HIVE_DEFAULT_PARTITION__");
  }

  @Test
  void unescapeReversesEscape() {
    for (String value : List.of("plain", "a/b=c%d:e", "x?y#z*[]{}^'\"\\", "ctl\u0001\u007f", "é")) {
      assertThat(PartitionPaths.unescape(PartitionPaths.escape(value))).isEqualTo(value);
    }
  }

  @Test
  void unescapeKeepsPercentWithoutTwoHexDigits() {
    assertThat(PartitionPaths.unescape("100%")).isEqualTo("100%");
    assertThat(PartitionPaths.unescape("%zz%4")).isEqualTo("%zz%4");
    assertThat(PartitionPaths.unescape("a%2fb")).isEqualTo("a/b");
  }

  @Test
  void valuesComeFromTheTrailingColumnDirectories() {
    assertThat(PartitionPaths.values("day=2024-01-01/h=07/part-0.parquet"))
        .containsExactly(entry("day", "2024-01-01"), entry("h", "07"));
    assertThat(PartitionPaths.values("raw/day=1/f.csv")).containsExactly(entry("day", "1"));
    // A plain directory below the partition directories ends them, as in Spark's discovery.
    assertThat(PartitionPaths.values("day=1/raw/f.csv")).isEmpty();
    assertThat(PartitionPaths.values("part-0.csv")).isEmpty();
    // The file name is never a partition, even with '='.
    assertThat(PartitionPaths.values("a=1/b=2")).containsExactly(entry("a", "1"));
    // An empty column name is not a partition directory.
    assertThat(PartitionPaths.values("=x/f")).isEmpty();
  }

  @Test
  void valuesAreUnescapedAndDefaultPartitionIsNull() {
    LinkedHashMap<String, String> values =
        PartitionPaths.values("p=a%2Fb%3Dc/q=__HIVE_DEFAULT_PARTITION__/r=/f.txt");
    assertThat(values).containsExactly(entry("p", "a/b=c"), entry("q", null), entry("r", ""));
  }

  @Test
  void repeatedColumnIsRejectedNamingThePath() {
    assertThatThrownBy(() -> PartitionPaths.values("a=1/a=2/f"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("a=1/a=2/f")
        .hasMessageContaining("'a'");
  }

  private static java.util.Map.Entry<String, String> entry(String k, String v) {
    return new java.util.AbstractMap.SimpleEntry<>(k, v);
  }
}
