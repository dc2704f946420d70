package dev.artifacts.common.registry.wandb;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ProtocolException;
import java.net.UnknownServiceException;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLPeerUnverifiedException;
import okhttp3.Authenticator;
import okhttp3.ConnectionPool;
import okhttp3.Dispatcher;
import okhttp3.HttpUrl;
import okhttp3.Interceptor;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP layer shared by GraphQL calls, uploads and downloads: one OkHttp client (one connection
 * pool) with timeouts, proxies, retries and the credential boundary. Every request is one of two
 * {@link Kind}s, set by the caller with {@link #api}; untagged requests are {@link Kind#STORAGE},
 * so forgetting the tag can never leak credentials.
 *
 * <ul>
 *   <li>{@link Kind#API} (GraphQL, the identity token's fallback download handler): {@code
 *       Authorization} from the {@link Credentials}, and only when the URL is under the base URL
 *       (scheme, host, port, path prefix; wandb-core's {@code urlfilter.go}), plus {@code
 *       X-WANDB-USERNAME}/{@code X-WANDB-USER-EMAIL} when set ({@code gql_client.go}).
 *   <li>{@link Kind#STORAGE} (presigned upload and download URLs, including ones on the API host):
 *       never {@code Authorization}, whoever set it; wandb-core's file transfer client has no
 *       credential provider at all.
 *   <li>Both get the extra headers of {@code WANDB__EXTRA_HTTP_HEADERS} unless the request sets the
 *       header itself (wandb-core's {@code DefaultHeaders}), and go through the proxy {@link
 *       ProxySettings} chooses. {@code Proxy-Authorization} (from the proxy URL's user info, or the
 *       extra headers as wandb-core's {@code GetProxyConnectHeader}) is also sent on {@code
 *       CONNECT}.
 *   <li>{@link Retry} follows wandb-core's policies: API requests as {@code RetryMostFailures}
 *       (every 4xx and 5xx but 400, 401, 403, 404, 409, 410, 413, 422 and 501; {@code UpsertBucket}
 *       also retries 409), storage as {@code FileTransferRetryPolicy} (429 and 5xx but 501); both
 *       retry connection failures, up to 20 times, waiting {@code 2 s × 2^n} plus up to 25% jitter,
 *       capped at 60 s, or what {@code Retry-After} asks for (capped at {@link
 *       WandbSettings#maxRetryAfter}, which wandb-core does not cap). Request bodies are files or
 *       byte arrays, so they can be sent again.
 * </ul>
 */
final class Transport implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Transport.class);

  /** Whether a request talks to the W&amp;B API (credentials) or to storage (none). */
  enum Kind {
    API,
    STORAGE
  }

  final OkHttpClient http;
  final WandbSettings settings;

  Transport(WandbSettings settings) {
    this.settings = settings;
    Dispatcher dispatcher = new Dispatcher();
    dispatcher.setMaxRequests(Math.max(64, settings.parallelism * 2));
    dispatcher.setMaxRequestsPerHost(Math.max(5, settings.parallelism * 2));
    OkHttpClient base =
        new OkHttpClient.Builder()
            .dispatcher(dispatcher)
            .connectionPool(new ConnectionPool(settings.maxIdleConnections, 5, TimeUnit.MINUTES))
            .connectTimeout(settings.connectTimeout)
            .readTimeout(settings.readTimeout)
            .writeTimeout(settings.writeTimeout)
            // Our own interceptor retries, with backoff; OkHttp's silent retry would double it.
            .retryOnConnectionFailure(false)
            .proxySelector(settings.proxy.selector())
            .proxyAuthenticator(new ProxyAuth(settings))
            .addInterceptor(new DefaultHeaders(settings.extraHeaders))
            .build();
    this.http =
        base.newBuilder()
            .addInterceptor(new Retry(settings))
            .addInterceptor(new ApiHeaders(settings))
            .addNetworkInterceptor(new AuthBoundary(settings.baseUrl, settings.credentials))
            .build();
    if (settings.credentials instanceof IdentityTokenCredentials id) {
      // The exchange runs with the base client: same pool, proxy and extra headers, but no
      // credentials (it is what makes them) and its own short retry schedule.
      id.bind(base, settings.sleeper);
    }
  }

  /**
   * The GraphQL operation a request runs, for the one operation wandb-core retries differently:
   * {@code UpsertBucket} also retries 409 ({@code UpsertBucketRetryPolicy}).
   */
  record Operation(String name) {}

  /** Marks a request as an API request: it gets credentials if it is under the base URL. */
  static Request.Builder api(Request.Builder b) {
    return b.tag(Kind.class, Kind.API);
  }

  static Kind kind(Request r) {
    Kind k = r.tag(Kind.class);
    return k == null ? Kind.STORAGE : k;
  }

  Response execute(Request request) throws IOException {
    return http.newCall(request).execute();
  }

  /** Backoff before retry {@code attempt} (1-based) with the settings' bounds. */
  static Duration backoff(WandbSettings s, int attempt) {
    return backoff(s.initialBackoff, s.maxBackoff, attempt - 1);
  }

  /**
   * wandb-core's {@code ExponentialBackoffWithJitter}: {@code min × 2^n × (1 + 0.25 × random)},
   * capped at {@code max}; {@code n} is zero-based.
   */
  static Duration backoff(Duration min, Duration max, int n) {
    double mult = Math.pow(2, Math.min(Math.max(n, 0), 32));
    double jitter = 1 + 0.25 * ThreadLocalRandom.current().nextDouble();
    double nanos = min.toNanos() * mult * jitter;
    return nanos >= max.toNanos() ? max : Duration.ofNanos((long) nanos);
  }

  /** The delay a {@code Retry-After} header asks for (seconds or an HTTP date), if any. */
  static Duration retryAfter(String header, Duration max) {
    if (header == null || header.isBlank()) {
      return null;
    }
    Duration d;
    try {
      double seconds = Double.parseDouble(header.trim());
      if (Double.isNaN(seconds) || Double.isInfinite(seconds)) {
        return null;
      }
      d = Duration.ofNanos((long) (Math.min(seconds, 1e9) * 1e9));
    } catch (NumberFormatException e) {
      try {
        ZonedDateTime at = ZonedDateTime.parse(header.trim(), DateTimeFormatter.RFC_1123_DATE_TIME);
        d = Duration.between(ZonedDateTime.now(at.getZone()), at);
      } catch (RuntimeException ignored) {
        return null;
      }
    }
    if (d.isNegative()) {
      return Duration.ZERO;
    }
    return d.compareTo(max) > 0 ? max : d;
  }

  /** wandb-core's retry decision for a status code of this kind of request. */
  static boolean retryable(Kind kind, int code) {
    if (kind == Kind.STORAGE) {
      // retryablehttp's policy, which FileTransferRetryPolicy delegates to.
      return code == 0 || code == 429 || (code >= 500 && code != 501);
    }
    // clients.RetryMostFailures.
    switch (code) {
      case 400, 401, 403, 404, 409, 410, 413, 422, 501:
        return false;
      default:
        return code == 0 || code >= 600 || (code >= 400 && code <= 599);
    }
  }

  /** wandb-core's decision for a request: the kind's policy, or the operation's own. */
  static boolean retryable(Request request, int code) {
    Operation op = request.tag(Operation.class);
    if (op != null && op.name().equals("UpsertBucket")) {
      switch (code) {
        case 409:
          return true;
        case 400, 410, 422:
          return false;
        default:
          break;
      }
    }
    return retryable(kind(request), code);
  }

  /** The API policy, kept for callers that do not say the kind. */
  static boolean retryable(int code) {
    return retryable(Kind.API, code);
  }

  /**
   * Connection failures are retried except those retrying cannot fix (as retryablehttp decides): an
   * untrusted certificate, a scheme the client refuses, too many redirects, rejected credentials.
   */
  static boolean retryable(IOException e) {
    return !(e instanceof Credentials.Rejected
        || e instanceof SSLPeerUnverifiedException
        || e instanceof UnknownServiceException
        || (e instanceof ProtocolException
            && String.valueOf(e.getMessage()).startsWith("Too many follow-up requests"))
        || (e.getCause() instanceof java.security.cert.CertificateException));
  }

  /** Scheme, host and path of a URL, without the query: presigned signatures stay out of logs. */
  static String redact(HttpUrl url) {
    return url.scheme() + "://" + url.host() + ":" + url.port() + url.encodedPath();
  }

  @Override
  public void close() {
    http.dispatcher().executorService().shutdown();
    http.connectionPool().evictAll();
  }

  /** Adds the W&amp;B credentials to API requests under the base URL, strips them elsewhere. */
  static final class AuthBoundary implements Interceptor {
    private final HttpUrl base;
    private final String pathPrefix;
    private final Credentials credentials;

    AuthBoundary(String baseUrl, Credentials credentials) {
      this.base = HttpUrl.get(baseUrl);
      String p = base.encodedPath();
      this.pathPrefix = p.endsWith("/") ? p : p + "/";
      this.credentials = credentials;
    }

    /** True for URLs with the base URL's scheme, host and port, under its path. */
    boolean matches(HttpUrl url) {
      if (!url.scheme().equals(base.scheme())
          || !url.host().equalsIgnoreCase(base.host())
          || url.port() != base.port()) {
        return false;
      }
      String path = url.encodedPath();
      return pathPrefix.equals("/")
          || path.startsWith(pathPrefix)
          || (path + "/").equals(pathPrefix);
    }

    @Override
    public Response intercept(Chain chain) throws IOException {
      Request request = chain.request();
      Request.Builder b = request.newBuilder();
      if (kind(request) == Kind.API && matches(request.url())) {
        b.header("Authorization", credentials.authorization());
      } else {
        b.removeHeader("Authorization");
      }
      return chain.proceed(b.build());
    }
  }

  /** wandb-core's {@code DefaultHeaders}: a header the request already has is left alone. */
  static final class DefaultHeaders implements Interceptor {
    private final Map<String, String> headers;

    DefaultHeaders(Map<String, String> headers) {
      this.headers = headers;
    }

    @Override
    public Response intercept(Chain chain) throws IOException {
      Request request = chain.request();
      if (headers.isEmpty()) {
        return chain.proceed(request);
      }
      Request.Builder b = request.newBuilder();
      for (Map.Entry<String, String> h : headers.entrySet()) {
        // Authorization is the credential boundary's alone: extra headers never carry it.
        if (!h.getKey().equalsIgnoreCase("Authorization") && request.header(h.getKey()) == null) {
          b.header(h.getKey(), h.getValue());
        }
      }
      return chain.proceed(b.build());
    }
  }

  /** The identity headers of API requests ({@code gql_client.go}), when configured. */
  static final class ApiHeaders implements Interceptor {
    private final WandbSettings s;

    ApiHeaders(WandbSettings s) {
      this.s = s;
    }

    @Override
    public Response intercept(Chain chain) throws IOException {
      Request request = chain.request();
      if (kind(request) != Kind.API || (s.username == null && s.email == null)) {
        return chain.proceed(request);
      }
      Request.Builder b = request.newBuilder();
      if (s.username != null && request.header("X-WANDB-USERNAME") == null) {
        b.header("X-WANDB-USERNAME", s.username);
      }
      if (s.email != null && request.header("X-WANDB-USER-EMAIL") == null) {
        b.header("X-WANDB-USER-EMAIL", s.email);
      }
      return chain.proceed(b.build());
    }
  }

  /**
   * {@code Proxy-Authorization} for {@code CONNECT} tunnels (OkHttp asks preemptively) and for a
   * proxy's 407: from the proxy URL's user info, else the extra headers. Never asks twice.
   */
  static final class ProxyAuth implements Authenticator {
    private final WandbSettings s;

    ProxyAuth(WandbSettings s) {
      this.s = s;
    }

    @Override
    public Request authenticate(okhttp3.Route route, Response response) {
      if (response.request().header("Proxy-Authorization") != null
          && response.priorResponse() != null) {
        return null; // Already refused once with these credentials.
      }
      String auth = s.proxy.authorizationFor(route == null ? null : route.proxy());
      if (auth == null) {
        for (Map.Entry<String, String> h : s.extraHeaders.entrySet()) {
          if (h.getKey().toLowerCase(Locale.ROOT).equals("proxy-authorization")) {
            auth = h.getValue();
          }
        }
      }
      if (auth == null || auth.equals(response.request().header("Proxy-Authorization"))) {
        return null;
      }
      return response.request().newBuilder().header("Proxy-Authorization", auth).build();
    }
  }

  /** Retries by wandb-core's policies; see the class Javadoc. */
  static final class Retry implements Interceptor {
    private final WandbSettings s;

    Retry(WandbSettings s) {
      this.s = s;
    }

    @Override
    public Response intercept(Chain chain) throws IOException {
      Request request = chain.request();
      for (int attempt = 1; ; attempt++) {
        Duration wait;
        String why;
        try {
          Request attemptRequest = withProxyAuthorization(request);
          Response response = chain.proceed(attemptRequest);
          if (!retryable(request, response.code()) || attempt > s.maxRetries) {
            return response;
          }
          Duration asked = retryAfter(response.header("Retry-After"), s.maxRetryAfter);
          wait = asked != null ? asked : backoff(s, attempt);
          why = "HTTP " + response.code();
          response.close();
        } catch (InterruptedIOException e) {
          // A timeout is worth retrying; a cancelled call (thread interrupted) is not.
          if (Thread.currentThread().isInterrupted()
              || chain.call().isCanceled()
              || attempt > s.maxRetries) {
            throw e;
          }
          wait = backoff(s, attempt);
          why = e.toString();
        } catch (IOException e) {
          if (chain.call().isCanceled() || attempt > s.maxRetries || !retryable(e)) {
            throw e;
          }
          wait = backoff(s, attempt);
          why = e.toString();
        }
        LOG.warn(
            "Retrying {} {} in {} ms (attempt {} of {}): {}",
            request.method(),
            redact(request.url()),
            wait.toMillis(),
            attempt + 1,
            s.maxRetries + 1,
            why);
        try {
          s.sleeper.sleep(wait);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new InterruptedIOException(
              "Interrupted while waiting to retry " + request.method());
        }
      }
    }

    /**
     * Plain-http requests through a proxy carry {@code Proxy-Authorization} themselves (no {@code
     * CONNECT}): add the proxy URL's credentials preemptively, as Go's transport does.
     */
    private Request withProxyAuthorization(Request request) {
      if (request.isHttps() || request.header("Proxy-Authorization") != null) {
        return request;
      }
      ProxySettings.ProxyTarget t = s.proxy.select(request.url().uri());
      if (t == null || t.authorization() == null) {
        return request;
      }
      return request.newBuilder().header("Proxy-Authorization", t.authorization()).build();
    }
  }
}
