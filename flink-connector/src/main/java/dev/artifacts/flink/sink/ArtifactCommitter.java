package dev.artifacts.flink.sink;

import dev.artifacts.common.ArtifactException;
import dev.artifacts.common.manifest.ManifestEntry;
import dev.artifacts.common.name.ArtifactPath;
import dev.artifacts.common.registry.ArtifactDraft;
import dev.artifacts.common.registry.ArtifactRegistry;
import dev.artifacts.common.registry.ArtifactVersion;
import dev.artifacts.common.registry.CommitResult;
import dev.artifacts.common.registry.ContentStore;
import dev.artifacts.common.registry.RunInfo;
import dev.artifacts.common.registry.UploadSession;
import dev.artifacts.common.registry.VersionQuery;
import dev.artifacts.common.registry.WriteDrafts;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.flink.api.connector.sink2.Committer;
import org.apache.flink.streaming.api.connector.sink2.CommittableMessage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Commits each checkpoint's committable as one new artifact version, at most once.
 *
 * <p>Every version records {@code flink.job-id}, {@code flink.operator-id} and {@code
 * flink.checkpoint-id} in its commit properties. Before committing, the committer reads the highest
 * checkpoint already committed for the committable's job and operator (newest versions first,
 * deleted ones included) and signals committables at or below it as already committed: that is the
 * case after a failure between a commit and the checkpoint that would have recorded it, when Flink
 * hands the same committable over again (Iceberg's scheme).
 *
 * <p>Failures: a commit conflict (known not committed) and any error whose outcome is unknown
 * (including {@link ArtifactException.CommitStateUnknown}) are retried later; the retry first
 * re-reads the registry, so a commit that did land is not repeated. Nothing is deleted after a
 * failure. Bad input (a type that does not match the collection, a corrupted or missing staged
 * manifest) fails the job with the registry's message.
 */
final class ArtifactCommitter implements Committer<ArtifactCommittable> {
  private static final Logger LOG = LoggerFactory.getLogger(ArtifactCommitter.class);

  /** Versions read per lookup before falling back to all of them. */
  private static final int RECENT_VERSIONS = 64;

  private final SinkConfig<?> config;
  private final RunInfo run;
  private final CommitterMetrics metrics;

  /** Highest committed checkpoint by job and operator; dropped whenever an outcome is unknown. */
  private final Map<String, Long> committed = new HashMap<>();

  private ArtifactRegistry registry;

  ArtifactCommitter(SinkConfig<?> config, RunInfo run, CommitterMetrics metrics) {
    this.config = config;
    this.run = run;
    this.metrics = metrics;
  }

  @Override
  public void commit(Collection<CommitRequest<ArtifactCommittable>> requests)
      throws IOException, InterruptedException {
    List<CommitRequest<ArtifactCommittable>> sorted = new ArrayList<>(requests);
    sorted.sort(Comparator.comparingLong(r -> r.getCommittable().checkpointId()));
    boolean blocked = false;
    for (CommitRequest<ArtifactCommittable> request : sorted) {
      if (blocked) {
        // Versions must follow checkpoint order, or the skip rule would drop the earlier one.
        request.retryLater();
        continue;
      }
      blocked = !commitOne(request);
    }
  }

  /** Returns false when the request is to be retried. */
  private boolean commitOne(CommitRequest<ArtifactCommittable> request) {
    ArtifactCommittable c = request.getCommittable();
    String key = c.jobId() + "/" + c.operatorId();
    try {
      long highest = highestCommitted(c.jobId(), c.operatorId(), key);
      if (c.checkpointId() <= highest) {
        LOG.info(
            "Checkpoint {} of job {} is already committed to {} (highest committed: {}); skipping",
            describe(c.checkpointId()),
            c.jobId(),
            config.artifact(),
            describe(highest));
        request.signalAlreadyCommitted();
        return true;
      }
      long start = System.nanoTime();
      CommitResult result = commitVersion(c);
      long took = System.nanoTime() - start;
      committed.put(key, c.checkpointId());
      metrics.committed(result.created(), c.entryCount(), c.totalSize(), took);
      LOG.info(
          "Committed {} for checkpoint {} of job {} ({} files, {} bytes) in {} ms",
          result.version(),
          describe(c.checkpointId()),
          c.jobId(),
          c.entryCount(),
          c.totalSize(),
          took / 1_000_000);
      return true;
    } catch (ArtifactException.CommitConflict e) {
      LOG.warn("Cannot commit {} yet, retrying: {}", config.artifact(), e.getMessage());
      request.retryLater();
      return false;
    } catch (ArtifactException.InvalidInput
        | ArtifactException.Corrupted
        | ArtifactException.NotFound e) {
      // Retrying cannot help; fail the job with the registry's explanation.
      request.signalFailedWithUnknownReason(e);
      return false;
    } catch (ArtifactException.CommitStateUnknown | IOException | UncheckedIOException e) {
      // The version may exist: forget what we know so the retry reads the registry again.
      committed.remove(key);
      LOG.warn(
          "Cannot tell whether checkpoint {} was committed to {}; will check and retry: {}",
          describe(c.checkpointId()),
          config.artifact(),
          e.getMessage(),
          e);
      request.retryLater();
      return false;
    }
  }

  private CommitResult commitVersion(ArtifactCommittable c) throws IOException {
    ArtifactRegistry r = registry();
    ArtifactPath artifact = config.artifact();
    ContentStore store = r.contentStore(artifact.entity(), artifact.project());
    List<ManifestEntry> entries = StagedManifests.read(store, artifact, c);
    // Each checkpoint appends: re-applied onto the latest version at commit, so a version another
    // writer committed meanwhile keeps its files.
    ArtifactDraft draft = WriteDrafts.start(r, config.settings(), WriteDrafts.Base.APPEND);
    WriteDrafts.addWritten(draft, entries);
    // Finish the pending version this checkpoint's writers uploaded into (W&B), if they met there.
    UploadSession uploads =
        r.beginUpload(
            artifact, draft.type(), ArtifactWriter.uploadKey(c.jobId(), c.checkpointId()));
    WriteDrafts.applySettings(
        draft,
        config.settings(),
        run,
        Map.of(
            SinkConfig.JOB_ID, c.jobId(),
            SinkConfig.OPERATOR_ID, c.operatorId(),
            SinkConfig.CHECKPOINT_ID, Long.toString(c.checkpointId())),
        uploads);
    return r.commit(draft);
  }

  /**
   * The highest checkpoint this job and operator committed to the artifact, or -1. A job commits
   * its checkpoints in increasing order, so the newest version carrying its IDs has the highest.
   */
  private long highestCommitted(String jobId, String operatorId, String key) {
    Long known = committed.get(key);
    if (known != null) {
      return known;
    }
    ArtifactRegistry r = registry();
    ArtifactPath artifact = config.artifact();
    long highest = -1;
    if (r.collection(artifact.withAlias(null)).isPresent()) {
      VersionQuery newestFirst =
          VersionQuery.all().withDeleted(true).withOrder(VersionQuery.Order.VERSION_DESC);
      List<ArtifactVersion> versions = r.versions(artifact, newestFirst.withLimit(RECENT_VERSIONS));
      Optional<Long> found = find(versions, jobId, operatorId);
      if (found.isEmpty() && versions.size() >= RECENT_VERSIONS) {
        found = find(r.versions(artifact, newestFirst), jobId, operatorId);
      }
      highest = found.orElse(-1L);
    }
    committed.put(key, highest);
    return highest;
  }

  private static Optional<Long> find(
      List<ArtifactVersion> newestFirst, String jobId, String operatorId) {
    for (ArtifactVersion v : newestFirst) {
      Map<String, String> p = v.commitProperties();
      if (jobId.equals(p.get(SinkConfig.JOB_ID))
          && operatorId.equals(p.get(SinkConfig.OPERATOR_ID))
          && p.get(SinkConfig.CHECKPOINT_ID) != null) {
        return Optional.of(Long.parseLong(p.get(SinkConfig.CHECKPOINT_ID)));
      }
    }
    return Optional.empty();
  }

  private ArtifactRegistry registry() {
    if (registry == null) {
      registry = config.registry().open();
    }
    return registry;
  }

  private static String describe(long checkpointId) {
    return checkpointId == CommittableMessage.EOI ? "end-of-input" : Long.toString(checkpointId);
  }

  @Override
  public void close() throws Exception {
    if (registry != null) {
      registry.close();
    }
  }
}
