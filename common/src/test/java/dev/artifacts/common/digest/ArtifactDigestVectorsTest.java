package dev.artifacts.common.digest;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.artifacts.common.manifest.Manifest;
import dev.artifacts.common.manifest.ManifestEntry;
import dev.artifacts.common.testing.Vectors;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Artifact digests ({@code MANIFEST_MD5}, §3.2) against {@code expected.json}. */
class ArtifactDigestVectorsTest {
  private static final String WRONG_COMPARE_TO_DIGEST = "30a3e563e1a585e5e8398061427a876d";

  private static JsonNode section(String name) {
    return Vectors.expected().get(name);
  }

  /** path to digest, recomputed from the sample files. */
  private static Map<String, String> filesOnlyFromDisk() throws IOException {
    Map<String, String> byPath = new HashMap<>();
    for (JsonNode e : section("artifact_files_only").get("entries")) {
      String path = e.get("path").asText();
      byPath.put(path, Digests.digest(Vectors.file(path)).base64());
    }
    return byPath;
  }

  private static Map<String, String> fromEntries(String section) {
    Map<String, String> byPath = new LinkedHashMap<>();
    for (JsonNode e : section(section).get("entries")) {
      byPath.put(e.get("path").asText(), e.get("digest").asText());
    }
    return byPath;
  }

  /** Feeds entries in the given order, recording exactly the bytes that are hashed. */
  private static String hashedText(List<String> order, Map<String, String> byPath) {
    ByteArrayOutputStream hashed = new ByteArrayOutputStream();
    ArtifactDigester digester = new ArtifactDigester(hashed::writeBytes);
    order.forEach(p -> digester.add(p, byPath.get(p)));
    digester.finish();
    return hashed.toString(UTF_8);
  }

  @Test
  void filesOnlyRecomputedFromFiles() throws IOException {
    JsonNode v = section("artifact_files_only");
    Map<String, String> byPath = filesOnlyFromDisk();

    assertThat(byPath).hasSize(9);
    assertThat(ArtifactDigester.of(byPath))
        .isEqualTo(v.get("artifact_digest_hex").asText())
        .isEqualTo("c6f0874716cc90d8b02442041451e206");
  }

  @Test
  void filesOnlyHashesExactlyTheDigestInputString() throws IOException {
    JsonNode v = section("artifact_files_only");
    Map<String, String> byPath = filesOnlyFromDisk();
    List<String> sorted = byPath.keySet().stream().sorted(Digests.CODE_POINT_ORDER).toList();

    assertThat(sorted).containsExactlyElementsOf(strings(v.get("sorted_paths_codepoint_order")));
    assertThat(hashedText(sorted, byPath)).isEqualTo(v.get("digest_input_string").asText());
    assertThat(
            Digests.hex(
                Digests.newMd5().digest(v.get("digest_input_string").asText().getBytes(UTF_8))))
        .isEqualTo(v.get("artifact_digest_hex").asText());
  }

  @ParameterizedTest
  @ValueSource(strings = {"artifact_files_only", "artifact_mixed", "artifact_refs_only"})
  void sectionDigestsFromEntries(String name) {
    JsonNode v = section(name);
    Map<String, String> byPath = fromEntries(name);
    List<String> sorted = byPath.keySet().stream().sorted(Digests.CODE_POINT_ORDER).toList();

    assertThat(ArtifactDigester.of(byPath)).isEqualTo(v.get("artifact_digest_hex").asText());
    assertThat(sorted).containsExactlyElementsOf(strings(v.get("sorted_paths_codepoint_order")));
    assertThat(hashedText(sorted, byPath)).isEqualTo(v.get("digest_input_string").asText());
  }

