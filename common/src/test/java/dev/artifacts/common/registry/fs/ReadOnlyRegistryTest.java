package dev.artifacts.common.registry.fs;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.artifacts.common.name.ArtifactPath;
import dev.artifacts.common.registry.ArtifactDraft;
import dev.artifacts.common.registry.ArtifactVersion;
import dev.artifacts.common.registry.RunInfo;
import dev.artifacts.common.registry.VersionQuery;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 15, cases 5 and 6, on a registry whose filesystem refuses every change as a read-only mount
 * does (delete and rename return false, create fails): mutations fail loudly, never report a
 * success; reads work, without lineage.
 */
class ReadOnlyRegistryTest {
  private static final ArtifactPath EVENTS = new ArtifactPath("acme", "p", "events", null);

  @TempDir Path root;
  private final FaultyLocalFileSystem fs = new FaultyLocalFileSystem();
  private ArtifactVersion v0;

  @BeforeEach
  void setUp() throws IOException {
    try (FileSystemRegistry registry = fs.registry(root)) {
      ArtifactDraft draft = registry.newDraft(EVENTS, "dataset");
      try (OutputStream out = draft.newFile("a")) {
        out.write("committed".getBytes(UTF_8));
      }
      v0 = registry.commit(draft.aliases(List.of("prod"))).version();
      // An orphan old enough for gc to want to remove it.
      ArtifactDraft orphan = registry.newDraft(EVENTS, "dataset");
      try (OutputStream out = orphan.newFile("b")) {
        out.write("orphan".getBytes(UTF_8));
      }
    }
    FileTime old = FileTime.from(Instant.now().minus(Duration.ofDays(2)));
    try (Stream<Path> walk = Files.walk(root.resolve("acme/p/objects"))) {
      for (Path p : walk.toList()) {
        Files.setLastModifiedTime(p, old);
      }
    }
    fs.readOnly = true;
  }

  @Test
  void mutationsFailInsteadOfReportingSuccess() throws IOException {
    Map<String, String> before = RegistryFixtures.tree(root);
    try (FileSystemRegistry registry = fs.registry(root)) {
      assertThatThrownBy(() -> registry.deleteCollection(EVENTS))
          .isInstanceOf(UncheckedIOException.class);
      assertThatThrownBy(() -> registry.removeAlias(registry.resolve(EVENTS), "prod"))
          .isInstanceOf(UncheckedIOException.class)
          .hasMessageContaining("aliases/prod.json")
          .hasMessageContaining("read-only");
      assertThatThrownBy(() -> registry.gc(Duration.ofHours(1), false))
          .isInstanceOf(UncheckedIOException.class);
      assertThatThrownBy(() -> registry.delete(registry.resolve(EVENTS), true))
          .isInstanceOf(UncheckedIOException.class);
    }
    assertThat(RegistryFixtures.tree(root)).isEqualTo(before);
  }

  @Test
  void readsWorkAndLineageDegradesToAWarning() throws IOException {
    try (FileSystemRegistry registry = fs.registry(root)) {
      ArtifactVersion v = registry.resolve(EVENTS.withAlias("prod"));
      registry.recordUse(new RunInfo("reader", "reader", "cli", null, Map.of()), v);
      assertThat(registry.versions(EVENTS, VersionQuery.all())).hasSize(1);
      try (InputStream in = registry.open(v, registry.manifest(v).entry("a").orElseThrow())) {
        assertThat(new String(in.readAllBytes(), UTF_8)).isEqualTo("committed");
      }
      assertThat(v.id()).isEqualTo(v0.id());
      assertThat(registry.gc(Duration.ofHours(1), true).objectsRemoved()).isEqualTo(1);
    }
  }

  /**
   * {@code delete --collection} killed after its tombstone (here: its first delete fails): the
   * collection reads as gone at once, never as versions without their files, and gc finishes it.
   */
  @Test
  void aCollectionDeleteKilledPartWayReadsAsGoneAndGcFinishesIt() throws IOException {
    fs.readOnly = false;
    try (FileSystemRegistry registry = fs.registry(root)) {
      fs.beforeDelete =
          p -> {
            throw new UncheckedIOException(new IOException("killed before deleting " + p));
          };
      assertThatThrownBy(() -> registry.deleteCollection(EVENTS))
          .hasMessageContaining("killed before deleting");
      fs.beforeDelete = p -> {};

      // The tombstone came first: the whole collection reads as gone, nothing was removed yet.
      assertThat(root.resolve("acme/p/collections/events/collection-deleted.json")).exists();
      assertThat(root.resolve("acme/p/collections/events/versions/v0.json")).exists();
      assertThatThrownBy(() -> registry.resolve(EVENTS.withAlias("v0")))
          .hasMessageContaining("the collection does not exist");
      assertThat(registry.collection(EVENTS)).isEmpty();
      // gc finishes the delete, then reclaims the bodies.
      assertThat(registry.gc(Duration.ofHours(1), false).objectsRemoved()).isEqualTo(2);
      assertThat(Files.exists(root.resolve("acme/p/collections/events"))).isFalse();
      assertThatThrownBy(() -> registry.deleteCollection(EVENTS))
          .hasMessageContaining("does not exist");
    }
  }
}
