package dev.artifacts.flink.sink;

import dev.artifacts.common.manifest.ManifestEntry;
import java.util.Objects;

/**
 * What a writer subtask reports for one finished part file: its manifest entry (a body stored in
 * the registry, or a reference to the file at the sink's location). Flink keeps these in flight
 * between the writers and the aggregator only, never in long-lived state.
 */
record ArtifactWriteResult(ManifestEntry entry) {
  ArtifactWriteResult {
    Objects.requireNonNull(entry, "entry is null");
    if (entry.size() == null) {
      throw new IllegalArgumentException("Entry '" + entry.path() + "' has no size");
    }
  }
}
