package dev.artifacts.flink.source;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.artifacts.common.name.ArtifactPath;
import dev.artifacts.common.registry.ArtifactDraft;
import dev.artifacts.common.registry.ArtifactRegistries;
import dev.artifacts.common.registry.ArtifactRegistry;
import dev.artifacts.common.registry.ArtifactVersion;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.connector.source.ReaderInfo;
import org.apache.flink.api.connector.source.SplitsAssignment;
import org.apache.flink.api.connector.source.mocks.MockSplitEnumeratorContext;
import org.apache.flink.connector.file.src.reader.TextLineInputFormat;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The enumerator driven step by step with Flink's mock context (its async calls run when the test
 * says so), against a real filesystem registry.
 */
class ArtifactSplitEnumeratorTest {
  private static final ArtifactPath ARTIFACT = ArtifactPath.parse("acme/etl/events");

  @TempDir Path dir;
  private ArtifactRegistry registry;
  private MockSplitEnumeratorContext<ArtifactSourceSplit> context;

  @BeforeEach
  void setUp() {
    registry = ArtifactRegistries.open(dir.resolve("registry").toString());
    context = new MockSplitEnumeratorContext<>(2);
    context.registerReader(new ReaderInfo(0, "localhost"));
    context.registerReader(new ReaderInfo(1, "localhost"));
  }

  @AfterEach
  void tearDown() throws Exception {
    context.close();
    registry.close();
  }

  @Test
  void boundedHandsOutEachFileOnceThenNoMoreSplits() throws Throwable {
    commit(null, List.of(), "a.txt", "b.txt", "c.txt");
    try (ArtifactSplitEnumerator e = enumerator("acme/etl/events", null)) {
      e.start();
      e.handleSplitRequest(0, "localhost"); // before the plan: waits
      assertThat(context.getSplitsAssignmentSequence()).isEmpty();
      context.runNextOneTimeCallable();
      e.handleSplitRequest(1, "localhost");
      e.handleSplitRequest(0, "localhost");
      e.handleSplitRequest(1, "localhost");
      assertThat(assignedPaths()).containsExactly("a.txt", "b.txt", "c.txt");
      assertThat(context.hasNoMoreSplits(1)).isTrue();
      assertThat(context.hasNoMoreSplits(0)).isFalse();
      assertThat(e.snapshotState(1)).isEqualTo(new ArtifactEnumeratorState(0, 1, List.of()));
    }
  }

  @Test
  void splitsOfAFailedReaderAreAssignedAgain() throws Throwable {
    commit(null, List.of(), "a.txt", "b.txt");
    try (ArtifactSplitEnumerator e = enumerator("acme/etl/events", null)) {
      e.start();
      context.runNextOneTimeCallable();
      e.handleSplitRequest(0, "localhost");
      ArtifactSourceSplit lost =
          context.getSplitsAssignmentSequence().get(0).assignment().get(0).get(0);
      e.addSplitsBack(List.of(lost), 0);
      assertThat(e.snapshotState(2).pendingSplits()).first().isEqualTo(lost);
      e.handleSplitRequest(1, "localhost");
      assertThat(assignedPaths()).containsExactly("a.txt", "a.txt");
    }
  }

  @Test
  void restoredBoundedEnumeratorKeepsItsVersionWhenTheAliasMoved() throws Throwable {
    ArtifactVersion v0 = commit(null, List.of("prod"), "old.txt");
    List<ArtifactSourceSplit> planned;
    try (ArtifactSplitEnumerator e = enumerator("acme/etl/events:prod", null)) {
      e.start();
      context.runNextOneTimeCallable();
      planned = List.copyOf(e.pendingSplits());
    }
    ArtifactEnumeratorState state = new ArtifactEnumeratorState(v0.versionIndex(), 1, planned);
    commit(null, List.of("prod"), "new.txt"); // prod moves to v1

    MockSplitEnumeratorContext<ArtifactSourceSplit> restored = new MockSplitEnumeratorContext<>(1);
    restored.registerReader(new ReaderInfo(0, "localhost"));
    try (ArtifactSplitEnumerator e =
        new ArtifactSplitEnumerator(restored, config("acme/etl/events:prod", null), state)) {
      e.start();
      assertThat(restored.getOneTimeCallables()).as("no new resolution").isEmpty();
      e.handleSplitRequest(0, "localhost");
      e.handleSplitRequest(0, "localhost");
      assertThat(restored.getSplitsAssignmentSequence())
          .flatMap(a -> a.assignment().get(0))
          .extracting(ArtifactSourceSplit::logicalPath)
          .containsExactly("old.txt");
      assertThat(restored.hasNoMoreSplits(0)).isTrue();
    }
    restored.close();
  }

