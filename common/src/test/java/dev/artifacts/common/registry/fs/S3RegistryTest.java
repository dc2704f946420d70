package dev.artifacts.common.registry.fs;

import static dev.artifacts.common.registry.fs.RegistryFixtures.countFiles;
import static dev.artifacts.common.registry.fs.RegistryFixtures.tree;
import static dev.artifacts.common.registry.fs.RegistryFixtures.write;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.artifacts.common.ArtifactException;
import dev.artifacts.common.digest.Digests;
import dev.artifacts.common.manifest.Manifest;
import dev.artifacts.common.manifest.ManifestEntry;
import dev.artifacts.common.name.ArtifactPath;
import dev.artifacts.common.registry.ArtifactDraft;
import dev.artifacts.common.registry.ArtifactFiles;
import dev.artifacts.common.registry.ArtifactRegistries;
import dev.artifacts.common.registry.ArtifactRegistry;
import dev.artifacts.common.registry.ArtifactVersion;
import dev.artifacts.common.registry.CommitResult;
import dev.artifacts.common.registry.ContentStore;
import dev.artifacts.common.registry.GcReport;
import dev.artifacts.common.registry.VerifyReport;
import dev.artifacts.common.registry.VersionQuery;
import dev.artifacts.common.registry.VersionUpdate;
import dev.artifacts.common.testing.S3ProxyServer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.s3a.S3AFileSystem;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The embedded registry and S3 references on a real S3 API: S3Proxy (filesystem store) reached
 * through {@code s3a://}, the registry opened the way users open it ({@link
 * ArtifactRegistries#open(String, Configuration)}). Each test uses its own registry root under the
 * class's bucket, so tests do not see each other's versions or objects.
 */
class S3RegistryTest {
  private static final ArtifactPath EVENTS = new ArtifactPath("acme", "p", "events", null);

  @TempDir static java.nio.file.Path serverDir;

  private static S3ProxyServer s3;
  private static Configuration conf;
  private static FileSystem fs;

  @BeforeAll
  static void startServer() throws Exception {
    s3 = S3ProxyServer.start(serverDir);
    conf = s3.hadoopConf();
    // Static credentials only: no environment, profile or instance-metadata lookups.
    assertThat(conf.get("fs.s3a.aws.credentials.provider"))
        .isEqualTo("org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider");
    fs = FileSystem.newInstance(s3.root(), conf);
  }

  @AfterAll
  static void stopServer() throws Exception {
    if (fs != null) {
      fs.close();
    }
    if (s3 != null) {
      // The reference handler resolves s3a:// through FileSystem.get, i.e. the JVM's cache; the
      // bucket name is unique to this server, so closing that instance affects no other test.
      FileSystem.get(s3.root(), conf).close();
      s3.close();
    }
  }

  // ---- helpers -------------------------------------------------------------------------------

  /** {@code s3a://<bucket>/<prefix>}. */
  private static String uri(String prefix) {
    return "s3a://" + s3.bucket() + "/" + prefix;
  }

  private static Path path(String prefix) {
    return new Path(uri(prefix));
  }

  private static ArtifactRegistry open(String prefix) {
    return ArtifactRegistries.open(uri(prefix), conf);
  }

  private static CommitResult commit(
      ArtifactRegistry registry, Map<String, String> files, String... aliases) throws IOException {
    ArtifactDraft draft = registry.newDraft(EVENTS, "dataset");
    for (Map.Entry<String, String> f : files.entrySet()) {
      try (OutputStream out = draft.newFile(f.getKey())) {
        out.write(f.getValue().getBytes(UTF_8));
      }
    }
    return registry.commit(draft.aliases(List.of(aliases)));
  }

  private static String read(ArtifactRegistry registry, ArtifactVersion v, ManifestEntry e)
      throws IOException {
    try (InputStream in = registry.open(v, e)) {
      return new String(in.readAllBytes(), UTF_8);
    }
  }

  private static void put(Path path, String text) throws IOException {
    try (FSDataOutputStream out = fs.create(path, true)) {
      out.write(text.getBytes(UTF_8));
    }
  }

  /** Hex MD5, computed here rather than through the code under test. */
  private static String md5Hex(String text) throws NoSuchAlgorithmException {
    return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(text.getBytes(UTF_8)));
  }

  /** {@code objects/md5/<hex[0:2]>/<hex[2:]>} of each text, as registry-relative keys. */
  private static Set<String> objectKeys(String... texts) throws NoSuchAlgorithmException {
    Set<String> keys = new TreeSet<>();
    for (String t : texts) {
      String hex = md5Hex(t);
      keys.add("md5/" + hex.substring(0, 2) + "/" + hex.substring(2));
    }
    return keys;
  }

  private static List<Integer> range(int n) {
    return IntStream.range(0, n).boxed().toList();
  }

  // ---- round trip ----------------------------------------------------------------------------

  @Test
  void roundTripStoresIdenticalBodiesOnce(@TempDir java.nio.file.Path local) throws Exception {
    java.nio.file.Path data = local.resolve("data");
    java.nio.file.Path a = write(data, "a.txt", "hello\n");
    java.nio.file.Path dir = data.resolve("dir");
    write(dir, "b.txt", "hello\n");
    write(dir, "sub/c.bin", "see\u00e9\n");
    Map<String, String> expected = new LinkedHashMap<>();
    expected.put("a.txt", "hello\n");
    expected.put("streamed/hello.txt", "hello\n");
    expected.put("streamed/unique.txt", "only streamed");
    expected.put("dir/b.txt", "hello\n");
    expected.put("dir/sub/c.bin", "see\u00e9\n");

    try (ArtifactRegistry registry = ArtifactRegistries.open(uri("registry"), conf)) {
      assertThat(registry).isInstanceOf(FileSystemRegistry.class);
      assertThat(((FileSystemRegistry) registry).fileSystem()).isInstanceOf(S3AFileSystem.class);

      ArtifactDraft draft = registry.newDraft(EVENTS, "dataset");
      draft.addFile(a, "a.txt");
      try (OutputStream out = draft.newFile("streamed/hello.txt")) {
        out.write("hello\n".getBytes(UTF_8));
      }
      try (OutputStream out = draft.newFile("streamed/unique.txt")) {
        out.write("only streamed".getBytes(UTF_8));
      }
      draft.addDir(dir, "dir");
      draft.aliases(List.of("prod"));
      Manifest drafted = draft.manifest();

      CommitResult result = registry.commit(draft);

      assertThat(result.created()).isTrue();
      ArtifactVersion v0 = result.version();
      assertThat(v0.version()).isEqualTo("v0");
      assertThat(v0.aliases()).containsExactlyInAnyOrder("latest", "prod");
      for (String alias : List.of("latest", "v0", "prod")) {
        assertThat(registry.resolve(EVENTS.withAlias(alias)).id()).as(alias).isEqualTo(v0.id());
      }
      Manifest manifest = registry.manifest(v0);
      assertThat(manifest).isEqualTo(drafted);
      assertThat(manifest.digest()).isEqualTo(v0.digest());
      assertThat(manifest.entries())
          .extracting(ManifestEntry::path)
          .hasSameElementsAs(expected.keySet());
      for (ManifestEntry e : manifest.entries()) {
        assertThat(e.isReference()).isFalse();
        assertThat(read(registry, v0, e)).as(e.path()).isEqualTo(expected.get(e.path()));
      }

      java.nio.file.Path out = local.resolve("out");
      ArtifactFiles.Download download = ArtifactFiles.download(registry, v0, out, 4);
      assertThat(download.written()).isEqualTo(5);
      assertThat(download.unverified()).isEmpty();
      for (Map.Entry<String, String> e : expected.entrySet()) {
        assertThat(java.nio.file.Files.readString(out.resolve(e.getKey()), UTF_8))
            .isEqualTo(e.getValue());
      }
      VerifyReport verify = ArtifactFiles.verify(registry, v0, out);
      assertThat(verify.ok()).as(verify.summary()).isTrue();
      assertThat(verify.verified()).isEqualTo(5);

      // Five entries, three distinct bodies: each stored once, under its MD5, nothing staged.
      Path project = path("registry/acme/p");
      assertThat(tree(fs, new Path(project, "objects")).keySet())
          .isEqualTo(objectKeys("hello\n", "only streamed", "see\u00e9\n"));
      assertThat(countFiles(fs, new Path(project, "staging"))).isZero();
    }
  }

  @Test
  void dedupNewVersionsAndMovingAliases() throws IOException {
    try (ArtifactRegistry registry = open("dedup")) {
      ArtifactVersion v0 = commit(registry, Map.of("a", "one"), "prod").version();
      assertThat(v0.version()).isEqualTo("v0");

      CommitResult same = commit(registry, Map.of("a", "one"));
      assertThat(same.created()).isFalse();
      assertThat(same.version().id()).isEqualTo(v0.id());
      assertThat(same.version().version()).isEqualTo("v0");

      CommitResult changed = commit(registry, Map.of("a", "two"), "prod");
      assertThat(changed.created()).isTrue();
      ArtifactVersion v1 = changed.version();
      assertThat(v1.version()).isEqualTo("v1");
      assertThat(v1.aliases()).containsExactlyInAnyOrder("latest", "prod");
      assertThat(registry.resolve(EVENTS).id()).isEqualTo(v1.id());
      assertThat(registry.resolve(EVENTS.withAlias("prod")).id()).isEqualTo(v1.id());
      assertThat(registry.resolve(EVENTS.withAlias("v0")).aliases()).isEmpty();

      // A dedup commit still applies its aliases, to the version it matched.
      CommitResult again = commit(registry, Map.of("a", "two"), "staging");
      assertThat(again.created()).isFalse();
      assertThat(again.version().aliases()).containsExactlyInAnyOrder("latest", "prod", "staging");

      // Moving an alias back replaces its object (s3a rename does not overwrite).
      ArtifactVersion moved = registry.addAlias(registry.resolve(EVENTS.withAlias("v0")), "prod");
      assertThat(moved.aliases()).containsExactly("prod");
      assertThat(registry.resolve(EVENTS.withAlias("prod")).id()).isEqualTo(v0.id());
      assertThat(registry.resolve(EVENTS).aliases()).containsExactlyInAnyOrder("latest", "staging");

      assertThat(
              registry.versions(
                  EVENTS, VersionQuery.all().withOrder(VersionQuery.Order.VERSION_ASC)))
          .extracting(ArtifactVersion::version)
          .containsExactly("v0", "v1");
      // Labels are replaced the same way as aliases: twice, so the second replaces an object.
      registry.update(v1, new VersionUpdate("first", null, List.of("gold"), null, null));
      ArtifactVersion relabelled =
          registry.update(v1, new VersionUpdate("second", null, null, List.of("gold"), null));
      assertThat(relabelled.description()).isEqualTo("second");
      assertThat(relabelled.tags()).isEmpty();
      assertThat(registry.resolve(EVENTS.withAlias("v1")).description()).isEqualTo("second");

      ArtifactVersion latest = registry.resolve(EVENTS);
      assertThat(read(registry, latest, registry.manifest(latest).entry("a").orElseThrow()))
          .isEqualTo("two");
    }
  }

  /**
   * Entity, project and alias characters that the layout percent-encodes into key segments must
   * survive s3a's own URI quoting: in lookups, in listings, and in gc's matching of listed objects
   * to manifests (a mismatch there would delete referenced bodies).
   */
  @Test
  void encodedNamesResolveListAndSurviveGc() throws IOException {
    ArtifactPath odd = new ArtifactPath("acme corp", "sp\u00e4ce p", "events", null);
    try (ArtifactRegistry registry = open("encoded")) {
      ArtifactDraft draft = registry.newDraft(odd, "dataset");
      try (OutputStream out = draft.newFile("a")) {
        out.write("encoded".getBytes(UTF_8));
      }
      ArtifactVersion v0 =
          registry.commit(draft.aliases(List.of("best run \u00fc", "50%"))).version();
      assertThat(v0.aliases()).containsExactlyInAnyOrder("latest", "best run \u00fc", "50%");
      for (String alias : List.of("best run \u00fc", "50%")) {
        assertThat(registry.resolve(odd.withAlias(alias)).id()).as(alias).isEqualTo(v0.id());
      }
      assertThat(registry.collections("acme corp", "sp\u00e4ce p", null))
          .extracting(c -> c.name())
          .containsExactly("events");

      GcReport gc = registry.gc(Duration.ZERO, false, true);
      assertThat(gc.objectsRemoved()).isZero();
      assertThat(gc.objectsKept()).isEqualTo(1);
      assertThat(read(registry, v0, registry.manifest(v0).entry("a").orElseThrow()))
          .isEqualTo("encoded");
    }
  }

  // ---- concurrency ---------------------------------------------------------------------------

  @Test
  void eightThreadsSharingOneRegistryGetGaplessVersions() throws Exception {
    eightThreads("threads-shared", true);
  }

  @Test
  void eightThreadsWithTheirOwnRegistriesGetGaplessVersions() throws Exception {
    eightThreads("threads-own", false);
  }

  private void eightThreads(String prefix, boolean shared) throws Exception {
    int threads = 8;
    List<ArtifactRegistry> registries = new ArrayList<>();
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      for (int t = 0; t < (shared ? 1 : threads); t++) {
        registries.add(open(prefix));
      }
      CountDownLatch start = new CountDownLatch(1);
      List<Future<CommitResult>> results = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        ArtifactRegistry registry = registries.get(shared ? 0 : t);
        // Bodies are stored before the gate, so the threads race on the commit point itself.
        ArtifactDraft draft = registry.newDraft(EVENTS, "dataset");
        try (OutputStream out = draft.newFile("part-" + t)) {
          out.write(threadContent(prefix, t).getBytes(UTF_8));
        }
        results.add(
            pool.submit(
                () -> {
                  start.await();
                  return registry.commit(draft);
                }));
      }
      start.countDown();
      Map<Integer, Integer> threadOfIndex = new HashMap<>();
      for (int t = 0; t < threads; t++) {
        CommitResult r = results.get(t).get(60, TimeUnit.SECONDS);
        assertThat(r.created()).as("thread %d created a version", t).isTrue();
        assertThat(threadOfIndex.put(r.version().versionIndex(), t))
            .as("v%d given to two threads", r.version().versionIndex())
            .isNull();
      }
      assertThat(threadOfIndex.keySet()).containsExactlyInAnyOrderElementsOf(range(threads));

      // A fresh registry instance reads back what the racers wrote.
      try (ArtifactRegistry reader = open(prefix)) {
        List<ArtifactVersion> versions =
            reader.versions(EVENTS, VersionQuery.all().withOrder(VersionQuery.Order.VERSION_ASC));
        assertThat(versions).extracting(ArtifactVersion::versionIndex).isEqualTo(range(threads));
        for (ArtifactVersion v : versions) {
          int t = threadOfIndex.get(v.versionIndex());
          Manifest m = reader.manifest(v);
          assertThat(m.digest()).isEqualTo(v.digest());
          ManifestEntry only = m.entries().get(0);
          assertThat(m.entries()).hasSize(1);
          assertThat(only.path()).isEqualTo("part-" + t);
          assertThat(only.digest()).isEqualTo(Digests.md5Base64(threadContent(prefix, t)));
          assertThat(read(reader, v, only)).isEqualTo(threadContent(prefix, t));
        }
        assertThat(reader.resolve(EVENTS).versionIndex()).isEqualTo(threads - 1);
      }
    } finally {
      pool.shutdownNow();
      for (ArtifactRegistry r : registries) {
        r.close();
      }
    }
  }

  private static String threadContent(String prefix, int thread) {
    return prefix + " thread " + thread;
  }

  @Test
  void fourProcessesGetGaplessVersions(@TempDir java.nio.file.Path logs) throws Exception {
    int processes = 4;
    int each = 3;
    String root = uri("processes");
    String javaBin =
        java.nio.file.Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<Process> started = new ArrayList<>();
    try {
      for (int p = 0; p < processes; p++) {
        ProcessBuilder pb =
            new ProcessBuilder(
                javaBin,
                "-Xmx256m",
                "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1",
                "-D" + CommitWorker.ENDPOINT + "=" + s3.endpoint(),
                "-D" + CommitWorker.ACCESS_KEY + "=" + s3.accessKey(),
                "-D" + CommitWorker.SECRET_KEY + "=" + s3.secretKey(),
                "-D" + CommitWorker.GATE + "=stdin",
                "-cp",
                System.getProperty("java.class.path"),
                CommitWorker.class.getName(),
                root,
                EVENTS.toString(),
                "w" + p,
                String.valueOf(each));
        pb.environment().put("AWS_EC2_METADATA_DISABLED", "true");
        pb.redirectError(logs.resolve("worker" + p + ".err").toFile());
        started.add(pb.start());
      }
      // Each worker's stdout is read on its own thread, so that a hung worker fails the test at
      // a latch timeout instead of blocking a read forever.
      CountDownLatch ready = new CountDownLatch(processes);
      CountDownLatch finished = new CountDownLatch(processes);
      List<String> printed = Collections.synchronizedList(new ArrayList<>());
      List<String> notReady = Collections.synchronizedList(new ArrayList<>());
      for (int p = 0; p < processes; p++) {
        Process proc = started.get(p);
        String worker = "w" + p;
        Thread reader =
            new Thread(
                () -> {
                  try (BufferedReader out =
                      new BufferedReader(new InputStreamReader(proc.getInputStream(), UTF_8))) {
                    String first = out.readLine();
                    if (!CommitWorker.READY.equals(first)) {
                      notReady.add(worker + " printed " + first);
                    }
                    ready.countDown();
                    for (String line; (line = out.readLine()) != null; ) {
                      printed.add(line);
                    }
                  } catch (IOException e) {
                    notReady.add(worker + ": " + e);
                  } finally {
                    finished.countDown();
                  }
                },
                "commit-worker-" + worker);
        reader.setDaemon(true);
        reader.start();
      }
      assertThat(ready.await(90, TimeUnit.SECONDS)).as("all workers ready").isTrue();
      assertThat(notReady).as("stderr of w0:%n%s", stderr(logs, 0)).isEmpty();
      for (Process proc : started) {
        proc.getOutputStream().write("go\n".getBytes(UTF_8));
        proc.getOutputStream().close();
      }
      assertThat(finished.await(120, TimeUnit.SECONDS)).as("all workers finished").isTrue();
      for (int p = 0; p < processes; p++) {
        Process proc = started.get(p);
        assertThat(proc.waitFor(30, TimeUnit.SECONDS)).as("worker %d exited", p).isTrue();
        assertThat(proc.exitValue()).as("worker %d exit; stderr:%n%s", p, stderr(logs, p)).isZero();
      }
      int count = processes * each;
      assertThat(printed).hasSize(count);
      assertThat(printed.stream().map(l -> l.substring(l.lastIndexOf(':') + 1)).toList())
          .containsExactlyInAnyOrderElementsOf(range(count).stream().map(i -> "v" + i).toList());

      try (ArtifactRegistry registry = open("processes")) {
        List<ArtifactVersion> versions =
            registry.versions(EVENTS, VersionQuery.all().withOrder(VersionQuery.Order.VERSION_ASC));
        assertThat(versions).extracting(ArtifactVersion::versionIndex).isEqualTo(range(count));
        Set<String> parts = new TreeSet<>();
        for (ArtifactVersion v : versions) {
          Manifest m = registry.manifest(v);
          assertThat(m.digest()).isEqualTo(v.digest());
          assertThat(m.entries()).hasSize(1);
          ManifestEntry e = m.entries().get(0);
          // part-<worker>-<i> holds CommitWorker.content(worker, i)
          String[] name = e.path().split("-");
          assertThat(read(registry, v, e))
              .isEqualTo(CommitWorker.content(name[1], Integer.parseInt(name[2])));
          parts.add(e.path());
        }
        assertThat(parts).hasSize(count);
        assertThat(registry.resolve(EVENTS).versionIndex()).isEqualTo(count - 1);
      }
    } finally {
      for (Process proc : started) {
        proc.destroyForcibly();
      }
    }
  }

  private static String stderr(java.nio.file.Path logs, int worker) {
    try {
      return java.nio.file.Files.readString(logs.resolve("worker" + worker + ".err"));
    } catch (IOException e) {
      return "(no stderr: " + e + ")";
    }
  }

  // ---- bad input -----------------------------------------------------------------------------

  @Test
  void unknownAliasAndCorruptedManifestAreReportedAndChangeNothing(
      @TempDir java.nio.file.Path local) throws IOException {
    Path root = path("bad");
    try (ArtifactRegistry registry = open("bad")) {
      ArtifactVersion v0 = commit(registry, Map.of("a", "alpha"), "prod").version();
      Map<String, String> before = tree(fs, root);
      assertThat(before).isNotEmpty();

      assertThatThrownBy(() -> registry.resolve(EVENTS.withAlias("nope")))
          .isInstanceOf(ArtifactException.NotFound.class)
          .hasMessageContaining("acme/p/events:nope")
          .hasMessageContaining("prod");
      assertThatThrownBy(() -> registry.resolve(EVENTS.withAlias("v7")))
          .isInstanceOf(ArtifactException.NotFound.class)
          .hasMessageContaining("acme/p/events:v7")
          .hasMessageContaining("latest is v0");
      assertThatThrownBy(() -> registry.resolve(new ArtifactPath("acme", "p", "ghost", null)))
          .isInstanceOf(ArtifactException.NotFound.class)
          .hasMessageContaining("acme/p/ghost");
      // A commit whose body was never stored fails before writing anything.
      ArtifactDraft orphan = registry.newDraft(EVENTS, "dataset");
      orphan.addEntry(ManifestEntry.file("x", Digests.md5Base64("never stored"), 12));
      assertThatThrownBy(() -> registry.commit(orphan))
          .isInstanceOf(ArtifactException.NotFound.class)
          .hasMessageContaining("acme/p/events");
      assertThat(tree(fs, root)).isEqualTo(before);

      // Truncate the manifest object in the bucket.
      Path manifests = path("bad/acme/p/collections/events/manifests");
      Map<String, String> manifestObjects = tree(fs, manifests);
      assertThat(manifestObjects).hasSize(1);
      Path manifest = new Path(manifests, manifestObjects.keySet().iterator().next());
      byte[] bytes;
      try (InputStream in = fs.open(manifest)) {
        bytes = in.readAllBytes();
      }
      try (FSDataOutputStream out = fs.create(manifest, true)) {
        out.write(bytes, 0, bytes.length / 2);
      }
      Map<String, String> corrupted = tree(fs, root);
      assertThat(corrupted).isNotEqualTo(before);

      assertThatThrownBy(() -> registry.manifest(v0))
          .isInstanceOf(ArtifactException.Corrupted.class)
          .hasMessageContaining("acme/p/events:v0");
      assertThatThrownBy(() -> ArtifactFiles.download(registry, v0, local.resolve("out"), 2))
          .isInstanceOf(ArtifactException.Corrupted.class)
          .hasMessageContaining("acme/p/events:v0");
      assertThatThrownBy(() -> registry.newDraft(v0))
          .isInstanceOf(ArtifactException.Corrupted.class)
          .hasMessageContaining("acme/p/events:v0");
      try (ArtifactRegistry fresh = open("bad")) {
        assertThatThrownBy(() -> fresh.manifest(fresh.resolve(EVENTS.withAlias("prod"))))
            .isInstanceOf(ArtifactException.Corrupted.class)
            .hasMessageContaining("acme/p/events:v0");
      }
      assertThat(tree(fs, root)).isEqualTo(corrupted);
      assertThat(local.resolve("out/a")).doesNotExist();
      assertThat(registry.versions(EVENTS, VersionQuery.all()))
          .extracting(ArtifactVersion::id)
          .containsExactly(v0.id());
    }
  }

  // ---- references ----------------------------------------------------------------------------

  @Test
  void s3ReferencesRecordEtagsAndDetectChangedObjects(@TempDir java.nio.file.Path local)
      throws Exception {
    Map<String, String> objects = new LinkedHashMap<>();
    objects.put("a.txt", "alpha");
    objects.put("b.csv", "bravo,charlie");
    objects.put("nested/deep/c.txt", "nested charlie\n");
    for (Map.Entry<String, String> o : objects.entrySet()) {
      put(path("data/" + o.getKey()), o.getValue());
    }
    put(path("data/empty.txt"), "");
    String bucket = s3.bucket();

    try (ArtifactRegistry registry = open("refs-registry")) {
      ArtifactDraft draft = registry.newDraft(EVENTS, "dataset");
      List<ManifestEntry> viaS3 = draft.addReference("s3://" + bucket + "/data", "refs");
      List<ManifestEntry> viaS3a = draft.addReference("s3a://" + bucket + "/data", "refs2");
      List<ManifestEntry> pointer =
          draft.addReference("s3://" + bucket + "/data/a.txt", "ptr", false, 10);

      // The empty object is skipped, as W&B does.
      assertThat(viaS3)
          .extracting(ManifestEntry::path)
          .containsExactlyInAnyOrder("refs/a.txt", "refs/b.csv", "refs/nested/deep/c.txt");
      assertThat(viaS3a)
          .extracting(ManifestEntry::path)
          .containsExactlyInAnyOrder("refs2/a.txt", "refs2/b.csv", "refs2/nested/deep/c.txt");
      for (List<ManifestEntry> entries : List.of(viaS3, viaS3a)) {
        for (ManifestEntry e : entries) {
          String key = e.path().substring(e.path().indexOf('/') + 1);
          String text = objects.get(key);
          String md5 = md5Hex(text);
          assertThat(e.digest()).as(e.path()).isEqualTo(md5);
          assertThat(e.extra()).as(e.path()).containsEntry("etag", md5);
          assertThat(S3ProxyServer.etag(fs, path("data/" + key))).isEqualTo(md5);
          assertThat(e.ref()).isEqualTo("s3://" + bucket + "/data/" + key);
          assertThat(e.size()).isEqualTo(text.getBytes(UTF_8).length);
        }
      }
      // One object by its full key; an empty object alone adds nothing; a missing prefix fails.
      List<ManifestEntry> single = draft.addReference("s3://" + bucket + "/data/b.csv", null);
      assertThat(single).hasSize(1);
      assertThat(single.get(0).path()).isEqualTo("b.csv");
      assertThat(single.get(0).digest()).isEqualTo(md5Hex("bravo,charlie"));
      assertThat(single.get(0).ref()).isEqualTo("s3://" + bucket + "/data/b.csv");
      assertThat(draft.addReference("s3://" + bucket + "/data/empty.txt", "e")).isEmpty();
      assertThatThrownBy(() -> draft.addReference("s3://" + bucket + "/no-such-prefix", "x"))
          .isInstanceOf(ArtifactException.NotFound.class)
          .hasMessageContaining("s3://" + bucket + "/no-such-prefix");
      draft.remove("b.csv");

      String pointerRef = "s3://" + bucket + "/data/a.txt";
      assertThat(pointer).hasSize(1);
      assertThat(pointer.get(0).path()).isEqualTo("ptr");
      assertThat(pointer.get(0).digest()).isEqualTo(pointerRef);
      assertThat(pointer.get(0).ref()).isEqualTo(pointerRef);

      ArtifactVersion v0 = registry.commit(draft).version();
      Manifest manifest = registry.manifest(v0);
      assertThat(manifest.fileCount()).isEqualTo(7);
      for (ManifestEntry e : manifest.entries()) {
        String expected =
            e.path().equals("ptr")
                ? "alpha"
                : objects.get(e.path().substring(e.path().indexOf('/') + 1));
        assertThat(read(registry, v0, e)).as(e.path()).isEqualTo(expected);
      }
      // References are not stored: the registry holds no bodies.
      assertThat(countFiles(fs, path("refs-registry/acme/p/objects"))).isZero();

      ArtifactFiles.Download download =
          ArtifactFiles.download(registry, v0, local.resolve("before"), 4);
      assertThat(download.written()).isEqualTo(7);
      assertThat(java.nio.file.Files.readString(local.resolve("before/refs/nested/deep/c.txt")))
          .isEqualTo("nested charlie\n");
      VerifyReport verify = ArtifactFiles.verify(registry, v0, local.resolve("before"));
      assertThat(verify.ok()).as(verify.summary()).isTrue();
      assertThat(verify.referencesSkipped()).isEqualTo(7);

      // Same length, other bytes: only the ETag tells.
      put(path("data/b.csv"), "BRAVO,CHARLIE");
      for (String name : List.of("refs/b.csv", "refs2/b.csv")) {
        ManifestEntry changed = manifest.entry(name).orElseThrow();
        assertThatThrownBy(() -> registry.open(v0, changed))
            .isInstanceOf(ArtifactException.Corrupted.class)
            .hasMessageContaining("s3://" + bucket + "/data/b.csv")
            .hasMessageContaining("changed");
      }
      assertThatThrownBy(() -> ArtifactFiles.download(registry, v0, local.resolve("after"), 2))
          .isInstanceOf(ArtifactException.Corrupted.class)
          .hasMessageContaining("data/b.csv")
          .hasMessageContaining("changed");
      assertThat(local.resolve("after/refs/b.csv")).doesNotExist();
      // Unchanged objects still read.
      assertThat(read(registry, v0, manifest.entry("refs/a.txt").orElseThrow())).isEqualTo("alpha");
    }
  }

  // ---- gc ------------------------------------------------------------------------------------

  /**
   * S3 objects carry their Last-Modified time and it cannot be set, so an orphan cannot be aged as
   * in {@code GcTest}. Instead: a one-hour grace keeps the fresh orphan, and grace zero (safe only
   * because nothing else writes to this registry root) removes it while referenced bodies stay.
   */
  @Test
  void gcRemovesOrphansButKeepsReferencedObjects() throws Exception {
    Path objects = path("gc/acme/p/objects");
    try (ArtifactRegistry registry = open("gc")) {
      ArtifactVersion v0 = commit(registry, Map.of("a", "kept", "b", "kept too")).version();
      ContentStore store = registry.contentStore("acme", "p");
      ContentStore.BodyWriter stray = store.newBody();
      stray.stream().write("orphan".getBytes(UTF_8));
      stray.commit();
      assertThat(tree(fs, objects).keySet()).isEqualTo(objectKeys("kept", "kept too", "orphan"));

      GcReport young = registry.gc(Duration.ofHours(1), false);
      assertThat(young.objectsRemoved()).isZero();
      assertThat(young.objectsKept()).isEqualTo(3);

      Map<String, String> before = tree(fs, path("gc"));
      GcReport dry = registry.gc(Duration.ZERO, true);
      assertThat(dry.objectsRemoved()).isEqualTo(1);
      assertThat(dry.objectsKept()).isEqualTo(2);
      assertThat(dry.bytesFreed()).isEqualTo("orphan".length());
      assertThat(tree(fs, path("gc"))).isEqualTo(before);

      GcReport real = registry.gc(Duration.ZERO, false, true);
      assertThat(real).isEqualTo(dry);
      assertThat(tree(fs, objects).keySet()).isEqualTo(objectKeys("kept", "kept too"));
      Manifest m = registry.manifest(v0);
      assertThat(read(registry, v0, m.entry("a").orElseThrow())).isEqualTo("kept");
      assertThat(read(registry, v0, m.entry("b").orElseThrow())).isEqualTo("kept too");
      assertThat(registry.gc(Duration.ZERO, false, true).objectsRemoved()).isZero();
    }
  }

  /**
   * On s3a a staging operation is only a directory marker until its body is closed, and S3A reports
   * directories with modification time 0, so gc takes a body still being written for an old
   * leftover. Deleting the marker must not break the write: closing the body still stores it.
   */
  @Test
  void gcDuringAStreamedWriteDoesNotLoseTheBody() throws Exception {
    try (ArtifactRegistry registry = open("gc-inflight")) {
      ArtifactDraft draft = registry.newDraft(EVENTS, "dataset");
      OutputStream out = draft.newFile("late");
      out.write("written while gc ran".getBytes(UTF_8));

      registry.gc(Duration.ofHours(1), false);
      out.close();

      ArtifactVersion v0 = registry.commit(draft).version();
      assertThat(read(registry, v0, registry.manifest(v0).entry("late").orElseThrow()))
          .isEqualTo("written while gc ran");
      assertThat(tree(fs, path("gc-inflight/acme/p/objects")).keySet())
          .isEqualTo(objectKeys("written while gc ran"));
    }
  }
}
