package dev.artifacts.flink.sink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.artifacts.common.manifest.ManifestEntry;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.junit.jupiter.api.Test;

/**
 * Golden bytes pin the state format: a change that breaks restoring existing checkpoints fails
 * here. Regenerate only with a new serializer version ({@code -Dgolden.write=true} writes the files
 * into src/test/resources).
 */
class SerializersTest {
  static final ArtifactCommittable COMMITTABLE =
      new ArtifactCommittable(
          "a8b2c3d4e5f60718293a4b5c6d7e8f90",
          "cbc357ccb763df2852fee8c4fc7d55f2",
          42L,
          "rL0Y20zC+Fzt72VPzMSk2A==",
          3,
          "0f343b0931126a20f133d67c2b018a3b",
          12345L);

  static final ArtifactWriteResult STORED =
      new ArtifactWriteResult(
          ManifestEntry.file(
              "day=2024-01-02/part-a8b2c3d4-1-0-7-0.csv", "XUFAKrxLKna5cZ2REBfFkg==", 5));

  /** What WrittenReferences records for an S3 object: the ETag as digest and extra.etag. */
  static final ArtifactWriteResult S3_REFERENCE =
      new ArtifactWriteResult(
          ManifestEntry.reference(
              "part-a8b2c3d4-0-0-7-2.csv",
              "e5a8c5272b26fc10581a21089559b006-2",
              "s3://bucket/out/part-a8b2c3d4-0-0-7-2.csv",
              12L,
              Map.of("etag", "e5a8c5272b26fc10581a21089559b006-2")));

  static final ArtifactWriteResult REFERENCE =
      new ArtifactWriteResult(
          new ManifestEntry(
              "part-a8b2c3d4-0-0-7-1.jsonl",
              "1B2M2Y8AsgTpgAmY7PhCfg==",
              "file:///data/out/part-a8b2c3d4-0-0-7-1.jsonl",
              0L,
              null,
              Map.of()));

  /** A committable carrying its staged manifest (W&amp;B backend). */
  static final ArtifactCommittable INLINE =
      new ArtifactCommittable(
          "a8b2c3d4e5f60718293a4b5c6d7e8f90",
          "cbc357ccb763df2852fee8c4fc7d55f2",
          7L,
          "Aqg2gQKnl5ZXfZuq8ddFHw==",
          1,
          "d41d8cd98f00b204e9800998ecf8427e",
          5L,
          "{\"version\":1,\"contents\":{\"a.csv\":{\"digest\":\"x\",\"size\":5}}}");

  @Test
  void committableMatchesGoldenBytes() throws IOException {
    ArtifactCommittableSerializer s = new ArtifactCommittableSerializer();
    checkGolden(s, ArtifactCommittableSerializer.VERSION_2, COMMITTABLE, "committable-v2.bin");
    checkGolden(s, ArtifactCommittableSerializer.VERSION_2, INLINE, "committable-inline-v2.bin");
    // State written by version 1 still restores.
    try (InputStream in = SerializersTest.class.getResourceAsStream("/golden/committable-v1.bin")) {
      assertThat(s.deserialize(1, in.readAllBytes())).isEqualTo(COMMITTABLE);
    }
  }

  @Test
  void storedWriteResultMatchesGoldenBytes() throws IOException {
    checkGolden(new ArtifactWriteResultSerializer(), 2, STORED, "write-result-stored-v2.bin");
  }

  @Test
  void referenceWriteResultMatchesGoldenBytes() throws IOException {
    checkGolden(new ArtifactWriteResultSerializer(), 2, REFERENCE, "write-result-reference-v2.bin");
    checkGolden(
        new ArtifactWriteResultSerializer(), 2, S3_REFERENCE, "write-result-s3-reference-v2.bin");
  }

  @Test
  void writeResultsOfVersion1StillRestore() throws IOException {
    ArtifactWriteResultSerializer s = new ArtifactWriteResultSerializer();
    for (Map.Entry<String, ArtifactWriteResult> e :
        Map.of(
                "write-result-stored-v1.bin", STORED,
                "write-result-reference-v1.bin", REFERENCE)
            .entrySet()) {
      try (InputStream in = SerializersTest.class.getResourceAsStream("/golden/" + e.getKey())) {
        assertThat(s.deserialize(1, in.readAllBytes())).isEqualTo(e.getValue());
      }
    }
  }

  @Test
  void unknownVersionsAreNamed() {
    assertThatThrownBy(() -> new ArtifactCommittableSerializer().deserialize(3, new byte[0]))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("unknown serializer version 3");
    assertThatThrownBy(() -> new ArtifactWriteResultSerializer().deserialize(0, new byte[0]))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("unknown serializer version 0");
  }

  @Test
  void endOfInputCheckpointRoundTrips() throws IOException {
    ArtifactCommittable eoi =
        new ArtifactCommittable("j", "o", Long.MAX_VALUE, "rL0Y20zC+Fzt72VPzMSk2A==", 1, "d", 0);
    ArtifactCommittableSerializer s = new ArtifactCommittableSerializer();
    assertThat(s.deserialize(s.getVersion(), s.serialize(eoi))).isEqualTo(eoi);
  }

  private static <T> void checkGolden(
      SimpleVersionedSerializer<T> serializer, int version, T value, String file)
      throws IOException {
    assertThat(serializer.getVersion()).isEqualTo(version);
    byte[] bytes = serializer.serialize(value);
    if (Boolean.getBoolean("golden.write")) {
      Path target = Path.of("src/test/resources/golden", file);
      Files.createDirectories(target.getParent());
      Files.write(target, bytes);
    }
    byte[] golden;
    try (InputStream in = SerializersTest.class.getResourceAsStream("/golden/" + file)) {
      assertThat(in).as("golden file %s", file).isNotNull();
      golden = in.readAllBytes();
    }
    assertThat(bytes).isEqualTo(golden);
    assertThat(serializer.deserialize(version, golden)).isEqualTo(value);
  }
}
