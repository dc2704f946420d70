package dev.artifacts.common.registry.wandb;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.artifacts.common.ArtifactException;
import dev.artifacts.common.manifest.Manifest;
import dev.artifacts.common.manifest.ManifestEntry;
import dev.artifacts.common.manifest.ManifestReader;
import dev.artifacts.common.name.ArtifactPath;
import dev.artifacts.common.reference.ArtifactIds;
import dev.artifacts.common.reference.DefaultReferenceResolver;
import dev.artifacts.common.registry.ArtifactDraft;
import dev.artifacts.common.registry.ArtifactVersion;
import dev.artifacts.common.registry.CommitResult;
import dev.artifacts.common.registry.ContentStore;
import dev.artifacts.common.registry.TaskUploads;
import dev.artifacts.common.registry.UploadSession;
import dev.artifacts.common.registry.VersionUpdate;
import dev.artifacts.common.testing.FakeWandbServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Uploads from engine tasks: the committing registry begins a session, "task" registries with their
 * own caches (as on other machines) upload their bodies, and the committing one, which never holds
 * the bytes, commits. Also commit properties stored in W&amp;B metadata.
 */
class WandbUploadSessionTest {
  @TempDir Path tmp;
  private FakeWandbServer server;
  private final List<WandbRegistry> open = new ArrayList<>();
  private final ArtifactPath ds = new ArtifactPath("acme", "etl", "ds", null);

  @BeforeEach
  void setUp() throws IOException {
    server = new FakeWandbServer();
  }

  @AfterEach
  void tearDown() throws IOException {
    open.forEach(WandbRegistry::close);
    server.close();
    assertThat(server.authViolations).as("requests to storage carrying Authorization").isEmpty();
    assertThat(server.schemaViolations).as("requests the SDK-derived schema refuses").isEmpty();
  }

  private WandbRegistry open(String cacheName) {
    WandbSettings s = WandbSettings.fromEnv(server.baseUrl(), server.env(tmp.resolve(cacheName)));
    s.sleeper = d -> {};
    s.initialBackoff = Duration.ofMillis(1);
    s.maxBackoff = Duration.ofMillis(4);
    s.createFilesBatch = 2;
    WandbRegistry r = new WandbRegistry(s, new DefaultReferenceResolver());
    open.add(r);
    return r;
  }

  /** What one task does: write bodies, finish (announce and upload), report the entries. */
  private static List<ManifestEntry> task(
      WandbRegistry registry, UploadSession session, Map<String, String> files) throws IOException {
    try (TaskUploads uploads = registry.taskUploads(session)) {
      for (var f : files.entrySet()) {
        ContentStore.BodyWriter body = uploads.newBody(f.getKey());
        try (OutputStream out = body.stream()) {
          out.write(f.getValue().getBytes(UTF_8));
        }
        body.commit();
      }
      return uploads.finish();
    }
  }

  private static long objects(Path cache) throws IOException {
    Path obj = cache.resolve("artifacts/obj");
    if (!Files.exists(obj)) {
      return 0;
    }
    try (Stream<Path> s = Files.walk(obj)) {
      return s.filter(Files::isRegularFile).count();
    }
  }

  private CommitResult write(
      WandbRegistry driver, List<WandbRegistry> executors, List<Map<String, String>> tasks)
      throws IOException {
    UploadSession session = driver.beginUpload(ds, "dataset");
    List<ManifestEntry> reported = new ArrayList<>();
    for (int i = 0; i < tasks.size(); i++) {
      reported.addAll(task(executors.get(i % executors.size()), session, tasks.get(i)));
    }
    ArtifactDraft draft = driver.newDraft(ds, "dataset").uploadSession(session);
    reported.forEach(draft::addStoredEntry);
    return driver.commit(draft);
  }

