package dev.artifacts.common.registry;

import dev.artifacts.common.manifest.Manifest;
import dev.artifacts.common.manifest.ManifestEntry;
import dev.artifacts.common.name.ArtifactPath;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Where artifact versions live: the service provider interface of the embedded filesystem registry
 * and the W&amp;B server backend. Registries are thread-safe.
 *
 * <p>Semantics follow W&amp;B Artifacts: versions of a collection are numbered {@code v0, v1, ...}
 * without gaps in commit order; {@code latest} is implied and names the highest committed version;
 * a commit whose artifact digest equals the latest version's returns that version instead of
 * creating one; aliases are unique within a collection and move when reassigned.
 */
public interface ArtifactRegistry extends Closeable {

  /** The registry location, for messages and for connectors that reopen it elsewhere. */
  String uri();

  // ---- writing -------------------------------------------------------------------------------

  /** An empty draft of a new version of {@code collection} (alias ignored). */
  ArtifactDraft newDraft(ArtifactPath collection, String type);

  /**
   * A draft that starts from the manifest and labels of {@code base} (W&amp;B {@code new_draft}).
   */
  ArtifactDraft newDraft(ArtifactVersion base);

  /**
   * Commits the draft atomically: builds the manifest, dedups against the latest version, makes the
   * version visible, applies aliases, records lineage. Safe with concurrent committers to the same
   * collection in other threads and processes.
   *
   * @return the new version, or the latest version when its digest equals the draft's (check {@link
   *     CommitResult#created()})
   * @throws dev.artifacts.common.ArtifactException.CommitConflict if retries were exhausted
   * @throws dev.artifacts.common.ArtifactException.CommitStateUnknown if the outcome is unknown
   */
  CommitResult commit(ArtifactDraft draft);

  /** Where bodies of non-reference entries of {@code entity/project} are stored. */
  ContentStore contentStore(String entity, String project);

  /**
   * Prepares a write whose bodies engine tasks store themselves, possibly in other processes
   * (executors, task managers): call it on the committing side before the tasks start, ship the
   * session to them, and mark the draft that will collect their entries with {@link
   * ArtifactDraft#uploadSession}. Nothing becomes visible before {@link #commit}.
   *
   * <p>The default (the embedded filesystem registry) needs no preparation: tasks write into the
   * shared content store. The W&amp;B backend creates the pending artifact here, so that tasks can
   * request upload URLs against it and upload their own files.
   */
  default UploadSession beginUpload(ArtifactPath collection, String type) {
    return beginUpload(collection, type, null);
  }

  /**
   * Like {@link #beginUpload(ArtifactPath, String)}, for writers that cannot receive a session from
   * the committing side (Flink writer subtasks): every call with the same {@code sharedKey} for the
   * same collection joins the same pending version (W&amp;B: one distributed artifact), so the
   * writers of one checkpoint and its committer meet without talking to each other.
   *
   * @param sharedKey stable key of the version being assembled, or {@code null} for a new one
   */
  default UploadSession beginUpload(ArtifactPath collection, String type, String sharedKey) {
    return new UploadSession(collection.withAlias(null).toString(), type, java.util.Map.of());
  }

  /**
   * Opens the task side of {@code session} in this process (this registry must have been opened
   * from the same URI as the one that began it).
   */
  default TaskUploads taskUploads(UploadSession session) {
    ArtifactPath coll = ArtifactPath.parse(session.collection(), java.util.Map.of());
    return TaskUploads.into(contentStore(coll.entity(), coll.project()));
  }

  /**
   * Gives up a session that will not be committed (a failed or aborted write). Best effort: the
   * default does nothing; content-addressed bodies are left to {@link #gc}.
   */
  default void abandonUpload(UploadSession session) {}

  // ---- reading -------------------------------------------------------------------------------

  /**
   * Resolves {@code path} ({@code latest} when it has no alias; {@code vN} or any alias) to a
   * committed version.
   *
   * @throws dev.artifacts.common.ArtifactException.NotFound naming the path if nothing matches
   */
  ArtifactVersion resolve(ArtifactPath path);

