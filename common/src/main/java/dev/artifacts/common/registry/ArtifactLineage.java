package dev.artifacts.common.registry;

import java.util.List;
import java.util.Optional;

/** The lineage role of a registry: which runs logged and used which versions. */
public interface ArtifactLineage {
  /** Records that {@code run} used {@code version} (W&amp;B {@code use_artifact}). Idempotent. */
  void recordUse(RunInfo run, ArtifactVersion version);

  /** Runs that used {@code version}. */
  List<RunInfo> usedBy(ArtifactVersion version);

  /** The run that committed {@code version}, if recorded. */
  Optional<RunInfo> loggedBy(ArtifactVersion version);

  /** Versions {@code runId} used, within {@code entity/project}. */
  List<ArtifactVersion> inputsOf(String entity, String project, String runId);

  /** Versions {@code runId} committed, within {@code entity/project}. */
  List<ArtifactVersion> outputsOf(String entity, String project, String runId);
}
