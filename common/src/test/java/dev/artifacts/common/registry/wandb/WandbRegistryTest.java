package dev.artifacts.common.registry.wandb;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.artifacts.common.ArtifactException;
import dev.artifacts.common.digest.Digests;
import dev.artifacts.common.manifest.Manifest;
import dev.artifacts.common.manifest.ManifestEntry;
import dev.artifacts.common.manifest.ManifestReader;
import dev.artifacts.common.name.ArtifactPath;
import dev.artifacts.common.reference.DefaultReferenceResolver;
import dev.artifacts.common.registry.ArtifactDraft;
import dev.artifacts.common.registry.ArtifactRegistries;
import dev.artifacts.common.registry.ArtifactRegistry;
import dev.artifacts.common.registry.ArtifactVersion;
import dev.artifacts.common.registry.CollectionInfo;
import dev.artifacts.common.registry.CommitResult;
import dev.artifacts.common.registry.RunInfo;
import dev.artifacts.common.registry.VersionQuery;
import dev.artifacts.common.registry.VersionUpdate;
import dev.artifacts.common.testing.FakeWandbServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import okhttp3.mockwebserver.MockResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The W&amp;B backend against {@link FakeWandbServer}; every test ends checking the auth boundary.
 */
class WandbRegistryTest {
  private static final String KEY = FakeWandbServer.API_KEY;
  private static final String KEY_HEADER = "YXBpOnRlc3QtYXBpLWtleQ==";

  @TempDir Path tmp;
  private FakeWandbServer server;
  private WandbRegistry registry;
  private final List<Duration> sleeps = new CopyOnWriteArrayList<>();
  private final ArtifactPath ds = new ArtifactPath("acme", "etl", "ds", null);

  @BeforeEach
  void setUp() throws IOException {
    server = new FakeWandbServer();
    registry = open(tmp.resolve("cache"));
  }

  @AfterEach
  void tearDown() throws IOException {
    registry.close();
    server.close();
    assertThat(server.authViolations).as("requests to storage carrying Authorization").isEmpty();
    assertThat(server.schemaViolations).as("requests the SDK-derived schema refuses").isEmpty();
  }

  private WandbRegistry open(Path cache) {
    WandbSettings s = WandbSettings.fromEnv(server.baseUrl(), server.env(cache));
    s.sleeper = sleeps::add;
    s.initialBackoff = Duration.ofMillis(1);
    s.maxBackoff = Duration.ofMillis(4);
    // Fewer than wandb-core's 20 retries: the failure tests below count them.
    s.maxRetries = 6;
    s.parallelism = 4;
    return new WandbRegistry(s, new DefaultReferenceResolver());
  }

  private Path file(String name, String content) throws IOException {
    Path p = tmp.resolve("data").resolve(name);
    Files.createDirectories(p.getParent());
    Files.writeString(p, content, UTF_8);
    return p;
  }

  private CommitResult log(ArtifactRegistry r, Map<String, String> files) throws IOException {
    ArtifactDraft d = r.newDraft(ds, "dataset");
    for (var e : files.entrySet()) {
      d.addFile(file(e.getKey(), e.getValue()), e.getKey());
    }
    return r.commit(d);
  }

  private static String read(ArtifactRegistry r, ArtifactVersion v, ManifestEntry e)
      throws IOException {
    try (InputStream in = r.open(v, e)) {
      return new String(in.readAllBytes(), UTF_8);
    }
  }

  /** Operations after the commit's run creation, without reads. */
  private List<String> writeOps() {
    return server.operations.stream()
        .filter(o -> !o.startsWith("Artifact") || o.equals("ArtifactMembershipByName"))
        .filter(o -> !o.equals("ArtifactMembershipByName"))
        .toList();
  }

