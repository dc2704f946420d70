package dev.artifacts.common.manifest;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.artifacts.common.digest.Digests;
import dev.artifacts.common.testing.Vectors;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ManifestWriterTest {
  private static final String GO_REFS = "artifact_refs_only.wandb_manifest.go-core.json";
  private static final ObjectMapper MAPPER = new ObjectMapper();

  @Test
  void goCoreStyleIsByteIdenticalToTheGoVector() {
    byte[] expected = Vectors.bytes(GO_REFS);
    // The refs-only Go file has no local_path (only files get one), so it can be reproduced.
    assertThat(new String(expected, UTF_8))
        .doesNotContain("local_path")
        .contains("1712345678901234");
    Manifest m = ManifestReader.read(expected, GO_REFS);

    byte[] written = ManifestWriter.toBytes(m, ManifestWriter.Style.GO_CORE);

    assertThat(new String(written, UTF_8)).isEqualTo(new String(expected, UTF_8));
    assertThat(written).isEqualTo(expected);
    assertThat(Digests.md5Base64(written)).isEqualTo("HDiRCSlz3rEOARZNuAwJww==");
  }

  @Test
  void goCoreStyleFromThePythonObjectAlsoMatches() {
    // Same manifest, built from the Python legacy file (no size for some refs, insertion order).
    Manifest m =
        ManifestReader.read(
            Vectors.bytes("artifact_refs_only.wandb_manifest.legacy-python.json"), "legacy");

    assertThat(ManifestWriter.toBytes(m, ManifestWriter.Style.GO_CORE))
        .isEqualTo(Vectors.bytes(GO_REFS));
  }

  @Test
  void goCoreResultReportsBothDigests() throws IOException {
    Manifest m = ManifestReader.read(Vectors.bytes(GO_REFS), GO_REFS);
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    ManifestWriter w = new ManifestWriter(bytes, "V2", null, ManifestWriter.Style.GO_CORE);
    for (ManifestEntry e : m.entries()) {
      w.add(e);
    }
    ManifestWriter.Result r = w.finish();

    assertThat(r.artifactDigest()).isEqualTo("f3312b61bd351b7a002e4d4dafc1503c");
    assertThat(r.fileMd5Base64()).isEqualTo("HDiRCSlz3rEOARZNuAwJww==");
    assertThat(r.bytes()).isEqualTo(Vectors.bytes(GO_REFS).length);
    assertThat(r.entryCount()).isEqualTo(15);
    assertThat(r.totalSize()).isEqualTo(10_489_118L);
  }

  @Test
  void goCoreEscapesLikeGoEncodingJson() {
    Map<String, Object> extra = new LinkedHashMap<>();
    extra.put("z", "<a&b>\u2028\u2029\u001f\u007f\t\"\\\b\f");
    extra.put("a", List.of(1, 2.5, true));
    Manifest m =
        Manifest.of(
            List.of(
                new ManifestEntry(
                    "x/\u00e9-\uFF5A-\uD83D\uDE00<&>.txt",
                    "d",
                    "s3://b/k?a=1&b=<2>",
                    null,
                    "QQ==",
                    extra)));

    String out = new String(ManifestWriter.toBytes(m, ManifestWriter.Style.GO_CORE), UTF_8);

    assertThat(out)
        .isEqualTo(
            "{\"version\":1,\"storagePolicy\":\"wandb-storage-policy-v1\",\"storagePolicyConfig\":"
                + "{\"storageLayout\":\"V2\"},\"contents\":{\"x/\u00e9-\uFF5A-\uD83D\uDE00\\u003c\\u0026\\u003e.txt\":"
                + "{\"digest\":\"d\",\"ref\":\"s3://b/k?a=1\\u0026b=\\u003c2\\u003e\",\"size\":0,"
                + "\"birthArtifactID\":\"QQ==\",\"skip_cache\":false,\"extra\":{\"a\":[1,2.5,true],"
                + "\"z\":\"\\u003ca\\u0026b\\u003e\\u2028\\u2029\\u001f\u007f\\t\\\"\\\\\\b\\f\"}}}}");
    // The emoji is raw UTF-8 (4 bytes), not an escaped surrogate pair.
    assertThat(out).doesNotContain("\\ud83d", "\\uD83D");
    // And a reader gets the same manifest back.
    assertThat(ManifestReader.read(out.getBytes(UTF_8), "go").entries().get(0).ref())
        .isEqualTo("s3://b/k?a=1&b=<2>");
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "1712345678901234|1712345678901234",
        "9007199254740993|9007199254740992",
        "1.0|1",
        "-2.5|-2.5",
        "0.1|0.1",
        "100000000000000000000|100000000000000000000",
        "1e21|1e+21",
        "1.5e300|1.5e+300",
        "0.000001|0.000001",
        "1e-7|1e-7",
        "-1.25e-10|-1.25e-10",
        "5e-324|5e-324",
        "123456789.125|123456789.125",
        "0.30000000000000004|0.30000000000000004",
        "1.7976931348623157e308|1.7976931348623157e+308"
      })
  void goFloat64Formatting(String input, String expected) {
    double d = Double.parseDouble(input);
    assertThat(CompactJson.formatFloat64(d)).isEqualTo(expected);
  }

  @Test
  void goFloat64ZeroAndNonFinite() {
    assertThat(CompactJson.formatFloat64(0.0)).isEqualTo("0");
    assertThat(CompactJson.formatFloat64(-0.0)).isEqualTo("-0");
    assertThatThrownBy(() -> CompactJson.formatFloat64(Double.NaN))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> CompactJson.formatFloat64(Double.POSITIVE_INFINITY))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "artifact_files_only.wandb_manifest.legacy-python.json",
        "artifact_files_only.wandb_manifest.go-core-ILLUSTRATIVE.json",
        "artifact_mixed.wandb_manifest.legacy-python.json",
        "artifact_refs_only.wandb_manifest.legacy-python.json",
        "artifact_refs_only.wandb_manifest.go-core.json"
      })
  void canonicalRoundTrip(String file) throws IOException {
    Manifest m = ManifestReader.read(Vectors.bytes(file), file);
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    ManifestWriter w = new ManifestWriter(bytes);
    m.entries().forEach(e -> add(w, e));
    ManifestWriter.Result r = w.finish();
    byte[] written = bytes.toByteArray();

    assertThat(ManifestReader.read(written, "written")).isEqualTo(m);
    assertThat(ManifestWriter.toBytes(m)).isEqualTo(written);
    assertThat(r.artifactDigest()).isEqualTo(m.digest());
    assertThat(r.fileMd5Base64()).isEqualTo(Digests.md5Base64(written));
    assertThat(r.bytes()).isEqualTo(written.length);
    assertThat(r.totalSize()).isEqualTo(m.totalSize());
    assertThat(r.entryCount()).isEqualTo(m.fileCount());
    // The written shape passes W&B's expectations.
    JsonNode tree = MAPPER.readTree(written);
    assertThat(fieldNames(tree))
        .containsExactly("version", "storagePolicy", "storagePolicyConfig", "contents");
    assertThat(fieldNames(tree.get("contents")))
        .containsExactlyElementsOf(m.entries().stream().map(ManifestEntry::path).toList());
  }

  @Test
  void canonicalShapeIsCompactOrderedAndRawUtf8() {
    Manifest m =
        Manifest.of(
            List.of(
                new ManifestEntry(
                    "unicode/x-\uD83D\uDE00.txt",
                    "COVM5OUkLc58l9LBDGkgKg==",
                    null,
                    6L,
                    "QXJ0aWZhY3Q6MQ==",
                    null),
                new ManifestEntry(
                    "r<&>.bin",
                    "e5a8c5272b26fc10581a21089559b006-2",
                    "s3://b/r.bin",
                    5L,
                    null,
                    Map.of("etag", "e5a8c5272b26fc10581a21089559b006-2")),
                new ManifestEntry(
                    "unicode/x-\uFF5A.txt", "g+Fx7REV1ybUAt5SMuthKw==", null, 10L, null, null)));

    String out = new String(ManifestWriter.toBytes(m), UTF_8);

    assertThat(out)
        .isEqualTo(
            "{\"version\":1,\"storagePolicy\":\"wandb-storage-policy-v1\","
                + "\"storagePolicyConfig\":{\"storageLayout\":\"V2\"},\"contents\":{"
                + "\"r<&>.bin\":{\"digest\":\"e5a8c5272b26fc10581a21089559b006-2\",\"ref\":\"s3://b/r.bin\","
                + "\"size\":5,\"extra\":{\"etag\":\"e5a8c5272b26fc10581a21089559b006-2\"}},"
                + "\"unicode/x-\uFF5A.txt\":{\"digest\":\"g+Fx7REV1ybUAt5SMuthKw==\",\"size\":10},"
                + "\"unicode/x-\uD83D\uDE00.txt\":{\"digest\":\"COVM5OUkLc58l9LBDGkgKg==\",\"size\":6,"
                + "\"birthArtifactID\":\"QXJ0aWZhY3Q6MQ==\"}}}");
    assertThat(out).doesNotContain("\\u", " ", "\n");
  }

  @Test
  void storageRegionIsWritten() {
    Manifest m = Manifest.of("V2", "coreweave-us", List.of());
    JsonNode expected =
        Vectors.expected().at("/misc/storage_policy_config_examples/with_region_coreweave-us");

    for (ManifestWriter.Style style : ManifestWriter.Style.values()) {
      byte[] bytes = ManifestWriter.toBytes(m, style);
      assertThat(readTree(bytes).get("storagePolicyConfig")).as(style.name()).isEqualTo(expected);
      assertThat(ManifestReader.read(bytes, style.name()).storageRegion())
          .isEqualTo("coreweave-us");
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"CANONICAL", "GO_CORE"})
  void rejectsOutOfOrderAndDuplicateEntries(ManifestWriter.Style style) throws IOException {
    ManifestWriter w = new ManifestWriter(new ByteArrayOutputStream(), "V2", null, style);
    w.add(ManifestEntry.file("unicode/x-\uFF5A.txt", "a", 1));

    assertThatThrownBy(() -> w.add(ManifestEntry.file("unicode/x-\uFF5A.txt", "b", 1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'unicode/x-\uFF5A.txt'");
    // Code point order puts U+1F600 after U+FF5A: accepted.
    w.add(ManifestEntry.file("unicode/x-\uD83D\uDE00.txt", "c", 1));
    assertThat(w.finish().entryCount()).isEqualTo(2);
    // String.compareTo order puts the emoji first: the writer must refuse it.
    ManifestWriter w1 = new ManifestWriter(new ByteArrayOutputStream(), "V2", null, style);
    w1.add(ManifestEntry.file("unicode/x-\uD83D\uDE00.txt", "c", 1));
    assertThatThrownBy(() -> w1.add(ManifestEntry.file("unicode/x-\uFF5A.txt", "a", 1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("out of order");
    ManifestWriter w2 = new ManifestWriter(new ByteArrayOutputStream(), "V2", null, style);
    w2.add(ManifestEntry.file("b", "a", 1));
    assertThatThrownBy(() -> w2.add(ManifestEntry.file("a", "a", 1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("out of order")
        .hasMessageContaining("'a'");
  }

  private static void add(ManifestWriter w, ManifestEntry e) {
    try {
      w.add(e);
    } catch (IOException ex) {
      throw new java.io.UncheckedIOException(ex);
    }
  }

  private static JsonNode readTree(byte[] bytes) {
    try {
      return MAPPER.readTree(bytes);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static List<String> fieldNames(JsonNode node) {
    List<String> names = new ArrayList<>();
    node.fieldNames().forEachRemaining(names::add);
    return names;
  }
}
