package dev.artifacts.common.registry.wandb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.artifacts.common.ArtifactException;
import dev.artifacts.common.reference.ArtifactIds;
import dev.artifacts.common.testing.Vectors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Iterator;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Protocol rules of the W&amp;B backend checked against the shared vectors. */
class WandbProtocolRulesTest {
  @TempDir Path tmp;

  @Test
  void partSizesFollowWandbCoreAndDifferFromLegacyPython() {
    JsonNode cases = Vectors.expected().path("misc").path("multipart_part_size_bytes");
    assertThat(cases.size()).isGreaterThanOrEqualTo(4);
    for (Iterator<Map.Entry<String, JsonNode>> it = cases.fields(); it.hasNext(); ) {
      var c = it.next();
      long size = Long.parseLong(c.getKey());
      assertThat(Multipart.chunkSize(size))
          .as("getChunkSize(%d)", size)
          .isEqualTo(c.getValue().path("go_getChunkSize").asLong());
      assertThat(Multipart.legacyPythonPartSize(size))
          .as("calc_part_size(%d)", size)
          .isEqualTo(c.getValue().path("python_calc_part_size").asLong());
      assertThat(Multipart.partCount(size, Multipart.chunkSize(size))).isLessThanOrEqualTo(10_000);
    }
    assertThat(Multipart.THRESHOLD).isEqualTo(2L * 1024 * 1024 * 1024);
  }

  @Test
  void fallbackDownloadUrlsMatchTheVectors() {
    JsonNode v = Vectors.expected().path("misc").path("download_url_fallback_examples");
    JsonNode in = v.path("inputs");
    JsonNode urls = v.path("urls");
    String base = in.path("base_url").asText();
    String entity = in.path("entity").asText();
    String project = in.path("project").asText();
    String collection = in.path("artifact.name").asText().split(":")[0];
    String id = in.path("artifact.id").asText();
    String birth = in.path("entry.birthArtifactID").asText();
    String digest = in.path("entry.digest").asText();
    String path = in.path("entry.path").asText();
    assertThat(
            FallbackUrls.of(
                base, false, null, entity, project, collection, null, birth, digest, path))
        .isEqualTo(urls.path("V2_legacy").asText());
    assertThat(
            FallbackUrls.of(
                base, false, null, entity, project, collection, id, birth, digest, path))
        .isEqualTo(urls.path("V2_server_supports_artifact_id").asText());
    assertThat(
            FallbackUrls.of(
                base, true, null, entity, project, collection, null, birth, digest, path))
        .isEqualTo(urls.path("V1").asText());
  }

  @Test
  void basicAuthorizationMatchesTheVector() {
    JsonNode v = Vectors.expected().path("auth_header_example");
    WandbSettings.ApiKey key = new WandbSettings.ApiKey(v.path("api_key").asText());
    assertThat(key.basicAuthorization()).isEqualTo(v.path("authorization").asText());
    assertThat(key.toString()).doesNotContain(v.path("api_key").asText());
  }

  @Test
  void artifactIdsRoundTripAsTheFakeServerUsesThem() {
    JsonNode ids = Vectors.expected().path("misc").path("ids");
    assertThat(ArtifactIds.toHex(ids.path("artifact_id_b64").asText()))
        .isEqualTo(ids.path("b64_to_hex_id").asText());
    assertThat(ArtifactIds.fromHex(ids.path("b64_to_hex_id").asText()))
        .isEqualTo(ids.path("hex_to_b64_roundtrip").asText());
  }

  @Test
  void environmentIsHonoured() throws IOException {
    WandbSettings s =
        WandbSettings.fromEnv(
            "wandb",
            Map.of(
                "WANDB_API_KEY", "k",
                "WANDB_BASE_URL", "https://wandb.example.com/sub//",
                "WANDB_CACHE_DIR", tmp.toString(),
                "ARTIFACT_WANDB_PARALLELISM", "3",
                "WANDB_ARTIFACT_FETCH_FILE_URL_BATCH_SIZE", "17"));
    assertThat(s.baseUrl).isEqualTo("https://wandb.example.com/sub");
    assertThat(s.cacheDir).isEqualTo(tmp.resolve("artifacts"));
    assertThat(s.parallelism).isEqualTo(3);
    assertThat(s.fileUrlPageSize).isEqualTo(17);
    assertThat(WandbSettings.fromEnv("wandb", Map.of("WANDB_API_KEY", "k", "HOME", "/h")).baseUrl)
        .isEqualTo("https://api.wandb.ai");
    assertThat(WandbSettings.fromEnv("wandb", Map.of("WANDB_API_KEY", "k", "HOME", "/h")).cacheDir)
        .isEqualTo(Path.of("/h/.cache/wandb/artifacts"));
    assertThatThrownBy(
            () ->
                WandbSettings.fromEnv(
                    "wandb", Map.of("WANDB_API_KEY", "k", "ARTIFACT_WANDB_PARALLELISM", "0")))
        .isInstanceOf(ArtifactException.InvalidInput.class)
        .hasMessageContaining("ARTIFACT_WANDB_PARALLELISM");
    assertThatThrownBy(() -> WandbSettings.normalizeBaseUrl("ftp://x"))
        .hasMessageContaining("Invalid W&B base URL");
    assertThatThrownBy(() -> WandbSettings.normalizeBaseUrl("https://user:pw@x"))
        .hasMessageContaining("must not have credentials");

    Path netrc = tmp.resolve(".netrc");
    Files.writeString(
        netrc,
        "machine api.wandb.ai login user password from-netrc\ndefault login x password fallback\n");
    assertThat(Netrc.password(netrc, "api.wandb.ai")).contains("from-netrc");
    assertThat(Netrc.password(netrc, "other")).contains("fallback");
    WandbSettings fromNetrc = WandbSettings.fromEnv("wandb", Map.of("HOME", tmp.toString()));
    assertThat(fromNetrc.credentials.authorization())
        .isEqualTo(new WandbSettings.ApiKey("from-netrc").basicAuthorization());
  }

  @Test
  void backoffIsBoundedAndRetryAfterIsHonoured() {
    WandbSettings s = new WandbSettings("https://api.wandb.ai", new WandbSettings.ApiKey("k"), tmp);
    for (int attempt = 1; attempt < 40; attempt++) {
      Duration d = Transport.backoff(s, attempt);
      assertThat(d).isBetween(Duration.ZERO, s.maxBackoff);
    }
    // wandb-core: 2 s x 2^n plus up to 25% jitter.
    assertThat(Transport.backoff(s, 1)).isBetween(Duration.ofSeconds(2), Duration.ofMillis(2500));
    assertThat(Transport.backoff(s, 3)).isBetween(Duration.ofSeconds(8), Duration.ofSeconds(10));
    assertThat(Transport.backoff(s, 6)).isEqualTo(Duration.ofSeconds(60));
    assertThat(Transport.retryAfter("12", Duration.ofMinutes(1))).isEqualTo(Duration.ofSeconds(12));
    assertThat(Transport.retryAfter("9999", Duration.ofMinutes(1)))
        .isEqualTo(Duration.ofMinutes(1));
    assertThat(Transport.retryAfter("Wed, 21 Oct 2015 07:28:00 GMT", Duration.ofMinutes(1)))
        .isEqualTo(Duration.ZERO);
    assertThat(Transport.retryAfter("soon", Duration.ofMinutes(1))).isNull();
    assertThat(Transport.retryable(429)).isTrue();
    assertThat(Transport.retryable(503)).isTrue();
    assertThat(Transport.retryable(404)).isFalse();
  }
}