  @Test
  void continuousPlansOnlyNewFilesOfEachNewVersion() throws Throwable {
    ArtifactVersion v0 = commit(null, List.of(), "a.txt", "b.txt");
    try (ArtifactSplitEnumerator e = enumerator("acme/etl/events", Duration.ofSeconds(1))) {
      e.start();
      context.runPeriodicCallable(0);
      assertThat(e.pendingSplits())
          .extracting(ArtifactSourceSplit::logicalPath)
          .containsExactly("a.txt", "b.txt");
      context.runPeriodicCallable(0); // nothing new
      assertThat(e.pendingSplits()).hasSize(2);

      // v1 = v0 + c.txt, and b.txt rewritten with other content.
      ArtifactDraft next = registry.newDraft(v0);
      write(next, "c.txt", "c");
      write(next, "b.txt", "b changed");
      registry.commit(next);
      context.runPeriodicCallable(0);
      assertThat(e.pendingSplits())
          .extracting(ArtifactSourceSplit::logicalPath)
          .containsExactly("a.txt", "b.txt", "b.txt", "c.txt");
      assertThat(e.pendingSplits())
          .extracting(ArtifactSourceSplit::versionIndex)
          .containsExactly(0, 0, 1, 1);
      assertThat(e.snapshotState(3).lastVersionIndex()).isEqualTo(1);

      e.handleSplitRequest(0, "localhost");
      assertThat(context.hasNoMoreSplits(0)).isFalse();
    }
  }

  @Test
  void aliasMovingBackIsPlannedAgainWithDistinctSplitIds() throws Throwable {
    ArtifactVersion v0 = commit(null, List.of("prod"), "a.txt");
    ArtifactVersion v1 = commit(null, List.of(), "b.txt");
    try (ArtifactSplitEnumerator e = enumerator("acme/etl/events:prod", Duration.ofSeconds(1))) {
      e.start();
      context.runPeriodicCallable(0);
      registry.addAlias(v1, "prod");
      context.runPeriodicCallable(0);
      registry.addAlias(v0, "prod");
      context.runPeriodicCallable(0);
      assertThat(e.pendingSplits())
          .extracting(ArtifactSourceSplit::splitId)
          .containsExactly("0:v0-0", "1:v1-0", "2:v0-0");
      assertThat(e.snapshotState(1).plans()).isEqualTo(3);
      assertThat(e.snapshotState(1).lastVersionIndex()).isZero();
    }
  }

  @Test
  void restoredContinuousEnumeratorReadsOnlyFilesNewSinceItsVersion() throws Throwable {
    ArtifactVersion v0 = commit(null, List.of(), "a.txt");
    ArtifactDraft next = registry.newDraft(v0);
    write(next, "b.txt", "b");
    registry.commit(next);

    ArtifactEnumeratorState state = new ArtifactEnumeratorState(v0.versionIndex(), 1, List.of());
    try (ArtifactSplitEnumerator e =
        new ArtifactSplitEnumerator(
            context, config("acme/etl/events", Duration.ofSeconds(1)), state)) {
      e.start();
      context.runPeriodicCallable(0);
      assertThat(e.pendingSplits())
          .extracting(ArtifactSourceSplit::logicalPath)
          .containsExactly("b.txt");
    }
  }

