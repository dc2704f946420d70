package dev.artifacts.common.registry.wandb;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The transport against one local server that plays both the W&amp;B API and storage on the same
 * host and port (as W&amp;B Server with its bundled storage does): credentials only on API
 * requests, wandb-core's retry policies, identity headers, extra headers and proxies.
 */
class WandbTransportTest {
  private static final String KEY = "transport-test-key";
  private static final String BASIC = new WandbSettings.ApiKey(KEY).basicAuthorization();

  @TempDir Path tmp;
  private final MockWebServer server = new MockWebServer();
  private final List<Duration> sleeps = new CopyOnWriteArrayList<>();
  private final List<WandbClient> clients = new ArrayList<>();

  @BeforeEach
  void start() throws IOException {
    server.start(InetAddress.getByName("127.0.0.1"), 0);
  }

  @AfterEach
  void stop() throws IOException {
    clients.forEach(WandbClient::close);
    server.shutdown();
  }

  private String base() {
    return "http://127.0.0.1:" + server.getPort();
  }

  private WandbClient client(Map<String, String> extraEnv) {
    Map<String, String> env = new HashMap<>();
    env.put("WANDB_API_KEY", KEY);
    env.put("WANDB_CACHE_DIR", tmp.resolve("cache").toString());
    env.put("HOME", tmp.toString());
    env.putAll(extraEnv);
    WandbSettings s = WandbSettings.fromEnv(base(), env);
    s.sleeper = sleeps::add;
    s.maxRetries = 3;
    WandbClient c = new WandbClient(s);
    clients.add(c);
    return c;
  }

  private static MockResponse ok(String json) {
    return new MockResponse().setHeader("Content-Type", "application/json").setBody(json);
  }

  private RecordedRequest take() throws InterruptedException {
    RecordedRequest r = server.takeRequest(5, TimeUnit.SECONDS);
    assertThat(r).as("a request reached the server").isNotNull();
    return r;
  }

  private Path file(String content) throws IOException {
    Path p = Files.createTempFile(tmp, "body", ".bin");
    Files.writeString(p, content);
    return p;
  }

  @Test
  void storageUrlsOnTheApiHostGetNoCredentialsButGraphqlAndTheFallbackHandlerDo() throws Exception {
    WandbClient c = client(Map.of());
    server.enqueue(ok("{\"data\":{\"viewer\":{\"id\":\"u\"}}}"));
    server.enqueue(new MockResponse().setResponseCode(201)); // PUT presigned
    server.enqueue(new MockResponse().setBody("manifest")); // GET presigned
    server.enqueue(new MockResponse().setBody("body")); // GET presigned download
    server.enqueue(new MockResponse().setBody("body")); // GET fallback handler

    c.call("Viewer", "query Viewer { viewer { id } }", Map.of(), "acme/etl");
    // Under the base URL's path, as W&B Server's own storage URLs are: still no credentials.
    c.put(
        base() + "/storage/wandb_artifacts/abc?X-Sig=1",
        List.of("Content-Type:application/octet-stream"),
        file("x"),
        0,
        1,
        "x");
    assertThat(new String(c.getBytes(base() + "/storage/m?X-Sig=2", "manifest"), UTF_8))
        .isEqualTo("manifest");
    c.download(base() + "/artifactsV2/default/a/b/c/d/e/f?X-Sig=3", tmp.resolve("p1"), "body");
    c.download(
        base() + "/artifactsV2/default/a/b/c/d/e/f", Transport.Kind.API, tmp.resolve("p2"), "body");

    RecordedRequest gql = take();
    assertThat(gql.getPath()).isEqualTo("/graphql");
    assertThat(gql.getHeader("Authorization")).isEqualTo(BASIC);
    for (String what : List.of("PUT", "manifest GET", "presigned GET")) {
      RecordedRequest r = take();
      assertThat(r.getHeader("Authorization")).as(what + " " + r.getPath()).isNull();
    }
    assertThat(take().getHeader("Authorization")).as("fallback handler").isEqualTo(BASIC);
  }

