package dev.artifacts.flink.source;

import java.util.List;
import java.util.Objects;
import org.apache.flink.annotation.Internal;

/**
 * What the split enumerator checkpoints. The version is stored rather than the alias it was
 * resolved from, so that a restored job neither re-resolves an alias that moved (bounded mode) nor
 * re-reads the files of versions it already read (continuous mode).
 *
 * @param lastVersionIndex N of the last version {@code vN} whose files were planned, or {@code -1}
 *     before the first resolution
 * @param plans how many versions were planned, including the last one; numbers the next plan so
 *     that split IDs stay unique
 * @param pendingSplits splits planned but not yet assigned to a reader (splits assigned earlier are
 *     in the readers' state)
 */
@Internal
public record ArtifactEnumeratorState(
    int lastVersionIndex, int plans, List<ArtifactSourceSplit> pendingSplits) {
  public static final int NONE = -1;

  public ArtifactEnumeratorState {
    if (lastVersionIndex < NONE) {
      throw new IllegalArgumentException("Invalid last version index " + lastVersionIndex);
    }
    if (plans < 0 || (plans == 0) != (lastVersionIndex == NONE)) {
      throw new IllegalArgumentException(
          "Invalid plan count " + plans + " with last version index " + lastVersionIndex);
    }
    pendingSplits = List.copyOf(Objects.requireNonNull(pendingSplits, "pendingSplits is null"));
  }

  /** The state of a source that has not resolved its artifact yet. */
  public static ArtifactEnumeratorState initial() {
    return new ArtifactEnumeratorState(NONE, 0, List.of());
  }

  public boolean hasResolved() {
    return lastVersionIndex != NONE;
  }
}
