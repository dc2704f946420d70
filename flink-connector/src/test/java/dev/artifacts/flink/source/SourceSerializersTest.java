package dev.artifacts.flink.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.util.List;
import org.apache.flink.connector.file.src.util.CheckpointedPosition;
import org.apache.flink.core.fs.Path;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.junit.jupiter.api.Test;

/**
 * Golden bytes pin the split and enumerator state formats: a change that breaks restoring existing
 * checkpoints fails here. Regenerate only with a new serializer version ({@code
 * -Dgolden.write=true} writes the files into src/test/resources).
 */
class SourceSerializersTest {
  static final ArtifactSourceSplit STORED =
      new ArtifactSourceSplit(
          "0:v3-0",
          new Path("file:/data/registry/acme/etl/objects/md5/5d/41402abc4b2a76b9719d911017c592"),
          0,
          5,
          1_700_000_000_000L,
          5,
          new String[0],
          null,
          "day=2024-01-01/part-0.csv",
          3);

  static final ArtifactSourceSplit RANGE_WITH_POSITION =
      new ArtifactSourceSplit(
          "1:v4-7-1",
          new Path("s3://bucket/tables/events/day=2024-01-02/part-1.parquet"),
          134_217_728L,
          1_000L,
          1_700_000_100_000L,
          134_218_728L,
          new String[] {"host-a", "host-b"},
          new CheckpointedPosition(134_217_800L, 12L),
          "day=2024-01-02/part-1.parquet",
          4);

  static final ArtifactEnumeratorState STATE =
      new ArtifactEnumeratorState(4, 2, List.of(STORED, RANGE_WITH_POSITION));

  @Test
  void storedSplitMatchesGoldenBytes() throws IOException {
    checkGolden(ArtifactSourceSplitSerializer.INSTANCE, STORED, "source-split-stored-v1.bin");
  }

  @Test
  void rangeSplitWithReaderPositionMatchesGoldenBytes() throws IOException {
    checkGolden(
        ArtifactSourceSplitSerializer.INSTANCE, RANGE_WITH_POSITION, "source-split-range-v1.bin");
  }

  @Test
  void enumeratorStateMatchesGoldenBytes() throws IOException {
    checkGolden(new ArtifactEnumeratorStateSerializer(), STATE, "source-enumerator-v1.bin");
  }

  @Test
  void initialStateRoundTrips() throws IOException {
    ArtifactEnumeratorStateSerializer s = new ArtifactEnumeratorStateSerializer();
    ArtifactEnumeratorState initial = ArtifactEnumeratorState.initial();
    ArtifactEnumeratorState back = s.deserialize(1, s.serialize(initial));
    assertThat(back).isEqualTo(initial);
    assertThat(back.hasResolved()).isFalse();
  }

  @Test
  void unknownVersionsAreNamed() {
    assertThatThrownBy(() -> ArtifactSourceSplitSerializer.INSTANCE.deserialize(2, new byte[0]))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("artifact source split")
        .hasMessageContaining("unknown serializer version 2");
    assertThatThrownBy(() -> new ArtifactEnumeratorStateSerializer().deserialize(9, new byte[0]))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("enumerator state")
        .hasMessageContaining("unknown serializer version 9");
  }

  private static <T> void checkGolden(SimpleVersionedSerializer<T> serializer, T value, String file)
      throws IOException {
    assertThat(serializer.getVersion()).isEqualTo(1);
    byte[] bytes = serializer.serialize(value);
    if (Boolean.getBoolean("golden.write")) {
      java.nio.file.Path target = java.nio.file.Path.of("src/test/resources/golden", file);
      Files.createDirectories(target.getParent());
      Files.write(target, bytes);
    }
    byte[] golden;
    try (InputStream in = SourceSerializersTest.class.getResourceAsStream("/golden/" + file)) {
      assertThat(in).as("golden file %s", file).isNotNull();
      golden = in.readAllBytes();
    }
    assertThat(bytes).isEqualTo(golden);
    assertThat(serializer.deserialize(1, golden)).isEqualTo(value);
  }
}
