package dev.artifacts.benchmarks;

import dev.artifacts.common.manifest.ManifestEntry;
import dev.artifacts.common.name.ArtifactPath;
import dev.artifacts.common.reference.CachePaths;
import dev.artifacts.common.registry.ArtifactRegistries;
import dev.artifacts.common.registry.ArtifactRegistry;
import dev.artifacts.common.registry.ArtifactVersion;
import dev.artifacts.common.testing.FakeWandbServer;
import dev.artifacts.spark.ArtifactWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import okhttp3.ConnectionPool;
import okhttp3.Dispatcher;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;

/**
 * Upload throughput of a Spark write to the W&amp;B backend against raw parallel PUTs of the same
 * files to the same server, in one run. The server is common's {@code FakeWandbServer} (GraphQL and
 * presigned storage on 127.0.0.1), started fresh for every round so that no body is deduplicated by
 * an earlier round.
 *
 * <ul>
 *   <li><b>W&amp;B write</b>: {@code ArtifactWriter.write(..., format parquet)} with the W&amp;B
 *       backend: tasks write Parquet into the W&amp;B cache while hashing, announce their files
 *       ({@code createArtifactFiles}) and PUT them to the presigned URLs; the driver commits.
 *   <li><b>Baseline</b>: the same rows written as plain Parquet to a local directory, plus raw PUTs
 *       of the W&amp;B write's files (same bytes, same count) to the same storage server with a
 *       bare OkHttp client and as many threads as the W&amp;B write may upload at once (Spark cores
 *       × {@code ARTIFACT_WANDB_PARALLELISM}, default 8): what the write would cost if uploading
 *       were free of protocol, hashing and bookkeeping.
 *   <li><b>Ratio</b> = baseline time / W&amp;B write time (a throughput ratio; target ≥ 0.8). Each
 *       time is the best of {@code rounds}, the paths alternating; each round's own ratio and their
 *       median are printed too, since on a shared machine the load drifts between rounds.
 * </ul>
 *
 * <p>Also printed: GraphQL calls of one W&amp;B write per 1,000 files, and the raw PUT rate.
 *
 * <p>Arguments: {@code [files] [MiB of generated rows] [rounds]}, defaults 1000, 256, 3. The JVM
 * needs {@code WANDB_API_KEY=test-api-key} and {@code WANDB_CACHE_DIR} in its environment (tasks
 * read the W&amp;B settings from it); see benchmarks/README.md.
 */
public final class WandbUploadBenchmark {
  private WandbUploadBenchmark() {}

