package dev.artifacts.common.registry.fs;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.artifacts.common.ArtifactException;
import dev.artifacts.common.name.ArtifactPath;
import dev.artifacts.common.registry.ArtifactDraft;
import dev.artifacts.common.registry.ArtifactVersion;
import dev.artifacts.common.registry.VersionQuery;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 15, case 7: one damaged file must not take the collection down, and {@code fsck} reports
 * each damaged file and repairs what it can.
 */
class DamageIsolationTest {
  private static final ArtifactPath EVENTS = new ArtifactPath("acme", "p", "events", null);

  @TempDir Path root;

  private Path coll() {
    return root.resolve("acme/p/collections/events");
  }

  private static ArtifactVersion commit(FileSystemRegistry r, String text, String... aliases)
      throws IOException {
    ArtifactDraft draft = r.newDraft(EVENTS, "dataset");
    try (OutputStream out = draft.newFile("a")) {
      out.write(text.getBytes(UTF_8));
    }
    return r.commit(draft.aliases(List.of(aliases))).version();
  }

  @Test
  void aCorruptOrEmptyAliasFileOnlyLosesThatAlias() throws IOException {
    try (FileSystemRegistry registry = RegistryFixtures.open(root, new FakeReferences())) {
      commit(registry, "zero", "prod", "broken", "empty");
      Files.writeString(coll().resolve("aliases/broken.json"), "{\"alias\": ");
      Files.writeString(coll().resolve("aliases/empty.json"), "");

      assertThat(registry.resolve(EVENTS.withAlias("v0")).aliases())
          .containsExactlyInAnyOrder("latest", "prod");
      assertThat(registry.resolve(EVENTS).version()).isEqualTo("v0");
      assertThat(registry.versions(EVENTS, VersionQuery.all())).hasSize(1);
      assertThat(commit(registry, "one").version()).isEqualTo("v1");
      assertThatThrownBy(() -> registry.resolve(EVENTS.withAlias("broken")))
          .isInstanceOf(ArtifactException.NotFound.class)
          .hasMessageContaining("broken.json")
          .hasMessageContaining("fsck");
    }
  }

  @Test
  void aCorruptLabelsFileOrRecordOnlyLosesThatFile() throws IOException {
    try (FileSystemRegistry registry = RegistryFixtures.open(root, new FakeReferences())) {
      ArtifactVersion v0 = commit(registry, "zero");
      registry.update(
          v0, new dev.artifacts.common.registry.VersionUpdate("d", null, null, null, null));
      commit(registry, "one");
      Files.writeString(coll().resolve("labels/v0.json"), "not json");
      Files.writeString(coll().resolve("versions/v1.json"), "{ broken");

      assertThat(registry.resolve(EVENTS.withAlias("v0")).id()).isEqualTo(v0.id());
      assertThat(registry.versions(EVENTS, VersionQuery.all()))
          .extracting(ArtifactVersion::version)
          .containsExactly("v0");
      assertThatThrownBy(() -> registry.resolve(EVENTS.withAlias("v1")))
          .isInstanceOf(ArtifactException.Corrupted.class)
          .hasMessageContaining("versions/v1.json");
      assertThat(commit(registry, "two").version()).isEqualTo("v2");
    }
  }

  @Test
  void fsckReportsEachDamagedFileAndRepairsWhatItCan() throws IOException {
    try (FileSystemRegistry registry = RegistryFixtures.open(root, new FakeReferences())) {
      ArtifactVersion v0 = commit(registry, "zero", "prod");
      commit(registry, "one", "staging");
      Files.writeString(coll().resolve("aliases/prod.json"), "");
      Files.writeString(
          coll().resolve("aliases/ghost.json"),
          "{\"format\":1,\"alias\":\"ghost\",\"index\":7,\"versionId\":\"x\",\"updatedAt\":\"t\"}");
      Files.createDirectories(coll().resolve("labels"));
      Files.writeString(coll().resolve("labels/v0.json"), "garbage");
      Path temp = Files.writeString(coll().resolve("versions/.v2.json.1234.tmp"), "{");
      Files.setLastModifiedTime(temp, FileTime.from(Instant.now().minus(Duration.ofHours(2))));
      Files.delete(coll().resolve("collection.json"));
      Path manifest = Path.of(registry.manifestLocation(v0));
      Files.delete(manifest);
      Path intent = RegistryFixtures.write(root, "acme/p/gc/killed.json", "{\"candidates\":[]}");
      Files.setLastModifiedTime(intent, FileTime.from(Instant.now().minus(Duration.ofDays(2))));

      FsckReport check = registry.fsck(false);
      assertThat(check.problems())
          .extracting(FsckReport.Problem::path)
          .anyMatch(p -> p.endsWith("aliases/prod.json"))
          .anyMatch(p -> p.endsWith("aliases/ghost.json"))
          .anyMatch(p -> p.endsWith("labels/v0.json"))
          .anyMatch(p -> p.endsWith(".v2.json.1234.tmp"))
          .anyMatch(p -> p.endsWith("collection.json"))
          .anyMatch(p -> p.endsWith("gc/killed.json"))
          .anyMatch(p -> p.endsWith(manifest.getFileName().toString()));
      assertThat(check.problems()).noneMatch(FsckReport.Problem::repaired);
      assertThat(Files.exists(temp)).isTrue();

      FsckReport repaired = registry.fsck(true);
      assertThat(repaired.problems()).hasSize(check.problems().size());
      assertThat(repaired.clean()).isFalse(); // the lost manifest cannot be rebuilt
      assertThat(Files.exists(temp)).isFalse();
      assertThat(Files.exists(intent)).isFalse();
      assertThat(Files.exists(coll().resolve("aliases/prod.json"))).isFalse();
      assertThat(Files.exists(coll().resolve("collection.json"))).isTrue();
      assertThat(registry.collection(EVENTS).orElseThrow().type()).isEqualTo("dataset");

      FsckReport after = registry.fsck(false);
      assertThat(after.problems())
          .singleElement()
          .satisfies(p -> assertThat(p.description()).contains("manifest of v0 is missing"));
    }
  }

  @Test
  void aliasesTypedDecomposedResolveToTheComposedAlias() throws IOException {
    try (FileSystemRegistry registry = RegistryFixtures.open(root, new FakeReferences())) {
      ArtifactVersion v0 = commit(registry, "zero", "cafe\u0301");
      assertThat(v0.aliases()).containsExactlyInAnyOrder("latest", "caf\u00e9");
      assertThat(registry.resolve(EVENTS.withAlias("cafe\u0301")).id()).isEqualTo(v0.id());
      ArtifactVersion moved = registry.addAlias(v0, "caf\u00e9");
      assertThat(moved.aliases()).containsExactlyInAnyOrder("latest", "caf\u00e9");
      registry.removeAlias(moved, "cafe\u0301");
      assertThat(registry.resolve(EVENTS).aliases()).containsExactly("latest");
    }
  }
}
