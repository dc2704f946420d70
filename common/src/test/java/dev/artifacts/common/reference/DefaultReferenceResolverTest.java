package dev.artifacts.common.reference;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import dev.artifacts.common.ArtifactException;
import dev.artifacts.common.digest.ArtifactDigester;
import dev.artifacts.common.manifest.ManifestEntry;
import dev.artifacts.common.testing.Vectors;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import okhttp3.OkHttpClient;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reproduces {@code artifact_mixed.reference_calls} with the real handlers: {@code file://} on a
 * copy of {@code files/}, {@code http://example.test} through a local server acting as forward
 * proxy (so the request URL is exactly the vector's), S3 and GCS through a fake Hadoop object store
 * with ETags, and tracked schemes. Only the Azure row is taken from the vectors.
 */
class DefaultReferenceResolverTest {
  private static final String VECTOR_ROOT = "/data/vectors";
  private static final String ETAG_HELLO = "\"5d41402abc4b2a76b9719d911017c592-web\"";

  @TempDir static Path tmp;
  static Path copy;
  static String copyUri;
  static HttpServer server;
  static final AtomicInteger HTTP_REQUESTS = new AtomicInteger();
  static final Map<String, String> SERVED_ETAG = new HashMap<>();
  static DefaultReferenceResolver resolver;

  @BeforeAll
  static void setUp() throws IOException {
    copy = tmp.resolve("vectors copy+é").toAbsolutePath();
    copyTree(Vectors.files(), copy);
    copy = copy.toRealPath();
    copyUri = FileUris.pythonUri(copy.toString());

    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    SERVED_ETAG.put("/etag/hello.txt", ETAG_HELLO);
    SERVED_ETAG.put("/noetag/hello.txt", null);
    server.createContext(
        "/",
        exchange -> {
          HTTP_REQUESTS.incrementAndGet();
          String path = exchange.getRequestURI().getPath();
          boolean proxied = "example.test".equals(exchange.getRequestURI().getHost());
          if (!proxied || !SERVED_ETAG.containsKey(path)) {
            exchange.sendResponseHeaders(404, -1);
            exchange.close();
            return;
          }
          String etag = SERVED_ETAG.get(path);
          if (etag != null) {
            exchange.getResponseHeaders().add("ETag", etag);
          }
          byte[] body = "hello\n".getBytes(UTF_8);
          exchange.sendResponseHeaders(200, body.length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
          }
        });
    server.start();

    FakeObjectStoreFileSystem.put(
        "s3a://wb-vectors/objects/hello.txt",
        "\"b1946ac92492d2347c6235b4d2611184\"",
        "hello\n".getBytes(UTF_8));
    FakeObjectStoreFileSystem.put(
        "s3a://wb-vectors/objects/multipart.bin",
        "e5a8c5272b26fc10581a21089559b006-2",
        5_242_881L,
        () -> new byte[5_242_881]);
    // W&B skips zero-byte objects (folder markers) under a prefix.
    FakeObjectStoreFileSystem.put(
        "s3a://wb-vectors/objects/sub/", "d41d8cd98f00b204e9800998ecf8427e", new byte[0]);
    FakeObjectStoreFileSystem.put(
        "gs://wb-gcs/datasets/train.parquet", "CJ6Wz6Xl8YYDEAE=", 1234L, () -> new byte[1234]);

    resolver = new DefaultReferenceResolver(configuration(), proxiedClient());
  }

  @AfterAll
  static void tearDown() {
    server.stop(0);
  }

  static Configuration configuration() {
    return FakeObjectStoreFileSystem.configuration("s3a", "gs");
  }

  /** Every request goes to the local server, which sees {@code http://example.test/...}. */
  static OkHttpClient proxiedClient() {
    return new OkHttpClient.Builder()
        .proxy(new Proxy(Proxy.Type.HTTP, server.getAddress()))
        .build();
  }

  // ---- the vector calls ----------------------------------------------------------------------

  @Test
  void reproducesEveryReferenceCallExceptAzure() throws IOException {
    int reproduced = 0;
    for (JsonNode call : Vectors.expected().at("/artifact_mixed/reference_calls")) {
      String label = call.get("label").asText();
      if (label.startsWith("azure")) {
        continue;
      }
      List<ManifestEntry> actual = resolve(call.get("call"));
      List<ManifestEntry> expected = new ArrayList<>();
      for (JsonNode e : call.get("entries")) {
        expected.add(localized(entry(e)));
      }
      actual.sort((a, b) -> a.path().compareTo(b.path()));
      assertThat(actual)
          .as(label)
          .usingRecursiveFieldByFieldElementComparator()
          .isEqualTo(withoutGcsVersion(expected));
      reproduced++;
    }
    assertThat(reproduced).isEqualTo(13);
  }

  @Test
  void refsOnlyArtifactDigestMatchesWithHandlerEntries() throws IOException {
    Map<String, String> digests = new LinkedHashMap<>();
    for (JsonNode call : Vectors.expected().at("/artifact_mixed/reference_calls")) {
      if (call.get("label").asText().startsWith("azure")) {
        // No Azure handler: W&B's Azure entry is taken from the vectors.
        JsonNode e = call.get("entries").get(0);
        digests.put(e.get("path").asText(), e.get("digest").asText());
        continue;
      }
      for (ManifestEntry e : resolve(call.get("call"))) {
        String digest = e.digest();
        if (e.ref().startsWith("file:") && e.path().contains("nochecksum")) {
          // The one location-dependent digest: recompute it with the same rule for the vector's
          // location (/data/vectors) instead of the temporary copy.
          String rel = e.ref().substring(copyUri.length());
          digest = FileUris.checksumFalseDigest(FileUris.pythonUri(VECTOR_ROOT + rel));
        }
        digests.put(e.path(), digest);
      }
    }
    assertThat(digests).hasSize(15);
    assertThat(ArtifactDigester.of(digests))
        .isEqualTo(Vectors.expected().at("/artifact_refs_only/artifact_digest_hex").asText());
  }

  private static List<ManifestEntry> resolve(JsonNode call) throws IOException {
    String uri = call.get("uri").asText().replace("file://" + VECTOR_ROOT, copyUri);
    String name = call.hasNonNull("name") ? call.get("name").asText() : null;
    boolean checksum = !call.has("checksum") || call.get("checksum").asBoolean();
    return new ArrayList<>(
        resolver.resolve(uri, name, checksum, ReferenceResolver.DEFAULT_MAX_OBJECTS));
  }

  /** The expected entry for the temporary copy: file refs moved, the URI digest recomputed. */
  private static ManifestEntry localized(ManifestEntry e) throws IOException {
    if (!e.ref().startsWith("file://" + VECTOR_ROOT)) {
      return e;
    }
    String ref = e.ref().replace("file://" + VECTOR_ROOT, copyUri);
    String digest = e.digest();
    if (e.path().contains("nochecksum")) {
      String rel = e.ref().substring(("file://" + VECTOR_ROOT).length());
      digest = FileUris.checksumFalseDigest(copy.resolve(rel.substring(1)));
      assertThat(digest).isNotEqualTo(e.digest());
    }
    return new ManifestEntry(e.path(), digest, ref, e.size(), null, e.extra());
  }

  /** Hadoop exposes no GCS generation, so {@code extra.versionID} is not recorded. */
  private static List<ManifestEntry> withoutGcsVersion(List<ManifestEntry> entries) {
    return entries.stream()
        .map(
            e ->
                e.ref().startsWith("gs://") && e.extra().containsKey("versionID")
                    ? new ManifestEntry(e.path(), e.digest(), e.ref(), e.size(), null, Map.of())
                    : e)
        .sorted((a, b) -> a.path().compareTo(b.path()))
        .toList();
  }

  static ManifestEntry entry(JsonNode e) {
    Map<String, Object> extra = new LinkedHashMap<>();
    if (e.has("extra")) {
      e.get("extra")
          .fields()
          .forEachRemaining(
              f ->
                  extra.put(
                      f.getKey(),
                      f.getValue().isNumber() ? f.getValue().longValue() : f.getValue().asText()));
    }
    Long size = e.hasNonNull("size") ? e.get("size").asLong() : null;
    return new ManifestEntry(
        e.get("path").asText(), e.get("digest").asText(), e.get("ref").asText(), size, null, extra);
  }

  // ---- file:// -------------------------------------------------------------------------------

  @Test
  void fileNameDefaultsToFileNameAndDirectoryToRelativePaths() throws IOException {
    List<ManifestEntry> single = resolver.resolve(copyUri + "/hello.txt", null, true, 10);
    assertThat(single).extracting(ManifestEntry::path).containsExactly("hello.txt");

    List<ManifestEntry> dir = resolver.resolve(copyUri + "/unicode", null, true, 10);
    assertThat(dir)
        .extracting(ManifestEntry::path)
        .containsExactlyInAnyOrder("naïve-ß.txt", "x-ｚ.txt", "x-😀.txt");
    assertThat(dir)
        .extracting(ManifestEntry::ref)
        .contains(copyUri + "/unicode/x-😀.txt"); // joined, not re-encoded
  }

  @Test
  void directoryWalkFollowsSymlinksAndHonoursMaxObjects() throws IOException {
    Path dir = Files.createDirectories(tmp.resolve("walk"));
    Files.writeString(dir.resolve("a.txt"), "a");
    Files.createSymbolicLink(dir.resolve("linked"), copy.resolve("data"));
    String uri = FileUris.pythonUri(dir.toRealPath().toString());

    List<ManifestEntry> entries = resolver.resolve(uri, "w", true, 10);
    assertThat(entries)
        .extracting(ManifestEntry::path)
        .containsExactlyInAnyOrder("w/a.txt", "w/linked/part-00000.csv");

    // checksum=False resolves the symlink, as Python's Path.resolve() does.
    ManifestEntry pointer =
        resolver.resolve(uri + "/linked/part-00000.csv", null, false, 10).get(0);
    assertThat(pointer.digest())
        .isEqualTo(
            FileUris.checksumFalseDigest(
                FileUris.pythonUri(copy.resolve("data/part-00000.csv").toString())));
    assertThat(pointer.size()).isEqualTo(22L);

    assertThatThrownBy(() -> resolver.resolve(uri, "w", true, 1))
        .isInstanceOf(ArtifactException.InvalidInput.class)
        .hasMessageContaining("Cannot reference " + uri)
        .hasMessageContaining("more than 1 objects");
  }

  @Test
  void percentEncodedAndRawFileUrisNameTheSameFile() throws IOException {
    String raw = "file://" + copy + "/unicode/naïve-ß.txt";
    String encoded = copyUri + "/unicode/na%C3%AFve-%C3%9F.txt";
    assertThat(resolver.resolve(raw, "x", true, 1).get(0).digest())
        .isEqualTo(resolver.resolve(encoded, "x", true, 1).get(0).digest());
  }

  @Test
  void missingFileAndPlainPathAreRefused() {
    assertThatThrownBy(() -> resolver.resolve(copyUri + "/nope.txt", null, true, 1))
        .isInstanceOf(ArtifactException.NotFound.class)
        .hasMessageContaining("nope.txt");
    assertThatThrownBy(() -> resolver.resolve("/data/x.txt", "x", true, 1))
        .isInstanceOf(ArtifactException.InvalidInput.class)
        .hasMessageContaining("no scheme")
        .hasMessageContaining("file:///data/x");
  }

  @Test
  void openReadsLocalFile() throws IOException {
    ManifestEntry e = resolver.resolve(copyUri + "/hello.txt", null, true, 1).get(0);
    try (InputStream in = resolver.open(e)) {
      assertThat(new String(in.readAllBytes(), UTF_8)).isEqualTo("hello\n");
    }
  }

  // ---- http ----------------------------------------------------------------------------------

  @Test
  void httpChecksumFalseSendsNoRequest() throws IOException {
    int before = HTTP_REQUESTS.get();
    List<ManifestEntry> e = resolver.resolve("http://example.test/etag/hello.txt", null, false, 1);
    assertThat(HTTP_REQUESTS.get()).isEqualTo(before);
    assertThat(e.get(0).path()).isEqualTo("hello.txt");
    assertThat(e.get(0).size()).isNull();
  }

  @Test
  void httpWeakEtagKeepsInnerQuote() throws IOException {
    SERVED_ETAG.put("/weak.txt", "W/\"x\"");
    ManifestEntry e = resolver.resolve("http://example.test/weak.txt", null, true, 1).get(0);
    assertThat(e.digest()).isEqualTo("W/\"x");
    assertThat(e.extra()).containsEntry("etag", "W/\"x\"");
  }

  @Test
  void httpOpenChecksEtag() throws IOException {
    ManifestEntry e = resolver.resolve("http://example.test/etag/hello.txt", "h", true, 1).get(0);
    try (InputStream in = resolver.open(e)) {
      assertThat(in.readAllBytes()).isEqualTo("hello\n".getBytes(UTF_8));
    }
    ManifestEntry stale =
        new ManifestEntry(e.path(), "old", e.ref(), e.size(), null, Map.of("etag", "\"old\""));
    assertThatThrownBy(() -> resolver.open(stale))
        .isInstanceOf(ArtifactException.Corrupted.class)
        .hasMessageContaining("changed since it was referenced")
        .hasMessageContaining("http://example.test/etag/hello.txt");
  }

  @Test
  void httpNotFoundIsReported() {
    assertThatThrownBy(() -> resolver.resolve("http://example.test/missing", null, true, 1))
        .isInstanceOf(ArtifactException.NotFound.class)
        .hasMessageContaining("HTTP 404");
  }

  // ---- S3 / GCS / other Hadoop ---------------------------------------------------------------

  @Test
  void s3aInputIsRecordedAsS3AndReadsNothing() throws IOException {
    FakeObjectStoreFileSystem.OPENS.clear();
    ManifestEntry e =
        resolver.resolve("s3a://wb-vectors/objects/multipart.bin", null, true, 1).get(0);
    assertThat(e.ref()).isEqualTo("s3://wb-vectors/objects/multipart.bin");
    assertThat(e.path()).isEqualTo("multipart.bin");
    assertThat(e.digest()).isEqualTo("e5a8c5272b26fc10581a21089559b006-2");
    assertThat(FakeObjectStoreFileSystem.OPENS).isEmpty();
  }

  @Test
  void s3OpenChecksEtag() throws IOException {
    ManifestEntry e = resolver.resolve("s3://wb-vectors/objects/hello.txt", "h", true, 1).get(0);
    try (InputStream in = resolver.open(e)) {
      assertThat(in.readAllBytes()).isEqualTo("hello\n".getBytes(UTF_8));
    }
    ManifestEntry stale =
        new ManifestEntry(e.path(), "0123", e.ref(), e.size(), null, Map.of("etag", "0123"));
    assertThatThrownBy(() -> resolver.open(stale))
        .isInstanceOf(ArtifactException.Corrupted.class)
        .hasMessageContaining("s3://wb-vectors/objects/hello.txt")
        .hasMessageContaining("object changed since it was referenced");
  }

  @Test
  void s3RefusesVersionPinsAndMissingObjectsAndTooManyObjects() {
    assertThatThrownBy(
            () -> resolver.resolve("s3://wb-vectors/objects/hello.txt?versionId=abc", "x", true, 1))
        .isInstanceOf(ArtifactException.InvalidInput.class)
        .hasMessageContaining("versionId");
    assertThatThrownBy(() -> resolver.resolve("s3://wb-vectors/nothing-here", "x", true, 1))
        .isInstanceOf(ArtifactException.NotFound.class)
        .hasMessageContaining("s3://wb-vectors/nothing-here");
    assertThatThrownBy(() -> resolver.resolve("s3://wb-vectors/objects", "x", true, 1))
        .isInstanceOf(ArtifactException.InvalidInput.class)
        .hasMessageContaining("more than 1 objects");
  }

  @Test
  void withoutS3aOrGcsFilesystemsChecksumTrueIsRefusedClearly() throws IOException {
    // hadoop-aws is on the test classpath (S3Proxy tests); make s3a unavailable explicitly.
    Configuration conf = new Configuration();
    conf.set("fs.s3a.impl", "no.such.S3AFileSystem");
    DefaultReferenceResolver bare = new DefaultReferenceResolver(conf, new OkHttpClient());
    assertThatThrownBy(() -> bare.resolve("gs://b/k", null, true, 1))
        .isInstanceOf(ArtifactException.InvalidInput.class)
        .hasMessageContaining("Cannot reference gs://b/k: no GCS filesystem available");
    assertThatThrownBy(() -> bare.resolve("s3://b/k", null, true, 1))
        .isInstanceOf(ArtifactException.InvalidInput.class)
        .hasMessageContaining("no S3A filesystem available");
    assertThat(bare.resolve("gs://b/k#7", null, false, 1).get(0).digest()).isEqualTo("gs://b/k");
  }

  @Test
  void hadoopSchemeWithoutEtagsIsHashedByContent() throws IOException {
    // An object store without ETags stands in for HDFS.
    FakeObjectStoreFileSystem.put(
        "testfs://nn/data/part-00000.csv",
        null,
        Files.readAllBytes(copy.resolve("data/part-00000.csv")));
    DefaultReferenceResolver r =
        new DefaultReferenceResolver(
            FakeObjectStoreFileSystem.configuration("testfs"), new OkHttpClient());
    String uri = "testfs://nn/data";
    List<ManifestEntry> entries = r.resolve(uri, "d", true, 10);
    assertThat(entries).hasSize(1);
    ManifestEntry e = entries.get(0);
    assertThat(e.path()).isEqualTo("d/part-00000.csv");
    assertThat(e.digest()).isEqualTo("7nZkA1jgej0x6vrUYKZFkw==");
    assertThat(e.ref()).isEqualTo(uri + "/part-00000.csv");
    assertThat(e.size()).isEqualTo(22L);
    assertThat(References.isContentMd5(e)).isTrue();
    try (InputStream in = r.open(e)) {
      assertThat(in.readAllBytes()).hasSize(22);
    }
    ManifestEntry pointer = r.resolve(uri, "d", false, 10).get(0);
    assertThat(pointer.digest()).isEqualTo(uri);
    assertThat(pointer.size()).isNull();
  }

  // ---- tracked and wandb-artifact ------------------------------------------------------------

  @Test
  void trackedSchemeNeedsNameAndCannotBeOpened() throws IOException {
    assertThatThrownBy(() -> resolver.resolve("custom-scheme://host/x", null, true, 1))
        .isInstanceOf(ArtifactException.InvalidInput.class)
        .hasMessageContaining("custom-scheme://host/x")
        .hasMessageContaining("name is required");
    ManifestEntry e = resolver.resolve("custom-scheme://host/x", "x", false, 1).get(0);
    assertThat(e.digest()).isEqualTo("custom-scheme://host/x");
    assertThatThrownBy(() -> resolver.open(e))
        .isInstanceOf(TrackedReferenceException.class)
        .hasMessageContaining("only tracked");
  }

  @Test
  void artifactReferencesNeedALookup() {
    String uri = "wandb-artifact://41727469666163743a313233343536373839/data/part-00000.csv";
    assertThatThrownBy(() -> resolver.resolve(uri, null, true, 1))
        .isInstanceOf(ArtifactException.InvalidInput.class)
        .hasMessageContaining("not supported by this registry yet");
  }

  @Test
  void artifactReferencesFollowChainsThroughTheLookup() throws IOException {
    String first = "QXJ0aWZhY3Q6MTIzNDU2Nzg5";
    String second = ArtifactIds.fromHex("41727469666163743a32");
    ManifestEntry target =
        ManifestEntry.file("data/part-00000.csv", "7nZkA1jgej0x6vrUYKZFkw==", 22);
    ArtifactEntryLookup lookup =
        new ArtifactEntryLookup() {
          @Override
          public Optional<ManifestEntry> entry(String artifactId, String path) {
            if (artifactId.equals(first)) {
              return Optional.of(
                  ManifestEntry.reference(
                      path,
                      target.digest(),
                      ArtifactIds.referenceUri(second, "p.csv"),
                      0L,
                      Map.of()));
            }
            return artifactId.equals(second) && path.equals("p.csv")
                ? Optional.of(target)
                : Optional.empty();
          }

          @Override
          public InputStream open(String artifactId, ManifestEntry entry) {
            return InputStream.nullInputStream();
          }
        };
    DefaultReferenceResolver r =
        new DefaultReferenceResolver(new Configuration(), new OkHttpClient(), lookup);
    ManifestEntry e =
        r.resolve(ArtifactIds.referenceUri(first, "data/part-00000.csv"), null, true, 1).get(0);
    assertThat(e.path()).isEqualTo("p.csv");
    assertThat(e.digest()).isEqualTo(target.digest());
    assertThat(e.size()).isZero();
    assertThat(e.ref()).isEqualTo(ArtifactIds.referenceUri(second, "p.csv"));
  }

  static void copyTree(Path from, Path to) throws IOException {
    try (Stream<Path> walk = Files.walk(from)) {
      for (Path p : (Iterable<Path>) walk::iterator) {
        Path dest = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(dest);
        } else {
          Files.copy(p, dest, StandardCopyOption.REPLACE_EXISTING);
        }
      }
    }
  }
}
