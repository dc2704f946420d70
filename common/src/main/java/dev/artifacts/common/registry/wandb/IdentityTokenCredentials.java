package dev.artifacts.common.registry.wandb;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Objects;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Federated identity ({@code WANDB_IDENTITY_TOKEN_FILE}), as wandb-core's {@code credentials.go}
 * does it: the JWT in the file is exchanged for an access token with the OAuth 2.0 JWT bearer grant
 * (RFC 7523) at {@code {base}/oidc/token}, and requests carry {@code Authorization: Bearer <access
 * token>}.
 *
 * <ul>
 *   <li>The file is read again for every exchange: identity tokens are short-lived and re-minted to
 *       the same path.
 *   <li>A token within five minutes of its expiry is refreshed, once for all threads waiting.
 *   <li>Tokens are shared with W&amp;B's own clients through the credentials file ({@code
 *       WANDB_CREDENTIALS_FILE}, default {@code ~/.config/wandb/credentials.json}): {@code
 *       {"credentials": {"<base url>": {"access_token", "expires_at": "yyyy-MM-dd HH:mm:ss"}}}},
 *       UTC, written with mode 0600. A file that cannot be read or written is only logged.
 *   <li>The exchange itself never carries credentials, is retried at most three times (1 to 5 s
 *       apart) on connection failures, 429 and 5xx, and a 4xx answer fails at once ({@link
 *       Credentials.Rejected}): repeating it cannot succeed.
 * </ul>
 */
