package dev.artifacts.common.registry.wandb;

import dev.artifacts.common.digest.Digests;
import java.nio.charset.StandardCharsets;

/**
 * W&amp;B's download URL for a stored file when the server gave no {@code directUrl}
 * (WANDB-FORMAT.md §7.4, {@code WandbStoragePolicy._file_url}). It is under the base URL, so the
 * transport sends credentials with it, unlike presigned URLs.
 */
final class FallbackUrls {
  private FallbackUrls() {}

  /**
   * Storage layout V2 (and V1 when {@code layoutV1}); the artifact-ID segment only when the server
   * has {@code ARTIFACT_V2_DOWNLOAD_HANDLER_SUPPORTS_ARTIFACT_ID} ({@code artifactId} non-null).
   */
  static String of(
      String baseUrl,
      boolean layoutV1,
      String region,
      String entity,
      String project,
      String collection,
      String artifactId,
      String birthArtifactId,
      String md5Base64,
      String path) {
    String hex = Digests.base64ToHex(md5Base64);
    if (layoutV1) {
      return baseUrl + "/artifacts/" + quote(entity) + "/" + hex;
    }
    StringBuilder sb = new StringBuilder(baseUrl).append("/artifactsV2/");
    sb.append(region == null || region.isEmpty() ? "default" : quote(region)).append('/');
    sb.append(quote(entity)).append('/').append(quote(project)).append('/');
    sb.append(quote(collection)).append('/');
    if (artifactId != null) {
      sb.append(quote(artifactId)).append('/');
    }
    sb.append(quote(birthArtifactId)).append('/').append(hex).append('/');
    sb.append(path.substring(path.lastIndexOf('/') + 1));
    return sb.toString();
  }

  /** Python's {@code urllib.parse.quote(s, safe="/")}: unreserved characters and '/' stay. */
  static String quote(String s) {
    StringBuilder sb = new StringBuilder();
    for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
      int c = b & 0xff;
      if ((c >= 'A' && c <= 'Z')
          || (c >= 'a' && c <= 'z')
          || (c >= '0' && c <= '9')
          || c == '_'
          || c == '.'
          || c == '-'
          || c == '~'
          || c == '/') {
        sb.append((char) c);
      } else {
        sb.append('%').append(String.format("%02X", c));
      }
    }
    return sb.toString();
  }
}
