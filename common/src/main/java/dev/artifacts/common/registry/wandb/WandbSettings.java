package dev.artifacts.common.registry.wandb;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.artifacts.common.ArtifactException;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.LongUnaryOperator;

/**
 * Everything the W&amp;B backend needs to talk to one deployment, resolved once from the
 * environment the way W&amp;B's SDK reads it (WANDB-FORMAT.md §7.1; {@code wandb_settings.py},
 * {@code wandb/env.py}, wandb-core's {@code settings.go}):
 *
 * <ul>
 *   <li>base URL: {@code WANDB_BASE_URL}, default {@code https://api.wandb.ai}; {@code http://} is
 *       allowed for self-hosted servers, not for {@code *.wandb.ai} (the SDK's rule);
 *   <li>credentials: {@code WANDB_IDENTITY_TOKEN_FILE} (exchanged for a bearer token, takes
 *       priority as in wandb-core), else {@code WANDB_API_KEY}, else the netrc entry ({@code NETRC}
 *       or {@code ~/.netrc}) whose machine is the base URL's host, with {@code :port} when the URL
 *       names one;
 *   <li>{@code WANDB_USERNAME} / {@code WANDB_USER_EMAIL} sent as {@code X-WANDB-USERNAME} / {@code
 *       X-WANDB-USER-EMAIL} on API requests; {@code WANDB__EXTRA_HTTP_HEADERS} (a JSON object) on
 *       every request;
 *   <li>proxies: see {@link ProxySettings};
 *   <li>cache: {@code WANDB_CACHE_DIR}, else the platform's user cache directory ({@code
 *       $XDG_CACHE_HOME} or {@code ~/.cache} on Linux) + {@code /wandb}; artifacts under {@code
 *       artifacts/}.
 * </ul>
 *
 * <p>Tests build it directly to inject short backoffs, small pages and a tiny multipart threshold.
 * Never printed with a secret: {@link ApiKey#toString()} is redacted.
 */
final class WandbSettings {
  static final String DEFAULT_BASE_URL = "https://api.wandb.ai";

  /** Our own knob (not a wandb variable): concurrent uploads and downloads. */
  static final String PARALLELISM_ENV = "ARTIFACT_WANDB_PARALLELISM";

  /** An API key that never shows up in logs, messages or {@code toString()}. */
  static final class ApiKey implements Credentials {
    private final String value;

    ApiKey(String value) {
      this.value = Objects.requireNonNull(value, "value is null").trim();
      if (this.value.isEmpty()) {
        throw new ArtifactException.InvalidInput("Invalid W&B API key: it is empty");
      }
    }

    @Override
    public String authorization() {
      return basicAuthorization();
    }

