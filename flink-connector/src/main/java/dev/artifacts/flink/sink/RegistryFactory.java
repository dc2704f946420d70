package dev.artifacts.flink.sink;

import dev.artifacts.common.registry.ArtifactRegistries;
import dev.artifacts.common.registry.ArtifactRegistry;
import java.io.Serializable;

/**
 * Opens the registry where the sink runs: registries are not serializable, so each writer,
 * aggregator and committer opens its own from what the job graph carries.
 */
@FunctionalInterface
interface RegistryFactory extends Serializable {
  ArtifactRegistry open();

  static RegistryFactory byUri(String uri) {
    return new ByUri(uri);
  }

  /** The production factory; a record so the job graph shows the URI. */
  record ByUri(String uri) implements RegistryFactory {
    @Override
    public ArtifactRegistry open() {
      return ArtifactRegistries.open(uri);
    }
  }
}
