package dev.artifacts.spark.source;

import dev.artifacts.common.name.ArtifactPath;
import dev.artifacts.common.registry.ArtifactRegistry;
import dev.artifacts.common.registry.ArtifactVersion;
import dev.artifacts.common.registry.VersionQuery;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * Finds the version a write committed, for callers that need it back (the {@code ArtifactWriter}
 * helper, the CLI). The caller tags its write with a unique id in the internal write option {@link
 * #WRITE_ID_OPTION}; the write records that id in the version's commit properties ({@link
 * #WRITE_ID_PROPERTY}), and {@link #find} looks it up in the registry afterwards. Nothing is held
 * in memory between the write and the lookup, so the answer is the same from any thread, session or
 * JVM, and a write whose outcome nobody asks for leaves nothing behind.
 */
public final class CommittedVersions {
  /** Internal write option carrying the caller's write id (not a user option). */
  public static final String WRITE_ID_OPTION = "__artifact_write_id";

  /** Commit property recording the write id of the write that committed the version. */
  public static final String WRITE_ID_PROPERTY = "spark.writeId";

  /** Versions looked at before the lookup reads the whole history (a busy collection). */
  private static final int RECENT = 32;

  private CommittedVersions() {}

  /** A fresh write id for {@link #WRITE_ID_OPTION}. */
  public static String newWriteId() {
    return UUID.randomUUID().toString();
  }

  /** The commit properties a write adds for the write id in its options, if it has one. */
  static Map<String, String> writeIdProperty(Map<String, String> writeOptions) {
    String writeId = writeOptions.get(WRITE_ID_OPTION);
    return writeId == null || writeId.isBlank()
        ? Map.of()
        : Map.of(WRITE_ID_PROPERTY, writeId.trim());
  }

  /**
   * The version of {@code collection} that the write tagged {@code writeId} committed, newest
   * first. Empty when the write committed no version: its data equalled the latest version (the
   * registry deduplicates) or the save mode skipped it ({@code Ignore}).
   */
  public static Optional<ArtifactVersion> find(
      ArtifactRegistry registry, ArtifactPath collection, String writeId) {
    ArtifactPath path = collection.withAlias(null);
    VersionQuery newestFirst = VersionQuery.all().withOrder(VersionQuery.Order.VERSION_DESC);
    var recent = registry.versions(path, newestFirst.withLimit(RECENT));
    Optional<ArtifactVersion> found = tagged(recent, writeId);
    if (found.isPresent() || recent.size() < RECENT) {
      return found;
    }
    return tagged(registry.versions(path, newestFirst), writeId);
  }

  private static Optional<ArtifactVersion> tagged(
      java.util.List<ArtifactVersion> versions, String writeId) {
    return versions.stream()
        .filter(v -> writeId.equals(v.commitProperties().get(WRITE_ID_PROPERTY)))
        .findFirst();
  }
}
