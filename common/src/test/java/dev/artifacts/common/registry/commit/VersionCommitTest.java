package dev.artifacts.common.registry.commit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.artifacts.common.ArtifactException;
import dev.artifacts.common.manifest.Manifest;
import dev.artifacts.common.name.ArtifactPath;
import dev.artifacts.common.reference.DefaultReferenceResolver;
import dev.artifacts.common.registry.ArtifactDraft;
import dev.artifacts.common.registry.ArtifactVersion;
import dev.artifacts.common.registry.CommitResult;
import dev.artifacts.common.registry.RunInfo;
import dev.artifacts.common.registry.fs.FileSystemRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The commit protocol against a tiny in-test commit point: a list of versions with put-if-absent at
 * the next index and scripted faults at the commit point. Drafts are real (from a filesystem
 * registry, which only stores their bodies here).
 */
class VersionCommitTest {
  private static final ArtifactPath EVENTS = new ArtifactPath("acme", "p", "events", null);
  private static final RetryPolicy FAST = new RetryPolicy(5, 0, 1);

  @TempDir Path tmp;
  private FileSystemRegistry drafts;
  private final Versions versions = new Versions();

  @BeforeEach
  void open() {
    drafts =
        FileSystemRegistry.open(
            tmp.toString(), new Configuration(), new DefaultReferenceResolver());
  }

  @AfterEach
  void close() throws IOException {
    drafts.close();
  }

  @Test
  void firstCommitCreatesV0WithAliasesAndLineage() throws IOException {
    ArtifactDraft draft = draft("a", "1").aliases(List.of("prod", "latest")).run(run("r1"));

    CommitResult result = VersionCommit.commit(draft, versions.point(), FAST);

    assertThat(result.created()).isTrue();
    assertThat(result.version().version()).isEqualTo("v0");
    Stored v0 = versions.list.get(0);
    assertThat(v0.aliases).containsExactly("prod"); // latest is implied, never stored
    assertThat(v0.runs).containsExactly("r1");
    assertThat(versions.released).isEqualTo(1);
  }

  @Test
  void lostRaceIsRetriedOnTheNewLatestAndRebased() throws IOException {
    VersionCommit.commit(draft("a", "1"), versions.point(), FAST);
    ArtifactDraft append = draft("b", "2").rebaseOnLatest();
    // Another writer takes v1 between our read of latest (v0) and our attempt.
    versions.faults.add(Fault.RIVAL_FIRST);

    CommitResult result = VersionCommit.commit(append, versions.point(), FAST);

    assertThat(result.version().version()).isEqualTo("v2");
    assertThat(versions.attempts).isEqualTo(1 + 2);
    Manifest committed = versions.list.get(2).manifest;
    // Rebased on the rival's v1 (whose manifest holds only "rival"), not on v0 it started from.
    assertThat(committed.entries())
        .extracting(e -> e.path())
        .containsExactlyInAnyOrder("b", "rival");
    assertThat(versions.list.get(2).baseId).isEqualTo(versions.list.get(1).token);
  }

  @Test
  void ambiguousFailureThatLandedIsSuccessWithoutDuplicate() throws IOException {
    versions.faults.add(Fault.APPLY_THEN_THROW);
    ArtifactDraft draft = draft("a", "1").aliases(List.of("prod")).run(run("r1"));

    CommitResult result = VersionCommit.commit(draft, versions.point(), FAST);

    assertThat(result.created()).isTrue();
    assertThat(result.version().version()).isEqualTo("v0");
    assertThat(versions.list).hasSize(1);
    assertThat(versions.attempts).isEqualTo(1);
    assertThat(versions.list.get(0).aliases).containsExactly("prod");
    assertThat(versions.list.get(0).runs).containsExactly("r1");
  }

  @Test
  void ambiguousFailureThatCertainlyDidNotLandIsRetried() throws IOException {
    versions.readBackCertain = true;
    versions.faults.add(Fault.THROW_WITHOUT_APPLY);

    CommitResult result = VersionCommit.commit(draft("a", "1"), versions.point(), FAST);

    assertThat(result.version().version()).isEqualTo("v0");
    assertThat(versions.list).hasSize(1);
    assertThat(versions.attempts).isEqualTo(2);
  }

  @Test
  void ambiguousFailureThatCannotBeReadBackIsOutcomeUnknown() throws IOException {
    versions.readBackCertain = false;
    versions.faults.add(Fault.THROW_WITHOUT_APPLY);

    assertThatThrownBy(() -> VersionCommit.commit(draft("a", "1"), versions.point(), FAST))
        .isInstanceOf(ArtifactException.CommitStateUnknown.class)
        .hasMessageContaining("Cannot tell whether acme/p/events:v0 was committed")
        .hasMessageContaining("connection reset")
        .hasMessageContaining("Staged files were kept");
    assertThat(versions.list).isEmpty();
    assertThat(versions.attempts).isEqualTo(1); // no blind retry that could commit twice
    assertThat(versions.released).isEqualTo(1);
  }