  @Test
  void authorizationFromUploadHeadersOrTheCallerNeverReachesStorage() throws Exception {
    WandbClient c = client(Map.of("WANDB__EXTRA_HTTP_HEADERS", "{\"Authorization\":\"Basic x\"}"));
    server.enqueue(new MockResponse().setResponseCode(201));
    server.enqueue(new MockResponse().setBody("{\"data\":{}}"));
    c.put(base() + "/up?sig=1", List.of("Authorization: Bearer from-server"), file("y"), 0, 1, "y");
    c.call("Viewer", "query Viewer { viewer { id } }", Map.of(), "acme/etl");
    assertThat(take().getHeader("Authorization")).isNull();
    assertThat(take().getHeader("Authorization")).isEqualTo(BASIC);
  }

  @Test
  void identityAndExtraHeadersAreSentAsTheSdkSendsThem() throws Exception {
    WandbClient c =
        client(
            Map.of(
                "WANDB_USERNAME", "svc-bot",
                "WANDB_USER_EMAIL", "bot@example.com",
                "WANDB__EXTRA_HTTP_HEADERS", "{\"X-Team\":\"ml\",\"User-Agent\":\"custom\"}"));
    server.enqueue(ok("{\"data\":{}}"));
    server.enqueue(new MockResponse().setResponseCode(201));
    c.call("Viewer", "query Viewer { viewer { id } }", Map.of(), "acme/etl");
    c.put(base() + "/up?sig=1", List.of(), file("z"), 0, 1, "z");

    RecordedRequest gql = take();
    assertThat(gql.getHeader("X-WANDB-USERNAME")).isEqualTo("svc-bot");
    assertThat(gql.getHeader("X-WANDB-USER-EMAIL")).isEqualTo("bot@example.com");
    assertThat(gql.getHeader("X-Team")).isEqualTo("ml");
    // The request's own header wins over an extra header (wandb-core's DefaultHeaders).
    assertThat(gql.getHeader("User-Agent")).isEqualTo("artifact-connectors");
    RecordedRequest put = take();
    assertThat(put.getHeader("X-Team")).as("extra headers go to storage too").isEqualTo("ml");
    assertThat(put.getHeader("X-WANDB-USERNAME")).isNull();
  }

  @Test
  void identityHeadersAreAbsentWhenNotConfigured() throws Exception {
    WandbClient c = client(Map.of());
    server.enqueue(ok("{\"data\":{}}"));
    c.call("Viewer", "query Viewer { viewer { id } }", Map.of(), "acme/etl");
    RecordedRequest gql = take();
    assertThat(gql.getHeader("X-WANDB-USERNAME")).isNull();
    assertThat(gql.getHeader("X-WANDB-USER-EMAIL")).isNull();
  }

  @Test
  void apiRequestsFollowRetryMostFailures() throws Exception {
    WandbClient c = client(Map.of());
    // 408 is retried for the API (not in RetryMostFailures' list of final codes)...
    server.enqueue(new MockResponse().setResponseCode(408));
    server.enqueue(new MockResponse().setResponseCode(429).setHeader("Retry-After", "1.5"));
    server.enqueue(ok("{\"data\":{\"ok\":true}}"));
    assertThat(c.call("Op", "query Op { ok }", Map.of(), "s").path("ok").asBoolean()).isTrue();
    assertThat(server.getRequestCount()).isEqualTo(3);
    assertThat(sleeps).hasSize(2);
    assertThat(sleeps.get(0)).isBetween(Duration.ofSeconds(2), Duration.ofMillis(2500));
    assertThat(sleeps.get(1)).isEqualTo(Duration.ofMillis(1500));

    // ...404 and 409 are not.
    for (int code : new int[] {404, 409}) {
      server.enqueue(new MockResponse().setResponseCode(code));
      int before = server.getRequestCount();
      assertThatThrownBy(() -> c.call("Op", "query Op { ok }", Map.of(), "acme/etl"))
          .hasMessageContaining("HTTP " + code)
          .hasMessageContaining("acme/etl");
      assertThat(server.getRequestCount() - before).as("attempts for " + code).isEqualTo(1);
    }
  }

  @Test
  void upsertBucketAlsoRetriesConflicts() throws Exception {
    WandbClient c = client(Map.of());
    server.enqueue(new MockResponse().setResponseCode(409));
    server.enqueue(ok("{\"data\":{\"upsertBucket\":{\"inserted\":true}}}"));
    c.call("UpsertBucket", "mutation UpsertBucket { upsertBucket { inserted } }", Map.of(), "s");
    assertThat(server.getRequestCount()).isEqualTo(2);
    server.enqueue(new MockResponse().setResponseCode(422));
    assertThatThrownBy(
            () ->
                c.call(
                    "UpsertBucket",
                    "mutation UpsertBucket { upsertBucket { inserted } }",
                    Map.of(),
                    "s"))
        .hasMessageContaining("HTTP 422");
    assertThat(server.getRequestCount()).isEqualTo(3);
  }