  @Test
  void missingArtifactOrAliasFailsNamingIt() throws Throwable {
    try (ArtifactSplitEnumerator e = enumerator("acme/etl/nothing", null)) {
      e.start();
      assertThatThrownBy(context::runNextOneTimeCallable).hasMessageContaining("acme/etl/nothing");
    }
    commit(null, List.of(), "a.txt");
    MockSplitEnumeratorContext<ArtifactSourceSplit> other = new MockSplitEnumeratorContext<>(1);
    try (ArtifactSplitEnumerator e =
        new ArtifactSplitEnumerator(
            other,
            config("acme/etl/events:nope", Duration.ofSeconds(1)),
            ArtifactEnumeratorState.initial())) {
      e.start();
      assertThatThrownBy(() -> other.runPeriodicCallable(0))
          .hasMessageContaining("acme/etl/events:nope");
    }
    other.close();
  }

  @Test
  void deletedLastVersionFailsTheContinuousSourceNamingIt() throws Throwable {
    ArtifactVersion v0 = commit(null, List.of(), "a.txt");
    ArtifactDraft next = registry.newDraft(v0);
    write(next, "b.txt", "b");
    registry.commit(next);
    registry.delete(v0, true);

    ArtifactEnumeratorState state = new ArtifactEnumeratorState(v0.versionIndex(), 1, List.of());
    try (ArtifactSplitEnumerator e =
        new ArtifactSplitEnumerator(
            context, config("acme/etl/events", Duration.ofSeconds(1)), state)) {
      e.start();
      // Without the last version's entries the source cannot tell new files from read ones.
      assertThatThrownBy(() -> context.runPeriodicCallable(0))
          .hasMessageContaining("Cannot read acme/etl/events:latest")
          .hasMessageContaining("v0");
    }
  }

  @Test
  void lineageRunComesFromTheJobScopeOfTheMetricGroup() {
    assertThat(ArtifactSplitEnumerator.run(Map.of(), null)).isNull();
    var run = ArtifactSplitEnumerator.run(Map.of("<job_id>", "abc123", "<job_name>", "etl"), null);
    assertThat(run.id()).isEqualTo("abc123");
    assertThat(run.name()).isEqualTo("etl");
    assertThat(run.jobType()).isEqualTo("flink");
    assertThat(
            ArtifactSplitEnumerator.run(Map.of("<job_id>", "abc123", "<job_name>", "etl"), "mine")
                .name())
        .isEqualTo("mine");
  }

  // ---- helpers ---------------------------------------------------------------------------

  private ArtifactSplitEnumerator enumerator(String artifact, Duration interval) {
    return new ArtifactSplitEnumerator(
        context, config(artifact, interval), ArtifactEnumeratorState.initial());
  }

  private SourceConfig<String> config(String artifact, Duration interval) {
    ArtifactSourceBuilder<String> b =
        ArtifactSource.forRecordStreamFormat(new TextLineInputFormat())
            .setRegistry(registry.uri())
            .setArtifact(artifact);
    if (interval != null) {
      b.monitorContinuously(interval);
    }
    return b.build().config();
  }

  private List<String> assignedPaths() {
    return context.getSplitsAssignmentSequence().stream()
        .map(SplitsAssignment::assignment)
        .flatMap(m -> m.values().stream())
        .flatMap(List::stream)
        .map(ArtifactSourceSplit::logicalPath)
        .toList();
  }

  private ArtifactVersion commit(ArtifactVersion base, List<String> aliases, String... files)
      throws IOException {
    ArtifactDraft draft =
        base == null ? registry.newDraft(ARTIFACT, "dataset") : registry.newDraft(base);
    for (String f : files) {
      write(draft, f, f);
    }
    draft.aliases(aliases);
    return registry.commit(draft).version();
  }

  private static void write(ArtifactDraft draft, String name, String content) throws IOException {
    try (OutputStream out = draft.newFile(name)) {
      out.write(content.getBytes(UTF_8));
    }
  }
}
