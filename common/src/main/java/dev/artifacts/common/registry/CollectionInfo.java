package dev.artifacts.common.registry;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * A named series of versions.
 *
 * @param kind {@link Kind#SEQUENCE} owns its versions; {@link Kind#PORTFOLIO} only links versions
 *     of other collections (W&amp;B registry collections)
 * @param versionCount committed, not deleted versions
 */
public record CollectionInfo(
    String entity,
    String project,
    String name,
    String type,
    Kind kind,
    String description,
    List<String> tags,
    Instant createdAt,
    int versionCount) {

  /** Source collection or link collection. */
  public enum Kind {
    SEQUENCE,
    PORTFOLIO
  }

  public CollectionInfo {
    Objects.requireNonNull(name, "name is null");
    Objects.requireNonNull(type, "type is null");
    Objects.requireNonNull(kind, "kind is null");
    tags = tags == null ? List.of() : List.copyOf(tags);
  }

  public String path() {
    return entity + "/" + project + "/" + name;
  }
}