    @Override
    public String source() {
      return "the API key (WANDB_API_KEY or the netrc entry)";
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
  final Credentials credentials;
  final Path cacheDir;
  int parallelism = 8;

  /** Retries after the first attempt (wandb-core: 20 for GraphQL and for file transfers). */
  int maxRetries = 20;

  /** The first wait; each retry doubles it, plus up to 25% jitter (wandb-core: 2 s). */
  Duration initialBackoff = Duration.ofSeconds(2);

  /** The longest computed wait (wandb-core: 60 s). */
  Duration maxBackoff = Duration.ofSeconds(60);

  /** {@code WANDB_USERNAME}, sent as {@code X-WANDB-USERNAME} on API requests when set. */
  String username;

  /** {@code WANDB_USER_EMAIL}, sent as {@code X-WANDB-USER-EMAIL} on API requests when set. */
  String email;

  /** {@code WANDB__EXTRA_HTTP_HEADERS}: added to every request that does not set them itself. */
  Map<String, String> extraHeaders = Map.of();

  ProxySettings proxy = ProxySettings.NONE;

  /** Files of at most this many bytes go to Azure in one Put Blob (Azure SDK default: 64 MiB). */
  long azureSinglePutMax = 64L << 20;

  /** Block size of Azure Put Block uploads (Azure SDK default: 4 MiB). */
  long azureBlockSize = 4L << 20;

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

  WandbSettings(String baseUrl, Credentials credentials, Path cacheDir) {
    this.baseUrl = normalizeBaseUrl(baseUrl);
    this.credentials = Objects.requireNonNull(credentials, "credentials is null");
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
    WandbSettings s = new WandbSettings(base, credentials(base, env), cacheDir(env));
    s.username = blankToNull(env.get("WANDB_USERNAME"));
    s.email = blankToNull(env.get("WANDB_USER_EMAIL"));
    s.extraHeaders = jsonObject(env, "WANDB__EXTRA_HTTP_HEADERS");
    s.proxy = ProxySettings.fromEnv(env, jsonObject(env, "WANDB__PROXIES"));
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

  /**
   * The identity token when {@code WANDB_IDENTITY_TOKEN_FILE} is set (wandb-core prefers it), else
   * the API key from {@code WANDB_API_KEY} or netrc.
   */
  static Credentials credentials(String base, Map<String, String> env) {
    String tokenFile = env.get("WANDB_IDENTITY_TOKEN_FILE");
    if (tokenFile != null && !tokenFile.isBlank()) {
      Path file = Path.of(tokenFile.trim());
      try {
        IdentityTokenCredentials.readIdentityToken(file); // Fail fast on a misconfiguration.
      } catch (IOException e) {
        throw new ArtifactException.InvalidInput(
            "Cannot open the W&B registry at " + base + ": " + e.getMessage());
      }
      String credentialsFile = env.get("WANDB_CREDENTIALS_FILE");
      Path creds =
          credentialsFile != null && !credentialsFile.isBlank()
              ? Path.of(credentialsFile.trim())
              : Path.of(home(env), ".config", "wandb", "credentials.json");
      return new IdentityTokenCredentials(base, file, creds, Clock.systemUTC());
    }
    String key = env.get("WANDB_API_KEY");
    String machine = netrcMachine(base);
    if (key == null || key.isBlank()) {
      key = Netrc.password(Netrc.location(env), machine).orElse(null);
    }
    if (key == null || key.isBlank()) {
      throw new ArtifactException.InvalidInput(
          "Cannot open the W&B registry at "
              + base
              + ": no credentials; set WANDB_API_KEY, add a 'machine "
              + machine
              + "' entry with the key as password to "
              + Netrc.location(env)
              + ", or set WANDB_IDENTITY_TOKEN_FILE");
    }
    return new ApiKey(key);
  }

  /**
   * The netrc machine name of a base URL as the SDK looks it up ({@code wbnetrc.py}: the URL's
   * {@code netloc}): the host, with {@code :port} only when the URL names a port.
   */
  static String netrcMachine(String base) {
    return URI.create(base).getRawAuthority();
  }

  /**
   * {@code $WANDB_CACHE_DIR/artifacts}, else the user cache directory the SDK uses (Python's {@code
   * platformdirs.user_cache_dir("wandb")}, Go's {@code os.UserCacheDir()/wandb}) + {@code
   * /artifacts} (§6).
   */
  static Path cacheDir(Map<String, String> env) {
    return cacheDir(env, System.getProperty("os.name", ""));
  }

  static Path cacheDir(Map<String, String> env, String osName) {
    String dir = env.get("WANDB_CACHE_DIR");
    if (dir != null && !dir.isBlank()) {
      return Path.of(dir).resolve("artifacts");
    }
    return userCacheDir(env, osName).resolve("wandb").resolve("artifacts");
  }

  /**
   * Linux and other Unix: {@code $XDG_CACHE_HOME} when it is an absolute path (the XDG spec tells
   * clients to ignore a relative one), else {@code ~/.cache}; macOS {@code ~/Library/Caches};
   * Windows {@code %LOCALAPPDATA%}.
   */
  static Path userCacheDir(Map<String, String> env, String osName) {
    String os = osName.toLowerCase(Locale.ROOT);
    if (os.startsWith("mac") || os.startsWith("darwin")) {
      return Path.of(home(env), "Library", "Caches");
    }
    if (os.startsWith("windows")) {
      String local = env.get("LOCALAPPDATA");
      if (local != null && !local.isBlank()) {
        return Path.of(local);
      }
      return Path.of(home(env), "AppData", "Local");
    }
    String xdg = env.get("XDG_CACHE_HOME");
    if (xdg != null && !xdg.isBlank() && Path.of(xdg.trim()).isAbsolute()) {
      return Path.of(xdg.trim());
    }
    return Path.of(home(env), ".cache");
  }

  private static String home(Map<String, String> env) {
    return nonBlank(env.get("HOME"), System.getProperty("user.home"));
  }

  /** A JSON object of strings from a variable (the SDK parses these with {@code json.loads}). */
  static Map<String, String> jsonObject(Map<String, String> env, String variable) {
    String text = env.get(variable);
    if (text == null || text.isBlank()) {
      return Map.of();
    }
    try {
      Map<String, String> parsed =
          new ObjectMapper().readValue(text, new TypeReference<LinkedHashMap<String, String>>() {});
      return parsed == null ? Map.of() : java.util.Collections.unmodifiableMap(parsed);
    } catch (IOException e) {
      // Values may be secrets (a proxy's credentials): name the variable only.
      throw new ArtifactException.InvalidInput(
          "Invalid "
              + variable
              + ": expected a JSON object of strings, like {\"X-Header\": \"value\"}");
    }
  }

  private static String blankToNull(String value) {
    return value == null || value.isBlank() ? null : value.trim();
  }

  /**
   * Strips trailing {@code /} and checks the URL as the SDK does ({@code validate_base_url}): http
   * or https with a host; for W&amp;B's cloud ({@code wandb.ai} and its subdomains) only {@code
   * https://} and an {@code api.} host, so a guessed {@code https://wandb.ai} fails with a hint.
   * Plain http is accepted for self-hosted servers, as the SDK accepts it.
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
    String host = u.getHost().toLowerCase(Locale.ROOT);
    if (host.equals("wandb.ai") || host.endsWith(".wandb.ai")) {
      if (!host.contains("api.")) {
        throw new ArtifactException.InvalidInput(
            "Invalid W&B base URL '" + raw + "': not a W&B API address; use https://api.wandb.ai");
      }
      if (!scheme.equals("https")) {
        throw new ArtifactException.InvalidInput(
            "Invalid W&B base URL '"
                + raw
                + "': W&B's cloud is only reachable over https; use https://api.wandb.ai");
      }
    }
    if (u.getQuery() != null || u.getFragment() != null || u.getUserInfo() != null) {
      throw new ArtifactException.InvalidInput(
          "Invalid W&B base URL '" + raw + "': it must not have credentials, a query or fragment");
    }
    return base;
  }

  private static String nonBlank(String value, String fallback) {
    return value == null || value.isBlank() ? fallback : value;
  }

  @Override
  public String toString() {
    return "WandbSettings[" + baseUrl + ", cache " + cacheDir + "]";
  }
}