  @Test
  void logsInWandbCoreOrderAndReadsBack() throws IOException {
    ArtifactDraft d = registry.newDraft(ds, "dataset");
    d.addFile(file("a.csv", "id\n1\n"), "a.csv");
    d.addFile(file("sub/b.csv", "id\n2\n"), "sub/b.csv");
    Path ref = file("ref.txt", "referenced\n");
    d.addReference(ref.toUri().toString().replace("file:/", "file:///"), "ref.txt");
    d.aliases(List.of("prod")).tags(List.of("nightly")).description("events");
    d.metadata(Map.of("rows", 2)).ttl(Duration.ofDays(3));
    d.run(RunInfo.of("spark-app-1", "nightly etl", "spark"));
    String digest = d.manifest().digest();

    CommitResult result = registry.commit(d);

    assertThat(result.created()).isTrue();
    ArtifactVersion v = result.version();
    assertThat(v.path().toString()).isEqualTo("acme/etl/ds:v0");
    assertThat(v.digest()).isEqualTo(digest);
    assertThat(v.aliases()).contains("latest", "prod");
    assertThat(v.tags()).containsExactly("nightly");
    assertThat(v.description()).isEqualTo("events");
    assertThat(v.metadata()).containsEntry("rows", 2);
    assertThat(v.ttl()).isEqualTo(Duration.ofDays(3));
    assertThat(v.type()).isEqualTo("dataset");
    assertThat(v.fileCount()).isEqualTo(3);
    assertThat(writeOps())
        .containsExactly(
            "UpsertBucket",
            "CreateArtifact",
            "CreateArtifactManifest",
            "CreateArtifactFiles",
            "CreateArtifactManifest",
            "CommitArtifact");

    JsonNode upsert = vars("UpsertBucket", 0);
    assertThat(upsert.path("name").asText()).matches("[a-z0-9]{8}");
    assertThat(upsert.path("displayName").asText()).isEqualTo("nightly etl");
    assertThat(upsert.path("jobType").asText()).isEqualTo("spark");
    JsonNode create = vars("CreateArtifact", 0).path("input");
    assertThat(create.path("digest").asText()).isEqualTo(digest);
    assertThat(create.path("digestAlgorithm").asText()).isEqualTo("MANIFEST_MD5");
    assertThat(create.path("enableDigestDeduplication").asBoolean()).isTrue();
    assertThat(create.path("clientID").asText()).matches("[a-z0-9]{128}");
    assertThat(create.path("sequenceClientID").asText()).matches("[a-z0-9]{128}");
    assertThat(create.path("runName").asText()).isEqualTo(upsert.path("name").asText());
    assertThat(create.path("metadata").asText()).isEqualTo("{\"rows\":2}");
    assertThat(create.path("ttlDurationSeconds").asLong()).isEqualTo(3 * 86400);
    assertThat(create.path("aliases").toString())
        .contains("{\"artifactCollectionName\":\"ds\",\"alias\":\"latest\"}")
        .contains("\"alias\":\"prod\"");
    assertThat(create.path("tags").toString()).isEqualTo("[{\"tagName\":\"nightly\"}]");
    // wandb-core's document: the input is inline, includeUpload a variable of its own.
    JsonNode m1 = vars("CreateArtifactManifest", 0);
    JsonNode m2 = vars("CreateArtifactManifest", 1);
    assertThat(m1.path("input").isMissingNode()).isTrue();
    assertThat(m1.path("manifestType").asText()).isEqualTo("FULL");
    assertThat(m1.path("name").asText()).isEqualTo("wandb_manifest.json");
    assertThat(m1.path("digest").asText()).isEmpty();
    assertThat(m1.path("includeUpload").asBoolean()).isFalse();
    assertThat(m2.path("includeUpload").asBoolean()).isTrue();
    byte[] uploaded = server.manifestOf(v.id());
    assertThat(m2.path("digest").asText()).isEqualTo(Digests.md5Base64(uploaded));
    JsonNode files = vars("CreateArtifactFiles", 0);
    assertThat(files.path("storageLayout").asText()).isEqualTo("V2");
    assertThat(files.path("artifactFiles")).hasSize(2); // the reference is not a file
    Manifest m = ManifestReader.read(uploaded, "uploaded");
    assertThat(m.entry("a.csv").orElseThrow().birthArtifactId()).isEqualTo(v.id());
    assertThat(m.entry("ref.txt").orElseThrow().isReference()).isTrue();
    assertThat(server.storageCount("PUT /put/")).isEqualTo(2);

    // A reader with an empty cache: resolve, manifest, bodies (downloaded once), reference.
    try (WandbRegistry reader = open(tmp.resolve("cache2"))) {
      ArtifactVersion latest = reader.resolve(ArtifactPath.parse("acme/etl/ds", Map.of()));
      assertThat(latest.id()).isEqualTo(v.id());
      assertThat(reader.resolve(ds.withAlias("prod")).id()).isEqualTo(v.id());
      Manifest read = reader.manifest(latest);
      assertThat(read.digest()).isEqualTo(digest);
      assertThat(read(reader, latest, read.entry("a.csv").orElseThrow())).isEqualTo("id\n1\n");
      assertThat(read(reader, latest, read.entry("sub/b.csv").orElseThrow())).isEqualTo("id\n2\n");
      assertThat(read(reader, latest, read.entry("ref.txt").orElseThrow()))
          .isEqualTo("referenced\n");
      long gets = server.storageCount("GET /get/");
      assertThat(gets).isEqualTo(2);
      assertThat(read(reader, latest, read.entry("a.csv").orElseThrow())).isEqualTo("id\n1\n");
      assertThat(server.storageCount("GET /get/")).as("second read hits the cache").isEqualTo(gets);
      String hex = Digests.base64ToHex(read.entry("a.csv").orElseThrow().digest());
      assertThat(
              tmp.resolve(
                  "cache2/artifacts/obj/md5/" + hex.substring(0, 2) + "/" + hex.substring(2)))
          .hasContent("id\n1\n");
      assertThat(reader.find(ds.withAlias("nope"))).isEmpty();
      assertThatThrownBy(() -> reader.resolve(ds.withAlias("v7")))
          .isInstanceOf(ArtifactException.NotFound.class)
          .hasMessageContaining("acme/etl/ds:v7");
    }
    assertThat(registry.gc(Duration.ZERO, true).objectsRemoved()).isZero();
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
  void onlyBodiesTheDraftAddedAreAnnouncedAndInheritedEntriesKeepTheirBirth() throws IOException {
    ArtifactDraft d = registry.newDraft(ds, "dataset");
    d.addFile(file("a.txt", "alpha"), "a.txt");
    ArtifactVersion v0 = registry.commit(d).version();
    ArtifactDraft d2 = registry.newDraft(v0);
    d2.addFile(file("b.txt", "beta"), "b.txt");
    ArtifactVersion v1 = registry.commit(d2).version();

    JsonNode announced = vars("CreateArtifactFiles", 1).path("artifactFiles");
    assertThat(announced).hasSize(1);
    assertThat(announced.get(0).path("name").asText()).isEqualTo("b.txt");
    Manifest m = registry.manifest(v1);
    assertThat(m.entry("a.txt").orElseThrow().birthArtifactId()).isEqualTo(v0.id());
    assertThat(m.entry("b.txt").orElseThrow().birthArtifactId()).isEqualTo(v1.id());
  }

  @Test
  void registryLinksResolveTheOrganizationsEntityFirst() throws IOException {
    ArtifactDraft d = registry.newDraft(ds, "dataset");
    d.addFile(file("a.txt", "alpha"), "a.txt");
    ArtifactVersion v0 = registry.commit(d).version();
    server.organization("acme", "acme-inc", "acme-org");

    // By the organization's name, as the Python SDK allows: linked under its entity.
    ArtifactVersion linked =
        registry.link(
            v0, new ArtifactPath("acme-inc", "wandb-registry-model", "golden", null), List.of());
    assertThat(linked.path().toString()).isEqualTo("acme-org/wandb-registry-model/golden:v0");
    assertThat(vars("FetchOrgInfoFromEntity", 0).path("entity").asText()).isEqualTo("acme");
    assertThat(vars("LinkArtifact", 0).path("input").path("entityName").asText())
        .isEqualTo("acme-org");

    assertThatThrownBy(
            () ->
                registry.link(
                    v0,
                    new ArtifactPath("other-org", "wandb-registry-model", "golden", null),
                    List.of()))
        .isInstanceOf(ArtifactException.InvalidInput.class)
        .hasMessageContaining("'other-org' is none of the organizations of entity 'acme'")
        .hasMessageContaining("acme-inc / entity acme-org");
    // An ordinary portfolio needs no organization.
    registry.link(v0, new ArtifactPath("acme", "etl", "best", null), List.of());
    assertThat(server.count("FetchOrgInfoFromEntity")).isEqualTo(2);
  }

  @Test
  void aDraftKeepingAnInheritedTtlSendsInheritNotTheTeamDefaultsValue() throws IOException {
    server.teamTtlSeconds = 30L * 86400;
    ArtifactVersion v0 = log(registry, Map.of("a.txt", "alpha")).version();
    assertThat(v0.ttl()).isEqualTo(Duration.ofDays(30)); // inherited from the team
    ArtifactDraft d = registry.newDraft(v0);
    d.addFile(file("b.txt", "beta"), "b.txt");
    registry.commit(d);
    assertThat(vars("CreateArtifact", 1).path("input").path("ttlDurationSeconds").asLong())
        .as("-1: keep following the team default instead of freezing today's value")
        .isEqualTo(-1);
    ArtifactDraft explicit = registry.newDraft(registry.resolve(ds)).ttl(Duration.ofDays(2));
    explicit.addFile(file("c.txt", "gamma"), "c.txt");
    registry.commit(explicit);
    assertThat(vars("CreateArtifact", 2).path("input").path("ttlDurationSeconds").asLong())
        .isEqualTo(2 * 86400);
  }

  @Test
  void unlinkRemovesOnlyTheLink() throws IOException {
    ArtifactVersion v0 = log(registry, Map.of("a.txt", "alpha")).version();
    ArtifactPath best = new ArtifactPath("acme", "etl", "best", null);
    ArtifactVersion linked = registry.link(v0, best, List.of("prod"));
    registry.unlink(linked);
    assertThat(registry.find(best.withAlias("prod"))).isEmpty();
    assertThat(registry.resolve(ds.withAlias("v0")).id()).isEqualTo(v0.id());
    assertThatThrownBy(() -> registry.unlink(v0))
        .isInstanceOf(ArtifactException.InvalidInput.class)
        .hasMessageContaining("not a link");
  }

  @Test
  void collectionsAreRenamedDescribedRetypedAndTagged() throws IOException {
    log(registry, Map.of("a.txt", "alpha"));
    CollectionInfo renamed = registry.updateCollection(ds, "ds-renamed", "daily extract");
    assertThat(renamed.name()).isEqualTo("ds-renamed");
    assertThat(renamed.description()).isEqualTo("daily extract");
    ArtifactPath now = new ArtifactPath("acme", "etl", "ds-renamed", null);
    assertThat(registry.resolve(now.withAlias("v0")).collection()).isEqualTo("ds-renamed");
    assertThat(registry.changeCollectionType(now, "model").type()).isEqualTo("model");
    assertThat(registry.resolve(now).type()).isEqualTo("model");
    assertThat(registry.tagCollection(now, List.of("gold", "eu"), true).tags())
        .containsExactly("gold", "eu");
    assertThat(registry.tagCollection(now, List.of("gold"), false).tags()).containsExactly("eu");
    assertThatThrownBy(() -> registry.updateCollection(ds, null, "x"))
        .isInstanceOf(ArtifactException.NotFound.class)
        .hasMessageContaining("acme/etl/ds");
  }

  @Test
  void useIsRecordedInTheConsumingRunsProjectAndRunsAreFinishedOnClose() throws IOException {
    ArtifactVersion v0 = log(registry, Map.of("a.txt", "alpha")).version();
    RunInfo reader =
        new RunInfo(
            "flink-job-9",
            "reader",
            "flink",
            null,
            Map.of(WandbRegistry.RUN_ENTITY, "acme", WandbRegistry.RUN_PROJECT, "reports"));
    registry.recordUse(reader, v0);
    JsonNode use = vars("UseArtifact", 0).path("input");
    assertThat(use.path("projectName").asText()).isEqualTo("reports");
    assertThat(use.path("artifactEntityName").asText()).isEqualTo("acme");
    assertThat(use.path("artifactProjectName").asText()).isEqualTo("etl");
    assertThat(registry.usedBy(v0)).extracting(RunInfo::id).containsExactly("flink-job-9");

    List<String> created = server.runNames("acme", "reports");
    assertThat(created).hasSize(1);
    assertThat(server.runState("acme", "reports", created.get(0))).isEqualTo("running");
    registry.close();
    assertThat(server.runState("acme", "reports", created.get(0))).isEqualTo("finished");
    String writerRun = server.runNames("acme", "etl").get(0);
    assertThat(server.runState("acme", "etl", writerRun)).isEqualTo("finished");
    registry = open(tmp.resolve("cache2"));
  }

  @Test
  void identicalContentDeduplicatesWithoutUploads() throws IOException {
    ArtifactVersion v0 = log(registry, Map.of("a.txt", "same")).version();
    int before = server.operations.size();
    long puts = server.storageCount("PUT");

    CommitResult again = log(registry, Map.of("a.txt", "same"));

    assertThat(again.created()).isFalse();
    assertThat(again.version().id()).isEqualTo(v0.id());
    List<String> after = server.operations.subList(before, server.operations.size());
    assertThat(after).contains("CreateArtifact");
    assertThat(after)
        .doesNotContain("CreateArtifactManifest", "CreateArtifactFiles", "CommitArtifact");
    assertThat(server.storageCount("PUT")).isEqualTo(puts);
  }

  @Test
  void bytesTheServerHasAreNotUploadedButKeepTheirBirthArtifact() throws IOException {
    ArtifactVersion v0 = log(registry, Map.of("a.txt", "shared")).version();
    long puts = server.storageCount("PUT /put/");

    ArtifactVersion v1 = log(registry, Map.of("a.txt", "shared", "b.txt", "new")).version();

    assertThat(v1.versionIndex()).isEqualTo(1);
    assertThat(server.storageCount("PUT /put/")).isEqualTo(puts + 1);
    Manifest m = ManifestReader.read(server.manifestOf(v1.id()), "v1");
    assertThat(m.entry("a.txt").orElseThrow().birthArtifactId()).isEqualTo(v0.id());
    assertThat(m.entry("b.txt").orElseThrow().birthArtifactId()).isEqualTo(v1.id());
    assertThat(registry.resolve(ds).id()).isEqualTo(v1.id());
  }

  @Test
  void appendsFromTwoProcessesKeepEachOthersFiles() throws IOException {
    ArtifactVersion v0 = log(registry, Map.of("base.txt", "base")).version();
    try (WandbRegistry other = open(tmp.resolve("other-cache"))) {
      // Both appenders start from v0; the second to commit must not drop the first one's file.
      ArtifactDraft mine = registry.newDraft(v0).rebaseOnLatest();
      mine.addFile(file("mine.txt", "mine"), "mine.txt");
      ArtifactDraft theirs = other.newDraft(other.resolve(ds)).rebaseOnLatest();
      theirs.addFile(file("theirs.txt", "theirs"), "theirs.txt");

      ArtifactVersion v1 = other.commit(theirs).version();
      ArtifactVersion v2 = registry.commit(mine).version();

      assertThat(v1.versionIndex()).isEqualTo(1);
      assertThat(v2.versionIndex()).isEqualTo(2);
      Manifest m = ManifestReader.read(server.manifestOf(v2.id()), "v2");
      assertThat(m.entries().stream().map(ManifestEntry::path))
          .containsExactly("base.txt", "mine.txt", "theirs.txt");
      assertThat(m.entry("theirs.txt").orElseThrow().birthArtifactId()).isEqualTo(v1.id());
      assertThat(read(registry, v2, m.entry("theirs.txt").orElseThrow())).isEqualTo("theirs");

      // Without rebasing a draft commits exactly its manifest, as W&B's new_draft() does.
      ArtifactDraft plain = registry.newDraft(v0);
      plain.addFile(file("plain.txt", "plain"), "plain.txt");
      ArtifactVersion v3 = registry.commit(plain).version();
      assertThat(ManifestReader.read(server.manifestOf(v3.id()), "v3").entries())
          .extracting(ManifestEntry::path)
          .containsExactly("base.txt", "plain.txt");
    }
  }

  @Test
  void retriesThrottlingServerErrorsAndDroppedConnections() throws IOException {
    server.failNext(
        "CreateArtifact", new MockResponse().setResponseCode(429).setHeader("Retry-After", "7"));
    server.failNext(
        "CommitArtifact", new MockResponse().setResponseCode(500).setHeader("Retry-After", "1"));
    server.failNext("CreateArtifactFiles", new MockResponse().setResponseCode(502));
    server.failStorage("PUT", new MockResponse().setResponseCode(503));
    server.dropNextUpload();

    CommitResult r = log(registry, Map.of("a.txt", "retry me", "b.txt", "and me"));

    assertThat(r.created()).isTrue();
    assertThat(sleeps).contains(Duration.ofSeconds(7), Duration.ofSeconds(1));
    assertThat(sleeps).hasSizeGreaterThanOrEqualTo(5);
    assertThat(sleeps).allMatch(d -> d.compareTo(Duration.ofSeconds(7)) <= 0);

    // A download cut halfway resumes with a Range request and is still verified.
    try (WandbRegistry reader = open(tmp.resolve("cache2"))) {
      ArtifactVersion v = reader.resolve(ds);
      ManifestEntry a = reader.manifest(v).entry("a.txt").orElseThrow();
      server.dropNextDownload();
      assertThat(read(reader, v, a)).isEqualTo("retry me");
      assertThat(server.storageCount("GET /get/" + Digests.base64ToHex(a.digest()))).isEqualTo(2);
    }
  }

  @Test
  void givesUpAfterBoundedRetries() {
    for (int i = 0; i < 10; i++) {
      server.failNext("ArtifactMembershipByName", new MockResponse().setResponseCode(503));
    }
    assertThatThrownBy(() -> registry.resolve(ds))
        .hasMessageContaining("ArtifactMembershipByName")
        .hasMessageContaining("HTTP 503");
    assertThat(sleeps).hasSize(6);
  }

  @Test
  void credentialsOnlyGoToTheBaseUrlAndNeverLeak() throws IOException {
    PrintStream original = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setErr(new PrintStream(captured, true, UTF_8));
    List<String> messages = new ArrayList<>();
    try {
      server.failNext("CreateArtifact", new MockResponse().setResponseCode(500));
      log(registry, Map.of("a.txt", "x"));
      server.failNext("CommitArtifact", FakeWandbServer.graphqlError("boom"));
      try {
        log(registry, Map.of("b.txt", "y"));
      } catch (ArtifactException e) {
        messages.add(e.getMessage());
      }
      Map<String, String> env = new HashMap<>(server.env(tmp.resolve("c3")));
      env.put("WANDB_API_KEY", "wrong-key-123");
      try (ArtifactRegistry bad = ArtifactRegistries.open(server.baseUrl(), env)) {
        bad.resolve(ds);
      } catch (ArtifactException e) {
        messages.add(e.getMessage());
        assertThat(e.getMessage()).doesNotContain("wrong-key-123");
      }
    } finally {
      System.setErr(original);
    }
    String logs = captured.toString(UTF_8);
    assertThat(logs).contains("Retrying POST").contains("Committed acme/etl/ds:v0");
    for (String text :
        List.of(
            logs,
            String.join("\n", messages),
            registry.toString(),
            registry.uri(),
            registry.client().settings().toString(),
            registry.client().settings().credentials.toString())) {
      assertThat(text).doesNotContain(KEY).doesNotContain(KEY_HEADER);
    }
    assertThat(server.storageRequests).isNotEmpty();
    assertThat(server.authViolations).isEmpty();
  }

  @Test
  void authBoundaryMatchesSchemeHostPortAndPathPrefix() {
    var key = new WandbSettings.ApiKey(KEY);
    var b = new Transport.AuthBoundary("http://127.0.0.1:8080/api", key);
    assertThat(b.matches(okhttp3.HttpUrl.get("http://127.0.0.1:8080/api/graphql"))).isTrue();
    assertThat(b.matches(okhttp3.HttpUrl.get("http://127.0.0.1:8080/api"))).isTrue();
    assertThat(b.matches(okhttp3.HttpUrl.get("http://127.0.0.1:8080/apix/graphql"))).isFalse();
    assertThat(b.matches(okhttp3.HttpUrl.get("http://127.0.0.1:8080/storage/x"))).isFalse();
    assertThat(b.matches(okhttp3.HttpUrl.get("http://127.0.0.1:8081/api/graphql"))).isFalse();
    assertThat(b.matches(okhttp3.HttpUrl.get("https://127.0.0.1:8080/api/graphql"))).isFalse();
    assertThat(b.matches(okhttp3.HttpUrl.get("http://localhost:8080/api/graphql"))).isFalse();
    var root = new Transport.AuthBoundary("https://api.wandb.ai", key);
    assertThat(root.matches(okhttp3.HttpUrl.get("https://api.wandb.ai/graphql"))).isTrue();
    assertThat(root.matches(okhttp3.HttpUrl.get("https://storage.googleapis.com/b/o"))).isFalse();
  }

  @Test
  void authorizationSetByAnyoneIsStrippedOutsideTheBaseUrl() throws Exception {
    try (okhttp3.mockwebserver.MockWebServer other = new okhttp3.mockwebserver.MockWebServer()) {
      other.start(java.net.InetAddress.getByName("127.0.0.1"), 0);
      other.enqueue(new MockResponse());
      registry
          .client()
          .transport
          .execute(
              new okhttp3.Request.Builder()
                  .url("http://127.0.0.1:" + other.getPort() + "/presigned")
                  .header("Authorization", "Basic " + KEY_HEADER)
                  .build())
          .close();
      assertThat(other.takeRequest().getHeader("Authorization")).isNull();
    }
  }

  @Test
  void invalidKeyAndMissingPermissionsNameTheProject() throws IOException {
    Map<String, String> env = new HashMap<>(server.env(tmp.resolve("c2")));
    env.put("WANDB_API_KEY", "not-the-key");
    try (ArtifactRegistry bad = ArtifactRegistries.open(server.baseUrl(), env)) {
      assertThatThrownBy(() -> bad.resolve(ds))
          .hasMessageContaining("invalid API key")
          .hasMessageContaining("acme/etl")
          .hasMessageContaining("WANDB_API_KEY");
    }
    server.forbid("acme/secret");
    ArtifactDraft d = registry.newDraft(new ArtifactPath("acme", "secret", "x", null), "dataset");
    d.addFile(file("s.txt", "s"), "s.txt");
    assertThatThrownBy(() -> registry.commit(d))
        .hasMessageContaining("permission denied")
        .hasMessageContaining("acme/secret");
  }

  @Test
  void graphqlErrorsAndMalformedAnswersQuoteTheOperationAndCommitNothing() throws IOException {
    server.failNext(
        "CreateArtifactFiles", FakeWandbServer.graphqlError("storage quota exceeded for acme"));
    assertThatThrownBy(() -> log(registry, Map.of("a.txt", "1")))
        .hasMessageContaining("Cannot commit acme/etl/ds")
        .hasMessageContaining("CreateArtifactFiles")
        .hasMessageContaining("storage quota exceeded for acme")
        .hasMessageContaining("Nothing was committed");

    server.failNext(
        "CreateArtifact",
        new MockResponse().setBody("{\"data\":{\"createArtifact\":null}}").setResponseCode(200));
    assertThatThrownBy(() -> log(registry, Map.of("a.txt", "2")))
        .hasMessageContaining("CreateArtifact")
        .hasMessageContaining("createArtifact.artifact");

    server.failNext("CommitArtifact", FakeWandbServer.graphqlError("commit refused"));
    assertThatThrownBy(() -> log(registry, Map.of("a.txt", "3")))
        .hasMessageContaining("CommitArtifact")
        .hasMessageContaining("commit refused");

    assertThat(server.states("acme", "etl", "ds")).containsOnly("PENDING");
    assertThat(registry.find(ds)).isEmpty();
    assertThat(registry.versions(ds, VersionQuery.all())).isEmpty();
  }

  @Test
  void noPartialVersionAfterUploadOrManifestFailures() throws IOException {
    server.failStorage("PUT", new MockResponse().setResponseCode(400).setBody("BadDigest"));
    assertThatThrownBy(() -> log(registry, Map.of("a.txt", "body")))
        .isNotInstanceOf(ArtifactException.CommitStateUnknown.class)
        .hasMessageContaining("HTTP 400")
        .hasMessageContaining("pending version");

    // Manifest upload is the last PUT before commitArtifact.
    ArtifactDraft d = registry.newDraft(ds, "dataset");
    d.addFile(file("m.txt", "manifest fails"), "m.txt");
    server.failNext(
        "CreateArtifactManifest", new MockResponse().setResponseCode(400).setBody("bad input"));
    assertThatThrownBy(() -> registry.commit(d)).hasMessageContaining("CreateArtifactManifest");

    // A body that was never staged locally and that the server does not have.
    ArtifactDraft e = registry.newDraft(ds, "dataset");
    e.addStoredEntry(ManifestEntry.file("ghost.bin", Digests.md5Base64("ghost"), 5));
    assertThatThrownBy(() -> registry.commit(e))
        .hasMessageContaining("ghost.bin")
        .hasMessageContaining("not in the local W&B cache");

    assertThat(server.states("acme", "etl", "ds")).containsOnly("PENDING");
    assertThat(registry.find(ds)).isEmpty();
  }

  @Test
  void commitWithoutAnswerIsUnknownNotFailed() throws IOException {
    for (int i = 0; i < 7; i++) {
      server.failNext("CommitArtifact", new MockResponse().setResponseCode(503));
    }
    assertThatThrownBy(() -> log(registry, Map.of("a.txt", "?")))
        .isInstanceOf(ArtifactException.CommitStateUnknown.class)
        .hasMessageContaining("Cannot tell whether acme/etl/ds");
  }

  @Test
  void paginatesFileUrlsAndVersions() throws IOException {
    registry.client().settings().fileUrlPageSize = 2;
    registry.client().settings().pageSize = 2;
    Map<String, String> files = new HashMap<>();
    for (int i = 0; i < 5; i++) {
      files.put("f" + i + ".txt", "content " + i);
    }
    ArtifactVersion v = log(registry, files).version();
    for (int i = 1; i < 5; i++) {
      log(registry, Map.of("only.txt", "version " + i));
    }

    try (WandbRegistry reader = open(tmp.resolve("cache2"))) {
      reader.client().settings().fileUrlPageSize = 2;
      Manifest m = reader.manifest(v);
      for (ManifestEntry e : m.entries()) {
        assertThat(read(reader, v, e)).startsWith("content ");
      }
    }
    assertThat(server.count("ArtifactFileURLs")).isEqualTo(3);

    int before = server.count("ArtifactVersions");
    List<ArtifactVersion> all = registry.versions(ds, VersionQuery.all());
    assertThat(all).extracting(ArtifactVersion::versionIndex).containsExactly(4, 3, 2, 1, 0);
    assertThat(server.count("ArtifactVersions") - before).isEqualTo(3);
    assertThat(all.get(0).aliases()).contains("latest");
    assertThat(registry.versions(ds, VersionQuery.all().withOrder(VersionQuery.Order.VERSION_ASC)))
        .extracting(ArtifactVersion::versionIndex)
        .containsExactly(0, 1, 2, 3, 4);
    assertThat(registry.versions(ds, VersionQuery.all().withLimit(2)))
        .extracting(ArtifactVersion::versionIndex)
        .containsExactly(4, 3);
    assertThat(registry.versions(ds, VersionQuery.all().withAlias("latest"))).hasSize(1);
    JsonNode listing = vars("ArtifactVersions", 0);
    assertThat(listing.path("filters").asText()).isEqualTo("{\"state\":\"COMMITTED\"}");
  }

  @Test
  void largeFilesUseMultipartUploads() throws IOException {
    WandbSettings s = registry.client().settings();
    s.multipartThreshold = 1000;
    s.partSize = size -> 300;
    byte[] big = new byte[1000];
    for (int i = 0; i < big.length; i++) {
      big[i] = (byte) (i * 31);
    }
    Path p = tmp.resolve("big.bin");
    Files.write(p, big);
    ArtifactDraft d = registry.newDraft(ds, "model");
    d.addFile(p, "big.bin");
    d.addFile(file("small.txt", "small"), "small.txt");

    ArtifactVersion v = registry.commit(d).version();

    assertThat(server.storageCount("PUT /part/")).isEqualTo(4);
    assertThat(server.count("CompleteMultipartUploadArtifact")).isEqualTo(1);
    JsonNode spec = vars("CreateArtifactFiles", 0).path("artifactFiles").get(0);
    assertThat(spec.path("name").asText()).isEqualTo("big.bin");
    assertThat(spec.path("uploadPartsInput")).hasSize(4);
    assertThat(spec.path("uploadPartsInput").get(0).path("hexMD5").asText())
        .matches("[0-9a-f]{32}");
    assertThat(
            vars("CompleteMultipartUploadArtifact", 0)
                .path("completedParts")
                .get(0)
                .path("hexMD5")
                .asText())
        .startsWith("\"")
        .endsWith("\"");
    assertThat(server.hasBlob(Digests.md5Base64(big))).isTrue();
    try (WandbRegistry reader = open(tmp.resolve("cache2"))) {
      try (InputStream in = reader.open(v, reader.manifest(v).entry("big.bin").orElseThrow())) {
        assertThat(in.readAllBytes()).isEqualTo(big);
      }
    }
  }

  @Test
  void labelsDeletesAndLinks() throws IOException {
    ArtifactVersion v0 = log(registry, Map.of("a.txt", "0")).version();
    ArtifactVersion v1 = log(registry, Map.of("a.txt", "1")).version();

    ArtifactVersion tagged = registry.addAlias(v0, "prod");
    assertThat(tagged.aliases()).containsExactly("prod");
    assertThat(registry.resolve(ds.withAlias("prod")).id()).isEqualTo(v0.id());
    assertThat(registry.addAlias(v1, "prod").aliases()).contains("prod", "latest");
    assertThat(registry.resolve(ds.withAlias("v0")).aliases()).isEmpty();
    assertThat(registry.removeAlias(registry.resolve(ds.withAlias("prod")), "prod").aliases())
        .containsExactly("latest");

    ArtifactVersion updated =
        registry.update(
            v0,
            new VersionUpdate(
                "new text", Map.of("k", "v"), List.of("t1", "t2"), List.of(), Duration.ofHours(2)));
    assertThat(updated.description()).isEqualTo("new text");
    assertThat(updated.metadata()).containsEntry("k", "v");
    assertThat(updated.tags()).containsExactly("t1", "t2");
    assertThat(updated.ttl()).isEqualTo(Duration.ofHours(2));
    updated =
        registry.update(
            updated, new VersionUpdate(null, null, List.of(), List.of("t1"), Duration.ZERO));
    assertThat(updated.tags()).containsExactly("t2");
    assertThat(updated.ttl()).isNull();
    assertThat(updated.description()).isEqualTo("new text");

    // Link into a registry: its project belongs to the organization's entity, resolved first.
    server.organization("acme", "acme-inc", "acme-org");
    ArtifactPath portfolio = new ArtifactPath("acme-org", "wandb-registry-model", "golden", null);
    ArtifactVersion linked = registry.link(v1, portfolio, List.of("staging"));
    assertThat(linked.isLink()).isTrue();
    assertThat(linked.path().toString()).isEqualTo("acme-org/wandb-registry-model/golden:v0");
    assertThat(linked.aliases()).contains("staging", "latest");
    assertThat(linked.sourceCollection()).isEqualTo("acme/etl/ds");
    assertThat(linked.sourceVersionIndex()).isEqualTo(1);
    assertThat(registry.manifest(linked).entry("a.txt")).isPresent();
    assertThat(registry.collection(portfolio).orElseThrow().kind())
        .isEqualTo(CollectionInfo.Kind.PORTFOLIO);
    ArtifactDraft fromLink = registry.newDraft(linked);
    assertThat(fromLink.collection().toString()).isEqualTo("acme/etl/ds");

    assertThat(registry.types("acme", "etl")).containsExactly("dataset");
    assertThat(registry.collections("acme", "etl", null))
        .extracting(CollectionInfo::name)
        .containsExactly("ds");
    assertThat(registry.collection(ds).orElseThrow().versionCount()).isEqualTo(2);
    assertThat(registry.collection(new ArtifactPath("acme", "etl", "none", null))).isEmpty();

    ArtifactVersion withAlias = registry.addAlias(registry.resolve(ds.withAlias("v0")), "keep");
    assertThatThrownBy(() -> registry.delete(withAlias, false))
        .hasMessageContaining("Cannot delete acme/etl/ds:v0")
        .hasMessageContaining("keep");
    registry.delete(withAlias, true);
    assertThat(registry.find(ds.withAlias("v0"))).isEmpty();
    assertThat(registry.versions(ds, VersionQuery.all())).hasSize(1);
    assertThat(registry.versions(ds, VersionQuery.all().withDeleted(true))).hasSize(2);

    registry.deleteCollection(portfolio);
    assertThat(registry.collection(portfolio)).isEmpty();
    registry.deleteCollection(ds);
    assertThat(registry.find(ds)).isEmpty();
    assertThatThrownBy(() -> registry.deleteCollection(ds))
        .isInstanceOf(ArtifactException.NotFound.class);
  }

  @Test
  void lineageThroughRunsAndUseArtifact() throws IOException {
    RunInfo writer = RunInfo.of("spark-app-7", "writer", "spark");
    ArtifactDraft d = registry.newDraft(ds, "dataset");
    d.addFile(file("a.txt", "lineage"), "a.txt");
    d.run(writer);
    ArtifactVersion v = registry.commit(d).version();
    ArtifactDraft d2 = registry.newDraft(v);
    d2.addFile(file("b.txt", "more"), "b.txt");
    d2.run(writer);
    ArtifactVersion v2 = registry.commit(d2).version();
    assertThat(server.count("UpsertBucket")).as("one W&B run per RunInfo").isEqualTo(1);
    assertThat(vars("CreateArtifactManifest", 2).path("baseArtifactID").asText()).isEqualTo(v.id());

    assertThat(v.loggedBy()).isEqualTo("spark-app-7");
    assertThat(registry.loggedBy(v).orElseThrow().id()).isEqualTo("spark-app-7");
    assertThat(registry.outputsOf("acme", "etl", "spark-app-7"))
        .extracting(ArtifactVersion::id)
        .containsExactly(v.id(), v2.id());

    RunInfo reader = RunInfo.of("flink-job-1", "reader", "flink");
    registry.recordUse(reader, v);
    registry.recordUse(reader, v);
    assertThat(registry.usedBy(v)).extracting(RunInfo::id).containsExactly("flink-job-1");
    assertThat(registry.inputsOf("acme", "etl", "flink-job-1"))
        .extracting(ArtifactVersion::id)
        .containsExactly(v.id());
    assertThat(registry.inputsOf("acme", "etl", "no-such-run")).isEmpty();
    JsonNode use = vars("UseArtifact", 0).path("input");
    assertThat(use.path("artifactID").asText()).isEqualTo(v.id());
    assertThat(use.path("entityName").asText()).isEqualTo("acme");
  }

  @Test
  void factoryOpensWandbAndChecksTheBaseUrlAndKey() throws IOException {
    Map<String, String> env = new HashMap<>(server.env(tmp.resolve("c4")));
    env.put("WANDB_BASE_URL", server.baseUrl() + "/");
    try (ArtifactRegistry r = ArtifactRegistries.open("wandb", env)) {
      assertThat(r).isInstanceOf(WandbRegistry.class);
      assertThat(r.uri()).isEqualTo(server.baseUrl());
      assertThat(r.find(ds)).isEmpty();
    }
    // Plain http is fine for a self-hosted server (as in the SDK), never for W&B's cloud.
    assertThatThrownBy(() -> ArtifactRegistries.open("http://api.wandb.ai", env))
        .isInstanceOf(ArtifactException.InvalidInput.class)
        .hasMessageContaining("only reachable over https");
    Map<String, String> noKey = new HashMap<>(env);
    noKey.remove("WANDB_API_KEY");
    noKey.put("NETRC", tmp.resolve("missing-netrc").toString());
    assertThatThrownBy(() -> ArtifactRegistries.open("wandb", noKey))
        .isInstanceOf(ArtifactException.InvalidInput.class)
        .hasMessageContaining("WANDB_API_KEY");

    Path netrc = tmp.resolve("netrc");
    Files.writeString(
        netrc,
        "machine other.host login user password nope\nmachine 127.0.0.1 login u password no\n"
            + "machine "
            + java.net.URI.create(server.baseUrl()).getAuthority()
            + "\n  login user\n"
            + "  password "
            + KEY
            + "\n");
    noKey.put("NETRC", netrc.toString());
    try (ArtifactRegistry r = ArtifactRegistries.open("wandb", noKey)) {
      assertThat(r.find(ds)).isEmpty();
    }
    assertThat(server.unauthorized.get()).isZero();
  }

  @Test
  void stagedBodiesLiveInTheWandbCacheLayout() throws IOException {
    ArtifactDraft d = registry.newDraft(ds, "dataset");
    try (var out = d.newFile("streamed.txt")) {
      out.write("streamed".getBytes(UTF_8));
    }
    d.addFile(file("x.txt", "x"), "x.txt");
    String hex = Digests.base64ToHex(Digests.md5Base64("streamed"));
    Path body =
        tmp.resolve("cache/artifacts/obj/md5/" + hex.substring(0, 2) + "/" + hex.substring(2));
    assertThat(body).hasContent("streamed");
    assertThat(registry.contentStore("acme", "etl").contains(Digests.md5Base64("x"))).isTrue();
    registry.commit(d);
    try (Stream<Path> left = Files.list(tmp.resolve("cache/artifacts/tmp"))) {
      assertThat(left).isEmpty();
    }
  }
}
