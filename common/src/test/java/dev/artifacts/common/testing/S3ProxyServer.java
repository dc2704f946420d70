package dev.artifacts.common.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.EtagSource;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;

/**
 * A real S3 API server for tests: S3Proxy listening on {@code 127.0.0.1} at a free port, with one
 * empty bucket, reached through {@code s3a://}. Nothing leaves the machine.
 *
 * <pre>{@code
 * @TempDir java.nio.file.Path dir;
 *
 * try (S3ProxyServer s3 = S3ProxyServer.start(dir);
 *     FileSystem fs = FileSystem.newInstance(s3.root(), s3.hadoopConf())) {
 *   ...
 * }
 * }</pre>
 *
 * <p>S3Proxy runs as a child JVM from its jar-with-dependencies, because its Jetty 12, Jackson 3
 * and Guava 33 clash with Hadoop's (and later Spark's) classpath when loaded in the test JVM. The
 * build copies that jar to {@code target/s3proxy/s3proxy.jar} and passes it as the system property
 * {@code s3proxy.jar}; a module whose tests use this class lists {@code maven-dependency-plugin} in
 * its pom (configured in the root pom). Objects are plain files under {@code <dir>/blobs}
 * (S3Proxy's {@code filesystem-nio2} store); the server's log is {@code <dir>/s3proxy.log}.
 *
 * <p>What the store does, checked by {@code S3PutIfAbsentTest}: {@code If-None-Match: *} on PUT is
 * refused with 412 when the key exists, atomically (S3Proxy 4.x links the new file in with a
 * no-replace hard link), and single-part ETags are the hex MD5 of the body, as on AWS.
 *
 * <p>Each server gets its own bucket name, so s3a's filesystem cache never hands a test a client
 * bound to an earlier server's port. Prefer {@code FileSystem.newInstance} and close it.
 */
public final class S3ProxyServer implements AutoCloseable {
  private static final String ACCESS_KEY = "local-access";
  private static final String SECRET_KEY = "local-secret";
  private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(60);
  private static final int START_ATTEMPTS = 3;

  private final Process process;
  private final Thread killOnExit;
  private final URI endpoint;
  private final String bucket;
  private final Path log;

  private S3ProxyServer(Process process, URI endpoint, String bucket, Path log) {
    this.process = process;
    this.endpoint = endpoint;
    this.bucket = bucket;
    this.log = log;
    // A test JVM that exits without close() must not leave a server behind.
    this.killOnExit = new Thread(process::destroyForcibly, "s3proxy-kill-on-exit");
    Runtime.getRuntime().addShutdownHook(killOnExit);
  }

  /**
   * Starts a server that keeps its objects and its log under {@code dir} (e.g. a {@code @TempDir}).
   */
  public static S3ProxyServer start(Path dir) throws IOException, InterruptedException {
    Path jar = s3proxyJar();
    Path blobs = Files.createDirectories(dir.toAbsolutePath().resolve("blobs"));
    String bucket = "test-" + UUID.randomUUID().toString().substring(0, 8).toLowerCase(Locale.ROOT);
    // The filesystem store treats each directory under its base as a bucket.
    Files.createDirectories(blobs.resolve(bucket));
    Path log = dir.toAbsolutePath().resolve("s3proxy.log");

    IOException last = null;
    for (int attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
      // The port is free now but could be taken before the child binds it; then the child dies
      // and we try another port.
      int port = freePort();
      URI endpoint = URI.create("http://127.0.0.1:" + port);
      Path conf = dir.toAbsolutePath().resolve("s3proxy-" + port + ".conf");
      Files.write(
          conf,
          List.of(
              "s3proxy.endpoint=" + endpoint,
              "s3proxy.authorization=aws-v2-or-v4",
              "s3proxy.identity=" + ACCESS_KEY,
              "s3proxy.credential=" + SECRET_KEY,
              "jclouds.provider=filesystem-nio2",
              "jclouds.identity=" + ACCESS_KEY,
              "jclouds.credential=" + SECRET_KEY,
              "jclouds.filesystem.basedir=" + blobs),
          StandardCharsets.UTF_8);
      Process process =
          new ProcessBuilder(
                  Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                  "-Xmx256m",
                  "-XX:+UseSerialGC",
                  "-XX:TieredStopAtLevel=1",
                  "-jar",
                  jar.toString(),
                  "--properties",
                  conf.toString())
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
              .start();
      try {
        awaitReady(process, endpoint, log);
        return new S3ProxyServer(process, endpoint, bucket, log);
      } catch (IOException e) {
        destroy(process);
        last = e;
      }
    }
    throw last;
  }

  /** {@code http://127.0.0.1:<port>}. */
  public URI endpoint() {
    return endpoint;
  }

  public String bucket() {
    return bucket;
  }

