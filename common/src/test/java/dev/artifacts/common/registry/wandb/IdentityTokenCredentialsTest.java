package dev.artifacts.common.registry.wandb;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import okhttp3.mockwebserver.Dispatcher;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code WANDB_IDENTITY_TOKEN_FILE} against a fake W&amp;B server whose token endpoint checks the
 * exchange as wandb-core makes it (RFC 7523 JWT bearer grant at {@code /oidc/token}) and whose
 * GraphQL endpoint accepts only the access token it issued.
 */
class IdentityTokenCredentialsTest {
  private static final String JWT = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJjaSJ9.c2ln+/=";

  @TempDir Path tmp;
  private final MockWebServer server = new MockWebServer();
  private final List<RecordedRequest> exchanges = new CopyOnWriteArrayList<>();
  private final List<String> graphqlAuth = new CopyOnWriteArrayList<>();
  private final AtomicInteger issued = new AtomicInteger();
  private final AtomicReference<MockResponse> nextExchange = new AtomicReference<>();
  private volatile long expiresIn = 3600;
  private Path tokenFile;
  private Path credentialsFile;

  @BeforeEach
  void start() throws IOException {
    tokenFile = tmp.resolve("token.jwt");
    Files.writeString(tokenFile, JWT + "\n");
    credentialsFile = tmp.resolve("config/wandb/credentials.json");
    server.setDispatcher(
        new Dispatcher() {
          @Override
          public MockResponse dispatch(RecordedRequest r) {
            if (r.getPath().equals("/oidc/token")) {
              exchanges.add(r);
              MockResponse injected = nextExchange.getAndSet(null);
              if (injected != null) {
                return injected;
              }
              String form = r.getBody().readUtf8();
              if (r.getHeader("Authorization") != null
                  || !"application/x-www-form-urlencoded".equals(r.getHeader("Content-Type"))
                  || !form.equals(
                      "grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer&assertion="
                          + java.net.URLEncoder.encode(currentJwt(), UTF_8))) {
                return new MockResponse()
                    .setResponseCode(400)
                    .setBody("{\"error\":\"invalid_request\"}");
              }
              int n = issued.incrementAndGet();
              return new MockResponse()
                  .setBody(
                      "{\"access_token\":\"at-"
                          + n
                          + "\",\"token_type\":\"Bearer\",\"expires_in\":"
                          + expiresIn
                          + "}");
            }
            if (r.getPath().equals("/graphql")) {
              String auth = r.getHeader("Authorization");
              graphqlAuth.add(String.valueOf(auth));
              if (auth == null || !auth.equals("Bearer at-" + issued.get())) {
                return new MockResponse().setResponseCode(401);
              }
              return new MockResponse().setBody("{\"data\":{\"viewer\":{\"id\":\"ci\"}}}");
            }
            return new MockResponse().setResponseCode(404);
          }
        });
    server.start(InetAddress.getByName("127.0.0.1"), 0);
  }

