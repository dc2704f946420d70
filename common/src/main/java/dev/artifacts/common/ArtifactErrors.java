package dev.artifacts.common;

import java.util.List;

/**
 * The one place where user-facing rule violations are worded, so that a rule raised by the
 * filesystem registry, the W&amp;B backend or an engine reads the same everywhere. Every message
 * starts with what failed on which artifact, names the offending value and says how to fix it.
 *
 * <p>Each method returns the exception for the caller to {@code throw}, so that the compiler still
 * sees the throw at the call site.
 */
public final class ArtifactErrors {
  private ArtifactErrors() {}

  // ---- labels ----------------------------------------------------------------------------------

  /** A requested alias of the form {@code vN}: those name versions and are never assigned. */
  public static ArtifactException.InvalidInput versionAlias(Object artifact, String alias) {
    return new ArtifactException.InvalidInput(
        "Invalid alias '"
            + alias
            + "' for "
            + artifact
            + ": version aliases are assigned by the registry; choose another alias");
  }

  /** An attempt to point {@code latest} at a version explicitly. */
  public static ArtifactException.InvalidInput latestAliasAssigned(Object artifact) {
    return new ArtifactException.InvalidInput(
        "Invalid alias 'latest' for "
            + artifact
            + ": it always names the highest version and cannot be assigned");
  }

  /** An attempt to take {@code latest} away from a version explicitly. */
  public static ArtifactException.InvalidInput latestAliasRemoved(Object artifact) {
    return new ArtifactException.InvalidInput(
        "Invalid alias 'latest' for "
            + artifact
            + ": it is implied by the highest version and cannot be removed");
  }

  /** Removing an alias from a version that does not carry it. */
  public static ArtifactException.NotFound aliasNotCarried(Object version, String alias) {
    return new ArtifactException.NotFound(
        "Cannot remove alias '" + alias + "' from " + version + ": it does not carry it");
  }

  // ---- lookups -------------------------------------------------------------------------------

  /**
   * Nothing matches {@code path} (a collection with an alias or {@code vN}).
   *
   * @param why what is missing, with the fix where there is one, e.g. {@code no version v7 exists
   *     (latest is v3)}
   */
  public static ArtifactException.NotFound versionNotFound(Object path, String why) {
    return new ArtifactException.NotFound("Cannot find " + path + ": " + why);
  }

  // ---- deletion --------------------------------------------------------------------------------

  /**
   * Deleting a version that still has aliases other than {@code latest}, without consent (W&amp;B's
   * {@code delete_aliases}).
   */
  public static ArtifactException.InvalidInput deleteWithAliases(
      Object version, List<String> aliases) {
    return new ArtifactException.InvalidInput(
        "Cannot delete "
            + version
            + ": it has aliases "
            + aliases
            + "; remove them first or delete with deleteAliases");
  }

  // ---- commits ---------------------------------------------------------------------------------

  /**
   * Every attempt lost the commit point to another writer. Known not to have committed, so the
   * caller may clean up.
   */
  public static ArtifactException.CommitConflict commitConflict(Object artifact, int attempts) {
    return new ArtifactException.CommitConflict(
        "Cannot commit "
            + artifact
            + ": other writers kept committing first ("
            + attempts
            + " attempts); nothing was committed, retry later");
  }

  /**
   * The backend refused the commit for a reason a retry would not change, and reading back showed
   * that nothing was committed.
   */
  public static ArtifactException commitRefused(Object artifact, String reason, Throwable cause) {
    return new ArtifactException(
        "Cannot commit " + artifact + ": " + reason + ". Nothing was committed", cause);
  }

  /** Like {@link #commitConflict} for linking a version into a portfolio. */
  public static ArtifactException.CommitConflict linkConflict(
      Object version, Object portfolio, int attempts) {
    return new ArtifactException.CommitConflict(
        "Cannot link "
            + version
            + " into "
            + portfolio
            + ": other writers kept linking first ("
            + attempts
            + " attempts); nothing was linked, retry later");
  }

  /** The committing thread was interrupted between attempts; nothing was committed. */
  public static ArtifactException.CommitConflict commitInterrupted(Object artifact) {
    return new ArtifactException.CommitConflict(
        "Cannot commit " + artifact + ": interrupted while retrying; nothing was committed");
  }

  /**
   * A commit-point call failed in a way that leaves open whether it took effect, and reading back
   * could not tell. Staged files must be kept: a committed version may reference them.
   *
   * @param attempt what was being committed, e.g. {@code acme/p/events:v3} or {@code acme/p/events
   *     (version QXJ0...)}
   * @param failure what failed, e.g. {@code writing .../v3.json failed (connection reset)}
   */
  public static ArtifactException.CommitStateUnknown commitOutcomeUnknown(
      Object attempt, String failure, Throwable cause) {
    return new ArtifactException.CommitStateUnknown(
        "Cannot tell whether "
            + attempt
            + " was committed: "
            + failure
            + ". Staged files were kept; list the versions before retrying",
        cause);
  }
}
