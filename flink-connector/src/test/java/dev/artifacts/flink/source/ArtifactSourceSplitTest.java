package dev.artifacts.flink.source;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import org.apache.flink.connector.file.src.FileSourceSplit;
import org.apache.flink.connector.file.src.util.CheckpointedPosition;
import org.apache.flink.core.fs.Path;
import org.junit.jupiter.api.Test;

class ArtifactSourceSplitTest {

  private static ArtifactSourceSplit split(String logicalPath) {
    return new ArtifactSourceSplit(
        "v1-0",
        new Path("file:/r/objects/md5/ab/cd"),
        0,
        10,
        0,
        10,
        new String[0],
        null,
        logicalPath,
        1);
  }

  @Test
  void partitionValuesComeFromTheLogicalPath() {
    LinkedHashMap<String, String> values =
        split("day=2024-01-01/city=S%C3o Paulo%2FSP/part-0.parquet").partitionValues();
    assertThat(values.keySet()).containsExactly("day", "city");
    assertThat(values).containsEntry("day", "2024-01-01");
    // Spark decodes %XX as one character per escape, and only escapes ASCII characters.
    assertThat(values).containsEntry("city", "S\u00c3o Paulo/SP");
    assertThat(split("part-0.parquet").partitionValues()).isEmpty();
    assertThat(split("bucket=__HIVE_DEFAULT_PARTITION__/f").partitionValues())
        .containsEntry("bucket", null);
  }

  @Test
  void partitionValuesAreAFreshMapEachTime() {
    ArtifactSourceSplit s = split("a=1/f");
    s.partitionValues().put("b", "2");
    assertThat(s.partitionValues()).containsOnlyKeys("a");
  }

  @Test
  void checkpointedPositionKeepsTheSplitType() {
    // Flink's FileSourceSplitState requires the same class back, or the reader's state is lost.
    ArtifactSourceSplit s = split("a=1/f");
    FileSourceSplit updated = s.updateWithCheckpointedPosition(new CheckpointedPosition(4, 2));
    assertThat(updated).isInstanceOf(ArtifactSourceSplit.class);
    ArtifactSourceSplit a = (ArtifactSourceSplit) updated;
    assertThat(a.logicalPath()).isEqualTo("a=1/f");
    assertThat(a.versionIndex()).isEqualTo(1);
    assertThat(a.getReaderPosition()).contains(new CheckpointedPosition(4, 2));
    assertThat(a.path()).isEqualTo(s.path());
    assertThat(a).isNotEqualTo(s);
    assertThat(a.updateWithCheckpointedPosition(null)).isEqualTo(s);
  }
}
