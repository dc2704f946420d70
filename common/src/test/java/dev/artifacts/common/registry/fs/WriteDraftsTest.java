package dev.artifacts.common.registry.fs;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.artifacts.common.ArtifactException;
import dev.artifacts.common.digest.FileDigest;
import dev.artifacts.common.manifest.ManifestEntry;
import dev.artifacts.common.name.ArtifactPath;
import dev.artifacts.common.options.WriteSettings;
import dev.artifacts.common.registry.ArtifactDraft;
import dev.artifacts.common.registry.ArtifactRegistries;
import dev.artifacts.common.registry.ArtifactRegistry;
import dev.artifacts.common.registry.ArtifactVersion;
import dev.artifacts.common.registry.WriteDrafts;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Engine task results become the draft of one version the same way for Spark and Flink. */
class WriteDraftsTest {
  private static final ArtifactPath EVENTS = new ArtifactPath("acme", "p", "events", null);

  @TempDir Path root;
  @TempDir Path scratch;
  private ArtifactRegistry registry;

  @BeforeEach
  void open() {
    registry = ArtifactRegistries.open(root.resolve("registry").toString());
  }

  @AfterEach
  void close() throws IOException {
    registry.close();
  }

  private ArtifactVersion v0() throws IOException {
    ArtifactDraft d = registry.newDraft(EVENTS, "dataset");
    try (OutputStream out = d.newFile("a.csv")) {
      out.write("a".getBytes(UTF_8));
    }
    d.metadata(Map.of("owner", "etl"));
    return registry.commit(d).version();
  }

  /** A body as a task stores it: put into the content store, reported by its digest. */
  private ManifestEntry stored(String path, String text) throws IOException {
    Path f = Files.writeString(scratch.resolve(path.replace('/', '_')), text);
    FileDigest d = registry.contentStore(EVENTS.entity(), EVENTS.project()).put(f);
    return ManifestEntry.file(path, d.base64(), d.size());
  }

  private static ManifestEntry reference(String path) {
    return ManifestEntry.reference(
        path, "ZGlnZXN0ZGlnZXN0ZGlnZQ==", "file:///data/" + path, 1L, Map.of());
  }

  private static WriteSettings settings(Map<String, String> options) {
    return WriteSettings.parse(EVENTS, options);
  }

  private List<String> paths(ArtifactVersion v) {
    return registry.manifest(v).entries().stream().map(ManifestEntry::path).toList();
  }

  @Test
  void appendKeepsTheLatestVersionAndAppliesTheSettings() throws IOException {
    v0();
    WriteSettings s =
        settings(Map.of("aliases", "prod", "tags", "nightly", "description", "day 2"));
    ArtifactDraft draft = WriteDrafts.start(registry, s, WriteDrafts.Base.APPEND);
    WriteDrafts.addWritten(draft, List.of(stored("b.csv", "b"), reference("c.csv")));
    WriteDrafts.applySettings(draft, s, null, Map.of("engine.fact", "1"), null);
    ArtifactVersion v1 = registry.commit(draft).version();

    assertThat(paths(v1)).containsExactly("a.csv", "b.csv", "c.csv");
    assertThat(v1.aliases()).contains("prod", "latest");
    assertThat(v1.tags()).containsExactly("nightly");
    assertThat(v1.description()).isEqualTo("day 2");
    assertThat(v1.commitProperties()).containsEntry("engine.fact", "1");
    // No metadata given: the appended version keeps its base's.
    assertThat(v1.metadata()).containsEntry("owner", "etl");
  }

  @Test
  void appendRebasesOntoAVersionCommittedMeanwhile() throws IOException {
    ArtifactVersion v0 = v0();
    WriteSettings s = settings(Map.of());
    ArtifactDraft draft = WriteDrafts.start(registry, s, WriteDrafts.Base.APPEND);
    ArtifactDraft other = registry.newDraft(v0);
    other.addStoredEntry(stored("other.csv", "o"));
    registry.commit(other);

    WriteDrafts.addWritten(draft, List.of(stored("b.csv", "b")));
    WriteDrafts.applySettings(draft, s, null, Map.of(), null);
    assertThat(paths(registry.commit(draft).version()))
        .containsExactlyInAnyOrder("a.csv", "other.csv", "b.csv");
  }

  @Test
  void replaceCommitsOnlyTheWrittenFiles() throws IOException {
    v0();
    WriteSettings s = settings(Map.of("metadata", "{\"rows\": 1}"));
    ArtifactDraft draft = WriteDrafts.start(registry, s, WriteDrafts.Base.REPLACE);
    WriteDrafts.addWritten(draft, List.of(reference("c.csv")));
    WriteDrafts.applySettings(draft, s, null, Map.of(), null);
    ArtifactVersion v1 = registry.commit(draft).version();
    assertThat(paths(v1)).containsExactly("c.csv");
    assertThat(v1.metadata()).isEqualTo(Map.of("rows", 1));
  }

  @Test
  void aNewCollectionTakesTheGivenTypeOrTheDefault() throws IOException {
    ArtifactDraft typed =
        WriteDrafts.start(registry, settings(Map.of("type", "model")), WriteDrafts.Base.APPEND);
    assertThat(typed.type()).isEqualTo("model");
    ArtifactDraft untyped =
        WriteDrafts.start(registry, settings(Map.of()), WriteDrafts.Base.REPLACE);
    assertThat(untyped.type()).isEqualTo("dataset");
  }

  @Test
  void aTypeOtherThanTheCollectionsFailsBeforeCommitting() throws IOException {
    v0();
    for (WriteDrafts.Base base : WriteDrafts.Base.values()) {
      assertThatThrownBy(() -> WriteDrafts.start(registry, settings(Map.of("type", "model")), base))
          .isInstanceOf(ArtifactException.InvalidInput.class)
          .hasMessage(
              "Invalid option type='model' for acme/p/events: the collection has type 'dataset';"
                  + " use type 'dataset' or another name");
    }
  }

  @Test
  void theSameFileReportedTwiceIsAddedOnceAndTwoFilesAtOnePathFail() throws IOException {
    ArtifactDraft draft = WriteDrafts.start(registry, settings(Map.of()), WriteDrafts.Base.APPEND);
    ManifestEntry b = stored("b.csv", "b");
    assertThat(WriteDrafts.addWritten(draft, List.of(b, reference("c.csv"), b))).isEqualTo(2);
    assertThatThrownBy(
            () -> WriteDrafts.addWritten(draft, List.of(b, stored("b.csv", "other bytes"))))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith(
            "Cannot commit to acme/p/events: two written files have the path" + " 'b.csv'");
  }
}
