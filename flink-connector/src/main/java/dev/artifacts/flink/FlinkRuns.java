package dev.artifacts.flink;

import dev.artifacts.common.registry.RunInfo;
import java.time.Instant;
import java.util.Map;
import org.apache.flink.annotation.Internal;

/**
 * The lineage run of a Flink job, the same for the sink (versions it commits) and the source
 * (versions it reads), so that one job shows up as one run with its inputs and outputs.
 */
@Internal
public final class FlinkRuns {
  /** Run property holding the Flink job ID. */
  public static final String JOB_ID = "flink.job-id";

  /** Run property holding the Flink job name. */
  public static final String JOB_NAME = "flink.job-name";

  private FlinkRuns() {}

  /**
   * The run of job {@code jobId}, named {@code runName} when the user set one and after the job
   * otherwise.
   */
  public static RunInfo of(String jobId, String jobName, String runName) {
    String name = runName != null ? runName : jobName;
    return new RunInfo(
        jobId,
        name,
        "flink",
        Instant.now(),
        Map.of(JOB_ID, jobId, JOB_NAME, jobName == null ? "" : jobName));
  }
}
