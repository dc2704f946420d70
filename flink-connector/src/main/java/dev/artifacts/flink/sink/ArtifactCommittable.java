package dev.artifacts.flink.sink;

import java.util.Objects;

/**
 * One checkpoint's contribution to an artifact, as the aggregator hands it to the committer: the
 * entries themselves stay in a staged partial manifest, so the committer's state holds only this
 * small record however many files the checkpoint wrote.
 *
 * @param jobId Flink job that wrote the files (recorded as {@code flink.job-id})
 * @param operatorId unique ID of the aggregator operator (recorded as {@code flink.operator-id})
 * @param checkpointId checkpoint the files belong to, or {@link Long#MAX_VALUE} for end of input
 * @param stagedManifestLocation content address (base64 MD5) of the staged partial manifest in the
 *     content store of the artifact's project
 * @param entryCount number of entries in the staged manifest
 * @param digest artifact digest of the staged manifest's entries, checked when it is read back
 * @param totalSize sum of the entries' sizes in bytes
 * @param inlineManifest the staged manifest itself (its JSON), when the registry's content store is
 *     local to the aggregator's machine (the W&amp;B backend's cache) and the committer, another
 *     task, may run elsewhere; else {@code null} and the manifest is read from the content store
 */
record ArtifactCommittable(
    String jobId,
    String operatorId,
    long checkpointId,
    String stagedManifestLocation,
    long entryCount,
    String digest,
    long totalSize,
    String inlineManifest) {

  /** A committable whose staged manifest is in the registry's (shared) content store. */
  ArtifactCommittable(
      String jobId,
      String operatorId,
      long checkpointId,
      String stagedManifestLocation,
      long entryCount,
      String digest,
      long totalSize) {
    this(
        jobId,
        operatorId,
        checkpointId,
        stagedManifestLocation,
        entryCount,
        digest,
        totalSize,
        null);
  }

  ArtifactCommittable {
    Objects.requireNonNull(jobId, "jobId is null");
    Objects.requireNonNull(operatorId, "operatorId is null");
    Objects.requireNonNull(stagedManifestLocation, "stagedManifestLocation is null");
    Objects.requireNonNull(digest, "digest is null");
    if (checkpointId < 0 || entryCount < 1 || totalSize < 0) {
      throw new IllegalArgumentException(
          "Invalid committable for checkpoint "
              + checkpointId
              + ": "
              + entryCount
              + " entries, "
              + totalSize
              + " bytes (a committable has at least one entry)");
    }
  }
}
