package dev.artifacts.common.registry.wandb;

import static java.util.Objects.requireNonNull;

/**
 * A URL to download a body from, with whether it gets W&amp;B credentials: presigned storage URLs
 * ({@code directUrl}) never do; W&amp;B's fallback download handler under the base URL ({@link
 * FallbackUrls}) does, as the SDK sends it the key or token.
 */
record DownloadUrl(String url, Transport.Kind kind) {
  DownloadUrl {
    requireNonNull(url, "url is null");
    requireNonNull(kind, "kind is null");
  }

  static DownloadUrl presigned(String url) {
    return new DownloadUrl(url, Transport.Kind.STORAGE);
  }

  static DownloadUrl fallback(String url) {
    return new DownloadUrl(url, Transport.Kind.API);
  }
}
