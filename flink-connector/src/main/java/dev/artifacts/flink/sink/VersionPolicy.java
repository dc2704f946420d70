package dev.artifacts.flink.sink;

import org.apache.flink.annotation.PublicEvolving;

/** When {@link ArtifactSink} commits a new artifact version. */
@PublicEvolving
public enum VersionPolicy {
  /**
   * One version per completed checkpoint that wrote data (streaming; the default). Each version
   * appends the checkpoint's files to the previous version.
   */
  PER_CHECKPOINT,

  /**
   * One version when the input ends (bounded jobs, batch or streaming execution). Files of earlier
   * checkpoints are staged and kept in the sink's state until then.
   */
  END_OF_INPUT
}