  @Test
  void tasksUploadTheirOwnFilesAndTheDriverOnlyCommits() throws IOException {
    WandbRegistry driver = open("driver");
    List<WandbRegistry> executors = List.of(open("exec-1"), open("exec-2"));

    CommitResult result =
        write(
            driver,
            executors,
            List.of(
                Map.of("p/a.txt", "alpha", "p/b.txt", "beta", "p/c.txt", "gamma"),
                Map.of("q/d.txt", "delta")));

    assertThat(result.created()).isTrue();
    ArtifactVersion v0 = result.version();
    assertThat(v0.path().alias()).isEqualTo("v0");
    // Only one artifact: the pending one the driver created is the version.
    assertThat(server.states("acme", "etl", "ds")).containsExactly("COMMITTED");
    // Every data upload happened before the driver's final createArtifact; after it the driver
    // sends only the manifest and the commit.
    List<String> events = server.events;
    int finalCreate = events.lastIndexOf("gql CreateArtifact");
    List<String> dataPuts = events.stream().filter(e -> e.startsWith("PUT /put/")).toList();
    assertThat(dataPuts).hasSize(4);
    for (String put : dataPuts) {
      assertThat(events.indexOf(put)).isLessThan(finalCreate);
    }
    // The driver announces the tasks' files again (the server answers "stored"), uploads none,
    // and finishes the PATCH manifest the way wandb-core's finishing writer does.
    assertThat(events.subList(finalCreate, events.size()))
        .filteredOn(e -> !e.startsWith("gql ArtifactMembershipByName"))
        .filteredOn(e -> !e.equals("gql CreateArtifactFiles"))
        .containsExactly(
            "gql CreateArtifact",
            "gql UpdateArtifactManifest",
            "PUT /manifest/" + ArtifactIds.toHex(v0.id()),
            "gql CommitArtifact");
    // The driver never held a body; the executors keep theirs in their W&B caches.
    assertThat(objects(tmp.resolve("driver"))).isZero();
    assertThat(objects(tmp.resolve("exec-1"))).isEqualTo(3);
    assertThat(objects(tmp.resolve("exec-2"))).isEqualTo(1);

    Manifest m = ManifestReader.read(server.manifestOf(v0.id()), "v0");
    assertThat(m.entries()).extracting(ManifestEntry::birthArtifactId).containsOnly(v0.id());
    WandbRegistry reader = open("reader");
    ManifestEntry d = reader.manifest(reader.resolve(ds)).entry("q/d.txt").orElseThrow();
    try (InputStream in = reader.open(v0, d)) {
      assertThat(new String(in.readAllBytes(), UTF_8)).isEqualTo("delta");
    }
  }

  private JsonNode vars(String operation, int nth) {
    int seen = 0;
    for (int i = 0; i < server.operations.size(); i++) {
      if (server.operations.get(i).equals(operation) && seen++ == nth) {
        return server.variables.get(i);
      }
    }
    throw new AssertionError("no call " + nth + " of " + operation);
  }

  @Test
  void theDistributedSaveFollowsWandbCoresPatchSequence() throws IOException {
    WandbRegistry driver = open("driver");
    List<WandbRegistry> executors = List.of(open("exec"));
    ArtifactVersion v0 = write(driver, executors, List.of(Map.of("a.txt", "alpha"))).version();
    ArtifactVersion v1 =
        write(driver, executors, List.of(Map.of("b.txt", "beta", "c.txt", "gamma"))).version();
    assertThat(v1.path().alias()).isEqualTo("v1");

    // Writers (the session's start and the finishing commit) upsert one pending artifact by
    // distributedID, each with digest deduplication and fresh client IDs.
    JsonNode begin = vars("CreateArtifact", 2).path("input");
    JsonNode finish = vars("CreateArtifact", 3).path("input");
    assertThat(begin.path("distributedID").asText())
        .isEqualTo(finish.path("distributedID").asText())
        .isNotEmpty();
    assertThat(begin.path("enableDigestDeduplication").asBoolean()).isTrue();
    assertThat(finish.path("enableDigestDeduplication").asBoolean()).isTrue();
    assertThat(begin.path("clientID").asText()).isNotEqualTo(finish.path("clientID").asText());
    assertThat(begin.path("sequenceClientID").asText())
        .isNotEqualTo(finish.path("sequenceClientID").asText());
    // The first manifest is a PATCH manifest based on the latest version ...
    JsonNode manifest = vars("CreateArtifactManifest", 1);
    assertThat(manifest.path("manifestType").asText()).isEqualTo("PATCH");
    assertThat(manifest.path("name").asText()).isEqualTo("wandb_manifest.patch.json");
    assertThat(manifest.path("baseArtifactID").asText()).isEqualTo(v0.id());
    assertThat(manifest.path("includeUpload").asBoolean()).isFalse();
    assertThat(vars("CreateArtifactManifest", 0).path("baseArtifactID").isNull()).isTrue();
    // ... whose digest the finishing writer sets with updateArtifactManifest, then commits.
    JsonNode update = vars("UpdateArtifactManifest", 1);
    assertThat(update.path("includeUpload").asBoolean()).isTrue();
    assertThat(update.path("digest").asText())
        .isEqualTo(dev.artifacts.common.digest.Digests.md5Base64(server.manifestOf(v1.id())));
    assertThat(server.count("CreateArtifactManifest")).isEqualTo(2);
    assertThat(v1.digest()).isEqualTo(driver.manifest(v1).digest());
    assertThat(driver.manifest(v1).entries())
        .extracting(ManifestEntry::path)
        .containsExactly("b.txt", "c.txt");
  }

