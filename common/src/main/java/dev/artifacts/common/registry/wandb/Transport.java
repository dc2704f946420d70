package dev.artifacts.common.registry.wandb;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
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
 * The HTTP layer shared by GraphQL calls, uploads and downloads: one OkHttp client with timeouts, a
 * bounded connection pool, retries and the credential boundary.
 *
 * <ul>
 *   <li>{@link AuthBoundary} (a network interceptor, so it also sees redirects) adds {@code
 *       Authorization} only to URLs under the base URL (scheme, host, port, path prefix) and strips
 *       it from every other request, as wandb-core's {@code urlfilter.go} does. Presigned storage
 *       URLs therefore never receive the key, even when they live on the API host.
 *   <li>{@link Retry} retries connection failures, 429 and 5xx with bounded exponential backoff and
 *       full jitter, honouring {@code Retry-After}. Request bodies are files or byte arrays, so
 *       they can be sent again.
 * </ul>
 */
final class Transport implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Transport.class);

  final OkHttpClient http;
  final WandbSettings settings;

  Transport(WandbSettings settings) {
    this.settings = settings;
    Dispatcher dispatcher = new Dispatcher();
    dispatcher.setMaxRequests(Math.max(64, settings.parallelism * 2));
    dispatcher.setMaxRequestsPerHost(Math.max(5, settings.parallelism * 2));
    this.http =
        new OkHttpClient.Builder()
            .dispatcher(dispatcher)
            .connectionPool(new ConnectionPool(settings.maxIdleConnections, 5, TimeUnit.MINUTES))
            .connectTimeout(settings.connectTimeout)
            .readTimeout(settings.readTimeout)
            .writeTimeout(settings.writeTimeout)
            // Our own interceptor retries, with backoff; OkHttp's silent retry would double it.
            .retryOnConnectionFailure(false)
            .addInterceptor(new Retry(settings))
            .addNetworkInterceptor(new AuthBoundary(settings.baseUrl, settings.apiKey))
            .build();
  }

  Response execute(Request request) throws IOException {
    return http.newCall(request).execute();
  }

  /** Backoff before retry {@code attempt} (1-based): exponential, capped, with full jitter. */
  static Duration backoff(WandbSettings s, int attempt) {
    long base = s.initialBackoff.toMillis();
    long cap = s.maxBackoff.toMillis();
    long exp = attempt >= 31 ? cap : Math.min(cap, base * (1L << (attempt - 1)));
    // Half fixed, half random: spreads retries of many tasks without ever waiting zero.
    long jittered = exp / 2 + ThreadLocalRandom.current().nextLong(exp / 2 + 1);
    return Duration.ofMillis(jittered);
  }

  /** The delay a {@code Retry-After} header asks for (seconds or an HTTP date), if any. */
  static Duration retryAfter(String header, Duration max) {
    if (header == null || header.isBlank()) {
      return null;
    }
    Duration d;
    try {
      d = Duration.ofSeconds(Long.parseLong(header.trim()));
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

  static boolean retryable(int code) {
    return code == 429 || code >= 500;
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

  /** Adds the W&amp;B credentials to requests under the base URL only. */
  static final class AuthBoundary implements Interceptor {
    private final HttpUrl base;
    private final String pathPrefix;
    private final WandbSettings.ApiKey key;

    AuthBoundary(String baseUrl, WandbSettings.ApiKey key) {
      this.base = HttpUrl.get(baseUrl);
      String p = base.encodedPath();
      this.pathPrefix = p.endsWith("/") ? p : p + "/";
      this.key = key;
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
      if (matches(request.url())) {
        b.header("Authorization", key.basicAuthorization());
      } else {
        b.removeHeader("Authorization");
      }
      return chain.proceed(b.build());
    }
  }

  /** Retries 429, 5xx and I/O failures; see the class Javadoc. */
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
          Response response = chain.proceed(request);
          if (!retryable(response.code()) || attempt > s.maxRetries) {
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
          if (chain.call().isCanceled() || attempt > s.maxRetries) {
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
  }
}
