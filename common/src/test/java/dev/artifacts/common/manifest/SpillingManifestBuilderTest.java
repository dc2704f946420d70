package dev.artifacts.common.manifest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.artifacts.common.testing.Vectors;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SpillingManifestBuilderTest {
  @TempDir Path tmp;

  @ParameterizedTest
  @ValueSource(
      strings = {
        "artifact_files_only.wandb_manifest.legacy-python.json",
        "artifact_files_only.wandb_manifest.go-core-ILLUSTRATIVE.json",
        "artifact_mixed.wandb_manifest.legacy-python.json",
        "artifact_refs_only.wandb_manifest.legacy-python.json",
        "artifact_refs_only.wandb_manifest.go-core.json"
      })
  void vectorsThroughTheSpillPathGiveTheInMemoryBytes(String file) throws IOException {
    List<ManifestEntry> inFileOrder = new ArrayList<>();
    ManifestReader.stream(
        new java.io.ByteArrayInputStream(Vectors.bytes(file)), file, inFileOrder::add);
    Manifest inMemory = ManifestReader.read(Vectors.bytes(file), file);

    for (ManifestWriter.Style style : ManifestWriter.Style.values()) {
      ManifestWriter.Serialized expected = ManifestWriter.serialize(inMemory, style);
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      ManifestWriter.Result result;
      try (SpillingManifestBuilder builder =
          new SpillingManifestBuilder(tmp, SpillingManifestBuilder.Budget.ofEntries(2))) {
        for (ManifestEntry e : inFileOrder) {
          builder.add(e);
        }
        assertThat(builder.runCount()).isEqualTo(inFileOrder.size() / 2);
        result = builder.writeTo(out, inMemory.storageLayout(), inMemory.storageRegion(), style);
      }

      assertThat(out.toByteArray()).as(style.name()).isEqualTo(expected.bytes());
      assertThat(result).as(style.name()).isEqualTo(expected.result());
    }
    assertThat(runFiles()).isEmpty();
  }

  @Test
  void filesOnlyVectorGivesWandbsDigestAndGoBytes() throws IOException {
    String digest = Vectors.expected().at("/artifact_files_only/artifact_digest_hex").asText();
    assertThat(digest).isEqualTo("c6f0874716cc90d8b02442041451e206");
    Manifest files =
        ManifestReader.read(
            Vectors.bytes("artifact_files_only.wandb_manifest.legacy-python.json"), "files");
    assertThat(spill(files.entries(), 1, ManifestWriter.Style.CANONICAL).result().artifactDigest())
        .isEqualTo(digest);

    String goFile = "artifact_refs_only.wandb_manifest.go-core.json";
    Manifest refs =
        ManifestReader.read(
            Vectors.bytes("artifact_refs_only.wandb_manifest.legacy-python.json"), "refs");
    ManifestWriter.Serialized go = spill(refs.entries(), 3, ManifestWriter.Style.GO_CORE);
    assertThat(go.bytes()).isEqualTo(Vectors.bytes(goFile));
    assertThat(go.result().fileMd5Base64()).isEqualTo("HDiRCSlz3rEOARZNuAwJww==");
    assertThat(go.result().artifactDigest()).isEqualTo("f3312b61bd351b7a002e4d4dafc1503c");
  }

  /**
   * Random paths over an alphabet that separates code point order from UTF-16 order (U+FF5A, U+E000
   * against an emoji), with many duplicates: the last add of a path wins, as in a draft.
   */
  @ParameterizedTest
  @ValueSource(longs = {1, 2, 3})
  void randomEntriesWithDuplicatesSpilledToManyRuns(long seed) throws IOException {
    Random random = new Random(seed);
    String[] alphabet = {"a", "b", "/", "é", "\uFF5A", "\uE000", "\uD83D\uDE00", "\uD800\uDC00"};
    List<String> pool = new ArrayList<>();
    for (int i = 0; i < 700; i++) {
      StringBuilder path = new StringBuilder();
      for (int n = 1 + random.nextInt(6); n > 0; n--) {
        path.append(alphabet[random.nextInt(alphabet.length)]);
      }
      pool.add(path.toString());
    }
    List<ManifestEntry> adds = new ArrayList<>();
    Map<String, ManifestEntry> lastWins = new LinkedHashMap<>();
    for (int i = 0; i < 3000; i++) {
      String path = pool.get(random.nextInt(pool.size()));
      ManifestEntry e =
          switch (random.nextInt(3)) {
            case 0 -> ManifestEntry.file(path, "d" + i, i);
            case 1 ->
                ManifestEntry.reference(
                    path, "etag-" + i, "s3://b/" + path, null, Map.of("etag", "etag-" + i));
            default -> new ManifestEntry(path, "d" + i, null, (long) i, "QQ==", null);
          };
      adds.add(e);
      lastWins.put(path, e);
    }
    assertThat(lastWins).hasSizeLessThan(adds.size());
    Manifest expectedManifest = Manifest.of(new ArrayList<>(lastWins.values()));

    for (ManifestWriter.Style style : ManifestWriter.Style.values()) {
      ManifestWriter.Serialized expected = ManifestWriter.serialize(expectedManifest, style);
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      try (SpillingManifestBuilder builder =
          new SpillingManifestBuilder(tmp, SpillingManifestBuilder.Budget.ofEntries(7))) {
        for (ManifestEntry e : adds) {
          builder.add(e);
        }
        assertThat(builder.runCount()).isEqualTo(3000 / 7);
        assertThat(builder.addedCount()).isEqualTo(3000);
        assertThat(builder.writeTo(out, "V2", null, style)).isEqualTo(expected.result());
      }
      assertThat(out.toByteArray()).as(style.name()).isEqualTo(expected.bytes());
      if (style == ManifestWriter.Style.CANONICAL) {
        // (The Go shape writes size 0 for an unknown size, so only this one reads back equal.)
        assertThat(ManifestReader.read(out.toByteArray(), "spilled")).isEqualTo(expectedManifest);
      }
    }
  }

  @Test
  void aByteBudgetSpillsAndNothingSpillsUnderIt() throws IOException {
    List<ManifestEntry> entries = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      entries.add(ManifestEntry.file("p/" + (99 - i), "digest" + i, i));
    }
    try (SpillingManifestBuilder small =
            new SpillingManifestBuilder(tmp, SpillingManifestBuilder.Budget.ofBytes(2_000));
        SpillingManifestBuilder large =
            new SpillingManifestBuilder(tmp, SpillingManifestBuilder.Budget.ofBytes(1 << 20))) {
      for (ManifestEntry e : entries) {
        small.add(e);
        large.add(e);
      }
      assertThat(small.runCount()).isGreaterThan(3);
      assertThat(runFiles()).hasSize(small.runCount());
      assertThat(large.runCount()).isZero();
      ByteArrayOutputStream a = new ByteArrayOutputStream();
      ByteArrayOutputStream b = new ByteArrayOutputStream();
      small.writeTo(a, "V2", null, ManifestWriter.Style.CANONICAL);
      large.writeTo(b, "V2", null, ManifestWriter.Style.CANONICAL);
      assertThat(a.toByteArray())
          .isEqualTo(b.toByteArray())
          .isEqualTo(ManifestWriter.toBytes(Manifest.of(entries)));
    }
    assertThat(runFiles()).isEmpty();
  }

  @Test
  void anEmptyBuilderWritesTheEmptyManifest() throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (SpillingManifestBuilder builder =
        new SpillingManifestBuilder(tmp, SpillingManifestBuilder.Budget.ofEntries(1))) {
      ManifestWriter.Result r = builder.writeTo(out, "V2", null, ManifestWriter.Style.CANONICAL);
      assertThat(r.artifactDigest())
          .isEqualTo(Vectors.expected().at("/misc/empty_manifest_digest").asText());
    }
    assertThat(out.toByteArray()).isEqualTo(ManifestWriter.toBytes(Manifest.empty()));
  }

  @Test
  void isSingleUseAndRejectsABadBudgetOrDirectory() throws IOException {
    SpillingManifestBuilder builder =
        new SpillingManifestBuilder(tmp, SpillingManifestBuilder.Budget.ofEntries(1));
    builder.add(ManifestEntry.file("a", "d", 1));
    builder.writeTo(new ByteArrayOutputStream(), "V2", null, ManifestWriter.Style.CANONICAL);
    assertThatThrownBy(() -> builder.add(ManifestEntry.file("b", "d", 1)))
        .isInstanceOf(IllegalStateException.class);
    builder.close();
    assertThat(runFiles()).isEmpty();

    assertThatThrownBy(() -> SpillingManifestBuilder.Budget.ofEntries(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("Invalid spill budget");
    Path notADir = Files.writeString(tmp.resolve("file"), "x");
    assertThatThrownBy(
            () -> new SpillingManifestBuilder(notADir, SpillingManifestBuilder.Budget.ofEntries(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(notADir.toString());
  }

  private ManifestWriter.Serialized spill(
      List<ManifestEntry> entries, int maxEntries, ManifestWriter.Style style) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (SpillingManifestBuilder builder =
        new SpillingManifestBuilder(tmp, SpillingManifestBuilder.Budget.ofEntries(maxEntries))) {
      for (ManifestEntry e : entries) {
        builder.add(e);
      }
      ManifestWriter.Result r = builder.writeTo(out, "V2", null, style);
      return new ManifestWriter.Serialized(out.toByteArray(), r);
    }
  }

  private List<Path> runFiles() throws IOException {
    try (Stream<Path> files = Files.list(tmp)) {
      return files.filter(p -> p.getFileName().toString().startsWith("manifest-run-")).toList();
    }
  }
}
