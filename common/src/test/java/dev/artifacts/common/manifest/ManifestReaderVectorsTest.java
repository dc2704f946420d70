package dev.artifacts.common.manifest;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.artifacts.common.digest.Digests;
import dev.artifacts.common.testing.Vectors;
import java.io.ByteArrayInputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Reads the five manifest files of the vectors and checks them against the Python objects. */
class ManifestReaderVectorsTest {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final String PLACEHOLDER_BIRTH_ID = "QXJ0aWZhY3Q6MTIzNDU2Nzg5";

  enum Shape {
    LEGACY_PYTHON,
    GO_CORE
  }

  static Stream<Arguments> manifestFiles() {
    return Stream.of(
        Arguments.of(
            "artifact_files_only.wandb_manifest.legacy-python.json",
            "artifact_files_only",
            Shape.LEGACY_PYTHON),
        Arguments.of(
            "artifact_files_only.wandb_manifest.go-core-ILLUSTRATIVE.json",
            "artifact_files_only",
            Shape.GO_CORE),
        Arguments.of(
            "artifact_mixed.wandb_manifest.legacy-python.json",
            "artifact_mixed",
            Shape.LEGACY_PYTHON),
        Arguments.of(
            "artifact_refs_only.wandb_manifest.legacy-python.json",
            "artifact_refs_only",
            Shape.LEGACY_PYTHON),
        Arguments.of(
            "artifact_refs_only.wandb_manifest.go-core.json", "artifact_refs_only", Shape.GO_CORE));
  }