  @Test
  void aServerDigestThatDiffersFromTheUploadedManifestIsReportedAtCommit() throws IOException {
    WandbRegistry driver = open("driver");
    List<WandbRegistry> executors = List.of(open("exec"));
    write(driver, executors, List.of(Map.of("a.txt", "alpha")));
    // A server that applies PATCH manifests over their base keeps a.txt in the next version.
    server.patchesApplyOverBase = true;
    assertThatThrownBy(() -> write(driver, executors, List.of(Map.of("b.txt", "beta"))))
        .isInstanceOf(ArtifactException.Corrupted.class)
        .hasMessageContaining("Committed acme/etl/ds:v1")
        .hasMessageContaining("differs from the digest")
        .hasMessageContaining("PATCH");
  }

  @Test
  void aServerThatDeduplicatesTheStartOfADistributedSaveIsRefusedLoudly() throws IOException {
    WandbRegistry driver = open("driver");
    driver.commit(driver.newDraft(ds, "dataset")); // An empty committed version.
    assertThatThrownBy(() -> driver.beginUpload(ds, "dataset"))
        .isInstanceOf(ArtifactException.class)
        .hasMessageContaining("Cannot prepare the upload of acme/etl/ds")
        .hasMessageContaining("expected PENDING");
  }

  @Test
  void storedBytesAreNotUploadedAgainAndIdenticalWritesDeduplicate() throws IOException {
    WandbRegistry driver = open("driver");
    List<WandbRegistry> executors = List.of(open("exec"));
    ArtifactVersion v0 =
        write(driver, executors, List.of(Map.of("a.txt", "same", "b.txt", "other"))).version();
    long puts = server.storageCount("PUT /put/");

    // Same bytes under a new name: announced, not uploaded; birth stays with v0.
    CommitResult v1 = write(driver, executors, List.of(Map.of("a.txt", "same", "c.txt", "other")));
    assertThat(v1.created()).isTrue();
    assertThat(server.storageCount("PUT /put/")).isEqualTo(puts);
    Manifest m = ManifestReader.read(server.manifestOf(v1.version().id()), "v1");
    assertThat(m.entries()).extracting(ManifestEntry::birthArtifactId).containsOnly(v0.id());

    // Identical content: the final createArtifact answers the committed v1; nothing new.
    CommitResult again =
        write(driver, executors, List.of(Map.of("a.txt", "same", "c.txt", "other")));
    assertThat(again.created()).isFalse();
    assertThat(again.version().id()).isEqualTo(v1.version().id());
    assertThat(server.storageCount("PUT /put/")).isEqualTo(puts);
    assertThat(driver.versions(ds, dev.artifacts.common.registry.VersionQuery.all())).hasSize(2);
  }

  @Test
  void aSessionOfAnotherServerOrRegistryIsRefused() throws IOException {
    WandbRegistry driver = open("driver");
    UploadSession foreign = new UploadSession(ds.toString(), "dataset", Map.of());
    assertThatThrownBy(() -> driver.taskUploads(foreign))
        .isInstanceOf(ArtifactException.InvalidInput.class)
        .hasMessageContaining("acme/etl/ds")
        .hasMessageContaining("not begun by a W&B registry");
    UploadSession session = driver.beginUpload(ds, "dataset");
    Map<String, String> moved = new java.util.HashMap<>(session.state());
    moved.put(WandbRegistry.SESSION_BASE_URL, "https://elsewhere.example");
    assertThatThrownBy(() -> driver.taskUploads(new UploadSession(ds.toString(), "dataset", moved)))
        .hasMessageContaining("belongs to https://elsewhere.example");
  }