  public static void main(String[] args) throws Exception {
    int files = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
    double mib = args.length > 1 ? Double.parseDouble(args[1]) : 256;
    int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 3;
    if (!FakeWandbServer.API_KEY.equals(System.getenv("WANDB_API_KEY"))
        || System.getenv("WANDB_CACHE_DIR") == null) {
      System.err.println(
          "Run with WANDB_API_KEY="
              + FakeWandbServer.API_KEY
              + " and WANDB_CACHE_DIR=<scratch dir> in the environment (see benchmarks/README.md)");
      System.exit(2);
    }
    Path cache = Path.of(System.getenv("WANDB_CACHE_DIR")).resolve("artifacts");
    int cores = Runtime.getRuntime().availableProcessors();
    String parallelismEnv = System.getenv("ARTIFACT_WANDB_PARALLELISM");
    int parallelism = parallelismEnv == null ? 8 : Integer.parseInt(parallelismEnv.trim());
    int putThreads = cores * parallelism;
    Path work = Files.createTempDirectory("wandb-upload-benchmark");
    SparkSession spark =
        SparkSession.builder()
            .master("local[" + cores + "]")
            .appName("wandb-upload-benchmark")
            .config("spark.ui.enabled", "false")
            .getOrCreate();
    spark.sparkContext().setLogLevel("WARN");
    try {
      // About 1 KiB of hex text per row; Parquet (snappy) keeps most of it.
      long rows = (long) (mib * 1024);
      Dataset<Row> data =
          spark
              .range(0, rows, 1, files)
              .selectExpr(
                  "id",
                  "concat_ws('', transform(sequence(1, 32), i -> md5(cast(id * 31 + i as string))))"
                      + " as payload");
      data.cache().count();
      System.out.printf(
          Locale.ROOT,
          "W&B upload benchmark: %,d rows in %d files, local[%d], %d upload threads per task,"
              + " %d raw PUT threads, best of %d rounds%n%n",
          rows,
          files,
          cores,
          parallelism,
          putThreads,
          rounds);

      double wandb = Double.MAX_VALUE;
      double plain = Double.MAX_VALUE;
      double put = Double.MAX_VALUE;
      long bytes = 0;
      int fileCount = 0;
      double gqlPer1000 = 0;
      List<Double> roundRatios = new ArrayList<>();
      for (int r = 0; r < rounds; r++) {
        try (FakeWandbServer server = new FakeWandbServer()) {
          String path = "acme/bench/events";
          int opsBefore = server.operations.size();
          long t0 = System.nanoTime();
          ArtifactWriter.write(
              data,
              path,
              Map.of("registry", server.baseUrl(), "type", "dataset", "format", "parquet"),
              SaveMode.Overwrite);
          double w = seconds(t0);
          int ops = server.operations.size() - opsBefore;

          List<Path> bodies = new ArrayList<>();
          List<String> md5s = new ArrayList<>();
          try (ArtifactRegistry reg =
              ArtifactRegistries.open(
                  server.baseUrl(),
                  Map.of(
                      "WANDB_API_KEY",
                      FakeWandbServer.API_KEY,
                      "WANDB_CACHE_DIR",
                      cache.getParent().toString()))) {
            ArtifactVersion v = reg.resolve(ArtifactPath.parse(path));
            for (ManifestEntry e : reg.manifest(v).entries()) {
              bodies.add(cache.resolve(CachePaths.md5Path(e.digest())));
              md5s.add(e.digest());
            }
          }
          long b = 0;
          for (Path p : bodies) {
            b += Files.size(p);
          }
          bytes = b;
          fileCount = bodies.size();
          gqlPer1000 = ops * 1000.0 / fileCount;

          Path plainDir = work.resolve("plain-" + r);
          long t1 = System.nanoTime();
          data.write().mode(SaveMode.Overwrite).parquet(plainDir.toString());
          double pw = seconds(t1);

          double rp = rawPuts(server.storageUrl(), bodies, md5s, putThreads);
          roundRatios.add((pw + rp) / w);
          wandb = Math.min(wandb, w);
          plain = Math.min(plain, pw);
          put = Math.min(put, rp);
          System.out.printf(
              Locale.ROOT,
              "round %d: W&B write %.2f s (%d GraphQL calls), plain Parquet %.2f s, raw PUTs %.2f s,"
                  + " ratio %.3f%n",
              r + 1,
              w,
              ops,
              pw,
              rp,
              (pw + rp) / w);
          if (!server.authViolations.isEmpty()) {
            throw new IllegalStateException(
                "credentials sent to storage: " + server.authViolations);
          }
          deleteTree(plainDir);
        }
      }
      double baseline = plain + put;
      double ratio = baseline / wandb;
      System.out.printf(Locale.ROOT, "%n| measure | value |%n| --- | ---: |%n");
      System.out.printf(
          Locale.ROOT, "| files, MiB uploaded | %d, %.1f |%n", fileCount, bytes / 1048576.0);
      System.out.printf(Locale.ROOT, "| W&B write (s) | %.2f |%n", wandb);
      System.out.printf(Locale.ROOT, "| plain Parquet write (s) | %.2f |%n", plain);
      System.out.printf(
          Locale.ROOT,
          "| raw parallel PUTs (s), %d threads | %.2f (%.0f MiB/s) |%n",
          putThreads,
          put,
          bytes / 1048576.0 / put);
      System.out.printf(Locale.ROOT, "| baseline = plain + raw PUTs (s) | %.2f |%n", baseline);
      System.out.printf(
          Locale.ROOT,
          "| ratio baseline / W&B write (target >= 0.80) | %.3f, %s |%n",
          ratio,
          ratio >= 0.8 ? "met" : "missed");
      roundRatios.sort(null);
      System.out.printf(
          Locale.ROOT,
          "| (context) median of the per-round ratios | %.3f |%n",
          roundRatios.get(roundRatios.size() / 2));
      System.out.printf(Locale.ROOT, "| GraphQL calls per 1,000 files | %.1f |%n", gqlPer1000);
    } finally {
      spark.stop();
      deleteTree(work);
    }
  }

  /** PUTs every body to the fake's presigned URL with the headers it checks; returns seconds. */
  private static double rawPuts(
      String storageUrl, List<Path> bodies, List<String> md5s, int threads) throws Exception {
    Dispatcher dispatcher = new Dispatcher();
    dispatcher.setMaxRequests(threads);
    dispatcher.setMaxRequestsPerHost(threads);
    OkHttpClient http =
        new OkHttpClient.Builder()
            .dispatcher(dispatcher)
            .connectionPool(new ConnectionPool(threads, 1, TimeUnit.MINUTES))
            .build();
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      long t0 = System.nanoTime();
      List<Future<?>> futures = new ArrayList<>();
      for (int i = 0; i < bodies.size(); i++) {
        Path body = bodies.get(i);
        String hex = HexFormat.of().formatHex(Base64.getDecoder().decode(md5s.get(i)));
        String md5 = md5s.get(i);
        futures.add(
            pool.submit(
                () -> {
                  Request req =
                      new Request.Builder()
                          .url(storageUrl + "/put/" + hex + "?X-Sig=abc")
                          .header("X-Fake-Signature", "sig-" + hex)
                          .header("Content-MD5", md5)
                          .put(RequestBody.create(body.toFile(), null))
                          .build();
                  try (Response r = http.newCall(req).execute()) {
                    if (!r.isSuccessful()) {
                      throw new IOException("raw PUT of " + hex + ": HTTP " + r.code());
                    }
                  }
                  return null;
                }));
      }
      for (Future<?> f : futures) {
        f.get();
      }
      return seconds(t0);
    } finally {
      pool.shutdownNow();
      http.dispatcher().executorService().shutdown();
      http.connectionPool().evictAll();
    }
  }

  private static double seconds(long startNanos) {
    return (System.nanoTime() - startNanos) / 1e9;
  }

  private static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> s = Files.walk(root)) {
      for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
