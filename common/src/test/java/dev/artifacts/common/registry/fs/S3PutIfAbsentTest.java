package dev.artifacts.common.registry.fs;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.amazonaws.services.s3.AmazonS3;
import com.amazonaws.services.s3.model.AmazonS3Exception;
import com.amazonaws.services.s3.model.ObjectMetadata;
import com.amazonaws.services.s3.model.PutObjectRequest;
import dev.artifacts.common.testing.S3ProxyServer;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.math.BigInteger;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.s3a.S3AFileSystem;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

/** {@link S3PutIfAbsent} against a real S3 API (S3Proxy, filesystem store) through s3a. */
class S3PutIfAbsentTest {
  @TempDir static java.nio.file.Path blobs;

  private static S3ProxyServer s3;
  private static FileSystem fs;

  private final PutIfAbsent put = new S3PutIfAbsent();

  @BeforeAll
  static void startServer() throws Exception {
    s3 = S3ProxyServer.start(blobs);
    fs = FileSystem.newInstance(s3.root(), s3.hadoopConf());
  }

  @AfterAll
  static void stopServer() throws Exception {
    if (fs != null) {
      fs.close();
    }
    if (s3 != null) {
      s3.close();
    }
  }

  /**
   * Everything else here is meaningless unless the server refuses a second {@code If-None-Match: *}
   * PUT, so check that first with bare SDK requests, not through the class under test.
   */
  @Test
  void serverRejectsSecondConditionalPut() throws Exception {
    assertServerEnforcesIfNoneMatch(fs, "probe/key");
  }

  @Test
  void forFileSystemPicksS3ForS3a() {
    assertThat(PutIfAbsent.forFileSystem(fs)).isInstanceOf(S3PutIfAbsent.class);
  }

  @Test
  void createsAbsentKey(TestInfo test) throws IOException {
    Path path = path(test, "v0");

    assertThat(put.create(fs, path, bytes("first"))).isTrue();

    assertThat(read(path)).isEqualTo("first");
  }

  @Test
  void existingKeyIsNotOverwritten(TestInfo test) throws IOException {
    Path path = path(test, "v0");
    assertThat(put.create(fs, path, bytes("first"))).isTrue();

    assertThat(put.create(fs, path, bytes("second"))).isFalse();

    assertThat(read(path)).isEqualTo("first");
  }

  @Test
  void keyWrittenByOrdinaryS3aCreateCountsAsExisting(TestInfo test) throws IOException {
    Path path = path(test, "v0");
    try (FSDataOutputStream out = fs.create(path)) {
      out.write(bytes("plain"));
    }

    assertThat(put.create(fs, path, bytes("conditional"))).isFalse();

    assertThat(read(path)).isEqualTo("plain");
  }

  /**
   * The lost-response case: S3 created the object but the answer never arrived, the retry gets 412.
   * Identical bytes mean this writer created it.
   */
  @Test
  void repeatingTheSameBytesReportsCreated(TestInfo test) throws IOException {
    Path path = path(test, "v0");
    assertThat(put.create(fs, path, bytes("record op=1"))).isTrue();

    assertThat(put.create(fs, path, bytes("record op=1"))).isTrue();
    assertThat(put.create(fs, path, bytes("record op=2"))).isFalse();
  }

