package dev.artifacts.common.registry;

import dev.artifacts.common.name.ArtifactPath;
import java.util.List;

/** The labelling role of a registry: aliases, descriptions, metadata, tags, TTL and links. */
public interface ArtifactLabels {
  /** Points {@code alias} at {@code version}, moving it from whichever version had it. */
  ArtifactVersion addAlias(ArtifactVersion version, String alias);

  ArtifactVersion removeAlias(ArtifactVersion version, String alias);

  /** Changes description, metadata, tags or TTL of a version. */
  ArtifactVersion update(ArtifactVersion version, VersionUpdate update);

  /**
   * Links {@code version} into a portfolio collection (created if needed) as its next version, with
   * {@code aliases}. The bytes stay with the source collection.
   */
  ArtifactVersion link(ArtifactVersion version, ArtifactPath portfolio, List<String> aliases);
}
