package dev.artifacts.common.registry;

import dev.artifacts.common.name.ArtifactPath;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One committed (immutable) version of a collection, as a registry reports it. Mutable labels
 * (aliases, tags, description, metadata, TTL) are a snapshot taken when the record was read.
 *
 * @param id registry-unique opaque ID (W&amp;B: a base64 GraphQL ID)
 * @param entity owner
 * @param project project
 * @param collection collection (sequence or portfolio) the version was resolved in
 * @param type artifact type, e.g. {@code dataset}
 * @param versionIndex N of {@code vN}
 * @param digest artifact digest, lowercase hex
 * @param state {@code COMMITTED} or {@code DELETED}
 * @param aliases aliases pointing at this version, {@code latest} included when it applies
 * @param tags version tags
 * @param description free text or {@code null}
 * @param metadata JSON-compatible metadata (at most 100 top-level keys)
 * @param ttl time to live, or {@code null} for none
 * @param size sum of entry sizes in bytes
 * @param fileCount number of manifest entries
 * @param createdAt commit time
 * @param updatedAt last change of a mutable label
 * @param loggedBy run that committed the version, or {@code null}
 * @param sourceCollection for a version reached through a link (portfolio), the source collection
 *     path {@code entity/project/name}; otherwise {@code null}
 * @param sourceVersionIndex N of the source version for a link, otherwise the same as versionIndex
 * @param commitProperties engine facts stored with the commit, e.g. Flink job, operator and
 *     checkpoint IDs used for exactly-once recovery
 */
public record ArtifactVersion(
    String id,
    String entity,
    String project,
    String collection,
    String type,
    int versionIndex,
    String digest,
    String state,
    List<String> aliases,
    List<String> tags,
    String description,
    Map<String, Object> metadata,
    Duration ttl,
    long size,
    long fileCount,
    Instant createdAt,
    Instant updatedAt,
    String loggedBy,
    String sourceCollection,
    int sourceVersionIndex,
    Map<String, String> commitProperties)
    implements java.io.Serializable {

  public static final String COMMITTED = "COMMITTED";
  public static final String DELETED = "DELETED";

  public ArtifactVersion {
    Objects.requireNonNull(id, "id is null");
    Objects.requireNonNull(entity, "entity is null");
    Objects.requireNonNull(project, "project is null");
    Objects.requireNonNull(collection, "collection is null");
    Objects.requireNonNull(type, "type is null");
    Objects.requireNonNull(digest, "digest is null");
    Objects.requireNonNull(state, "state is null");
    Objects.requireNonNull(createdAt, "createdAt is null");
    if (versionIndex < 0) {
      throw new IllegalArgumentException("Invalid version index " + versionIndex);
    }
    aliases = aliases == null ? List.of() : List.copyOf(aliases);
    tags = tags == null ? List.of() : List.copyOf(tags);
    metadata =
        metadata == null
            ? Map.of()
            : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(metadata));
    commitProperties = commitProperties == null ? Map.of() : Map.copyOf(commitProperties);
    updatedAt = updatedAt == null ? createdAt : updatedAt;
  }

  /** {@code vN}. */
  public String version() {
    return "v" + versionIndex;
  }

  /** {@code entity/project/collection:vN}, the name the CLI prints after a commit. */
  public ArtifactPath path() {
    return new ArtifactPath(entity, project, collection, version());
  }

  /** {@code collection:vN}, W&amp;B's short name; also the default download folder name. */
  public String qualifiedName() {
    return collection + ":" + version();
  }

  /** The collection that owns the bytes: the source collection for links, else this one. */
  public String sourceName() {
    if (sourceCollection == null) {
      return collection;
    }
    return sourceCollection.substring(sourceCollection.lastIndexOf('/') + 1);
  }

  public boolean isLink() {
    return sourceCollection != null;
  }

  @Override
  public String toString() {
    return path().toString();
  }
}