  @Test
  void rejectsOtherFilesystems() {
    LocalFileSystem local = new LocalFileSystem();
    assertThatThrownBy(() -> put.create(local, new Path("file:///tmp/x"), bytes("x")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("file:/tmp/x")
        .hasMessageContaining("not S3AFileSystem");
  }

  /** Eight committers, each with its own s3a client, race for one key, ten times over. */
  @Test
  void eightRacersOneWinner(TestInfo test) throws Exception {
    int threads = 8;
    List<FileSystem> clients = clients(threads);
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      for (int round = 0; round < 10; round++) {
        Path path = path(test, "round-" + round);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<Boolean>> results = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
          FileSystem client = clients.get(t);
          byte[] payload = bytes("writer-" + t);
          results.add(
              pool.submit(
                  () -> {
                    go.await();
                    return put.create(client, path, payload);
                  }));
        }
        go.countDown();
        List<Integer> winners = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
          if (results.get(t).get(60, TimeUnit.SECONDS)) {
            winners.add(t);
          }
        }
        assertThat(winners).as("winners of round %d", round).hasSize(1);
        assertThat(read(path)).isEqualTo("writer-" + winners.get(0));
      }
    } finally {
      pool.shutdownNow();
      close(clients);
    }
  }

  /**
   * The registry's commit loop in miniature: five committers each commit two records; a committer
   * tries {@code v<i>} and on losing moves to {@code v<i+1>}. The result must be v0..v9, each
   * holding a different record, every record committed exactly once, and no v10.
   */
  @Test
  void commitLoopYieldsGaplessDuplicateFreeVersions(TestInfo test) throws Exception {
    int committers = 5;
    int recordsEach = 2;
    Path dir = path(test, "versions");
    List<FileSystem> clients = clients(committers);
    ExecutorService pool = Executors.newFixedThreadPool(committers);
    try {
      CountDownLatch go = new CountDownLatch(1);
      List<Future<List<Integer>>> results = new ArrayList<>();
      for (int c = 0; c < committers; c++) {
        FileSystem client = clients.get(c);
        int committer = c;
        Callable<List<Integer>> loop =
            () -> {
              go.await();
              List<Integer> won = new ArrayList<>();
              int next = 0;
              for (int r = 0; r < recordsEach; r++) {
                byte[] record = bytes("committer-" + committer + "-record-" + r);
                while (!put.create(client, new Path(dir, "v" + next), record)) {
                  next++;
                }
                won.add(next);
                next++;
              }
              return won;
            };
        results.add(pool.submit(loop));
      }
      go.countDown();

      Set<Integer> allWon = new HashSet<>();
      for (int c = 0; c < committers; c++) {
        List<Integer> won = results.get(c).get(120, TimeUnit.SECONDS);
        for (int r = 0; r < recordsEach; r++) {
          int version = won.get(r);
          assertThat(allWon.add(version)).as("v%d won twice", version).isTrue();
          assertThat(read(new Path(dir, "v" + version)))
              .isEqualTo("committer-" + c + "-record-" + r);
        }
      }
      int total = committers * recordsEach;
      Set<Integer> expected = new HashSet<>();
      for (int v = 0; v < total; v++) {
        expected.add(v);
      }
      assertThat(allWon).isEqualTo(expected);
      assertThat(fs.exists(new Path(dir, "v" + total))).isFalse();
      assertThat(fs.listStatus(dir)).hasSize(total);
    } finally {
      pool.shutdownNow();
      close(clients);
    }
  }

  /** S3 references (other modules) take the digest from s3a's FileStatus without reading. */
  @Test
  void fileStatusCarriesMd5EtagOfSinglePartUpload(TestInfo test) throws Exception {
    byte[] body = bytes("hello etag\n");
    String md5 = md5Hex(body);

    Path written = path(test, "written.txt");
    try (FSDataOutputStream out = fs.create(written)) {
      out.write(body);
    }
    Path committed = path(test, "committed.txt");
    assertThat(put.create(fs, committed, body)).isTrue();

    assertThat(S3ProxyServer.etag(fs, written)).isEqualTo(md5);
    assertThat(S3ProxyServer.etag(fs, committed)).isEqualTo(md5);
    // Listings carry it too, so a directory can be referenced without a HEAD per file.
    assertThat(fs.listStatus(written.getParent()))
        .allSatisfy(
            s -> assertThat(((org.apache.hadoop.fs.EtagSource) s).getEtag()).isEqualTo(md5));
  }

  private static void assertServerEnforcesIfNoneMatch(FileSystem target, String key) {
    AmazonS3 client = ((S3AFileSystem) target).getAmazonS3ClientForTesting("probe If-None-Match");
    String bucket = ((S3AFileSystem) target).getBucket();

    client.putObject(conditionalPut(bucket, key, "first"));
    assertThatThrownBy(() -> client.putObject(conditionalPut(bucket, key, "second")))
        .isInstanceOfSatisfying(
            AmazonS3Exception.class,
            e -> {
              assertThat(e.getStatusCode()).isEqualTo(412);
              assertThat(e.getErrorCode()).isEqualTo("PreconditionFailed");
            });
    assertThat(client.getObjectAsString(bucket, key)).isEqualTo("first");

    // Without the header the same server overwrites, so the 412 above came from the header.
    client.putObject(bucket, key, "third");
    assertThat(client.getObjectAsString(bucket, key)).isEqualTo("third");
  }

  private static PutObjectRequest conditionalPut(String bucket, String key, String body) {
    byte[] data = bytes(body);
    ObjectMetadata metadata = new ObjectMetadata();
    metadata.setContentLength(data.length);
    PutObjectRequest request =
        new PutObjectRequest(bucket, key, new ByteArrayInputStream(data), metadata);
    request.putCustomRequestHeader("If-None-Match", "*");
    return request;
  }

  private static List<FileSystem> clients(int n) throws IOException {
    List<FileSystem> clients = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      clients.add(FileSystem.newInstance(s3.root(), s3.hadoopConf()));
    }
    return clients;
  }

  private static void close(List<FileSystem> clients) throws IOException {
    for (FileSystem client : clients) {
      client.close();
    }
  }

  private static Path path(TestInfo test, String name) {
    return new Path(new Path(s3.root()), test.getTestMethod().orElseThrow().getName() + "/" + name);
  }

  private static String read(Path path) throws IOException {
    try (FSDataInputStream in = fs.open(path)) {
      return new String(in.readAllBytes(), UTF_8);
    }
  }

  private static byte[] bytes(String s) {
    return s.getBytes(UTF_8);
  }

  private static String md5Hex(byte[] data) throws Exception {
    byte[] digest = MessageDigest.getInstance("MD5").digest(data);
    return String.format("%032x", new BigInteger(1, digest));
  }
}
