package dev.artifacts.flink.sink;

import java.util.concurrent.TimeUnit;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.MetricGroup;

/**
 * Operator metrics of the committer: {@code committedVersions}, {@code committedFiles}, {@code
 * committedBytes} (counters), {@code lastCommitDurationMs} and {@code
 * elapsedSecondsSinceLastSuccessfulCommit} (gauges; -1 until the first commit of this attempt).
 */
final class CommitterMetrics {
  private final Counter versions;
  private final Counter files;
  private final Counter bytes;
  private volatile long lastDurationMs = -1;
  private volatile long lastSuccessNanos = -1;

  CommitterMetrics(MetricGroup group) {
    this.versions = group.counter("committedVersions");
    this.files = group.counter("committedFiles");
    this.bytes = group.counter("committedBytes");
    group.gauge("lastCommitDurationMs", (Gauge<Long>) () -> lastDurationMs);
    group.gauge(
        "elapsedSecondsSinceLastSuccessfulCommit",
        (Gauge<Long>) this::elapsedSecondsSinceLastSuccessfulCommit);
  }

  void committed(boolean created, long fileCount, long byteCount, long durationNanos) {
    if (created) {
      versions.inc();
    }
    files.inc(fileCount);
    bytes.inc(byteCount);
    lastDurationMs = TimeUnit.NANOSECONDS.toMillis(durationNanos);
    lastSuccessNanos = System.nanoTime();
  }

  long elapsedSecondsSinceLastSuccessfulCommit() {
    long last = lastSuccessNanos;
    return last < 0 ? -1 : TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - last);
  }

  long committedVersions() {
    return versions.getCount();
  }
}