  /**
   * The entries W&amp;B's Python {@code to_manifest_json()} describes. The Go writer always writes
   * {@code size} (0 where Python has none) and, in the illustrative file, a placeholder
   * birthArtifactID on every file entry.
   */
  private static Map<String, ManifestEntry> expectedEntries(
      String section, Shape shape, boolean illustrative) {
    JsonNode contents =
        Vectors.expected()
            .get(section)
            .get("manifest_json_python_to_manifest_json")
            .get("contents");
    Map<String, ManifestEntry> out = new LinkedHashMap<>();
    contents
        .fields()
        .forEachRemaining(
            f -> {
              JsonNode e = f.getValue();
              Long size = e.has("size") ? e.get("size").asLong() : null;
              if (size == null && shape == Shape.GO_CORE) {
                size = 0L;
              }
              String ref = e.has("ref") ? e.get("ref").asText() : null;
              String birth =
                  e.has("birthArtifactID")
                      ? e.get("birthArtifactID").asText()
                      : (illustrative && ref == null ? PLACEHOLDER_BIRTH_ID : null);
              Map<String, Object> extra =
                  e.has("extra")
                      ? MAPPER.convertValue(e.get("extra"), new TypeReference<>() {})
                      : Map.of();
              out.put(
                  f.getKey(),
                  new ManifestEntry(f.getKey(), e.get("digest").asText(), ref, size, birth, extra));
            });
    return out;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("manifestFiles")
  void readsEveryManifestFile(String file, String section, Shape shape) {
    Manifest m = ManifestReader.read(Vectors.bytes(file), file);
    Map<String, ManifestEntry> expected =
        expectedEntries(section, shape, file.contains("ILLUSTRATIVE"));
    JsonNode v = Vectors.expected().get(section);

    assertThat(m.storageLayout()).isEqualTo("V2");
    assertThat(m.storageRegion()).isNull();
    assertThat(m.fileCount()).isEqualTo(expected.size());
    for (ManifestEntry actual : m.entries()) {
      assertThat(actual).as(actual.path()).isEqualTo(expected.get(actual.path()));
    }
    assertThat(m.entries().stream().map(ManifestEntry::path).toList())
        .containsExactlyElementsOf(
            MAPPER.convertValue(
                v.get("sorted_paths_codepoint_order"), new TypeReference<List<String>>() {}));
    assertThat(m.digest()).isEqualTo(v.get("artifact_digest_hex").asText());
    assertThat(m.totalSize()).isEqualTo(v.get("artifact_size").asLong());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("manifestFiles")
  void streamsEntriesInFileOrder(String file, String section, Shape shape) {
    List<String> paths = new ArrayList<>();
    ManifestReader.Header header =
        ManifestReader.stream(
            new ByteArrayInputStream(Vectors.bytes(file)), file, e -> paths.add(e.path()));
    List<String> pythonOrder = new ArrayList<>();
    Vectors.expected()
        .get(section)
        .get("manifest_json_python_to_manifest_json")
        .get("contents")
        .fieldNames()
        .forEachRemaining(pythonOrder::add);

    assertThat(header.storageLayout()).isEqualTo("V2");
    if (shape == Shape.LEGACY_PYTHON) {
      assertThat(paths).containsExactlyElementsOf(pythonOrder); // insertion order
    } else {
      assertThat(paths)
          .containsExactlyElementsOf(
              pythonOrder.stream().sorted(Digests.CODE_POINT_ORDER).toList());
    }
  }

  @Test
  void legacyFileReallyUsesEscapesAndTheyAreDecoded() {
    String file = "artifact_files_only.wandb_manifest.legacy-python.json";
    String text = new String(Vectors.bytes(file), UTF_8);
    assertThat(text).contains("x-\\ud83d\\ude00.txt", "x-\\uff5a.txt", "na\\u00efve-\\u00df.txt");
    assertThat(text.chars().allMatch(c -> c < 0x80)).isTrue();

    Manifest m = ManifestReader.read(Vectors.bytes(file), file);

    assertThat(m.entry("unicode/x-\uD83D\uDE00.txt")).isPresent();
    assertThat(m.entry("unicode/x-\uFF5A.txt")).isPresent();
    assertThat(m.entry("unicode/naïve-ß.txt").orElseThrow().digest())
        .isEqualTo("bpmDS3w+P9U1KaVIlyXX6A==");
  }

  @Test
  void goShapeWithLocalPathAndSkipCacheParses() {
    String file = "artifact_files_only.wandb_manifest.go-core-ILLUSTRATIVE.json";
    assertThat(new String(Vectors.bytes(file), UTF_8))
        .contains("\"local_path\":", "\"skip_cache\":false");

    Manifest m = ManifestReader.read(Vectors.bytes(file), file);

    assertThat(m.entry("hello.txt").orElseThrow())
        .isEqualTo(
            new ManifestEntry(
                "hello.txt", "sZRqySSS0jR8YjW00mERhA==", null, 6L, PLACEHOLDER_BIRTH_ID, null));
  }

  static Stream<Arguments> manifestFileDigests() {
    JsonNode e = Vectors.expected();
    return Stream.of(
        Arguments.of(
            "artifact_files_only.wandb_manifest.legacy-python.json",
            e.at("/artifact_files_only/manifest_file_legacy_python/md5_b64_of_bytes").asText()),
        Arguments.of(
            "artifact_mixed.wandb_manifest.legacy-python.json",
            e.at("/artifact_mixed/manifest_file_legacy_python/md5_b64_of_bytes").asText()),
        Arguments.of(
            "artifact_refs_only.wandb_manifest.legacy-python.json",
            e.at("/artifact_refs_only/manifest_file_legacy_python/md5_b64_of_bytes").asText()),
        Arguments.of(
            "artifact_refs_only.wandb_manifest.go-core.json",
            e.get("artifact_refs_only")
                .get("manifest_file_go_core")
                .get(
                    "md5_b64_of_bytes (createArtifactManifest/updateArtifactManifest 'digest' var)")
                .asText()));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("manifestFileDigests")
  void manifestFileDigestIsMd5OfExactBytes(String file, String expectedBase64) {
    assertThat(expectedBase64).hasSize(24);
    assertThat(Digests.md5Base64(Vectors.bytes(file))).isEqualTo(expectedBase64);
  }

  @Test
  void manifestFileDigestsPinned() {
    assertThat(
            Digests.md5Base64(
                Vectors.bytes("artifact_files_only.wandb_manifest.legacy-python.json")))
        .isEqualTo("ZKlPQNqTagfo9Cn+boB3WA==");
    assertThat(Digests.md5Base64(Vectors.bytes("artifact_refs_only.wandb_manifest.go-core.json")))
        .isEqualTo("HDiRCSlz3rEOARZNuAwJww==");
  }

  @Test
  void ignoresUnknownMembersAndAcceptsSnakeCaseBirthId() {
    String json =
        """
        {"futureTopLevel": {"nested": [1, {"x": [2, 3]}], "s": "t"},
         "contents": {
           "b.txt": {"size": 6, "skip_cache": true, "local_path": "/tmp/x", "futureEntry": {"a": [1]},
                     "birth_artifact_id": "QXJ0aWZhY3Q6MQ==", "digest": "sZRqySSS0jR8YjW00mERhA=="},
           "a.txt": {"digest": "1B2M2Y8AsgTpgAmY7PhCfg==", "extra": {"etag": "e", "n": [1, 2.5]}, "alsoNew": null}
         },
         "storagePolicyConfig": {"storageRegion": "coreweave-us", "storageLayout": "V2", "newKnob": 1},
         "storagePolicy": "wandb-storage-policy-v1",
         "anotherUnknown": 5,
         "version": 1}
        """;

    Manifest m = ManifestReader.read(json.getBytes(UTF_8), "synthetic.json");

    assertThat(m.storageRegion()).isEqualTo("coreweave-us");
    assertThat(m.entries())
        .containsExactly(
            new ManifestEntry(
                "a.txt",
                "1B2M2Y8AsgTpgAmY7PhCfg==",
                null,
                null,
                null,
                Map.of("etag", "e", "n", List.of(1, 2.5))),
            new ManifestEntry(
                "b.txt", "sZRqySSS0jR8YjW00mERhA==", null, 6L, "QXJ0aWZhY3Q6MQ==", null));
  }

  @Test
  void emptyStoragePolicyConfigMeansLayoutV1() {
    String json =
        "{\"version\":1,\"storagePolicy\":\"wandb-storage-policy-v1\",\"storagePolicyConfig\":{},\"contents\":{}}";

    Manifest m = ManifestReader.read(json.getBytes(UTF_8), "v1.json");

    assertThat(m.storageLayout()).isEqualTo("V1");
    assertThat(m.entries()).isEmpty();
    assertThat(m.digest()).isEqualTo("64e7c61456b10382e2f3b571ac24b659");
  }
}
