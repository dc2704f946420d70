package dev.artifacts.common.registry;

import dev.artifacts.common.name.ArtifactPath;
import java.time.Duration;

/** The maintenance role of a registry: deleting versions and collections, collecting garbage. */
public interface ArtifactMaintenance {
  /**
   * Deletes a version. Its index is never reused. A version with aliases other than {@code latest}
   * is only deleted when {@code deleteAliases} is true, as in W&amp;B.
   */
  void delete(ArtifactVersion version, boolean deleteAliases);

  /** Deletes a collection and all its versions. */
  void deleteCollection(ArtifactPath collection);

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
