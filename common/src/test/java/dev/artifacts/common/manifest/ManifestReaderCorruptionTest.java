package dev.artifacts.common.manifest;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.artifacts.common.ArtifactException;
import dev.artifacts.common.testing.Vectors;
import java.io.ByteArrayInputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Bad manifests fail with {@link ArtifactException.Corrupted} naming the source, never worse. */
class ManifestReaderCorruptionTest {
  private static final String HEAD =
      "\"version\":1,\"storagePolicy\":\"wandb-storage-policy-v1\",\"storagePolicyConfig\":{\"storageLayout\":\"V2\"}";
  private static final String HELLO = "{\"digest\":\"sZRqySSS0jR8YjW00mERhA==\",\"size\":6}";

  private static String manifest(String contents) {
    return "{" + HEAD + ",\"contents\":{" + contents + "}}";
  }

  static Stream<Arguments> badManifests() {
    return Stream.of(
        Arguments.of(
            "version 2", "{\"version\":2," + HEAD.substring(12) + ",\"contents\":{}}", "version 2"),
        Arguments.of(
            "version as text",
            "{\"version\":\"1\"," + HEAD.substring(12) + ",\"contents\":{}}",
            "version"),
        Arguments.of(
            "version huge",
            "{\"version\":99999999999999999999," + HEAD.substring(12) + ",\"contents\":{}}",
            "version"),
        Arguments.of("version missing", "{" + HEAD.substring(12) + ",\"contents\":{}}", "version"),
        Arguments.of(
            "missing storagePolicyConfig",
            "{\"version\":1,\"storagePolicy\":\"wandb-storage-policy-v1\",\"contents\":{}}",
            "storagePolicyConfig"),
        Arguments.of("missing contents", "{" + HEAD + "}", "contents"),
        Arguments.of(
            "missing both",
            "{\"version\":1,\"storagePolicy\":\"wandb-storage-policy-v1\"}",
            "storagePolicyConfig"),
        Arguments.of(
            "wrong policy",
            "{\"version\":1,\"storagePolicy\":\"other\",\"storagePolicyConfig\":{},\"contents\":{}}",
            "'other'"),
        Arguments.of(
            "policy as object",
            "{\"version\":1,\"storagePolicy\":{\"contents\":{}},\"storagePolicyConfig\":{},\"contents\":{}}",
            "storagePolicy"),
        Arguments.of(
            "config not object",
            "{\"version\":1,\"storagePolicy\":\"wandb-storage-policy-v1\",\"storagePolicyConfig\":[],\"contents\":{}}",
            "storagePolicyConfig"),
        Arguments.of("contents not object", "{" + HEAD + ",\"contents\":[]}", "contents"),
        Arguments.of("numeric digest", manifest("\"a\":{\"digest\":5}"), "'a'"),
        Arguments.of("null digest", manifest("\"a\":{\"digest\":null}"), "'a'"),
        Arguments.of("object digest", manifest("\"a\":{\"digest\":{\"x\":1}}"), "'a'"),
        Arguments.of("missing digest", manifest("\"a\":{\"size\":1}"), "'a'"),
        Arguments.of("negative size", manifest("\"a\":{\"digest\":\"d\",\"size\":-1}"), "-1"),
        Arguments.of("fractional size", manifest("\"a\":{\"digest\":\"d\",\"size\":1.5}"), "1.5"),
        Arguments.of("text size", manifest("\"a\":{\"digest\":\"d\",\"size\":\"6\"}"), "'a'"),
        Arguments.of(
            "size beyond long",
            manifest("\"a\":{\"digest\":\"d\",\"size\":99999999999999999999}"),
            "'a'"),
        Arguments.of(
            "ref as object",
            manifest("\"a\":{\"digest\":\"d\",\"ref\":{\"digest\":\"x\"}}"),
            "'a'"),
        Arguments.of("ref as number", manifest("\"a\":{\"digest\":\"d\",\"ref\":5}"), "'a'"),
        Arguments.of(
            "birth id as array",
            manifest("\"a\":{\"digest\":\"d\",\"birthArtifactID\":[\"x\"]}"),
            "'a'"),
        Arguments.of("extra as array", manifest("\"a\":{\"digest\":\"d\",\"extra\":[1]}"), "'a'"),
        Arguments.of("entry not object", manifest("\"a\":\"d\""), "'a'"),
        Arguments.of("empty path", manifest("\"\":" + HELLO), "empty path"),
        Arguments.of("duplicate path", manifest("\"a\":" + HELLO + ",\"a\":" + HELLO), "'a'"),
        Arguments.of(
            "duplicate contents",
            "{" + HEAD + ",\"contents\":{\"a\":" + HELLO + "},\"contents\":{}}",
            "contents"),
        Arguments.of(
            "duplicate version", "{\"version\":1," + HEAD + ",\"contents\":{}}", "version"),
        Arguments.of("not JSON", "hello", "JSON"),
        Arguments.of("empty input", "", "JSON"),
        Arguments.of("JSON array", "[1,2]", "JSON object"),
        Arguments.of("JSON string", "\"x\"", "JSON object"),
        Arguments.of("trailing garbage", manifest("") + "{}", "after"),
        Arguments.of(
            "deep nesting in extra",
            manifest(
                "\"a\":{\"digest\":\"d\",\"extra\":{\"x\":"
                    + "[".repeat(5000)
                    + "]".repeat(5000)
                    + "}}"),
            "depth"),
        Arguments.of("NUL bytes", "\0\0\0", "JSON"),
        Arguments.of("invalid UTF-8", "{\"version\":1,\"\u00ff", "JSON"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badManifests")
  void rejected(String why, String json, String messagePart) {
    byte[] bytes =
        why.equals("invalid UTF-8")
            ? new byte[] {'{', '"', 'a', (byte) 0xC3, '"', ':', '1', '}'}
            : json.getBytes(UTF_8);
    String source = "s3://bucket/" + why.replace(' ', '-') + ".json";

    assertThatThrownBy(() -> ManifestReader.read(bytes, source))
        .isExactlyInstanceOf(ArtifactException.Corrupted.class)
        .hasMessageStartingWith("Corrupted manifest " + source + ": ")
        .hasMessageContaining(messagePart);
    Throwable streamed =
        catchThrowable(
            () -> ManifestReader.stream(new ByteArrayInputStream(bytes), source, e -> {}));
    assertThat(streamed)
        .as("stream() must fail as well")
        .isExactlyInstanceOf(ArtifactException.Corrupted.class)
        .hasMessageContaining(source);
  }

  @Test
  void nonAdjacentDuplicatePathsAreRejectedByRead() {
    byte[] bytes =
        manifest("\"a\":" + HELLO + ",\"b\":" + HELLO + ",\"a\":" + HELLO).getBytes(UTF_8);

    assertThatThrownBy(() -> ManifestReader.read(bytes, "dup.json"))
        .isExactlyInstanceOf(ArtifactException.Corrupted.class)
        .hasMessageStartingWith("Corrupted manifest dup.json: ")
        .hasMessageContaining("'a'");
  }

  @Test
  void invalidUtf8InAPathIsRejectedNotReplaced() {
    byte[] valid = manifest("\"aXb\":" + HELLO).getBytes(UTF_8);
    byte[] bytes = valid.clone();
    int x = new String(valid, UTF_8).indexOf("aXb") + 1;
    bytes[x] = (byte) 0xC3; // a lead byte followed by 'b', not a continuation byte

    assertThatThrownBy(() -> ManifestReader.read(bytes, "bad-utf8.json"))
        .isExactlyInstanceOf(ArtifactException.Corrupted.class)
        .hasMessageStartingWith("Corrupted manifest bad-utf8.json: ")
        .hasMessageContaining("UTF-8");
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(
      strings = {
        "artifact_files_only.wandb_manifest.legacy-python.json",
        "artifact_files_only.wandb_manifest.go-core-ILLUSTRATIVE.json",
        "artifact_mixed.wandb_manifest.legacy-python.json",
        "artifact_refs_only.wandb_manifest.legacy-python.json",
        "artifact_refs_only.wandb_manifest.go-core.json"
      })
  void everyTruncationFailsCleanly(String file) {
    byte[] full = Vectors.bytes(file);
    List<String> failures = new ArrayList<>();
    for (int cut = 0; cut < full.length; cut++) {
      byte[] prefix = Arrays.copyOf(full, cut);
      Throwable t = catchThrowable(() -> ManifestReader.read(prefix, file));
      boolean clean =
          t instanceof ArtifactException.Corrupted
              && t.getMessage().startsWith("Corrupted manifest " + file + ": ");
      if (!clean) {
        failures.add(cut + ": " + (t == null ? "parsed a partial manifest" : t.toString()));
      }
    }
    assertThat(failures).as("prefixes that did not fail cleanly").isEmpty();
    assertThat(ManifestReader.read(full, file).fileCount()).isPositive();
  }
}
