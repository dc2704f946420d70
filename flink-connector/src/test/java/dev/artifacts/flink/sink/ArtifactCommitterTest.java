package dev.artifacts.flink.sink;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.artifacts.common.ArtifactException;
import dev.artifacts.common.digest.FileDigest;
import dev.artifacts.common.manifest.ManifestEntry;
import dev.artifacts.common.name.ArtifactPath;
import dev.artifacts.common.registry.ArtifactDraft;
import dev.artifacts.common.registry.ArtifactRegistries;
import dev.artifacts.common.registry.ArtifactRegistry;
import dev.artifacts.common.registry.ArtifactVersion;
import dev.artifacts.common.registry.CommitResult;
import dev.artifacts.common.registry.ContentStore;
import dev.artifacts.common.registry.RunInfo;
import dev.artifacts.common.registry.VersionQuery;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.flink.api.common.serialization.SimpleStringEncoder;
import org.apache.flink.api.connector.sink2.Committer.CommitRequest;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The committer's at-most-once rule against a real filesystem registry and failing fakes. */
class ArtifactCommitterTest {
  private static final ArtifactPath ARTIFACT = ArtifactPath.parse("acme/etl/events");

  /** The registry the committer opens; static because the factory must be serializable. */
  private static volatile ArtifactRegistry current;

  @TempDir Path dir;
  private ArtifactRegistry real;
  private SinkConfig<String> config;
  private CommitterMetrics metrics;

  @BeforeEach
  void setUp() {
    real = ArtifactRegistries.open(dir.resolve("registry").toString());
    current = real;
    config =
        ArtifactSink.<String>builder()
            .setRegistry(real.uri())
            .setArtifact(ARTIFACT.toString())
            .setRowFormat(new SimpleStringEncoder<>(), "csv")
            .setAliases(List.of("streaming"))
            .setRegistryFactory(() -> current)
            .build()
            .config();
    metrics = new CommitterMetrics(new UnregisteredMetricsGroup());
  }

  @AfterEach
  void tearDown() throws IOException {
    real.close();
  }

  @Test
  void commitsOnceAndSkipsTheSameCheckpointAfterARestore() throws Exception {
    ArtifactCommittable c1 = stage("job-a", 1, "a,1\n");
    FakeRequest r1 = new FakeRequest(c1);
    committer().commit(List.of(r1));
    assertThat(r1.outcome).isEqualTo("committed");

    // A restored committer gets checkpoint 1 again (failure before the checkpoint recorded it).
    FakeRequest again = new FakeRequest(c1);
    committer().commit(List.of(again));
    assertThat(again.outcome).isEqualTo("already-committed");

    ArtifactCommittable c2 = stage("job-a", 2, "b,2\n");
    FakeRequest r2 = new FakeRequest(c2);
    committer().commit(List.of(r2));
    assertThat(r2.outcome).isEqualTo("committed");

    List<ArtifactVersion> versions = versions();
    assertThat(versions).hasSize(2);
    ArtifactVersion latest = versions.get(0);
    assertThat(latest.commitProperties())
        .containsEntry(SinkConfig.JOB_ID, "job-a")
        .containsEntry(SinkConfig.OPERATOR_ID, "op")
        .containsEntry(SinkConfig.CHECKPOINT_ID, "2");
    assertThat(latest.aliases()).contains("latest", "streaming");
    // Versions append: the latest holds both checkpoints' files.
    assertThat(real.manifest(latest).entries()).hasSize(2);
    assertThat(real.loggedBy(latest)).get().extracting(RunInfo::jobType).isEqualTo("flink");

    // An older checkpoint of the same job is skipped; another job's checkpoint 1 is not.
    FakeRequest older = new FakeRequest(stage("job-a", 1, "c,3\n"));
    FakeRequest otherJob = new FakeRequest(stage("job-b", 1, "d,4\n"));
    committer().commit(List.of(older, otherJob));
    assertThat(older.outcome).isEqualTo("already-committed");
    assertThat(otherJob.outcome).isEqualTo("committed");
    assertThat(versions()).hasSize(3);
  }

  @Test
  void commitThatThrowsAfterLandingIsNotRepeated() throws Exception {
    AtomicInteger commits = new AtomicInteger();
    current =
        new ForwardingRegistry(real) {
          @Override
          public CommitResult commit(ArtifactDraft draft) {
            CommitResult r = delegate.commit(draft);
            if (commits.incrementAndGet() == 1) {
              throw new ArtifactException.CommitStateUnknown(
                  "store failed after the write", new IOException("connection reset"));
            }
            return r;
          }
        };
    ArtifactCommittable c = stage("job-a", 5, "a,1\n");
    ArtifactCommitter committer = committer();
    FakeRequest request = new FakeRequest(c);
    committer.commit(List.of(request));
    assertThat(request.outcome).isEqualTo("retry");
    assertThat(versions()).hasSize(1);

    // Flink retries the same request: the committer reads the registry again and skips it.
    request.outcome = "committed";
    committer.commit(List.of(request));
    assertThat(request.outcome).isEqualTo("already-committed");
    assertThat(commits.get()).isEqualTo(1);
    assertThat(versions()).hasSize(1);
  }

