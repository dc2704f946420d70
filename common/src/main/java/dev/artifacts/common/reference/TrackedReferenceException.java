package dev.artifacts.common.reference;

import dev.artifacts.common.ArtifactException;

/**
 * Raised when asked for the bytes of a reference whose scheme is only tracked (its digest is the
 * URI; W&amp;B's {@code TrackingHandler}). Downloads skip such entries, as W&amp;B does, instead of
 * failing.
 */
public class TrackedReferenceException extends ArtifactException.InvalidInput {
  public TrackedReferenceException(String message) {
    super(message);
  }
}
