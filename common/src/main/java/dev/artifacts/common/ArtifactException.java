package dev.artifacts.common;

/**
 * Base of every error this library raises on purpose. Messages start with the artifact they concern
 * and name the offending value, so the CLI and the engines can show them as they are.
 */
public class ArtifactException extends RuntimeException {
  public ArtifactException(String message) {
    super(message);
  }

  public ArtifactException(String message, Throwable cause) {
    super(message, cause);
  }

  /**
   * A mistake in what the user asked for: a bad name, alias, type, path or option. Nothing was
   * changed; fixing the input and retrying is the remedy.
   */
  public static class InvalidInput extends ArtifactException {
    public InvalidInput(String message) {
      super(message);
    }
  }

  /** The named collection, version, alias, entry or object does not exist. */
  public static class NotFound extends ArtifactException {
    public NotFound(String message) {
      super(message);
    }
  }

  /**
   * Stored data does not match what describes it: a corrupted or truncated manifest, a missing
   * object, or a digest mismatch.
   */
  public static class Corrupted extends ArtifactException {
    public Corrupted(String message) {
      super(message);
    }

    public Corrupted(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /**
   * Another writer committed first and retries were exhausted. The commit is known not to have
   * happened, so the caller may clean up what it staged.
   */
  public static class CommitConflict extends ArtifactException {
    public CommitConflict(String message) {
      super(message);
    }
  }

  /**
   * The commit may or may not have happened (for example the store failed after the write was
   * sent). Files staged for it must not be deleted: a committed version may reference them.
   */
  public static class CommitStateUnknown extends ArtifactException {
    public CommitStateUnknown(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