  /** Like {@link #resolve} but empty instead of throwing when the collection or alias is absent. */
  Optional<ArtifactVersion> find(ArtifactPath path);

  /**
   * The manifest of a version, checked against the version's digest.
   *
   * @throws dev.artifacts.common.ArtifactException.Corrupted if it is missing, truncated or does
   *     not match
   */
  Manifest manifest(ArtifactVersion version);

  /**
   * A Hadoop filesystem URI under which engines can read the body of a non-reference entry on any
   * machine with their own file readers, or empty. The embedded registry answers its content
   * store's {@link ContentStore#location}; the W&amp;B backend a {@code wandbbody:} URI whose
   * filesystem downloads the body into the local W&amp;B cache on first open.
   */
  default Optional<java.net.URI> location(ArtifactVersion version, ManifestEntry entry) {
    if (entry.isReference()) {
      return Optional.empty();
    }
    ArtifactPath owner =
        version.isLink()
            ? ArtifactPath.parse(version.sourceCollection(), java.util.Map.of())
            : version.path();
    return contentStore(owner.entity(), owner.project()).location(entry.digest());
  }

  /** Opens the bytes of one entry: the stored body, or the referenced object. */
  InputStream open(ArtifactVersion version, ManifestEntry entry) throws IOException;

  /** Artifact types used in a project, sorted by name. */
  List<String> types(String entity, String project);

  /** Collections of a project, optionally only those of {@code type}; sorted by name. */
  List<CollectionInfo> collections(String entity, String project, String type);

  /** The collection record, if it exists. */
  Optional<CollectionInfo> collection(ArtifactPath collection);

  /** Versions of a collection. */
  List<ArtifactVersion> versions(ArtifactPath collection, VersionQuery query);

  // ---- changing labels -----------------------------------------------------------------------

  /** Points {@code alias} at {@code version}, moving it from whichever version had it. */
  ArtifactVersion addAlias(ArtifactVersion version, String alias);

  ArtifactVersion removeAlias(ArtifactVersion version, String alias);

  /** Changes description, metadata, tags or TTL of a version. */
  ArtifactVersion update(ArtifactVersion version, VersionUpdate update);

  /**
   * Deletes a version. Its index is never reused. A version with aliases other than {@code latest}
   * is only deleted when {@code deleteAliases} is true, as in W&amp;B.
   */
  void delete(ArtifactVersion version, boolean deleteAliases);

  /** Deletes a collection and all its versions. */
  void deleteCollection(ArtifactPath collection);

  /**
   * Links {@code version} into a portfolio collection (created if needed) as its next version, with
   * {@code aliases}. The bytes stay with the source collection.
   */
  ArtifactVersion link(ArtifactVersion version, ArtifactPath portfolio, List<String> aliases);

  // ---- lineage -------------------------------------------------------------------------------

  /** Records that {@code run} used {@code version} (W&amp;B {@code use_artifact}). Idempotent. */
  void recordUse(RunInfo run, ArtifactVersion version);

  /** Runs that used {@code version}. */
  List<RunInfo> usedBy(ArtifactVersion version);

  /** The run that committed {@code version}, if recorded. */
  Optional<RunInfo> loggedBy(ArtifactVersion version);

  /** Versions {@code runId} used, within {@code entity/project}. */
  List<ArtifactVersion> inputsOf(String entity, String project, String runId);

  /** Versions {@code runId} committed, within {@code entity/project}. */
  List<ArtifactVersion> outputsOf(String entity, String project, String runId);

  // ---- maintenance ---------------------------------------------------------------------------

  /**
   * Removes staging leftovers and bodies no version references, when older than {@code grace}. With
   * {@code dryRun} only reports what it would remove.
   */
  GcReport gc(Duration grace, boolean dryRun);

  /**
   * Like {@link #gc(Duration, boolean)}; {@code force} allows a grace shorter than the backend
   * deems safe for concurrent writers (it is ignored where there is no such minimum).
   */
  default GcReport gc(Duration grace, boolean dryRun, boolean force) {
    return gc(grace, dryRun);
  }
}