final class IdentityTokenCredentials implements Credentials {
  private static final Logger LOG = LoggerFactory.getLogger(IdentityTokenCredentials.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final MediaType FORM = MediaType.get("application/x-www-form-urlencoded");
  static final String GRANT_TYPE = "urn:ietf:params:oauth:grant-type:jwt-bearer";
  static final Duration REFRESH_MARGIN = Duration.ofMinutes(5);
  static final int EXCHANGE_RETRIES = 3;
  private static final DateTimeFormatter EXPIRES_AT =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");

  private final String baseUrl;
  private final Path tokenFile;
  private final Path credentialsFile;
  private final Clock clock;

  /** Set by the transport: exchanges share its connection pool, proxy and extra headers. */
  private volatile OkHttpClient http;

  private volatile WandbSettings.Sleeper sleeper = d -> Thread.sleep(d.toMillis());
  Duration exchangeMinWait = Duration.ofSeconds(1);
  Duration exchangeMaxWait = Duration.ofSeconds(5);

  private String accessToken;
  private Instant expiresAt = Instant.MIN;

  IdentityTokenCredentials(String baseUrl, Path tokenFile, Path credentialsFile, Clock clock) {
    this.baseUrl = Objects.requireNonNull(baseUrl, "baseUrl is null");
    this.tokenFile = Objects.requireNonNull(tokenFile, "tokenFile is null");
    this.credentialsFile = Objects.requireNonNull(credentialsFile, "credentialsFile is null");
    this.clock = Objects.requireNonNull(clock, "clock is null");
  }

  void bind(OkHttpClient exchangeClient, WandbSettings.Sleeper sleeper) {
    this.http = exchangeClient;
    this.sleeper = sleeper;
  }

  Path tokenFile() {
    return tokenFile;
  }

  @Override
  public String source() {
    return "the identity token in " + tokenFile + " (WANDB_IDENTITY_TOKEN_FILE)";
  }

  @Override
  public synchronized String authorization() throws IOException {
    if (expiring(expiresAt)) {
      refresh();
    }
    return "Bearer " + accessToken;
  }

  private boolean expiring(Instant at) {
    return !clock.instant().plus(REFRESH_MARGIN).isBefore(at);
  }

  private void refresh() throws IOException {
    ObjectNode file = readCredentialsFile();
    JsonNode saved = file == null ? null : file.path("credentials").get(baseUrl);
    if (saved != null) {
      Instant at = parseExpiry(saved.path("expires_at").asText(""));
      String token = saved.path("access_token").asText("");
      if (at != null && !token.isEmpty() && !expiring(at)) {
        accessToken = token;
        expiresAt = at;
        return;
      }
    }
    exchange();
    writeCredentialsFile(file);
  }

  /** One exchange, with its own short retry schedule. */
  private void exchange() throws IOException {
    String identityToken = readIdentityToken(tokenFile);
    String form =
        "grant_type="
            + GRANT_TYPE
            + "&assertion="
            + URLEncoder.encode(identityToken, StandardCharsets.UTF_8);
    Request request =
        new Request.Builder()
            .url(baseUrl + "/oidc/token")
            .post(RequestBody.create(form.getBytes(StandardCharsets.UTF_8), FORM))
            .build();
    OkHttpClient client = http;
    if (client == null) {
      throw new IllegalStateException("identity token credentials used before bind()");
    }
    IOException last = null;
    for (int attempt = 0; attempt <= EXCHANGE_RETRIES; attempt++) {
      if (attempt > 0) {
        Duration wait = Transport.backoff(exchangeMinWait, exchangeMaxWait, attempt - 1);
        LOG.warn(
            "Retrying the identity token exchange at {}/oidc/token in {} ms: {}",
            baseUrl,
            wait.toMillis(),
            last.getMessage());
        try {
          sleeper.sleep(wait);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new InterruptedIOException("Interrupted during the identity token exchange");
        }
      }
      try (Response r = client.newCall(request).execute()) {
        String body = r.body() == null ? "" : r.body().string();
        if (r.code() == 200) {
          JsonNode answer;
          try {
            answer = JSON.readTree(body);
          } catch (IOException e) {
            throw new Rejected(message("the answer is not JSON: " + WandbClient.quote(body)));
          }
          String token = answer == null ? "" : answer.path("access_token").asText("");
          if (token.isEmpty()) {
            throw new Rejected(message("the answer has no access_token"));
          }
          accessToken = token;
          expiresAt = clock.instant().plusSeconds(answer.path("expires_in").asLong(0));
          return;
        }
        String what = "HTTP " + r.code() + WandbClient.serverMessage(body);
        if (r.code() >= 400 && r.code() < 500 && r.code() != 429) {
          throw new Rejected(message(what));
        }
        last = new IOException(message(what));
      } catch (Rejected e) {
        throw e;
      } catch (IOException e) {
        last = e;
      }
    }
    throw last;
  }

  private String message(String why) {
    return "Cannot exchange the identity token in "
        + tokenFile
        + " (WANDB_IDENTITY_TOKEN_FILE) for a W&B access token at "
        + baseUrl
        + "/oidc/token: "
        + why
        + "; check that the token is current and that the server trusts its issuer";
  }

  /** The JWT, without surrounding whitespace (a trailing newline would be sent as part of it). */
  static String readIdentityToken(Path file) throws IOException {
    String token;
    try {
      token = Files.readString(file, StandardCharsets.UTF_8).strip();
    } catch (IOException e) {
      throw new Rejected(
          "Cannot read the identity token file "
              + file
              + " (WANDB_IDENTITY_TOKEN_FILE): "
              + e
              + "; point the variable at a readable file holding the JWT");
    }
    if (token.isEmpty()) {
      throw new Rejected(
          "Invalid identity token file " + file + " (WANDB_IDENTITY_TOKEN_FILE): it is empty");
    }
    return token;
  }

  private ObjectNode readCredentialsFile() {
    if (!Files.isRegularFile(credentialsFile)) {
      return null;
    }
    try {
      JsonNode root = JSON.readTree(credentialsFile.toFile());
      return root instanceof ObjectNode o ? o : null;
    } catch (IOException e) {
      LOG.warn("Cannot read the W&B credentials file {}: {}", credentialsFile, e.toString());
      return null;
    }
  }

  private void writeCredentialsFile(ObjectNode existing) {
    ObjectNode root = existing != null ? existing : JSON.createObjectNode();
    JsonNode creds = root.get("credentials");
    ObjectNode all = creds instanceof ObjectNode o ? o : root.putObject("credentials");
    ObjectNode mine = all.putObject(baseUrl);
    mine.put("expires_at", EXPIRES_AT.format(LocalDateTime.ofInstant(expiresAt, ZoneOffset.UTC)));
    mine.put("access_token", accessToken);
    try {
      Path dir = credentialsFile.toAbsolutePath().getParent();
      Files.createDirectories(dir);
      Path tmp = Files.createTempFile(dir, ".credentials", ".tmp");
      try {
        try {
          Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException ignored) {
          // Not a POSIX file system: the directory's permissions apply.
        }
        Files.write(tmp, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(root));
        Files.move(tmp, credentialsFile, StandardCopyOption.REPLACE_EXISTING);
      } finally {
        Files.deleteIfExists(tmp);
      }
    } catch (IOException e) {
      LOG.warn("Cannot write the W&B credentials file {}: {}", credentialsFile, e.toString());
    }
  }

  private static Instant parseExpiry(String text) {
    try {
      return LocalDateTime.parse(text, EXPIRES_AT).toInstant(ZoneOffset.UTC);
    } catch (RuntimeException e) {
      return null;
    }
  }

  @Override
  public String toString() {
    return "IdentityTokenCredentials[" + tokenFile + "]";
  }
}
