package dev.artifacts.common.registry.fs;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.artifacts.common.name.ArtifactPath;
import dev.artifacts.common.registry.ArtifactDraft;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code fsck} knows the records of interrupted writes: a collection tombstone (a delete killed
 * after it) and a pending-aliases marker (a commit killed between its version record and its alias
 * files). It reports both and, with repair, finishes them.
 */
class InterruptedWritesFsckTest {
  private static final ArtifactPath EVENTS = new ArtifactPath("acme", "p", "events", null);

  @TempDir Path root;
  @TempDir Path attempts;

  private Path coll() {
    return root.resolve("acme/p/collections/events");
  }

  private static void commit(FileSystemRegistry r, String text, String... aliases)
      throws IOException {
    ArtifactDraft draft = r.newDraft(EVENTS, "dataset");
    try (OutputStream out = draft.newFile("a")) {
      out.write(text.getBytes(UTF_8));
    }
    r.commit(draft.aliases(List.of(aliases)));
  }

  @Test
  void fsckFinishesACollectionDeleteKilledAfterItsTombstone() throws IOException {
    try (FileSystemRegistry registry = RegistryFixtures.open(root, new FakeReferences())) {
      commit(registry, "zero", "prod");
    }
    FaultyLocalFileSystem fs = new FaultyLocalFileSystem();
    fs.crashAt(2); // 1: the tombstone; 2: the first removal.
    try (FileSystemRegistry crashing = fs.registry(root)) {
      try {
        crashing.deleteCollection(EVENTS);
      } catch (FaultyLocalFileSystem.Crash expected) {
        // The simulated kill.
      }
    }
    assertThat(fs.crashed()).isTrue();
    assertThat(coll().resolve("collection-deleted.json")).exists();
    assertThat(coll().resolve("versions/v0.json")).exists();

    try (FileSystemRegistry registry = RegistryFixtures.open(root, new FakeReferences())) {
      assertThat(registry.find(EVENTS)).isEmpty();
      FsckReport check = registry.fsck(false);
      assertThat(check.problems())
          .singleElement()
          .satisfies(
              p -> {
                assertThat(p.description()).contains("deletion", "interrupted");
                assertThat(p.repaired()).isFalse();
              });
      assertThat(coll()).exists();

      FsckReport repaired = registry.fsck(true);
      assertThat(repaired.problems())
          .singleElement()
          .satisfies(p -> assertThat(p.repaired()).isTrue());
      assertThat(coll()).doesNotExist();
      assertThat(registry.fsck(false).problems()).isEmpty();
    }
  }

  @Test
  void fsckWritesTheAliasesOfACommitKilledAfterItsVersionRecord() throws IOException {
    try (FileSystemRegistry registry = RegistryFixtures.open(root, new FakeReferences())) {
      commit(registry, "zero", "prod");
    }
    // Find the first change after v1's record: the crash there leaves v1 without alias files.
    for (int n = 1; ; n++) {
      Path tree = Files.createTempDirectory(attempts, "attempt");
      copy(root, tree);
      FaultyLocalFileSystem fs = new FaultyLocalFileSystem();
      fs.crashAt(n);
      try (FileSystemRegistry crashing = fs.registry(tree)) {
        commit(crashing, "one", "prod", "fresh");
      } catch (FaultyLocalFileSystem.Crash | IOException expected) {
        // The simulated kill.
      }
      assertThat(fs.crashed()).as("the commit needs more than %d changes", n).isTrue();
      Path events = tree.resolve("acme/p/collections/events");
      if (!Files.exists(events.resolve("versions/v1.json"))) {
        continue;
      }
      assertThat(events.resolve("aliases/fresh.json")).doesNotExist();
      try (FileSystemRegistry registry = RegistryFixtures.open(tree, new FakeReferences())) {
        // Readers already show the requested aliases.
        assertThat(registry.resolve(EVENTS.withAlias("fresh")).version()).isEqualTo("v1");
        assertThat(registry.resolve(EVENTS.withAlias("prod")).version()).isEqualTo("v1");
        assertThat(registry.fsck(false).problems())
            .singleElement()
            .satisfies(p -> assertThat(p.description()).contains("[prod, fresh]", "v1"));

        assertThat(registry.fsck(true).problems())
            .singleElement()
            .satisfies(p -> assertThat(p.repaired()).isTrue());
        assertThat(events.resolve("aliases/fresh.json")).exists();
        assertThat(events.resolve("pending-aliases")).isEmptyDirectory();
        assertThat(registry.fsck(false).problems()).isEmpty();
        assertThat(registry.resolve(EVENTS.withAlias("prod")).version()).isEqualTo("v1");
      }
      return;
    }
  }

  private static void copy(Path from, Path to) throws IOException {
    try (var walk = Files.walk(from)) {
      for (Path p : walk.toList()) {
        Path target = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else {
          Files.copy(p, target);
        }
      }
    }
  }
}
