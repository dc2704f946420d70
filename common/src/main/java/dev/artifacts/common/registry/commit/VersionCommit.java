package dev.artifacts.common.registry.commit;

import static java.util.Objects.requireNonNull;

import dev.artifacts.common.ArtifactErrors;
import dev.artifacts.common.ArtifactException;
import dev.artifacts.common.manifest.Manifest;
import dev.artifacts.common.name.ArtifactPath;
import dev.artifacts.common.registry.ArtifactDraft;
import dev.artifacts.common.registry.ArtifactVersion;
import dev.artifacts.common.registry.CommitResult;
import dev.artifacts.common.registry.commit.CommitPoint.AmbiguousCommitException;
import dev.artifacts.common.registry.commit.CommitPoint.Head;
import dev.artifacts.common.registry.commit.CommitPoint.Landing;
import dev.artifacts.common.registry.commit.CommitPoint.Outcome;
import dev.artifacts.common.registry.commit.CommitPoint.Proposal;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The commit protocol of every backend (after Iceberg's {@code SnapshotProducer.commit}): the
 * backend contributes only its atomic {@link CommitPoint}.
 *
 * <ol>
 *   <li>The requested aliases are checked by {@link AliasRules#requested} before anything is
 *       written; then {@link CommitPoint#prepare}.
 *   <li>Each attempt reads the latest version. A draft that rebases on latest and was not created
 *       from it has its changes applied onto the latest manifest ({@link
 *       ArtifactDraft#manifestOn}).
 *   <li>Dedup: when the latest version has the manifest's digest, it is returned (with the
 *       requested aliases and the run's lineage) instead of a new version.
 *   <li>Otherwise one attempt at the commit point. Losing it to another writer means: back off
 *       ({@link RetryPolicy}) and start again from the latest version; after the last attempt,
 *       {@link ArtifactErrors#commitConflict}.
 *   <li>An attempt whose answer was lost is read back by its token: landed is success (no second
 *       version), certainly not landed is retried, undecidable is {@link
 *       ArtifactErrors#commitOutcomeUnknown} (and nothing is cleaned up).
 *   <li>On success, aliases and lineage are applied, and the version is read.
 * </ol>
 */
public final class VersionCommit {
  private static final Logger LOG = LoggerFactory.getLogger(VersionCommit.class);

  private VersionCommit() {}

  /** Commits {@code draft} through {@code point} with the {@link RetryPolicy#DEFAULT} policy. */
  public static <V> CommitResult commit(ArtifactDraft draft, CommitPoint<V> point) {
    return commit(draft, point, RetryPolicy.DEFAULT);
  }

  /** Commits {@code draft} through {@code point}; see the class comment for the protocol. */
  public static <V> CommitResult commit(
      ArtifactDraft draft, CommitPoint<V> point, RetryPolicy retry) {
    requireNonNull(draft, "draft is null");
    requireNonNull(point, "point is null");
    requireNonNull(retry, "retry is null");
    ArtifactPath artifact = draft.collection().withAlias(null);
    List<String> aliases = AliasRules.requested(draft.aliases(), artifact);
    long start = System.nanoTime();
    try {
      point.prepare();
      for (int attempt = 0; attempt < retry.maxAttempts(); attempt++) {
        Optional<Head<V>> latest =
            draft.rebasesOnLatest() || !point.dedupsAtCommitPoint()
                ? point.latest()
                : Optional.empty();
        Manifest manifest = draft.manifest();
        Manifest rebasedOnto = null;
        String baseId = draft.base().map(ArtifactVersion::id).orElse(null);
        if (draft.rebasesOnLatest() && latest.isPresent() && !isBase(draft, latest.get().index())) {
          // Another writer committed since the draft's base: apply our changes to theirs.
          rebasedOnto = point.manifestOf(latest.get());
          manifest = draft.manifestOn(rebasedOnto);
          baseId = latest.get().id();
        }
        if (latest.isPresent()
            && latest.get().handle() != null
            && manifest.digest().equals(latest.get().digest())
            && point.reusable(latest.get(), manifest, draft)) {
          V existing = latest.get().handle();
          ArtifactVersion version = finish(point, draft, existing, aliases);
          LOG.info(
              "Commit of {} matches {} (digest {}); no new version",
              artifact,
              version.path(),
              manifest.digest());
          return new CommitResult(version, false);
        }
        Proposal proposal =
            new Proposal(
                draft,
                manifest,
                rebasedOnto,
                baseId,
                aliases,
                UUID.randomUUID().toString(),
                attempt);
        Outcome<V> outcome;
        try {
          outcome = point.tryCommit(proposal);
        } catch (AmbiguousCommitException e) {
          outcome = readBack(point, proposal, e);
        }
        if (outcome instanceof Outcome.Created<V> created) {
          ArtifactVersion version = finish(point, draft, created.version(), aliases);
          LOG.info(
              "Committed {} ({} files, {} bytes) in {} ms",
              version.path(),
              manifest.fileCount(),
              manifest.totalSize(),
              (System.nanoTime() - start) / 1_000_000);
          return new CommitResult(version, true);
        }
        if (outcome instanceof Outcome.Matched<V> matched) {
          ArtifactVersion version = finish(point, draft, matched.version(), aliases);
          LOG.info("Commit of {} matches {}; no new version", artifact, version.path());
          return new CommitResult(version, false);
        }
        LOG.debug(
            "Commit of {} lost attempt {} ({}), retrying",
            artifact,
            attempt + 1,
            ((Outcome.Lost<V>) outcome).why());
        if (attempt + 1 < retry.maxAttempts()) {
          retry.backoff(attempt, artifact);
        }
      }
      throw ArtifactErrors.commitConflict(artifact, retry.maxAttempts());
    } finally {
      point.release();
    }
  }

  /** Turns the read-back of an ambiguous attempt into an outcome, or fails with outcome unknown. */
  private static <V> Outcome<V> readBack(
      CommitPoint<V> point, Proposal proposal, AmbiguousCommitException failure) {
    Landing<V> landing;
    try {
      landing = point.landed(proposal, failure);
    } catch (ArtifactException.Corrupted landedDifferently) {
      throw landedDifferently;
    } catch (RuntimeException readFailure) {
      failure.addSuppressed(readFailure);
      landing = new Landing.Unknown<>("reading it back failed: " + readFailure.getMessage());
    }
    if (landing instanceof Landing.Landed<V> landed) {
      LOG.warn(
          "Commit of {} failed ambiguously ({}) but had landed; not committing it again",
          failure.attempt(),
          failure.getMessage());
      return new Outcome.Created<>(landed.version());
    }
    if (landing instanceof Landing.Refused<V> refused) {
      throw refused.error();
    }
    if (landing instanceof Landing.NotLanded<V> notLanded) {
      return new Outcome.Lost<>(failure.getMessage() + "; " + notLanded.why());
    }
    throw ArtifactErrors.commitOutcomeUnknown(
        failure.attempt(),
        failure.getMessage()
            + (landing instanceof Landing.Unknown<V> u ? " (" + u.why() + ")" : ""),
        failure);
  }

  private static <V> ArtifactVersion finish(
      CommitPoint<V> point, ArtifactDraft draft, V version, List<String> aliases) {
    point.applyAliases(version, aliases);
    draft.run().ifPresent(run -> point.recordOutput(run, version));
    return point.toVersion(version);
  }

  /** Whether {@code index} is the version the draft was created from (nothing to rebase onto). */
  public static boolean isBase(ArtifactDraft draft, int index) {
    return draft.base().map(b -> !b.isLink() && b.versionIndex() == index).orElse(false);
  }
}
