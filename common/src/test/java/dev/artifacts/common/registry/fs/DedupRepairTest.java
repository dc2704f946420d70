package dev.artifacts.common.registry.fs;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.artifacts.common.digest.Digests;
import dev.artifacts.common.manifest.ManifestEntry;
import dev.artifacts.common.name.ArtifactPath;
import dev.artifacts.common.registry.ArtifactDraft;
import dev.artifacts.common.registry.ArtifactVersion;
import dev.artifacts.common.registry.CommitResult;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 15, case 4: dedup must not trust an existing object or manifest by its name. Logging the
 * same content again after the store was damaged repairs it; {@code get} works afterwards.
 */
class DedupRepairTest {
  private static final ArtifactPath EVENTS = new ArtifactPath("acme", "p", "events", null);

  @TempDir Path tmp;
  private Path root;
  private Path data;

  @BeforeEach
  void setUp() throws IOException {
    root = tmp.resolve("registry");
    data = tmp.resolve("data");
    RegistryFixtures.write(data, "a.txt", "alpha alpha");
    RegistryFixtures.write(data, "b.txt", "bravo bravo");
  }

  private CommitResult log(FileSystemRegistry registry) throws IOException {
    ArtifactDraft draft = registry.newDraft(EVENTS, "dataset");
    draft.addDir(data, null);
    return registry.commit(draft);
  }

  private Path object(String text) {
    String hex = Digests.base64ToHex(Digests.md5Base64(text));
    return root.resolve("acme/p/objects/md5/" + hex.substring(0, 2) + "/" + hex.substring(2));
  }

  private static void assertReadable(FileSystemRegistry registry, ArtifactVersion v)
      throws IOException {
    for (ManifestEntry e : registry.manifest(v).entries()) {
      try (InputStream in = registry.open(v, e)) {
        assertThat(Digests.md5Base64(in.readAllBytes())).as(e.path()).isEqualTo(e.digest());
      }
    }
  }

  @Test
  void aReLogRepairsCorruptTruncatedAndSwappedBodies() throws IOException {
    try (FileSystemRegistry first = RegistryFixtures.open(root, new FakeReferences())) {
      log(first);
    }
    // Same size, other bytes; then truncated.
    Files.writeString(object("alpha alpha"), "ALPHA ALPHA");
    Files.writeString(object("bravo bravo"), "bra");
    try (FileSystemRegistry registry = RegistryFixtures.open(root, new FakeReferences())) {
      CommitResult again = log(registry);
      assertThat(again.created()).isFalse();
      assertReadable(registry, again.version());
    }

    // Swapped bodies: each object holds the other's bytes, sizes equal.
    Path a = object("alpha alpha");
    Path b = object("bravo bravo");
    Path swap = tmp.resolve("swap");
    Files.move(a, swap);
    Files.move(b, a);
    Files.move(swap, b);
    try (FileSystemRegistry registry = RegistryFixtures.open(root, new FakeReferences())) {
      CommitResult again = log(registry);
      assertReadable(registry, again.version());
    }
  }

  @Test
  void aNewVersionNeverPointsAtACorruptExistingBody() throws IOException {
    try (FileSystemRegistry registry = RegistryFixtures.open(root, new FakeReferences())) {
      log(registry);
    }
    Files.writeString(object("alpha alpha"), "ALPHA ALPHA");
    try (FileSystemRegistry registry = RegistryFixtures.open(root, new FakeReferences())) {
      ArtifactDraft draft = registry.newDraft(EVENTS, "dataset");
      draft.addFile(data.resolve("a.txt"), "copy-of-a.txt");
      try (OutputStream out = draft.newFile("streamed-b.txt")) {
        out.write("bravo bravo".getBytes(UTF_8));
      }
      ArtifactVersion v1 = registry.commit(draft).version();
      assertThat(v1.version()).isEqualTo("v1");
      assertReadable(registry, v1);
    }
  }

  @Test
  void aReLogRepairsAMissingOrCorruptManifestOfLatest() throws IOException {
    ArtifactVersion v0;
    try (FileSystemRegistry registry = RegistryFixtures.open(root, new FakeReferences())) {
      v0 = log(registry).version();
    }
    Path manifests = root.resolve("acme/p/collections/events/manifests");
    Path manifest;
    try (Stream<Path> list = Files.list(manifests)) {
      manifest = list.findFirst().orElseThrow();
    }
    Files.delete(manifest);
    try (FileSystemRegistry registry = RegistryFixtures.open(root, new FakeReferences())) {
      CommitResult again = log(registry);
      assertReadable(registry, again.version());
      assertReadable(registry, registry.resolve(EVENTS.withAlias("v0")));
    }

    Files.writeString(manifest, "{\"version\": 1, \"contents\": {}}");
    try (FileSystemRegistry registry = RegistryFixtures.open(root, new FakeReferences())) {
      CommitResult again = log(registry);
      assertReadable(registry, again.version());
      assertThat(registry.resolve(EVENTS).digest()).isEqualTo(v0.digest());
    }
  }
}
