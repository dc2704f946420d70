package dev.artifacts.common.registry;

import dev.artifacts.common.name.ArtifactPath;

/**
 * The writing role of a registry: drafts, their commit, and the content store and upload sessions
 * that engine tasks write bodies through. Thread-safe.
 */
public interface ArtifactWriter {
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
}
