package dev.artifacts.common.registry.fs;

import static dev.artifacts.common.registry.fs.RegistryFixtures.countFiles;
import static dev.artifacts.common.registry.fs.RegistryFixtures.tree;
import static dev.artifacts.common.registry.fs.RegistryFixtures.write;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.artifacts.common.ArtifactException;
import dev.artifacts.common.manifest.Manifest;
import dev.artifacts.common.manifest.ManifestEntry;
import dev.artifacts.common.name.ArtifactPath;
import dev.artifacts.common.registry.ArtifactDraft;
import dev.artifacts.common.registry.ArtifactVersion;
import dev.artifacts.common.registry.CollectionInfo;
import dev.artifacts.common.registry.CommitResult;
import dev.artifacts.common.registry.RunInfo;
import dev.artifacts.common.registry.VersionQuery;
import dev.artifacts.common.registry.VersionUpdate;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileSystemRegistryTest {
  private static final ArtifactPath EVENTS = new ArtifactPath("acme", "p", "events", null);

  @TempDir Path tmp;
  Path root;
  Path data;
  FakeReferences refs = new FakeReferences();
  FileSystemRegistry registry;

  @BeforeEach
  void setUp() throws IOException {
    root = tmp.resolve("registry");
    data = Files.createDirectories(tmp.resolve("data"));
    registry = RegistryFixtures.open(root, refs);
  }

  @AfterEach
  void tearDown() throws IOException {
    registry.close();
  }

  private Path objects() {
    return root.resolve("acme/p/objects/md5");
  }

  private CommitResult commit(ArtifactPath collection, Map<String, String> files, String... aliases)
      throws IOException {
    ArtifactDraft draft = registry.newDraft(collection, "dataset");
    for (Map.Entry<String, String> f : files.entrySet()) {
      try (OutputStream out = draft.newFile(f.getKey())) {
        out.write(f.getValue().getBytes(UTF_8));
      }
    }
    return registry.commit(draft.aliases(List.of(aliases)));
  }

  private String read(ArtifactVersion v, ManifestEntry e) throws IOException {
    try (InputStream in = registry.open(v, e)) {
      return new String(in.readAllBytes(), UTF_8);
    }
  }

  @Test
  void locationNamesTheStoredObjectFile() throws IOException {
    ArtifactVersion v = commit(EVENTS, Map.of("a.txt", "hello\n")).version();
    ManifestEntry entry = registry.manifest(v).entries().get(0);
    var store = registry.contentStore("acme", "p");

    java.net.URI location = store.location(entry.digest()).orElseThrow();

    String hex = dev.artifacts.common.digest.Digests.base64ToHex(entry.digest());
    assertThat(location.getScheme()).isEqualTo("file");
    assertThat(Path.of(location))
        .isEqualTo(objects().resolve(hex.substring(0, 2)).resolve(hex.substring(2)));
    assertThat(Files.readString(Path.of(location))).isEqualTo("hello\n");
    assertThat(store.location("not-a-digest")).isEmpty();
  }

  @Test
  void roundTripStoresIdenticalBodiesOnce() throws IOException {
    Path a = write(data, "a.txt", "hello\n");
    Path dir = Files.createDirectories(data.resolve("dir"));
    write(dir, "x/1.csv", "1,2\n");
    write(dir, "y.csv", "hello\n");
    refs.put("mem://bucket/ref.bin", "referenced");

    ArtifactDraft draft = registry.newDraft(EVENTS, "dataset");
    draft.addFile(a, "a.txt");
    try (OutputStream out = draft.newFile("streamed/s.txt")) {
      out.write("hello\n".getBytes(UTF_8));
    }
    draft.addDir(dir, "tables");
    draft.addReference("mem://bucket/ref.bin", "ref.bin");
    draft.description("raw events").metadata(Map.of("rows", 2)).tags(List.of("raw"));
    draft.aliases(List.of("prod"));
    Manifest expected = draft.manifest();

    CommitResult result = registry.commit(draft);

    assertThat(result.created()).isTrue();
    ArtifactVersion v0 = result.version();
    assertThat(v0.version()).isEqualTo("v0");
    assertThat(v0.digest()).isEqualTo(expected.digest());
    assertThat(v0.aliases()).containsExactlyInAnyOrder("latest", "prod");
    assertThat(v0.fileCount()).isEqualTo(5);
    assertThat(v0.size()).isEqualTo(expected.totalSize());
    assertThat(v0.description()).isEqualTo("raw events");
    assertThat(v0.metadata()).containsEntry("rows", 2);
    assertThat(v0.tags()).containsExactly("raw");
    for (String alias : new String[] {null, "latest", "v0", "prod"}) {
      ArtifactVersion found = registry.resolve(EVENTS.withAlias(alias));
      assertThat(found.id()).as(String.valueOf(alias)).isEqualTo(v0.id());
    }
    Manifest manifest = registry.manifest(v0);
    assertThat(manifest).isEqualTo(expected);
    assertThat(read(v0, manifest.entry("a.txt").orElseThrow())).isEqualTo("hello\n");
    assertThat(read(v0, manifest.entry("streamed/s.txt").orElseThrow())).isEqualTo("hello\n");
    assertThat(read(v0, manifest.entry("tables/x/1.csv").orElseThrow())).isEqualTo("1,2\n");
    assertThat(read(v0, manifest.entry("ref.bin").orElseThrow())).isEqualTo("referenced");
    // "hello\n" three times and "1,2\n" once: two bodies; nothing left in staging.
    assertThat(countFiles(objects())).isEqualTo(2);
    assertThat(countFiles(root.resolve("acme/p/staging"))).isZero();
    assertThat(registry.collection(EVENTS).orElseThrow())
        .extracting(CollectionInfo::type, CollectionInfo::kind, CollectionInfo::versionCount)
        .containsExactly("dataset", CollectionInfo.Kind.SEQUENCE, 1);
  }

  @Test
  void dedupReturnsTheLatestVersionAndAliasesMove() throws IOException {
    CommitResult first = commit(EVENTS, Map.of("a", "1"), "prod");
    CommitResult same = commit(EVENTS, Map.of("a", "1"), "staging");

    assertThat(same.created()).isFalse();
    assertThat(same.version().id()).isEqualTo(first.version().id());
    assertThat(same.version().aliases()).containsExactlyInAnyOrder("latest", "prod", "staging");

    CommitResult changed = commit(EVENTS, Map.of("a", "2"), "prod");
    assertThat(changed.created()).isTrue();
    assertThat(changed.version().version()).isEqualTo("v1");
    assertThat(changed.version().aliases()).containsExactlyInAnyOrder("latest", "prod");
    assertThat(registry.resolve(EVENTS.withAlias("prod")).version()).isEqualTo("v1");
    assertThat(registry.resolve(EVENTS.withAlias("staging")).version()).isEqualTo("v0");
    assertThat(registry.resolve(EVENTS).version()).isEqualTo("v1");
    assertThat(registry.resolve(EVENTS.withAlias("v0")).aliases()).containsExactly("staging");

    // Dedup is against the latest only, as W&B's client documents it.
    CommitResult back = commit(EVENTS, Map.of("a", "1"));
    assertThat(back.created()).isTrue();
    assertThat(back.version().version()).isEqualTo("v2");
  }

  @Test
  void incrementalDraftStartsFromItsBase() throws IOException {
    commit(EVENTS, Map.of("a", "1", "dir/b", "2", "dir/c", "3"));
    ArtifactVersion v0 = registry.resolve(EVENTS);
    ArtifactDraft draft = registry.newDraft(v0);
    try (OutputStream out = draft.newFile("d")) {
      out.write('4');
    }
    draft.remove("dir");
    ArtifactVersion v1 = registry.commit(draft).version();

    assertThat(v1.version()).isEqualTo("v1");
    assertThat(registry.manifest(v1).entries())
        .extracting(ManifestEntry::path)
        .containsExactly("a", "d");
    assertThat(read(v1, registry.manifest(v1).entry("a").orElseThrow())).isEqualTo("1");
  }

  @Test
  void unknownAliasOrVersionIsNotFoundAndChangesNothing() throws IOException {
    commit(EVENTS, Map.of("a", "1"));
    Map<String, String> before = tree(root);

    assertThatThrownBy(() -> registry.resolve(EVENTS.withAlias("nope")))
        .isInstanceOf(ArtifactException.NotFound.class)
        .hasMessageContaining("acme/p/events:nope")
        .hasMessageContaining("'nope'");
    assertThatThrownBy(() -> registry.resolve(EVENTS.withAlias("v7")))
        .isInstanceOf(ArtifactException.NotFound.class)
        .hasMessageContaining("acme/p/events:v7")
        .hasMessageContaining("latest is v0");
    assertThatThrownBy(() -> registry.resolve(new ArtifactPath("acme", "p", "other", null)))
        .isInstanceOf(ArtifactException.NotFound.class)
        .hasMessageContaining("acme/p/other:latest");
    assertThat(registry.find(EVENTS.withAlias("nope"))).isEmpty();
    assertThat(tree(root)).isEqualTo(before);
  }

  @Test
  void typeMismatchIsRejectedNamingBothTypesBeforeAnythingIsStored() throws IOException {
    commit(EVENTS, Map.of("a", "1"));
    Map<String, String> before = tree(root);

    assertThatThrownBy(() -> registry.newDraft(EVENTS, "model"))
        .isInstanceOf(ArtifactException.InvalidInput.class)
        .hasMessageContaining("acme/p/events")
        .hasMessageContaining("'model'")
        .hasMessageContaining("'dataset'");
    assertThat(tree(root)).isEqualTo(before);
    assertThat(registry.versions(EVENTS, VersionQuery.all())).hasSize(1);
  }

  @Test
  void reservedTypeAndBadAliasesAreRejected() throws IOException {
    assertThatThrownBy(() -> registry.newDraft(EVENTS, "wandb-history"))
        .isInstanceOf(ArtifactException.InvalidInput.class)
        .hasMessageContaining("acme/p/events")
        .hasMessageContaining("'wandb-history'");
    ArtifactVersion v0 = commit(EVENTS, Map.of("a", "1")).version();
    Map<String, String> before = tree(root);

    assertThatThrownBy(() -> registry.addAlias(v0, "a:b"))
        .isInstanceOf(ArtifactException.InvalidInput.class)
        .hasMessageContaining("acme/p/events")
        .hasMessageContaining("'a:b'");
    assertThatThrownBy(() -> registry.addAlias(v0, "latest"))
        .isInstanceOf(ArtifactException.InvalidInput.class)
        .hasMessageContaining("'latest'");
    assertThatThrownBy(() -> registry.addAlias(v0, "v3"))
        .isInstanceOf(ArtifactException.InvalidInput.class)
        .hasMessageContaining("'v3'")
        .hasMessageContaining("acme/p/events");
    ArtifactDraft draft = registry.newDraft(EVENTS, "dataset").aliases(List.of("v9"));
    try (OutputStream out = draft.newFile("b")) {
      out.write('2');
    }
    Map<String, String> withBody = tree(root);
    assertThatThrownBy(() -> registry.commit(draft))
        .isInstanceOf(ArtifactException.InvalidInput.class)
        .hasMessageContaining("'v9'");
    assertThat(tree(root)).isEqualTo(withBody);
    assertThat(withBody.keySet()).containsAll(before.keySet());
  }

  @Test
  void truncatedManifestIsCorrupted() throws IOException {
    ArtifactVersion v0 = commit(EVENTS, Map.of("a", "1", "b", "2")).version();
    Path manifest;
    try (Stream<Path> files = Files.list(root.resolve("acme/p/collections/events/manifests"))) {
      manifest = files.findFirst().orElseThrow();
    }
    byte[] bytes = Files.readAllBytes(manifest);
    Files.write(manifest, java.util.Arrays.copyOf(bytes, bytes.length / 2));

    assertThatThrownBy(() -> registry.manifest(v0))
        .isInstanceOf(ArtifactException.Corrupted.class)
        .hasMessageStartingWith("Corrupted manifest for acme/p/events:v0: ")
        // ManifestReader reports end-of-input inside a name as invalid JSON, elsewhere as
        // truncated.
        .hasMessageMatching("(?s).*(truncated|end-of-input).*");

    // A well-formed manifest with different content does not match the version's digest.
    Files.writeString(
        manifest,
        "{\"version\":1,\"storagePolicy\":\"wandb-storage-policy-v1\",\"storagePolicyConfig\":{},"
            + "\"contents\":{}}");
    assertThatThrownBy(() -> registry.manifest(v0))
        .isInstanceOf(ArtifactException.Corrupted.class)
        .hasMessageStartingWith("Corrupted manifest for acme/p/events:v0: ")
        .hasMessageContaining(v0.digest());
  }

  @Test
  void missingObjectIsCorruptedOnReadAndRefusedOnCommit() throws IOException {
    ArtifactVersion v0 = commit(EVENTS, Map.of("a", "1")).version();
    ManifestEntry entry = registry.manifest(v0).entry("a").orElseThrow();
    deleteTree(objects());

    assertThatThrownBy(() -> registry.open(v0, entry))
        .isInstanceOf(ArtifactException.Corrupted.class)
        .hasMessageContaining("acme/p/events:v0")
        .hasMessageContaining("'a'");

    ArtifactDraft draft = registry.newDraft(EVENTS, "dataset");
    draft.addEntry(ManifestEntry.file("b", "sZRqySSS0jR8YjW00mERhA==", 6));
    Map<String, String> before = tree(root);
    assertThatThrownBy(() -> registry.commit(draft))
        .isInstanceOf(ArtifactException.class)
        .hasMessageContaining("acme/p/events")
        .hasMessageContaining("'b'")
        .hasMessageContaining("sZRqySSS0jR8YjW00mERhA==");
    assertThat(tree(root)).isEqualTo(before);
  }

  @Test
  void deleteIsRefusedWithAliasesAndIndicesAreNeverReused() throws IOException {
    commit(EVENTS, Map.of("a", "1"));
    ArtifactVersion v1 = commit(EVENTS, Map.of("a", "2"), "prod").version();
    Map<String, String> before = tree(root);

    assertThatThrownBy(() -> registry.delete(v1, false))
        .isInstanceOf(ArtifactException.InvalidInput.class)
        .hasMessageContaining("acme/p/events:v1")
        .hasMessageContaining("prod");
    assertThat(tree(root)).isEqualTo(before);

    registry.delete(v1, true);
    assertThat(registry.resolve(EVENTS).version()).isEqualTo("v0");
    assertThat(registry.find(EVENTS.withAlias("prod"))).isEmpty();
    assertThat(registry.find(EVENTS.withAlias("v1"))).isEmpty();
    assertThat(registry.versions(EVENTS, VersionQuery.all().withDeleted(true)))
        .extracting(ArtifactVersion::version, ArtifactVersion::state)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("v1", ArtifactVersion.DELETED),
            org.assertj.core.groups.Tuple.tuple("v0", ArtifactVersion.COMMITTED));

    ArtifactVersion next = commit(EVENTS, Map.of("a", "3")).version();
    assertThat(next.version()).isEqualTo("v2");
    // The deleted latest no longer counts for dedup: same content as v1 is a new version.
    registry.delete(next, false);
    assertThat(commit(EVENTS, Map.of("a", "2")).version().version()).isEqualTo("v3");
  }

  @Test
  void listingFiltersAndOrders() throws IOException {
    commit(EVENTS, Map.of("a", "1"));
    commit(EVENTS, Map.of("a", "2"), "prod");
    ArtifactVersion v2 = commit(EVENTS, Map.of("a", "3")).version();
    registry.update(v2, new VersionUpdate("third", Map.of("k", "v"), List.of("gold"), null, null));
    commit(new ArtifactPath("acme", "p", "model-a", null), Map.of("m", "1"));
    ArtifactDraft model =
        registry.newDraft(new ArtifactPath("acme", "p", "weights", null), "model");
    try (OutputStream out = model.newFile("w")) {
      out.write('w');
    }
    registry.commit(model);

    assertThat(registry.types("acme", "p")).containsExactly("dataset", "model");
    assertThat(registry.collections("acme", "p", null))
        .extracting(CollectionInfo::name)
        .containsExactly("events", "model-a", "weights");
    assertThat(registry.collections("acme", "p", "model"))
        .extracting(CollectionInfo::name)
        .containsExactly("weights");
    assertThat(registry.versions(EVENTS, VersionQuery.all()))
        .extracting(ArtifactVersion::version)
        .containsExactly("v2", "v1", "v0");
    assertThat(
            registry.versions(EVENTS, VersionQuery.all().withOrder(VersionQuery.Order.VERSION_ASC)))
        .extracting(ArtifactVersion::version)
        .containsExactly("v0", "v1", "v2");
    assertThat(
            registry.versions(
                EVENTS, VersionQuery.all().withOrder(VersionQuery.Order.CREATED_ASC).withLimit(2)))
        .extracting(ArtifactVersion::version)
        .containsExactly("v0", "v1");
    assertThat(
            registry.versions(
                EVENTS, VersionQuery.all().withOrder(VersionQuery.Order.CREATED_DESC).withLimit(1)))
        .extracting(ArtifactVersion::version)
        .containsExactly("v2");
    assertThat(registry.versions(EVENTS, VersionQuery.all().withAlias("prod")))
        .extracting(ArtifactVersion::version)
        .containsExactly("v1");
    assertThat(registry.versions(EVENTS, VersionQuery.all().withAlias("latest")))
        .extracting(ArtifactVersion::version)
        .containsExactly("v2");
    assertThat(registry.versions(EVENTS, VersionQuery.all().withTag("gold")))
        .extracting(ArtifactVersion::version)
        .containsExactly("v2");
    assertThat(registry.versions(EVENTS, new VersionQuery(null, null, v2.digest(), false, null, 0)))
        .extracting(ArtifactVersion::version)
        .containsExactly("v2");
    ArtifactVersion updated = registry.resolve(EVENTS);
    assertThat(updated.description()).isEqualTo("third");
    assertThat(updated.metadata()).containsEntry("k", "v");
    assertThat(updated.tags()).containsExactly("gold");
    assertThat(updated.updatedAt()).isAfterOrEqualTo(updated.createdAt());
    ArtifactVersion untagged =
        registry.update(
            updated, new VersionUpdate(null, null, null, List.of("gold"), Duration.ofDays(1)));
    assertThat(untagged.tags()).isEmpty();
    assertThat(untagged.ttl()).isEqualTo(Duration.ofDays(1));
    assertThat(untagged.description()).isEqualTo("third");
  }

  @Test
  void removeAliasAndMetadataLimit() throws IOException {
    ArtifactVersion v0 = commit(EVENTS, Map.of("a", "1"), "prod").version();
    assertThat(registry.removeAlias(v0, "prod").aliases()).containsExactly("latest");
    assertThatThrownBy(() -> registry.removeAlias(v0, "prod"))
        .isInstanceOf(ArtifactException.NotFound.class)
        .hasMessageContaining("'prod'");
    Map<String, Object> tooMany = new java.util.HashMap<>();
    for (int i = 0; i < 101; i++) {
      tooMany.put("k" + i, i);
    }
    assertThatThrownBy(
            () -> registry.update(v0, new VersionUpdate(null, tooMany, null, null, null)))
        .isInstanceOf(ArtifactException.InvalidInput.class)
        .hasMessageContaining("acme/p/events");
  }

  @Test
  void deleteCollectionRemovesEverything() throws IOException {
    commit(EVENTS, Map.of("a", "1"));
    registry.deleteCollection(EVENTS);
    assertThat(registry.collection(EVENTS)).isEmpty();
    assertThat(registry.find(EVENTS)).isEmpty();
    assertThatThrownBy(() -> registry.deleteCollection(EVENTS))
        .isInstanceOf(ArtifactException.NotFound.class)
        .hasMessageContaining("acme/p/events");
  }

  @Test
  void linkIntoPortfolio() throws IOException {
    ArtifactVersion v0 = commit(EVENTS, Map.of("a", "1")).version();
    ArtifactVersion v1 = commit(EVENTS, Map.of("a", "2")).version();
    ArtifactPath portfolio = new ArtifactPath("acme", "wandb-registry-data", "golden", null);

    ArtifactVersion l0 = registry.link(v1, portfolio, List.of("prod"));
    ArtifactVersion l1 = registry.link(v0, portfolio, List.of());
    ArtifactVersion again = registry.link(v1, portfolio, List.of("best"));

    assertThat(l0.version()).isEqualTo("v0");
    assertThat(l1.version()).isEqualTo("v1");
    assertThat(again.id()).isEqualTo(l0.id());
    assertThat(again.aliases()).containsExactlyInAnyOrder("prod", "best");
    assertThat(l0.isLink()).isTrue();
    assertThat(l0.sourceCollection()).isEqualTo("acme/p/events");
    assertThat(l0.sourceVersionIndex()).isEqualTo(1);
    assertThat(l0.digest()).isEqualTo(v1.digest());
    assertThat(registry.collection(portfolio).orElseThrow().kind())
        .isEqualTo(CollectionInfo.Kind.PORTFOLIO);
    ArtifactVersion prod = registry.resolve(portfolio.withAlias("prod"));
    Manifest m = registry.manifest(prod);
    assertThat(m).isEqualTo(registry.manifest(v1));
    assertThat(read(prod, m.entry("a").orElseThrow())).isEqualTo("2");
    assertThat(registry.resolve(portfolio).version()).isEqualTo("v1");

    // Labels are the source's; committing to a portfolio is refused.
    registry.update(prod, new VersionUpdate("golden set", null, null, null, null));
    assertThat(registry.resolve(EVENTS.withAlias("v1")).description()).isEqualTo("golden set");
    assertThatThrownBy(() -> registry.newDraft(portfolio, "dataset"))
        .isInstanceOf(ArtifactException.InvalidInput.class)
        .hasMessageContaining("portfolio");
    assertThatThrownBy(() -> registry.link(v0, EVENTS, List.of()))
        .isInstanceOf(ArtifactException.InvalidInput.class)
        .hasMessageContaining("acme/p/events");
  }

  @Test
  void lineage() throws IOException {
    RunInfo producer = RunInfo.of("app-1", "etl", "spark");
    RunInfo consumer = RunInfo.of("app:2", "train", "flink");
    ArtifactDraft draft = registry.newDraft(EVENTS, "dataset").run(producer);
    try (OutputStream out = draft.newFile("a")) {
      out.write('1');
    }
    ArtifactVersion v0 = registry.commit(draft).version();
    registry.recordUse(consumer, v0);
    registry.recordUse(consumer, v0);

    assertThat(v0.loggedBy()).isEqualTo("app-1");
    assertThat(registry.loggedBy(v0)).map(RunInfo::name).contains("etl");
    assertThat(registry.usedBy(v0)).extracting(RunInfo::id).containsExactly("app:2");
    assertThat(registry.inputsOf("acme", "p", "app:2"))
        .extracting(ArtifactVersion::qualifiedName)
        .containsExactly("events:v0");
    assertThat(registry.outputsOf("acme", "p", "app-1"))
        .extracting(ArtifactVersion::qualifiedName)
        .containsExactly("events:v0");
    assertThat(registry.inputsOf("acme", "p", "app-1")).isEmpty();
  }

  @Test
  void commitStateUnknownKeepsEverything() throws IOException {
    FileSystemRegistry failing =
        new FileSystemRegistry(
            registry.uri(),
            registry.fileSystem(),
            null,
            registry.root(),
            refs,
            (fs, path, bytes) -> {
              if (path.getParent().getName().equals("versions")) {
                throw new IOException("connection reset");
              }
              return LocalPutIfAbsent.INSTANCE.create(fs, path, bytes);
            });
    ArtifactDraft draft = failing.newDraft(EVENTS, "dataset");
    try (OutputStream out = draft.newFile("a")) {
      out.write('1');
    }
    assertThatThrownBy(() -> failing.commit(draft))
        .isInstanceOf(ArtifactException.CommitStateUnknown.class)
        .hasMessageContaining("acme/p/events:v0");
    assertThat(countFiles(objects())).isEqualTo(1);
    assertThat(countFiles(root.resolve("acme/p/collections/events/manifests"))).isEqualTo(1);

    // A store that writes the record and then fails is read back as committed.
    FileSystemRegistry writesThenFails =
        new FileSystemRegistry(
            registry.uri(),
            registry.fileSystem(),
            null,
            registry.root(),
            refs,
            (fs, path, bytes) -> {
              boolean created = LocalPutIfAbsent.INSTANCE.create(fs, path, bytes);
              if (path.getParent().getName().equals("versions")) {
                throw new IOException("timeout after write");
              }
              return created;
            });
    assertThat(writesThenFails.commit(draft).version().version()).isEqualTo("v0");
  }

  static void deleteTree(Path dir) throws IOException {
    try (Stream<Path> walk = Files.walk(dir)) {
      walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }
}
