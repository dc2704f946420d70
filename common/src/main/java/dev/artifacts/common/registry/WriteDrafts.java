package dev.artifacts.common.registry;

import dev.artifacts.common.ArtifactException;
import dev.artifacts.common.manifest.ManifestEntry;
import dev.artifacts.common.name.ArtifactPath;
import dev.artifacts.common.name.EntryPaths;
import dev.artifacts.common.options.ArtifactOptions;
import dev.artifacts.common.options.WriteSettings;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Turns what an engine job wrote into the {@link ArtifactDraft} of the version to commit, one way
 * for Spark's batch write and Flink's committer: the base the files apply to, the entries (stored
 * body or reference), and the labels, metadata, run and commit properties of the version.
 *
 * <p>Appends re-apply onto the latest version at the commit point ({@link
 * ArtifactDraft#rebaseOnLatest()}), so a version another writer committed meanwhile keeps its
 * files. A replace starts from nothing. A type given in the settings must match the collection's.
 */
public final class WriteDrafts {
  /** How the written files combine with the collection's latest version. */
  public enum Base {
    /** Add to (or replace paths of) the latest version at the commit point. */
    APPEND,
    /** The written files are the whole new version. */
    REPLACE
  }

  private WriteDrafts() {}

  /**
   * A draft on the collection's latest version (or a new collection) for {@code base}. A type given
   * in the settings that differs from the collection's fails here, before anything is committed.
   *
   * @throws ArtifactException.InvalidInput when the collection holds another type
   */
  public static ArtifactDraft start(ArtifactRegistry registry, WriteSettings settings, Base base) {
    ArtifactPath collection = settings.artifact().withAlias(null);
    Optional<CollectionInfo> existing = registry.collection(collection);
    if (existing.isPresent() && settings.type() != null) {
      checkType(collection, settings.type(), existing.get().type());
    }
    String type =
        settings.typeOr(existing.map(CollectionInfo::type).orElse(ArtifactOptions.DEFAULT_TYPE));
    if (base == Base.REPLACE) {
      return registry.newDraft(collection, type);
    }
    // The base is the latest version at commit time, not when the write was planned.
    Optional<ArtifactVersion> latest =
        existing.isPresent() ? registry.find(collection) : Optional.empty();
    if (latest.isPresent()) {
      if (settings.type() != null) {
        checkType(collection, settings.type(), latest.get().type());
      }
      return registry.newDraft(latest.get()).rebaseOnLatest();
    }
    // A first append may race another: re-apply onto whatever exists at commit.
    return registry.newDraft(collection, type).rebaseOnLatest();
  }

  /**
   * Adds the entries of the written files: references as they are, stored bodies as bodies that
   * must exist at the commit point. The same file reported twice (e.g. by a retried task) is added
   * once; two different files at one logical path mean the writers broke their naming contract, and
   * fail before anything is committed.
   *
   * @return how many distinct entries were added
   * @throws IllegalStateException when two different entries have the same path
   */
  public static int addWritten(ArtifactDraft draft, Collection<ManifestEntry> written) {
    Map<String, ManifestEntry> byPath = new LinkedHashMap<>();
    for (ManifestEntry e : written) {
      String path = EntryPaths.normalize(e.path(), draft.collection());
      ManifestEntry earlier = byPath.putIfAbsent(path, e);
      if (earlier != null && !earlier.equals(e)) {
        throw new IllegalStateException(
            "Cannot commit to "
                + draft.collection()
                + ": two written files have the path '"
                + path
                + "' ("
                + describe(earlier)
                + " and "
                + describe(e)
                + "); the writers must name their files uniquely");
      }
    }
    for (ManifestEntry e : byPath.values()) {
      if (e.isReference()) {
        draft.addEntry(e);
      } else {
        draft.addStoredEntry(e);
      }
    }
    return byPath.size();
  }

  /**
   * Applies the version-level settings: description, metadata and tags when given (else an appended
   * version keeps its base's), aliases, the lineage run, the engine's commit properties and the
   * upload session the tasks wrote into (W&amp;B), if any.
   */
  public static ArtifactDraft applySettings(
      ArtifactDraft draft,
      WriteSettings settings,
      RunInfo run,
      Map<String, String> commitProperties,
      UploadSession uploads) {
    Objects.requireNonNull(commitProperties, "commitProperties is null");
    if (settings.description() != null) {
      draft.description(settings.description());
    }
    if (settings.metadata() != null) {
      draft.metadata(settings.metadata());
    }
    if (!settings.tags().isEmpty()) {
      draft.tags(settings.tags());
    }
    draft.aliases(settings.aliases());
    draft.run(run);
    draft.commitProperties(commitProperties);
    if (uploads != null) {
      draft.uploadSession(uploads);
    }
    return draft;
  }

  /** The one wording of a type that does not match the collection's. */
  public static void checkType(ArtifactPath collection, String wanted, String actual) {
    if (!wanted.equals(actual)) {
      throw ArtifactOptions.invalid(
          collection,
          ArtifactOptions.TYPE,
          wanted,
          "the collection has type '" + actual + "'; use type '" + actual + "' or another name");
    }
  }

  private static String describe(ManifestEntry e) {
    return e.isReference() ? "reference " + e.ref() : "digest " + e.digest();
  }
}