  @Test
  void commitPropertiesSurviveInReservedMetadata() throws IOException {
    WandbRegistry r = open("cache");
    ArtifactDraft draft = r.newDraft(ds, "dataset");
    try (OutputStream out = draft.newFile("a.txt")) {
      out.write("x".getBytes(UTF_8));
    }
    draft.metadata(Map.of("rows", 3));
    draft.commitProperties(Map.of("flink.checkpoint-id", "7", "flink.job-id", "j"));
    ArtifactVersion v = r.commit(draft).version();

    ArtifactVersion read = open("other").resolve(ds);
    assertThat(read.commitProperties())
        .containsExactlyInAnyOrderEntriesOf(
            Map.of("flink.checkpoint-id", "7", "flink.job-id", "j"));
    assertThat(read.metadata()).containsOnlyKeys("rows");
    // What the server stores (and the Python SDK shows): one extra metadata key.
    int create = server.operations.lastIndexOf("CreateArtifact");
    String metadata = server.variables.get(create).path("input").path("metadata").asText();
    assertThat(metadata).contains("\"" + WandbRegistry.COMMIT_PROPERTIES_KEY + "\"");
    assertThat(
            r.versions(ds, dev.artifacts.common.registry.VersionQuery.all())
                .get(0)
                .commitProperties())
        .containsEntry("flink.checkpoint-id", "7");

    // Replacing the metadata keeps them; a draft based on the version does not inherit them.
    ArtifactVersion updated =
        r.update(v, new VersionUpdate(null, Map.of("k", "v"), null, null, null));
    assertThat(updated.metadata()).containsOnlyKeys("k");
    assertThat(updated.commitProperties()).containsEntry("flink.checkpoint-id", "7");
    assertThat(r.newDraft(updated).metadata()).containsOnlyKeys("k");

    ArtifactDraft bad = r.newDraft(ds, "dataset");
    bad.metadata(Map.of(WandbRegistry.COMMIT_PROPERTIES_KEY, "mine"));
    bad.commitProperties(Map.of("a", "b"));
    assertThatThrownBy(() -> r.commit(bad))
        .isInstanceOf(ArtifactException.InvalidInput.class)
        .hasMessageContaining("reserved");
  }

  @Test
  void bodiesAreReadableThroughTheirHadoopLocation() throws Exception {
    WandbRegistry writer = open("writer");
    ArtifactDraft draft = writer.newDraft(ds, "dataset");
    try (OutputStream out = draft.newFile("day=1/part-0.csv")) {
      out.write("0123456789".getBytes(UTF_8));
    }
    ArtifactVersion v = writer.commit(draft).version();

    WandbRegistry reader = open("reader");
    ManifestEntry e = reader.manifest(v).entry("day=1/part-0.csv").orElseThrow();
    java.net.URI uri = reader.location(v, e).orElseThrow();
    assertThat(uri.getScheme()).isEqualTo(WandbBodyFileSystem.SCHEME);
    org.apache.hadoop.fs.Path path = new org.apache.hadoop.fs.Path(uri);
    assertThat(path.getName()).endsWith(".csv");
    org.apache.hadoop.fs.FileSystem fs =
        path.getFileSystem(new org.apache.hadoop.conf.Configuration());
    assertThat(fs).isInstanceOf(WandbBodyFileSystem.class);
    long gets = server.storageCount("GET /get/");
    assertThat(fs.getFileStatus(path).getLen()).isEqualTo(10);
    assertThat(server.storageCount("GET /get/")).as("status needs no request").isEqualTo(gets);
    try (org.apache.hadoop.fs.FSDataInputStream in = fs.open(path)) {
      in.seek(4);
      assertThat(new String(in.readAllBytes(), UTF_8)).isEqualTo("456789");
    }
    assertThat(objects(tmp.resolve("reader"))).isEqualTo(1);
    try (org.apache.hadoop.fs.FSDataInputStream in = fs.open(path)) {
      assertThat(new String(in.readAllBytes(), UTF_8)).isEqualTo("0123456789");
    }
    assertThat(server.storageCount("GET /get/"))
        .as("second open reads the cache")
        .isEqualTo(gets + 1);
    assertThat(server.count("ArtifactFileURLsByManifestEntries")).isEqualTo(1);
    // The lookup names the manifest's own storage layout (the fake refuses any other).
    int lookup = server.operations.indexOf("ArtifactFileURLsByManifestEntries");
    assertThat(server.variables.get(lookup).path("storageLayout").asText()).isEqualTo("V2");
    assertThatThrownBy(() -> fs.create(path)).hasMessageContaining("read-only");
  }

  @Test
  void withoutDirectUrlsDownloadsUseTheFallbackUrlWithCredentials() throws IOException {
    WandbRegistry writer = open("writer");
    ArtifactDraft draft = writer.newDraft(ds, "dataset");
    try (OutputStream out = draft.newFile("dir/a b.txt")) {
      out.write("fallback".getBytes(UTF_8));
    }
    ArtifactVersion v = writer.commit(draft).version();
    server.omitDirectUrls = true;

    WandbRegistry reader = open("reader");
    ManifestEntry e = reader.manifest(v).entry("dir/a b.txt").orElseThrow();
    try (InputStream in = reader.open(v, e)) {
      assertThat(new String(in.readAllBytes(), UTF_8)).isEqualTo("fallback");
    }
    String hex = dev.artifacts.common.digest.Digests.base64ToHex(e.digest());
    assertThat(server.events)
        .contains(
            "GET /artifactsV2/default/acme/etl/ds/"
                + e.birthArtifactId().replace("=", "%3D")
                + "/"
                + hex
                + "/a%20b.txt");
    assertThat(server.unauthorized).hasValue(0);
  }
}
