package dev.artifacts.common.registry.fs;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Map;

/**
 * The small JSON documents of the embedded registry. Each carries {@code format} so that a newer
 * layout can be recognised; unknown members are ignored so that older readers keep working when
 * members are added. Times are ISO-8601 strings, TTLs whole seconds.
 */
final class Records {
  static final int FORMAT = 1;

  static final ObjectMapper JSON =
      new ObjectMapper()
          .setSerializationInclusion(JsonInclude.Include.NON_NULL)
          .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

  private Records() {}

  /** {@code collections/<name>/collection.json}; written once, by the first commit or link. */
  record CollectionRecord(
      int format,
      String name,
      String type,
      String kind,
      String description,
      List<String> tags,
      String createdAt) {}

  /**
   * {@code collections/<name>/versions/vN.json}: the commit point, written once with put-if-absent
   * and never changed. Labels that change later live in {@link Labels}.
   *
   * @param manifest registry-relative location of the manifest file
   * @param manifestMd5 base64 MD5 of the manifest file's bytes
   * @param sourceCollection for links: {@code entity/project/name} of the source collection
   * @param aliases the aliases the commit (or link) requested, so that a writer killed between the
   *     commit point and the alias files can be completed: see {@link PendingAliases}; {@code null}
   *     when none were requested (and in records of older writers)
   */
  record VersionRecord(
      int format,
      String id,
      int index,
      String digest,
      String type,
      String manifest,
      String manifestMd5,
      long size,
      long fileCount,
      String description,
      Map<String, Object> metadata,
      List<String> tags,
      Long ttlSeconds,
      String createdAt,
      String runId,
      Map<String, String> commitProperties,
      String baseVersionId,
      String sourceCollection,
      Integer sourceVersionIndex,
      String sourceId,
      List<String> aliases) {

    boolean isLink() {
      return sourceCollection != null;
    }
  }

  /** {@code collections/<name>/labels/vN.json}: the current mutable labels, replaced whole. */
  record Labels(
      int format,
      String description,
      Map<String, Object> metadata,
      List<String> tags,
      Long ttlSeconds,
      String updatedAt) {}

  /** {@code collections/<name>/deleted/vN.json}: the version is deleted; its index stays taken. */
  record Tombstone(int format, String versionId, String deletedAt) {}

  /**
   * {@code collections/<name>/collection-deleted.json}: the collection is being deleted. Written
   * before anything is removed; while it exists readers see no collection, and the next write to
   * the name, {@code deleteCollection} again, gc or {@code fsck --repair} finishes the removal (the
   * tombstone goes last). A delete killed part-way is thus all or nothing for readers.
   */
  record CollectionTombstone(int format, String deletedAt) {}

  /**
   * {@code collections/<name>/pending-aliases/<id>.json}: a commit that requested aliases is about
   * to create {@code versions/v<index>.json} with ID {@code versionId}; removed once the alias
   * files are written. If the writer dies in between, readers show the version's requested aliases
   * (from its record) as if applied, and the next alias-changing operation writes them. A marker
   * whose index holds another version lost the race and is stale (gc and fsck remove it).
   */
  record PendingAliases(int format, int index, String versionId, String createdAt) {}

  /** {@code collections/<name>/aliases/<alias>.json}: which version carries the alias. */
  record AliasRecord(int format, String alias, int index, String versionId, String updatedAt) {}

  /** {@code runs/<run>/run.json}. */
  record RunRecord(
      int format,
      String id,
      String name,
      String jobType,
      String startedAt,
      Map<String, String> properties) {}

  /** One lineage edge: {@code runs/<run>/inputs|outputs/<name>.vN.json} and its reverse. */
  record Edge(
      int format, String collection, int index, String versionId, String runId, String at) {}

  /**
   * {@code commits/<id>.json}: a commit of the manifest at {@code manifest} (registry-relative) is
   * about to reach its commit point. Written before the commit checks its bodies, so a gc that
   * starts deleting after that check sees it; see {@link FileSystemRegistry#gc}.
   */
  record CommitMark(int format, String collection, String manifest, String createdAt) {}

  /**
   * {@code gc/<id>.json}: the objects (hex MD5) a running gc may delete. Written before gc reads
   * the commit marks; a committer that finds one of its bodies here waits for the gc to finish.
   */
  record GcIntent(int format, String startedAt, List<String> candidates) {}
}
