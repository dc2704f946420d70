package dev.artifacts.common.reference;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.artifacts.common.manifest.ManifestEntry;
import dev.artifacts.common.testing.Vectors;
import java.io.File;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Table tests of the string rules: file URIs, hex IDs, cache paths, ETag quotes, schemes. */
class ReferenceRulesTest {

  @Test
  void fileUriChecksumFalseCases() {
    JsonNode rule = Vectors.expected().get("file_uri_checksum_false_rule");
    for (JsonNode c : rule.get("cases")) {
      String uri = FileUris.pythonUri(c.get("path").asText());
      assertThat(uri).isEqualTo(c.get("uri").asText());
      assertThat(FileUris.checksumFalseDigest(uri)).isEqualTo(c.get("digest").asText());
    }
  }

  @Test
  void javaUriSpellingsDoNotMatch() {
    JsonNode rule = Vectors.expected().get("file_uri_checksum_false_rule");
    JsonNode third = rule.get("cases").get(2);
    JsonNode first = rule.get("cases").get(0);
    JsonNode wrongToUri = rule.get("java_pitfalls_WRONG").get(0);
    JsonNode wrongToURI = rule.get("java_pitfalls_WRONG").get(1);

    String ours = FileUris.pythonUri(third.get("path").asText());
    assertThat(ours).isNotEqualTo(wrongToUri.get("uri").asText());
    assertThat(FileUris.checksumFalseDigest(ours))
        .isNotEqualTo(wrongToUri.get("digest_WRONG").asText());
    // The JDK really produces the wrong spellings (as the vectors record).
    assertThat(Path.of(third.get("path").asText()).toUri().toString())
        .isEqualTo(wrongToUri.get("uri").asText());
    assertThat(new File(first.get("path").asText()).toURI().toString())
        .isEqualTo(wrongToURI.get("uri").asText());
    assertThat(FileUris.checksumFalseDigest(FileUris.pythonUri(first.get("path").asText())))
        .isNotEqualTo(wrongToURI.get("digest_WRONG").asText());
  }

  @Test
  void fileUriToPathDecodesLikePython() {
    assertThat(FileUris.toPath("file:///data/vectors/unicode/na%C3%AFve-%C3%9F.txt"))
        .isEqualTo(Path.of("/data/vectors/unicode/naïve-ß.txt"));
    assertThat(FileUris.toPath("file://localhost/a%20b?q#f")).isEqualTo(Path.of("/a b"));
    assertThat(FileUris.toPath("file:/a/100%")).isEqualTo(Path.of("/a/100%"));
  }

  @Test
  void hexIds() {
    JsonNode ids = Vectors.expected().at("/misc/ids");
    assertThat(ArtifactIds.toHex(ids.get("artifact_id_b64").asText()))
        .isEqualTo(ids.get("b64_to_hex_id").asText());
    assertThat(ArtifactIds.fromHex(ids.get("b64_to_hex_id").asText()))
        .isEqualTo(ids.get("hex_to_b64_roundtrip").asText());
    assertThat(ArtifactIds.referenceUri(ids.get("artifact_id_b64").asText(), "data/part-00000.csv"))
        .isEqualTo(ids.get("wandb_artifact_ref_url_example").asText());
  }

  @Test
  void cachePathsOfEveryVectorEntry() {
    int checked = 0;
    for (String section :
        new String[] {"artifact_files_only", "artifact_mixed", "artifact_refs_only"}) {
      for (JsonNode row : Vectors.expected().get(section).get("entries")) {
        ManifestEntry e =
            row.hasNonNull("ref")
                ? DefaultReferenceResolverTest.entry(row)
                : ManifestEntry.file(row.get("path").asText(), row.get("digest").asText(), 0);
        JsonNode expected = row.get("cache_path_rel");
        Optional<String> actual = CachePaths.relative(e);
        if (expected == null || expected.isNull()) {
          assertThat(actual).as(e.path()).isEmpty();
        } else {
          assertThat(actual).as(e.path()).contains(expected.asText());
        }
        checked++;
      }
    }
    assertThat(checked).isEqualTo(9 + 24 + 15);
  }

  @Test
  void etagQuotesAreStrippedLikePythonStrip() {
    assertThat(References.stripQuotes("\"abc\"")).isEqualTo("abc");
    assertThat(References.stripQuotes("W/\"x\"")).isEqualTo("W/\"x");
    assertThat(References.stripQuotes("abc-2")).isEqualTo("abc-2");
  }

  @Test
  void schemes() {
    assertThat(References.scheme("s3://b/k")).isEqualTo("s3");
    assertThat(References.scheme("Custom-Scheme+x.y://h")).isEqualTo("custom-scheme+x.y");
    assertThat(References.scheme("/abs/path")).isNull();
    assertThat(References.scheme("C:\\x")).isNull();
    assertThat(References.scheme("rel/a:b")).isNull();
  }

  @Test
  void contentMd5Detection() {
    assertThat(References.isContentMd5(ManifestEntry.file("a", "sZRqySSS0jR8YjW00mERhA==", 6)))
        .isTrue();
    ManifestEntry xxh =
        new ManifestEntry("a", "sZRqySSS0jR8YjW00mERhA==", null, 6L, null, Map.of("alg", "XXH128"));
    assertThat(References.isContentMd5(xxh)).isFalse();
    assertThat(
            References.isContentMd5(
                ManifestEntry.reference(
                    "a", "b1946ac92492d2347c6235b4d2611184", "s3://b/k", 6L, Map.of())))
        .isFalse();
    assertThat(
            References.isContentMd5(
                ManifestEntry.reference("a", "x://h/a", "x://h/a", null, Map.of())))
        .isFalse();
  }
}