  @Test
  void storageRequestsFollowTheFileTransferPolicy() throws Exception {
    WandbClient c = client(Map.of());
    server.enqueue(new MockResponse().setResponseCode(503));
    server.enqueue(new MockResponse().setResponseCode(500));
    server.enqueue(new MockResponse().setResponseCode(201));
    c.put(base() + "/up?sig=1", List.of(), file("a"), 0, 1, "a");
    assertThat(server.getRequestCount()).isEqualTo(3);

    // 408 and 501 end a storage transfer at once (retryablehttp's policy); the API would retry 408.
    for (int code : new int[] {408, 501, 403}) {
      server.enqueue(new MockResponse().setResponseCode(code));
      int before = server.getRequestCount();
      assertThatThrownBy(() -> c.put(base() + "/up?sig=1", List.of(), file("b"), 0, 1, "'b'"))
          .hasMessageContaining("HTTP " + code)
          .hasMessageContaining("'b'")
          .hasMessageNotContaining("sig=1");
      assertThat(server.getRequestCount() - before).as("attempts for " + code).isEqualTo(1);
    }

    // Bounded: maxRetries + 1 attempts, then the last answer.
    for (int i = 0; i < 4; i++) {
      server.enqueue(new MockResponse().setResponseCode(502));
    }
    int before = server.getRequestCount();
    assertThatThrownBy(() -> c.put(base() + "/up?sig=1", List.of(), file("c"), 0, 1, "c"))
        .hasMessageContaining("HTTP 502");
    assertThat(server.getRequestCount() - before).isEqualTo(4);
  }

  @Test
  void aFailingDownloadIsRetriedByTheTransportOnlyNotAgainByTheResumeLoop() {
    WandbClient c = client(Map.of());
    for (int i = 0; i < 20; i++) {
      server.enqueue(new MockResponse().setResponseCode(503));
    }
    assertThatThrownBy(() -> c.download(base() + "/get/x?sig=1", tmp.resolve("x.part"), "'x'"))
        .hasMessageContaining("'x'")
        .hasMessageContaining("HTTP 503");
    assertThat(server.getRequestCount()).as("maxRetries + 1 attempts in all").isEqualTo(4);
  }

  @Test
  void retryPolicyTablesMatchWandbCore() {
    for (int code : new int[] {400, 401, 403, 404, 409, 410, 413, 422, 501}) {
      assertThat(Transport.retryable(Transport.Kind.API, code)).as("API %d", code).isFalse();
    }
    for (int code : new int[] {402, 408, 425, 429, 500, 502, 503, 504, 599, 600}) {
      assertThat(Transport.retryable(Transport.Kind.API, code)).as("API %d", code).isTrue();
    }
    for (int code : new int[] {200, 201, 204, 301, 304}) {
      assertThat(Transport.retryable(Transport.Kind.API, code)).as("API %d", code).isFalse();
      assertThat(Transport.retryable(Transport.Kind.STORAGE, code))
          .as("storage %d", code)
          .isFalse();
    }
    for (int code : new int[] {429, 500, 502, 503, 504}) {
      assertThat(Transport.retryable(Transport.Kind.STORAGE, code)).as("storage %d", code).isTrue();
    }
    for (int code : new int[] {400, 401, 403, 404, 408, 409, 501}) {
      assertThat(Transport.retryable(Transport.Kind.STORAGE, code))
          .as("storage %d", code)
          .isFalse();
    }
    // Exponential from 2 s with up to 25% jitter, capped at 60 s; zero-based like retryablehttp.
    Duration min = Duration.ofSeconds(2);
    Duration max = Duration.ofSeconds(60);
    for (int n = 0; n < 5; n++) {
      long floor = 2000L << n;
      assertThat(Transport.backoff(min, max, n).toMillis())
          .isBetween(floor, Math.min(60_000, floor * 5 / 4));
    }
    assertThat(Transport.backoff(min, max, 5)).isEqualTo(max);
    assertThat(Transport.backoff(min, max, 500)).isEqualTo(max);
  }

