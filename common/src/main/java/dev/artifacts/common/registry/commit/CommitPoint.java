package dev.artifacts.common.registry.commit;

import dev.artifacts.common.manifest.Manifest;
import dev.artifacts.common.registry.ArtifactDraft;
import dev.artifacts.common.registry.ArtifactVersion;
import dev.artifacts.common.registry.RunInfo;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What a backend implements so that {@link VersionCommit} can commit to it: reading the head of a
 * collection, one atomic attempt to make the next version visible, and reading back whether an
 * attempt whose answer was lost took effect. Everything else of a commit (alias rules, rebase,
 * dedup, retry, outcome-unknown handling, lineage) is {@link VersionCommit}'s.
 *
 * <p>One instance serves one commit of one draft and is used by one thread; it may keep state
 * between the calls of that commit (a listing, a serialised manifest, marks to remove at the end).
 *
 * @param <V> the backend's handle of a version (a stored record, a server node)
 */
public interface CommitPoint<V> {

  /**
   * Checks that cannot change between attempts and must fail before anything is written (bodies,
   * the collection's type). Called once, first.
   */
  default void prepare() {}

  /**
   * The latest live version of the collection now, or empty if it has none. Called at the start of
   * each attempt, unless {@link #dedupsAtCommitPoint()} and the draft does not rebase.
   */
  Optional<Head<V>> latest();

  /** The manifest of the latest version, to apply a rebasing draft's changes onto. */
  Manifest manifestOf(Head<V> latest);

  /**
   * True when the commit point itself returns an existing version with the same digest ({@link
   * Outcome.Matched}), as W&amp;B's {@code createArtifact} does with digest deduplication: then the
   * head is not read just to compare digests.
   */
  default boolean dedupsAtCommitPoint() {
    return false;
  }

  /**
   * Whether {@code latest}, whose digest equals the proposal's, can be returned instead of a new
   * version (a backend may repair it here from the draft's identical bytes). False commits a new
   * version.
   */
  default boolean reusable(Head<V> latest, Manifest manifest, ArtifactDraft draft) {
    return true;
  }

  /**
   * One attempt at the commit point: make {@code proposal} the collection's next version.
   *
   * @return {@link Outcome.Created}, {@link Outcome.Matched} (the backend deduplicated), or {@link
   *     Outcome.Lost} when another writer took the place first (nothing of ours is visible)
   * @throws AmbiguousCommitException when the call failed after it may have taken effect
   */
  Outcome<V> tryCommit(Proposal proposal) throws AmbiguousCommitException;

  /**
   * After {@link AmbiguousCommitException}: reads back whether the version with {@code proposal}'s
   * token (or the backend's id for it) is there. The default cannot tell: a backend whose commit
   * point reads back by itself never throws {@link AmbiguousCommitException}. Any exception it
   * throws counts as "cannot tell", except {@link
   * dev.artifacts.common.ArtifactException.Corrupted}: the attempt landed, but not as proposed.
   */
  default Landing<V> landed(Proposal proposal, AmbiguousCommitException failure) {
    return new Landing.Unknown<>("this backend cannot read the attempt back");
  }

  /** Points the requested aliases at {@code version} (created or reused). */
  void applyAliases(V version, List<String> aliases);

  /** Records that {@code run} logged {@code version}. */
  void recordOutput(RunInfo run, V version);

  /** The version as callers see it, read after aliases and lineage were applied. */
  ArtifactVersion toVersion(V version);

  /** Called once at the end, whatever the outcome: release what the attempts left behind. */
  default void release() {}

  // ---- values ---------------------------------------------------------------------------------

  /**
   * The latest version of a collection.
   *
   * @param index its version index
   * @param id its id (the base id of a draft rebased onto it)
   * @param digest its artifact digest, or null when it cannot be read (never reused then)
   * @param handle the backend's handle, or null when the record cannot be read
   */
  record Head<V>(int index, String id, String digest, V handle) {}

  /**
   * What one attempt commits.
   *
   * @param draft the draft (labels, run, type, session)
   * @param manifest the manifest to commit: the draft's, or its changes applied onto the latest
   * @param rebasedOnto the manifest of the latest version the draft was rebased onto, or null
   * @param baseId the id of the version the manifest is based on, or null
   * @param aliases the requested aliases, by {@link AliasRules#requested}
   * @param token a fresh random token for this attempt, stored with the version so that an
   *     ambiguous attempt can be recognised when read back
   * @param attempt 0-based attempt number
   */
  record Proposal(
      ArtifactDraft draft,
      Manifest manifest,
      Manifest rebasedOnto,
      String baseId,
      List<String> aliases,
      String token,
      int attempt) {
    public Proposal {
      Objects.requireNonNull(draft, "draft is null");
      Objects.requireNonNull(manifest, "manifest is null");
      Objects.requireNonNull(token, "token is null");
      aliases = List.copyOf(aliases);
    }
  }

  /** The answer of one attempt. */
  sealed interface Outcome<V> {
    /** Our version is visible. */
    record Created<V>(V version) implements Outcome<V> {}

    /** The backend returned an existing version with the same digest instead. */
    record Matched<V>(V version) implements Outcome<V> {}

    /** Another writer took the place; nothing of this attempt is visible. */
    record Lost<V>(String why) implements Outcome<V> {}
  }

  /** What reading back after an ambiguous attempt showed. */
  sealed interface Landing<V> {
    /** The attempt took effect: this is our version. */
    record Landed<V>(V version) implements Landing<V> {}

    /** The attempt certainly did not take effect and never will; it may be retried. */
    record NotLanded<V>(String why) implements Landing<V> {}

    /**
     * The attempt certainly did not take effect and the backend refused it for a reason a retry
     * would not change: the commit fails with {@code error}.
     */
    record Refused<V>(dev.artifacts.common.ArtifactException error) implements Landing<V> {}

    /** Reading back cannot tell (the write may still land, or the read failed). */
    record Unknown<V>(String why) implements Landing<V> {}
  }

  /**
   * A commit-point call failed after its request may have been applied (a lost answer, a timeout
   * after sending).
   */
  final class AmbiguousCommitException extends Exception {
    private final String attempt;

    /**
     * @param attempt what was being committed, for messages ({@code acme/p/events:v3})
     * @param failure what failed
     */
    public AmbiguousCommitException(String attempt, String failure, Throwable cause) {
      super(failure, cause);
      this.attempt = Objects.requireNonNull(attempt, "attempt is null");
    }

    public String attempt() {
      return attempt;
    }
  }
}