  @Test
  void refusedAttemptFailsWithTheBackendsError() throws IOException {
    versions.faults.add(Fault.THROW_REFUSED);

    assertThatThrownBy(() -> VersionCommit.commit(draft("a", "1"), versions.point(), FAST))
        .hasMessage("Cannot commit acme/p/events: quota exceeded. Nothing was committed");
    assertThat(versions.attempts).isEqualTo(1);
  }

  @Test
  void sameDigestAsLatestReusesItAndAppliesAliasesAndLineage() throws IOException {
    CommitResult first = VersionCommit.commit(draft("a", "1"), versions.point(), FAST);
    ArtifactDraft same = draft("a", "1").aliases(List.of("best")).run(run("r2"));

    CommitResult second = VersionCommit.commit(same, versions.point(), FAST);

    assertThat(second.created()).isFalse();
    assertThat(second.version().id()).isEqualTo(first.version().id());
    assertThat(versions.list).hasSize(1);
    assertThat(versions.attempts).isEqualTo(1);
    assertThat(versions.list.get(0).aliases).containsExactly("best");
    assertThat(versions.list.get(0).runs).containsExactly("r2");
  }

  @Test
  void backendThatDedupsItselfIsTrusted() throws IOException {
    VersionCommit.commit(draft("a", "1"), versions.point(), FAST);
    versions.dedupsAtCommitPoint = true;

    CommitResult again =
        VersionCommit.commit(draft("a", "1").aliases(List.of("x")), versions.point(), FAST);

    assertThat(again.created()).isFalse();
    assertThat(versions.latestReads).isEqualTo(1); // only the first commit read the head
    assertThat(versions.list.get(0).aliases).containsExactly("x");
  }

  @Test
  void versionAliasIsRejectedBeforeAnythingIsWritten() throws IOException {
    ArtifactDraft draft = draft("a", "1").aliases(List.of("prod", "v3"));

    assertThatThrownBy(() -> VersionCommit.commit(draft, versions.point(), FAST))
        .isInstanceOf(ArtifactException.InvalidInput.class)
        .hasMessage(
            "Invalid alias 'v3' for acme/p/events: version aliases are assigned by the registry;"
                + " choose another alias");
    assertThat(versions.prepared).isZero();
    assertThat(versions.attempts).isZero();
  }

  @Test
  void everyAttemptLostIsACommitConflict() throws IOException {
    for (int i = 0; i < FAST.maxAttempts(); i++) {
      versions.faults.add(Fault.RIVAL_FIRST);
    }

    assertThatThrownBy(() -> VersionCommit.commit(draft("a", "1"), versions.point(), FAST))
        .isInstanceOf(ArtifactException.CommitConflict.class)
        .hasMessage(
            "Cannot commit acme/p/events: other writers kept committing first (5 attempts);"
                + " nothing was committed, retry later");
    assertThat(versions.list)
        .extracting(s -> s.manifest.entries().get(0).path())
        .containsOnly("rival");
    assertThat(versions.released).isEqualTo(1);
  }

  @Test
  void aliasRulesAreTheSameForEveryAssignment() {
    assertThat(AliasRules.requested(List.of("latest", "prod", "prod"), EVENTS))
        .containsExactly("prod");
    assertThatThrownBy(() -> AliasRules.assignable("latest", EVENTS))
        .hasMessage(
            "Invalid alias 'latest' for acme/p/events: it always names the highest version and"
                + " cannot be assigned");
    assertThatThrownBy(() -> AliasRules.assignable("v0", EVENTS))
        .hasMessageContaining("Invalid alias 'v0' for acme/p/events");
    assertThatThrownBy(() -> AliasRules.requested(List.of("a:b"), EVENTS))
        .hasMessageContaining("Invalid alias 'a:b' for acme/p/events");
    // NFC: a decomposed é is the same alias as the composed one.
    assertThat(AliasRules.assignable("caf\u0065\u0301", EVENTS)).isEqualTo("caf\u00e9");
  }

  // ---- the tiny commit point -------------------------------------------------------------------

  private ArtifactDraft draft(String name, String body) throws IOException {
    ArtifactDraft d = drafts.newDraft(EVENTS, "dataset");
    try (OutputStream out = d.newFile(name)) {
      out.write(body.getBytes(StandardCharsets.UTF_8));
    }
    return d;
  }

  private static RunInfo run(String id) {
    return RunInfo.of(id, id, "test");
  }

