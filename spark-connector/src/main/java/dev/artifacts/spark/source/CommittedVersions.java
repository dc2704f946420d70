package dev.artifacts.spark.source;

import dev.artifacts.common.registry.CommitResult;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Hands the outcome of a write to {@code dev.artifacts.spark.ArtifactWriter} in the same driver
 * JVM. The helper tags its write with a unique id in the internal option {@link #WRITE_ID_OPTION};
 * the driver's commit records its result under that id. Not a user API.
 */
public final class CommittedVersions {
  /** Internal write option carrying the helper's write id (not a user option). */
  public static final String WRITE_ID_OPTION = "__artifact_write_id";

  private static final Map<String, CommitResult> RESULTS = new ConcurrentHashMap<>();

  private CommittedVersions() {}

  static void record(String writeId, CommitResult result) {
    if (writeId != null) {
      RESULTS.put(writeId, result);
    }
  }

  /** Removes and returns the result recorded for {@code writeId}. */
  public static Optional<CommitResult> take(String writeId) {
    return Optional.ofNullable(RESULTS.remove(writeId));
  }
}