  @Test
  void conflictIsRetriedAndLaterCheckpointsWait() throws Exception {
    AtomicInteger attempts = new AtomicInteger();
    current =
        new ForwardingRegistry(real) {
          @Override
          public CommitResult commit(ArtifactDraft draft) {
            if (attempts.incrementAndGet() == 1) {
              throw new ArtifactException.CommitConflict("others kept committing first");
            }
            return delegate.commit(draft);
          }
        };
    FakeRequest first = new FakeRequest(stage("job-a", 1, "a,1\n"));
    FakeRequest second = new FakeRequest(stage("job-a", 2, "b,2\n"));
    ArtifactCommitter committer = committer();
    committer.commit(List.of(second, first));
    assertThat(first.outcome).isEqualTo("retry");
    assertThat(second.outcome).isEqualTo("retry");
    assertThat(versions()).isEmpty();

    first.outcome = "committed";
    second.outcome = "committed";
    committer.commit(List.of(first, second));
    assertThat(first.outcome).isEqualTo("committed");
    assertThat(second.outcome).isEqualTo("committed");
    assertThat(versions()).hasSize(2);
    assertThat(metrics.committedVersions()).isEqualTo(2);
    assertThat(metrics.elapsedSecondsSinceLastSuccessfulCommit()).isGreaterThanOrEqualTo(0);
  }

  @Test
  void missingStagedManifestFailsLoudly() throws Exception {
    ArtifactCommittable c = stage("job-a", 1, "a,1\n");
    ArtifactCommittable gone =
        new ArtifactCommittable(
            c.jobId(), c.operatorId(), 1, "AAAAAAAAAAAAAAAAAAAAAA==", 1, c.digest(), 4);
    FakeRequest request = new FakeRequest(gone);
    committer().commit(List.of(request));
    assertThat(request.outcome).isEqualTo("failed");
    assertThat(request.failure).hasMessageContaining("AAAAAAAAAAAAAAAAAAAAAA==");
    assertThat(versions()).isEmpty();
  }

  private ArtifactCommitter committer() {
    return new ArtifactCommitter(config, RunInfo.of("job-run", "test job", "flink"), metrics);
  }

  private List<ArtifactVersion> versions() {
    if (real.collection(ARTIFACT).isEmpty()) {
      return List.of();
    }
    return real.versions(ARTIFACT, VersionQuery.all());
  }

  /** Stores one part file body and stages a one-entry partial manifest for it. */
  private ArtifactCommittable stage(String job, long checkpoint, String content)
      throws IOException {
    ContentStore store = real.contentStore(ARTIFACT.entity(), ARTIFACT.project());
    FileDigest d;
    try (ContentStore.BodyWriter body = store.newBody()) {
      body.stream().write(content.getBytes(UTF_8));
      body.stream().close();
      d = body.commit();
    }
    ManifestEntry entry =
        ManifestEntry.file("part-" + job + "-" + checkpoint + ".csv", d.base64(), d.size());
    return StagedManifests.stage(store, ARTIFACT, List.of(entry), job, "op", checkpoint);
  }

  /** Records what the committer decided, as Flink's request would. */
  private static final class FakeRequest implements CommitRequest<ArtifactCommittable> {
    private final ArtifactCommittable committable;
    // Flink takes a request the committer did not signal as committed.
    String outcome = "committed";
    Throwable failure;
    int retries;

    FakeRequest(ArtifactCommittable committable) {
      this.committable = committable;
    }

    @Override
    public ArtifactCommittable getCommittable() {
      return committable;
    }

    @Override
    public int getNumberOfRetries() {
      return retries;
    }

    @Override
    public void signalFailedWithKnownReason(Throwable t) {
      outcome = "failed";
      failure = t;
    }

    @Override
    public void signalFailedWithUnknownReason(Throwable t) {
      outcome = "failed";
      failure = t;
    }

    @Override
    public void retryLater() {
      outcome = "retry";
      retries++;
    }

    @Override
    public void updateAndRetryLater(ArtifactCommittable committable) {
      retryLater();
    }

    @Override
    public void signalAlreadyCommitted() {
      outcome = "already-committed";
    }
  }
}