  enum Fault {
    /** Another writer creates the next version just before this attempt: it is lost. */
    RIVAL_FIRST,
    /** The version is stored, then the answer is lost. */
    APPLY_THEN_THROW,
    /** The request fails before it is applied, ambiguously. */
    THROW_WITHOUT_APPLY,
    /** The request fails ambiguously; reading back shows a definite refusal. */
    THROW_REFUSED
  }

  static final class Stored {
    final int index;
    final String token;
    final String baseId;
    final Manifest manifest;
    final List<String> aliases = new ArrayList<>();
    final List<String> runs = new ArrayList<>();

    Stored(int index, String token, String baseId, Manifest manifest) {
      this.index = index;
      this.token = token;
      this.baseId = baseId;
      this.manifest = manifest;
    }
  }

  /** One collection: versions in a list, the index of each its position, put-if-absent. */
  final class Versions {
    final List<Stored> list = new ArrayList<>();
    final Deque<Fault> faults = new ArrayDeque<>();
    boolean readBackCertain;
    boolean dedupsAtCommitPoint;
    int attempts;
    int prepared;
    int released;
    int latestReads;

    /** Put-if-absent at {@code index}. */
    boolean create(int index, Stored s) {
      if (list.size() != index) {
        return false;
      }
      list.add(s);
      return true;
    }

    CommitPoint<Stored> point() {
      return new CommitPoint<>() {
        private int index;

        @Override
        public void prepare() {
          prepared++;
        }

        @Override
        public boolean dedupsAtCommitPoint() {
          return dedupsAtCommitPoint;
        }

        @Override
        public Optional<Head<Stored>> latest() {
          latestReads++;
          index = list.size();
          if (list.isEmpty()) {
            return Optional.empty();
          }
          Stored s = list.get(list.size() - 1);
          return Optional.of(new Head<>(s.index, s.token, s.manifest.digest(), s));
        }

        @Override
        public Manifest manifestOf(Head<Stored> latest) {
          return latest.handle().manifest;
        }

        @Override
        public Outcome<Stored> tryCommit(Proposal p) throws AmbiguousCommitException {
          attempts++;
          if (dedupsAtCommitPoint) {
            Stored last = list.get(list.size() - 1);
            if (last.manifest.digest().equals(p.manifest().digest())) {
              return new Outcome.Matched<>(last);
            }
          }
          Fault fault = faults.poll();
          String name = EVENTS.withAlias("v" + index).toString();
          Stored ours = new Stored(index, p.token(), p.baseId(), p.manifest());
          if (fault == Fault.RIVAL_FIRST) {
            Manifest rival =
                Manifest.of(
                    Manifest.STORAGE_LAYOUT_V2,
                    null,
                    List.of(
                        dev.artifacts.common.manifest.ManifestEntry.file(
                            "rival", "1B2M2Y8AsgTpgAmY7PhCfg==", 0)));
            create(index, new Stored(index, "rival-" + index, null, rival));
          } else if (fault == Fault.APPLY_THEN_THROW) {
            create(index, ours);
            throw new AmbiguousCommitException(name, "timeout after write", null);
          } else if (fault == Fault.THROW_WITHOUT_APPLY) {
            throw new AmbiguousCommitException(name, "connection reset", null);
          } else if (fault == Fault.THROW_REFUSED) {
            throw new AmbiguousCommitException(name, "quota exceeded", null);
          }
          return create(index, ours)
              ? new Outcome.Created<>(ours)
              : new Outcome.Lost<>("v" + index + " is taken");
        }

        @Override
        public Landing<Stored> landed(Proposal p, AmbiguousCommitException failure) {
          for (Stored s : list) {
            if (s.token.equals(p.token())) {
              return new Landing.Landed<>(s);
            }
          }
          if (failure.getMessage().equals("quota exceeded")) {
            return new Landing.Refused<>(
                new ArtifactException(
                    "Cannot commit " + EVENTS + ": quota exceeded. Nothing was committed"));
          }
          return readBackCertain
              ? new Landing.NotLanded<>("not in the list")
              : new Landing.Unknown<>("the list cannot be read");
        }

        @Override
        public void applyAliases(Stored version, List<String> aliases) {
          version.aliases.addAll(aliases);
        }

        @Override
        public void recordOutput(RunInfo run, Stored version) {
          version.runs.add(run.id());
        }

        @Override
        public ArtifactVersion toVersion(Stored s) {
          return new ArtifactVersion(
              s.token,
              EVENTS.entity(),
              EVENTS.project(),
              EVENTS.name(),
              "dataset",
              s.index,
              s.manifest.digest(),
              ArtifactVersion.COMMITTED,
              s.aliases,
              List.of(),
              null,
              null,
              null,
              s.manifest.totalSize(),
              s.manifest.fileCount(),
              Instant.now(),
              null,
              s.runs.isEmpty() ? null : s.runs.get(0),
              null,
              -1,
              null);
        }

        @Override
        public void release() {
          released++;
        }
      };
    }
  }
}
