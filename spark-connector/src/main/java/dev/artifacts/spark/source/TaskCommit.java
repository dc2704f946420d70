package dev.artifacts.spark.source;

import dev.artifacts.common.manifest.ManifestEntry;
import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.spark.sql.connector.write.WriterCommitMessage;

/**
 * What one successful task attempt wrote: the manifest entries of its files, hashed while written.
 * The driver adds them to the draft; a task attempt whose message Spark discards (a lost
 * speculative or retried attempt) contributes nothing.
 */
record TaskCommit(int partitionId, long taskId, List<WrittenFile> files)
    implements WriterCommitMessage {
  TaskCommit {
    files = List.copyOf(files);
  }

  /**
   * One file.
   *
   * @param path logical path in the artifact ({@code day=2024-01-01/part-00000-000.parquet})
   * @param partitionDir the partition directory of {@code path}, empty when unpartitioned
   * @param digest base64 MD5, or the object's ETag for S3 references
   * @param ref reference URI for {@code storage=reference}, else {@code null}
   * @param etag the ETag recorded in {@code extra.etag}, or {@code null}
   * @param location the Hadoop URI of the written reference file (for clean-up), or {@code null}
   * @param birthArtifactId the registry's birth artifact of a stored body (W&amp;B), or {@code
   *     null}
   */
  record WrittenFile(
      String path,
      String partitionDir,
      String digest,
      long size,
      String ref,
      String etag,
      String location,
      String birthArtifactId)
      implements Serializable {
    WrittenFile {
      Objects.requireNonNull(path, "path is null");
      Objects.requireNonNull(partitionDir, "partitionDir is null");
      Objects.requireNonNull(digest, "digest is null");
    }

    WrittenFile withBirthArtifactId(String id) {
      return new WrittenFile(path, partitionDir, digest, size, ref, etag, location, id);
    }

    boolean isReference() {
      return ref != null;
    }

    ManifestEntry toEntry() {
      if (ref == null) {
        return ManifestEntry.file(path, digest, size).withBirthArtifactId(birthArtifactId);
      }
      Map<String, Object> extra = new LinkedHashMap<>();
      if (etag != null) {
        extra.put("etag", etag);
      }
      return ManifestEntry.reference(path, digest, ref, size, extra);
    }
  }
}
