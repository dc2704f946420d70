package dev.artifacts.common.registry.commit;

import dev.artifacts.common.ArtifactErrors;
import java.util.concurrent.ThreadLocalRandom;

/**
 * How often a writer that lost the commit point to another writer tries again, and how long it
 * waits in between: bounded exponential backoff with jitter, so that committers that collided do
 * not collide again in lock step.
 *
 * @param maxAttempts attempts in all, at least 1
 * @param minBackoffMillis the shortest wait after a lost attempt
 * @param maxBackoffMillis the cap of the random part of a wait
 */
public record RetryPolicy(int maxAttempts, long minBackoffMillis, long maxBackoffMillis) {
  /** What both registries use: 20 attempts, 5 ms to about 1 s between them. */
  public static final RetryPolicy DEFAULT = new RetryPolicy(20, 5, 1_000);

  public RetryPolicy {
    if (maxAttempts < 1 || minBackoffMillis < 0 || maxBackoffMillis < minBackoffMillis) {
      throw new IllegalArgumentException(
          "Invalid retry policy: "
              + maxAttempts
              + " attempts, backoff "
              + minBackoffMillis
              + ".."
              + maxBackoffMillis
              + " ms; need at least 1 attempt and 0 <= min <= max");
    }
  }

  /**
   * Waits before the attempt after {@code attempt} (0-based) of committing to {@code artifact}.
   *
   * @throws dev.artifacts.common.ArtifactException.CommitConflict if interrupted (nothing was
   *     committed)
   */
  public void backoff(int attempt, Object artifact) {
    long cap = Math.min(maxBackoffMillis, Math.max(1, minBackoffMillis) << Math.min(attempt, 20));
    long wait = minBackoffMillis + ThreadLocalRandom.current().nextLong(Math.max(1, cap));
    try {
      Thread.sleep(wait);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw ArtifactErrors.commitInterrupted(artifact);
    }
  }
}