  /** {@code s3a://<bucket>/}. */
  public URI root() {
    return URI.create("s3a://" + bucket + "/");
  }

  public String accessKey() {
    return ACCESS_KEY;
  }

  public String secretKey() {
    return SECRET_KEY;
  }

  /** The server's stdout and stderr, for diagnosing a failure. */
  public Path log() {
    return log;
  }

  /**
   * A fresh Hadoop configuration for {@link #root()}: this endpoint, path-style addressing, plain
   * HTTP, these static credentials only (never the environment's or an instance profile's), and
   * small retry counts and timeouts so that a broken server fails a test in seconds, not minutes;
   * uploads are buffered in memory.
   */
  public Configuration hadoopConf() {
    return hadoopConf(endpoint, ACCESS_KEY, SECRET_KEY);
  }

  /**
   * {@link #hadoopConf()} for a server started elsewhere, e.g. in a child process that is handed
   * the {@link #endpoint()}, {@link #accessKey()} and {@link #secretKey()} of the parent's server.
   */
  public static Configuration hadoopConf(URI endpoint, String accessKey, String secretKey) {
    Configuration conf = new Configuration();
    conf.set("fs.s3a.impl", "org.apache.hadoop.fs.s3a.S3AFileSystem");
    conf.set("fs.s3a.endpoint", endpoint.toString());
    conf.set("fs.s3a.endpoint.region", "us-east-1");
    conf.setBoolean("fs.s3a.path.style.access", true);
    conf.setBoolean("fs.s3a.connection.ssl.enabled", false);
    conf.set(
        "fs.s3a.aws.credentials.provider", "org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider");
    conf.set("fs.s3a.access.key", accessKey);
    conf.set("fs.s3a.secret.key", secretKey);
    conf.setInt("fs.s3a.attempts.maximum", 1);
    conf.setInt("fs.s3a.retry.limit", 2);
    conf.set("fs.s3a.retry.interval", "50ms");
    conf.setInt("fs.s3a.retry.throttle.limit", 2);
    conf.set("fs.s3a.retry.throttle.interval", "50ms");
    conf.setInt("fs.s3a.connection.establish.timeout", 5_000);
    conf.setInt("fs.s3a.connection.timeout", 10_000);
    // Buffer uploads in memory: no temporary files outside the test's directories.
    conf.set("fs.s3a.fast.upload.buffer", "bytebuffer");
    return conf;
  }

  /**
   * The ETag s3a reports for a file ({@link EtagSource}), without quotes: the hex MD5 of the body
   * for a single-part upload, {@code <hex>-<parts>} for a multipart one.
   */
  public static String etag(FileSystem fs, org.apache.hadoop.fs.Path path) throws IOException {
    FileStatus status = fs.getFileStatus(path);
    if (!(status instanceof EtagSource)) {
      throw new IllegalStateException(
          "File status of " + path + " carries no ETag: " + status.getClass().getName());
    }
    return ((EtagSource) status).getEtag();
  }

  /** Stops the server; its directory stays for the caller (JUnit's {@code @TempDir}) to delete. */
  @Override
  public void close() {
    destroy(process);
    try {
      Runtime.getRuntime().removeShutdownHook(killOnExit);
    } catch (IllegalStateException alreadyShuttingDown) {
      // the hook is running or about to; nothing to undo
    }
  }

  private static Path s3proxyJar() {
    String prop = System.getProperty("s3proxy.jar");
    if (prop == null || !Files.isRegularFile(Path.of(prop))) {
      throw new IllegalStateException(
          "S3Proxy jar not found (system property s3proxy.jar = "
              + prop
              + "): run the tests through Maven with maven-dependency-plugin listed in the"
              + " module's pom, which copies org.gaul:s3proxy:jar-with-dependencies there");
    }
    return Path.of(prop);
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  /** Waits until the child answers as an S3 server (any status, with an S3 request id). */
  private static void awaitReady(Process process, URI endpoint, Path log)
      throws IOException, InterruptedException {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
    HttpRequest probe =
        HttpRequest.newBuilder(endpoint.resolve("/")).timeout(Duration.ofSeconds(2)).build();
    long deadline = System.nanoTime() + STARTUP_TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IOException(
            "S3Proxy exited with status "
                + process.exitValue()
                + " before listening on "
                + endpoint
                + "; see "
                + log);
      }
      try {
        HttpResponse<Void> response = http.send(probe, HttpResponse.BodyHandlers.discarding());
        if (response.headers().firstValue("x-amz-request-id").isPresent()) {
          return;
        }
      } catch (IOException notYetListening) {
        // keep polling
      }
      Thread.sleep(100);
    }
    throw new IOException(
        "S3Proxy did not answer on " + endpoint + " within " + STARTUP_TIMEOUT + "; see " + log);
  }

  private static void destroy(Process process) {
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }
}
