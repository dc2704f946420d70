package dev.artifacts.common.registry.wandb;

import dev.artifacts.common.ArtifactException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.LongUnaryOperator;

/**
 * Everything the W&amp;B backend needs to talk to one deployment, resolved once from the
 * environment (WANDB-FORMAT.md §7.1). Tests build it directly to inject short backoffs, small pages
 * and a tiny multipart threshold. Never printed with the API key: {@link ApiKey#toString()} is
 * redacted.
 */
final class WandbSettings {
  static final String DEFAULT_BASE_URL = "https://api.wandb.ai";

  /** Our own knob (not a wandb variable): concurrent uploads and downloads. */
  static final String PARALLELISM_ENV = "ARTIFACT_WANDB_PARALLELISM";

  /** An API key that never shows up in logs, messages or {@code toString()}. */
  static final class ApiKey {
    private final String value;

    ApiKey(String value) {
      this.value = Objects.requireNonNull(value, "value is null").trim();
      if (this.value.isEmpty()) {
        throw new ArtifactException.InvalidInput("Invalid W&B API key: it is empty");
      }
    }

    /** {@code Basic base64("api:" + key)}, as wandb-core's credentials.go sends it. */
    String basicAuthorization() {
      return "Basic "
          + Base64.getEncoder()
              .encodeToString(("api:" + value).getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    @Override
    public String toString() {
      return "ApiKey[redacted]";
    }
  }

  /** Waits between retries; tests substitute one that records instead of sleeping. */
  @FunctionalInterface
  interface Sleeper {
    void sleep(Duration d) throws InterruptedException;
  }

  final String baseUrl;
  final ApiKey apiKey;
  final Path cacheDir;
  int parallelism = 8;
  int maxRetries = 6;
  Duration initialBackoff = Duration.ofSeconds(1);
  Duration maxBackoff = Duration.ofSeconds(60);

  /** Longest {@code Retry-After} we honour; a server asking for more gets this. */
  Duration maxRetryAfter = Duration.ofMinutes(5);

  Sleeper sleeper = d -> Thread.sleep(d.toMillis());
  Duration connectTimeout = Duration.ofSeconds(30);
  Duration readTimeout = Duration.ofMinutes(5);
  Duration writeTimeout = Duration.ofMinutes(5);
  int maxIdleConnections = 16;

  /** Files of at least this many bytes are uploaded in parts (wandb-core: 2 GiB). */
  long multipartThreshold = Multipart.THRESHOLD;

  LongUnaryOperator partSize = Multipart::chunkSize;

  /** Entries per {@code createArtifactFiles} call. */
  int createFilesBatch = 1000;

  /** File URLs per page ({@code WANDB_ARTIFACT_FETCH_FILE_URL_BATCH_SIZE}, default 5000). */
  int fileUrlPageSize = 5000;

  /** Versions, collections and types per page (W&amp;B client default 50). */
  int pageSize = 50;

  WandbSettings(String baseUrl, ApiKey apiKey, Path cacheDir) {
    this.baseUrl = normalizeBaseUrl(baseUrl);
    this.apiKey = Objects.requireNonNull(apiKey, "apiKey is null");
    this.cacheDir = Objects.requireNonNull(cacheDir, "cacheDir is null");
  }

  /**
   * Resolves settings for a registry URI: {@code wandb} uses {@code WANDB_BASE_URL} (default {@code
   * https://api.wandb.ai}); an {@code https://} (or, for local test servers only, {@code
   * http://localhost}) URI is the base URL itself.
   */
  static WandbSettings fromEnv(String uri, Map<String, String> env) {
    String base =
        uri.trim().equalsIgnoreCase("wandb")
            ? nonBlank(env.get("WANDB_BASE_URL"), DEFAULT_BASE_URL)
            : uri.trim();
    base = normalizeBaseUrl(base);
    String key = env.get("WANDB_API_KEY");
    if (key == null || key.isBlank()) {
      key = Netrc.password(Netrc.location(env), URI.create(base).getHost()).orElse(null);
    }
    if (key == null || key.isBlank()) {
      throw new ArtifactException.InvalidInput(
          "Cannot open the W&B registry at "
              + base
              + ": no API key; set WANDB_API_KEY or add a 'machine "
              + URI.create(base).getHost()
              + "' entry with the key as password to ~/.netrc");
    }
    WandbSettings s = new WandbSettings(base, new ApiKey(key), cacheDir(env));
    String parallelism = env.get(PARALLELISM_ENV);
    if (parallelism != null && !parallelism.isBlank()) {
      try {
        s.parallelism = Integer.parseInt(parallelism.trim());
      } catch (NumberFormatException e) {
        s.parallelism = -1;
      }
      if (s.parallelism < 1 || s.parallelism > 256) {
        throw new ArtifactException.InvalidInput(
            "Invalid " + PARALLELISM_ENV + " '" + parallelism + "': use an integer from 1 to 256");
      }
    }
    String pageSize = env.get("WANDB_ARTIFACT_FETCH_FILE_URL_BATCH_SIZE");
    if (pageSize != null && !pageSize.isBlank()) {
      try {
        s.fileUrlPageSize = Math.max(1, Integer.parseInt(pageSize.trim()));
      } catch (NumberFormatException e) {
        throw new ArtifactException.InvalidInput(
            "Invalid WANDB_ARTIFACT_FETCH_FILE_URL_BATCH_SIZE '" + pageSize + "': not an integer");
      }
    }
    return s;
  }

  /** {@code $WANDB_CACHE_DIR/artifacts}, else {@code ~/.cache/wandb/artifacts} (§6). */
  static Path cacheDir(Map<String, String> env) {
    String dir = env.get("WANDB_CACHE_DIR");
    if (dir != null && !dir.isBlank()) {
      return Path.of(dir).resolve("artifacts");
    }
    String home = nonBlank(env.get("HOME"), System.getProperty("user.home"));
    return Path.of(home, ".cache", "wandb", "artifacts");
  }

  /**
   * Strips trailing {@code /} and checks the scheme. Plain http is only accepted for loopback
   * hosts, so an API key is never sent in clear text over a network.
   */
  static String normalizeBaseUrl(String raw) {
    String base = raw.trim();
    while (base.endsWith("/")) {
      base = base.substring(0, base.length() - 1);
    }
    URI u;
    try {
      u = URI.create(base);
    } catch (IllegalArgumentException e) {
      throw new ArtifactException.InvalidInput("Invalid W&B base URL '" + raw + "': " + e);
    }
    String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
    if (u.getHost() == null || !(scheme.equals("https") || scheme.equals("http"))) {
      throw new ArtifactException.InvalidInput(
          "Invalid W&B base URL '" + raw + "': expected https://host[:port][/path]");
    }
    if (scheme.equals("http") && !isLoopback(u.getHost())) {
      throw new ArtifactException.InvalidInput(
          "Invalid W&B base URL '"
              + raw
              + "': plain http is only accepted for localhost test servers; use https");
    }
    if (u.getQuery() != null || u.getFragment() != null || u.getUserInfo() != null) {
      throw new ArtifactException.InvalidInput(
          "Invalid W&B base URL '" + raw + "': it must not have credentials, a query or fragment");
    }
    return base;
  }

  static boolean isLoopback(String host) {
    String h = host.toLowerCase(Locale.ROOT);
    return h.equals("localhost") || h.startsWith("127.") || h.equals("[::1]") || h.equals("::1");
  }

  private static String nonBlank(String value, String fallback) {
    return value == null || value.isBlank() ? fallback : value;
  }

  @Override
  public String toString() {
    return "WandbSettings[" + baseUrl + ", cache " + cacheDir + "]";
  }
}
