package dev.artifacts.common.registry;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Changes to the mutable labels of a version; null members are left unchanged.
 *
 * @param ttl new TTL; {@link Duration#ZERO} removes it
 */
public record VersionUpdate(
    String description,
    Map<String, Object> metadata,
    List<String> tagsToAdd,
    List<String> tagsToRemove,
    Duration ttl) {
  public VersionUpdate {
    tagsToAdd = tagsToAdd == null ? List.of() : List.copyOf(tagsToAdd);
    tagsToRemove = tagsToRemove == null ? List.of() : List.copyOf(tagsToRemove);
  }
}