  private String currentJwt() {
    try {
      return Files.readString(tokenFile).strip();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  @AfterEach
  void stop() throws IOException {
    server.shutdown();
  }

  private WandbClient client(Clock clock) {
    String base = "http://127.0.0.1:" + server.getPort();
    IdentityTokenCredentials creds =
        new IdentityTokenCredentials(base, tokenFile, credentialsFile, clock);
    creds.exchangeMinWait = Duration.ofMillis(1);
    creds.exchangeMaxWait = Duration.ofMillis(2);
    WandbSettings s = new WandbSettings(base, creds, tmp.resolve("cache"));
    s.sleeper = d -> {};
    s.maxRetries = 2;
    return new WandbClient(s);
  }

  private void viewer(WandbClient c) {
    c.call("Viewer", "query Viewer { viewer { id } }", Map.of(), "acme/etl");
  }

  @Test
  void exchangesOnceThenSendsTheBearerTokenAndSharesItThroughTheCredentialsFile()
      throws IOException {
    try (WandbClient c = client(Clock.systemUTC())) {
      viewer(c);
      viewer(c);
    }
    assertThat(exchanges).hasSize(1);
    assertThat(graphqlAuth).containsExactly("Bearer at-1", "Bearer at-1");
    // The dispatcher answered 400 to any exchange with another form, content type or credentials.

    JsonNode saved = new ObjectMapper().readTree(credentialsFile.toFile());
    JsonNode mine = saved.path("credentials").path("http://127.0.0.1:" + server.getPort());
    assertThat(mine.path("access_token").asText()).isEqualTo("at-1");
    assertThat(mine.path("expires_at").asText())
        .matches("\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d");
    if (Files.getFileStore(credentialsFile).supportsFileAttributeView("posix")) {
      assertThat(
              java.nio.file.attribute.PosixFilePermissions.toString(
                  Files.getPosixFilePermissions(credentialsFile)))
          .isEqualTo("rw-------");
    }

    // Another process (a new client) finds the token in the file and does not exchange again.
    try (WandbClient c = client(Clock.systemUTC())) {
      viewer(c);
    }
    assertThat(exchanges).hasSize(1);
  }

  @Test
  void aTokenCloseToExpiryIsRefreshedWithTheCurrentIdentityToken() throws IOException {
    AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-01-01T00:00:00Z"));
    Clock clock =
        new Clock() {
          @Override
          public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
          }

          @Override
          public Clock withZone(java.time.ZoneId zone) {
            return this;
          }

          @Override
          public Instant instant() {
            return now.get();
          }
        };
    expiresIn = 3600;
    try (WandbClient c = client(clock)) {
      viewer(c);
      now.set(now.get().plus(Duration.ofMinutes(50))); // 10 minutes left: still used
      viewer(c);
      assertThat(exchanges).hasSize(1);
      Files.writeString(tokenFile, "eyJ.re-minted.token"); // the file is re-read per exchange
      now.set(now.get().plus(Duration.ofMinutes(6))); // 4 minutes left: refreshed
      viewer(c);
    }
    assertThat(exchanges).hasSize(2);
    assertThat(graphqlAuth).containsExactly("Bearer at-1", "Bearer at-1", "Bearer at-2");
  }

  @Test
  void aRejectedExchangeFailsAtOnceNamingTheTokenFile() {
    nextExchange.set(
        new MockResponse().setResponseCode(401).setBody("{\"error\":\"invalid_grant\"}"));
    try (WandbClient c = client(Clock.systemUTC())) {
      assertThatThrownBy(() -> viewer(c))
          .hasMessageContaining("Cannot run W&B Viewer for acme/etl")
          .hasMessageContaining(tokenFile.toString())
          .hasMessageContaining("HTTP 401")
          .hasMessageContaining("invalid_grant")
          .hasMessageNotContaining(JWT);
    }
    assertThat(exchanges).hasSize(1);
    assertThat(graphqlAuth).as("no GraphQL request without a token").isEmpty();
  }

  @Test
  void aRejectedExchangeEndsAFallbackDownloadWithoutResumeRetries() {
    nextExchange.set(new MockResponse().setResponseCode(400).setBody("{\"error\":\"bad\"}"));
    try (WandbClient c = client(Clock.systemUTC())) {
      assertThatThrownBy(
              () ->
                  c.download(
                      "http://127.0.0.1:" + server.getPort() + "/artifactsV2/default/a/b/c/d/e/f",
                      Transport.Kind.API,
                      tmp.resolve("f.part"),
                      "'f'"))
          .hasMessageContaining(tokenFile.toString());
    }
    assertThat(exchanges).hasSize(1);
  }

  @Test
  void aFailingTokenEndpointIsRetriedBriefly() {
    nextExchange.set(new MockResponse().setResponseCode(503));
    try (WandbClient c = client(Clock.systemUTC())) {
      viewer(c);
    }
    assertThat(exchanges).hasSize(2);
    assertThat(graphqlAuth).containsExactly("Bearer at-1");
  }

  @Test
  void fromEnvReadsTheTokenFileAndCredentialsFileVariables() throws IOException {
    Map<String, String> env = new HashMap<>();
    env.put("HOME", tmp.toString());
    env.put("WANDB_IDENTITY_TOKEN_FILE", tokenFile.toString());
    env.put("WANDB_CREDENTIALS_FILE", tmp.resolve("creds.json").toString());
    WandbSettings s = WandbSettings.fromEnv("http://127.0.0.1:" + server.getPort(), env);
    s.sleeper = d -> {};
    try (WandbClient c = new WandbClient(s)) {
      viewer(c);
    }
    assertThat(tmp.resolve("creds.json")).exists();
    assertThat(graphqlAuth).containsExactly("Bearer at-1");
  }
}
