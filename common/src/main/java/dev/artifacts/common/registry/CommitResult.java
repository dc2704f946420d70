package dev.artifacts.common.registry;

import java.util.Objects;

/**
 * Outcome of a commit.
 *
 * @param version the committed version, or the existing one the draft deduplicated to
 * @param created false when an identical version (same digest as the latest) was reused
 */
public record CommitResult(ArtifactVersion version, boolean created) {
  public CommitResult {
    Objects.requireNonNull(version, "version is null");
  }
}
