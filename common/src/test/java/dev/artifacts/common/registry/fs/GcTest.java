package dev.artifacts.common.registry.fs;

import static dev.artifacts.common.registry.fs.RegistryFixtures.countFiles;
import static dev.artifacts.common.registry.fs.RegistryFixtures.tree;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.artifacts.common.ArtifactException;
import dev.artifacts.common.name.ArtifactPath;
import dev.artifacts.common.registry.ArtifactDraft;
import dev.artifacts.common.registry.ArtifactVersion;
import dev.artifacts.common.registry.ContentStore;
import dev.artifacts.common.registry.GcReport;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GcTest {
  private static final ArtifactPath EVENTS = new ArtifactPath("acme", "p", "events", null);

  @TempDir Path root;

  private static ArtifactVersion commit(FileSystemRegistry registry, String name, String text)
      throws IOException {
    ArtifactDraft draft = registry.newDraft(EVENTS, "dataset");
    try (OutputStream out = draft.newFile(name)) {
      out.write(text.getBytes(UTF_8));
    }
    return registry.commit(draft).version();
  }

  /** Makes everything under {@code dir} look {@code age} old. */
  private static void age(Path dir, Duration age) throws IOException {
    FileTime then = FileTime.from(Instant.now().minus(age));
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.toList()) {
        Files.setLastModifiedTime(p, then);
      }
    }
  }

  @Test
  void removesOnlyOldUnreferencedObjectsAndStaging() throws IOException {
    try (FileSystemRegistry registry = RegistryFixtures.open(root, new FakeReferences())) {
      ArtifactVersion v0 = commit(registry, "a", "kept");
      ArtifactVersion v1 = commit(registry, "a", "orphaned by delete");
      registry.delete(v1, false);
      ContentStore store = registry.contentStore("acme", "p");
      ContentStore.BodyWriter abandoned = store.newBody();
      abandoned.stream().write("never committed".getBytes(UTF_8));
      abandoned.stream().flush();
      ContentStore.BodyWriter stray = store.newBody();
      stray.stream().write("stray object".getBytes(UTF_8));
      stray.commit();
      Path objects = root.resolve("acme/p/objects/md5");
      Path staging = root.resolve("acme/p/staging");
      assertThat(countFiles(objects)).isEqualTo(3);
      assertThat(countFiles(staging)).isEqualTo(1);

      // Young: nothing goes.
      GcReport young = registry.gc(Duration.ofHours(1), false);
      assertThat(young.objectsRemoved()).isZero();
      assertThat(young.stagingRemoved()).isZero();
      assertThat(young.objectsKept()).isEqualTo(3);

      age(objects, Duration.ofHours(2));
      age(staging, Duration.ofHours(2));
      Map<String, String> before = tree(root);
      GcReport dry = registry.gc(Duration.ofHours(1), true);
      assertThat(dry.objectsRemoved()).isEqualTo(2);
      assertThat(dry.stagingRemoved()).isEqualTo(1);
      assertThat(tree(root)).isEqualTo(before);

      GcReport real = registry.gc(Duration.ofHours(1), false);
      assertThat(real).isEqualTo(dry);
      assertThat(real.objectsKept()).isEqualTo(1);
      assertThat(real.bytesFreed())
          .isEqualTo(
              "orphaned by delete".length() + "stray object".length() + "never committed".length());
      assertThat(countFiles(objects)).isEqualTo(1);
      assertThat(countFiles(staging)).isZero();
      try (InputStream in = registry.open(v0, registry.manifest(v0).entry("a").orElseThrow())) {
        assertThat(new String(in.readAllBytes(), UTF_8)).isEqualTo("kept");
      }
      abandoned.abort();
    }
  }

  @Test
  void reusingAnOldObjectProtectsItFromGc() throws IOException {
    try (FileSystemRegistry registry = RegistryFixtures.open(root, new FakeReferences())) {
      ArtifactVersion v0 = commit(registry, "a", "body");
      registry.delete(v0, false);
      age(root.resolve("acme/p/objects"), Duration.ofHours(2));
      // A new draft stores the same bytes again: the object is refreshed, not copied.
      ArtifactDraft draft = registry.newDraft(EVENTS, "dataset");
      Path local = Files.writeString(root.resolveSibling(root.getFileName() + "-a.txt"), "body");
      draft.addFile(local, "a");

      assertThat(registry.gc(Duration.ofHours(1), false).objectsRemoved()).isZero();
      assertThat(registry.commit(draft).version().version()).isEqualTo("v1");
    }
  }

  @Test
  void aCollectionWithoutItsRecordStillProtectsItsBodies() throws IOException {
    try (FileSystemRegistry registry = RegistryFixtures.open(root, new FakeReferences())) {
      ArtifactVersion v0 = commit(registry, "a", "still committed");
      // What a `delete --collection` killed part-way used to leave behind.
      Files.delete(root.resolve("acme/p/collections/events/collection.json"));
      age(root.resolve("acme/p/objects"), Duration.ofHours(2));

      GcReport report = registry.gc(Duration.ofHours(1), false);

      assertThat(report.objectsRemoved()).isZero();
      assertThat(report.objectsKept()).isEqualTo(1);
      ArtifactVersion resolved = registry.resolve(EVENTS.withAlias("v0"));
      try (InputStream in =
          registry.open(resolved, registry.manifest(resolved).entry("a").orElseThrow())) {
        assertThat(new String(in.readAllBytes(), UTF_8)).isEqualTo("still committed");
      }
      assertThat(resolved.id()).isEqualTo(v0.id());
    }
  }

  @Test
  void damageGcCannotInterpretStopsTheSweepAndNamesTheFile() throws IOException {
    try (FileSystemRegistry registry = RegistryFixtures.open(root, new FakeReferences())) {
      commit(registry, "a", "kept");
      ArtifactVersion v1 = commit(registry, "a", "orphan");
      registry.delete(v1, false);
      ArtifactPath other = new ArtifactPath("acme", "p", "other", null);
      ArtifactDraft draft = registry.newDraft(other, "dataset");
      try (OutputStream out = draft.newFile("b")) {
        out.write("other body".getBytes(UTF_8));
      }
      registry.commit(draft);
      Path record = root.resolve("acme/p/collections/other/versions/v0.json");
      Files.writeString(record, "{ not json");
      age(root.resolve("acme/p/objects"), Duration.ofHours(2));
      Map<String, String> before = tree(root);

      assertThatThrownBy(() -> registry.gc(Duration.ofHours(1), false))
          .isInstanceOf(ArtifactException.Corrupted.class)
          .hasMessageContaining(record.toString())
          .hasMessageContaining("artifact fsck");
      assertThat(tree(root)).isEqualTo(before);

      // A missing manifest is damage too.
      Files.delete(record);
      Path manifests = root.resolve("acme/p/collections/events/manifests");
      try (Stream<Path> list = Files.list(manifests)) {
        for (Path m : list.toList()) {
          Files.delete(m);
        }
      }
      assertThatThrownBy(() -> registry.gc(Duration.ofHours(1), false))
          .isInstanceOf(ArtifactException.Corrupted.class)
          .hasMessageContaining("manifest")
          .hasMessageContaining("is missing");
      assertThat(countFiles(root.resolve("acme/p/objects/md5"))).isEqualTo(3);
    }
  }
}