  @ParameterizedTest
  @ValueSource(strings = {"artifact_files_only", "artifact_mixed", "artifact_refs_only"})
  void manifestDigestAndSizeFromEntries(String name) {
    JsonNode v = section(name);
    List<ManifestEntry> entries = new ArrayList<>();
    for (JsonNode e : v.get("entries")) {
      Long size = e.get("size") == null || e.get("size").isNull() ? null : e.get("size").asLong();
      String ref = e.hasNonNull("ref") ? e.get("ref").asText() : null;
      entries.add(
          new ManifestEntry(
              e.get("path").asText(), e.get("digest").asText(), ref, size, null, null));
    }
    // Reverse so that Manifest.of has to sort.
    java.util.Collections.reverse(entries);
    Manifest m = Manifest.of(entries);

    assertThat(m.digest()).isEqualTo(v.get("artifact_digest_hex").asText());
    assertThat(m.totalSize()).isEqualTo(v.get("artifact_size").asLong());
    assertThat(m.entries().stream().map(ManifestEntry::path).toList())
        .containsExactlyElementsOf(strings(v.get("sorted_paths_codepoint_order")));
  }

  @Test
  void sectionDigestsPinned() {
    assertThat(section("artifact_mixed").get("artifact_digest_hex").asText())
        .isEqualTo("3a91061f449e39474dcb5ae4dade56fe");
    assertThat(ArtifactDigester.of(fromEntries("artifact_mixed")))
        .isEqualTo("3a91061f449e39474dcb5ae4dade56fe");
    assertThat(ArtifactDigester.of(fromEntries("artifact_refs_only")))
        .isEqualTo("f3312b61bd351b7a002e4d4dafc1503c");
  }

  @Test
  void emptyManifest() {
    String expected = Vectors.expected().get("misc").get("empty_manifest_digest").asText();

    assertThat(new ArtifactDigester().finish()).isEqualTo(expected);
    assertThat(ArtifactDigester.of(Map.of())).isEqualTo(expected);
    assertThat(Manifest.empty().digest()).isEqualTo(expected);
    assertThat(Manifest.of(List.of()).digest()).isEqualTo(expected);
  }

  @Test
  void crossCheckWithWandbGcsUnitTest() {
    JsonNode v = Vectors.expected().get("misc").get("repo_unit_test_crosscheck_gcs");

    assertThat(ArtifactDigester.of(textMap(v.get("entries"))))
        .isEqualTo(v.get("expected_by_repo_test").asText())
        .isEqualTo("8aec0d6978da8c2b0bf5662b3fd043a4");
    assertThat(ArtifactDigester.of(textMap(v.get("entries_renamed"))))
        .isEqualTo(v.get("expected_renamed").asText())
        .isEqualTo("bd85fe009dc9e408a5ed9b55c95f47b2");
  }

  @Test
  void codePointOrderMatchesPythonAndGo() {
    JsonNode v = Vectors.expected().get("misc").get("sort_order_pitfall");
    List<String> right = strings(v.get("python_go_codepoint_order"));
    List<String> wrong = strings(v.get("java_String_compareTo_order_WRONG"));
    List<String> shuffled = new ArrayList<>(right);
    java.util.Collections.shuffle(shuffled, new Random(7));

    assertThat(shuffled.stream().sorted(Digests.CODE_POINT_ORDER).toList())
        .containsExactlyElementsOf(right);
    // The pitfall is real: String.compareTo gives the other order.
    assertThat(shuffled.stream().sorted().toList()).containsExactlyElementsOf(wrong);
    assertThat(wrong).isNotEqualTo(right);
  }