  @Test
  void wandbProxyCarriesWandbTrafficWithItsCredentials() throws Exception {
    try (MockWebServer proxy = new MockWebServer()) {
      proxy.start(InetAddress.getByName("127.0.0.1"), 0);
      proxy.enqueue(ok("{\"data\":{}}"));
      // A self-hosted server over plain http, reached only through the proxy.
      Map<String, String> env = new HashMap<>();
      env.put("WANDB_API_KEY", KEY);
      env.put("HOME", tmp.toString());
      env.put("WANDB_HTTP_PROXY", "http://alice:s3cret@127.0.0.1:" + proxy.getPort());
      WandbSettings s = WandbSettings.fromEnv("http://wandb.corp.example:8080", env);
      try (WandbClient c = new WandbClient(s)) {
        c.call("Viewer", "query Viewer { viewer { id } }", Map.of(), "acme/etl");
      }
      RecordedRequest r = proxy.takeRequest(5, TimeUnit.SECONDS);
      assertThat(r.getRequestLine())
          .isEqualTo("POST http://wandb.corp.example:8080/graphql HTTP/1.1");
      assertThat(r.getHeader("Proxy-Authorization"))
          .isEqualTo(
              "Basic "
                  + java.util.Base64.getEncoder().encodeToString("alice:s3cret".getBytes(UTF_8)));
      assertThat(r.getHeader("Authorization")).isEqualTo(BASIC);
    }
  }

  @Test
  void standardProxyVariablesAreReadAsGoReadsThem() {
    ProxySettings p =
        ProxySettings.fromEnv(
            Map.of(
                "HTTPS_PROXY", "proxy.corp:3128",
                "http_proxy", "http://plain.corp:8080",
                "NO_PROXY", "internal.corp, .svc.local,10.0.0.0/8,storage.corp:9000"),
            Map.of());
    assertThat(p.select(java.net.URI.create("https://api.wandb.ai/graphql")))
        .isEqualTo(new ProxySettings.ProxyTarget("proxy.corp", 3128, null));
    assertThat(p.select(java.net.URI.create("http://wandb.corp/graphql")).host())
        .isEqualTo("plain.corp");
    for (String direct :
        List.of(
            "https://internal.corp/x",
            "https://a.internal.corp/x",
            "https://x.svc.local/x",
            "https://10.1.2.3/x",
            "https://storage.corp:9000/x",
            "http://localhost:8080/graphql",
            "http://127.0.0.1:8080/graphql",
            "http://[::1]:8080/graphql")) {
      assertThat(p.select(java.net.URI.create(direct))).as(direct).isNull();
    }
    assertThat(p.select(java.net.URI.create("https://svc.local/x"))).isNotNull();
    assertThat(p.select(java.net.URI.create("https://storage.corp:9001/x"))).isNotNull();
    assertThat(p.select(java.net.URI.create("https://notinternal.corp/x"))).isNotNull();

    // W&B's own variables win and apply even to loopback (wandb-core's ProxyFn).
    ProxySettings own =
        ProxySettings.fromEnv(
            Map.of("WANDB_HTTPS_PROXY", "http://wb.corp:1", "HTTPS_PROXY", "http://other:2"),
            Map.of());
    assertThat(own.select(java.net.URI.create("https://api.wandb.ai/graphql")).host())
        .isEqualTo("wb.corp");
    assertThat(own.select(java.net.URI.create("http://api.example/graphql"))).isNull();
    // The deprecated WANDB__PROXIES object is the fallback for them.
    ProxySettings legacy =
        WandbSettings.fromEnv(
                "https://api.wandb.ai",
                Map.of("WANDB_API_KEY", "k", "WANDB__PROXIES", "{\"https\":\"http://old:3\"}"))
            .proxy;
    assertThat(legacy.select(java.net.URI.create("https://api.wandb.ai/graphql")).host())
        .isEqualTo("old");

    assertThatThrownBy(
            () -> ProxySettings.fromEnv(Map.of("HTTPS_PROXY", "socks5://u:pw@h:1"), Map.of()))
        .hasMessageContaining("HTTPS_PROXY")
        .hasMessageContaining("only http://")
        .hasMessageNotContaining("pw");
  }
}