  @Test
  void compareToOrderGivesTheWrongDigestAndTheDigesterRefusesIt() throws IOException {
    JsonNode v = Vectors.expected().get("misc").get("sort_order_pitfall");
    List<String> wrong = strings(v.get("java_String_compareTo_order_WRONG"));
    Map<String, String> byPath = filesOnlyFromDisk();

    // Hashing the lines in UTF-16 order by hand reproduces the documented wrong value ...
    var md5 = Digests.newMd5();
    md5.update(Digests.ARTIFACT_DIGEST_HEADER.getBytes(UTF_8));
    wrong.forEach(p -> md5.update((p + ":" + byPath.get(p) + "\n").getBytes(UTF_8)));
    assertThat(Digests.hex(md5.digest())).isEqualTo(WRONG_COMPARE_TO_DIGEST);

    // ... and our digester never produces it: fed in that order it refuses,
    ArtifactDigester digester = new ArtifactDigester();
    assertThatThrownBy(() -> wrong.forEach(p -> digester.add(p, byPath.get(p))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("out of order")
        .hasMessageContaining("unicode/x-ｚ.txt");
    // and from a TreeMap in String order it re-sorts.
    assertThat(ArtifactDigester.of(new java.util.TreeMap<>(byPath)))
        .isNotEqualTo(WRONG_COMPARE_TO_DIGEST)
        .isEqualTo("c6f0874716cc90d8b02442041451e206");
  }

  @Test
  void digesterRejectsDuplicatesUnpairedSurrogatesAndReuse() {
    ArtifactDigester d = new ArtifactDigester().add("a", "x");
    assertThatThrownBy(() -> d.add("a", "y"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'a'");
    assertThatThrownBy(() -> new ArtifactDigester().add("bad\uD800", "x"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("unpaired surrogate");
    assertThatThrownBy(() -> new ArtifactDigester().add("ok", "\uDC00"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("digest");
    d.finish();
    assertThatThrownBy(d::finish).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> d.add("b", "x")).isInstanceOf(IllegalStateException.class);
  }

  /** Property: CODE_POINT_ORDER is the unsigned order of the UTF-8 bytes. */
  @Test
  void codePointOrderEqualsUnsignedUtf8ByteOrder() {
    Random random = new Random(20240101L);
    int disagreements = 0;
    for (int i = 0; i < 100_000; i++) {
      String a = randomString(random);
      // Share a prefix half of the time so the interesting position is not always the first.
      String b =
          random.nextBoolean()
              ? a.substring(0, random.nextInt(a.length() + 1)) + randomString(random)
              : randomString(random);
      int expected = Integer.signum(Arrays.compareUnsigned(a.getBytes(UTF_8), b.getBytes(UTF_8)));
      int actual = Integer.signum(Digests.CODE_POINT_ORDER.compare(a, b));
      if (expected != actual) {
        disagreements++;
        assertThat(actual).as("compare(%s, %s)", escape(a), escape(b)).isEqualTo(expected);
      }
      assertThat(Integer.signum(Digests.CODE_POINT_ORDER.compare(b, a))).isEqualTo(-expected);
    }
    assertThat(disagreements).isZero();
  }

  @Test
  void codePointOrderEdgeCases() {
    String[] ascending = {
      "",
      "a",
      "a/b",
      "a0",
      "\u007f",
      "\u0080",
      "\u07ff",
      "\u0800",
      "\ud7ff",
      "\ue000",
      "\uff5a",
      "\uffff",
      "\ud800\udc00",
      "\ud83d\ude00",
      "\udbff\udfff"
    };
    for (int i = 0; i < ascending.length; i++) {
      for (int j = 0; j < ascending.length; j++) {
        assertThat(Integer.signum(Digests.CODE_POINT_ORDER.compare(ascending[i], ascending[j])))
            .as("%s vs %s", escape(ascending[i]), escape(ascending[j]))
            .isEqualTo(Integer.signum(Integer.compare(i, j)));
      }
    }
  }

  private static String randomString(Random random) {
    int len = random.nextInt(6);
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < len; i++) {
      switch (random.nextInt(6)) {
        case 0, 1 -> sb.append((char) (0x20 + random.nextInt(0x5f))); // ASCII
        case 2 -> sb.append((char) (0x80 + random.nextInt(0xD800 - 0x80))); // BMP below surrogates
        case 3 -> sb.append((char) (0xE000 + random.nextInt(0x2000))); // U+E000..U+FFFF
        case 4 -> sb.appendCodePoint(0x10000 + random.nextInt(0x100000)); // surrogate pair
        default -> sb.append(random.nextBoolean() ? "\uFF5A" : "\uD83D\uDE00"); // the pitfall pair
      }
    }
    return sb.toString();
  }

  private static String escape(String s) {
    StringBuilder sb = new StringBuilder();
    s.chars().forEach(c -> sb.append(String.format("\\u%04x", c)));
    return sb.toString();
  }

  private static List<String> strings(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }

  private static Map<String, String> textMap(JsonNode object) {
    Map<String, String> out = new LinkedHashMap<>();
    object.fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().asText()));
    return out;
  }
}
