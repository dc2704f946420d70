package dev.artifacts.spark.source;

import org.apache.spark.sql.connector.metric.CustomMetric;
import org.apache.spark.sql.connector.metric.CustomSumMetric;
import org.apache.spark.sql.connector.metric.CustomTaskMetric;

/** Spark UI metrics of an artifact write, summed over tasks. */
final class WriteMetrics {
  static final String FILES = "artifactFilesWritten";
  static final String BYTES = "artifactBytesHashed";
  static final String HASH_MILLIS = "artifactHashTimeMs";

  private WriteMetrics() {}

  static CustomMetric[] supported() {
    return new CustomMetric[] {new FilesWritten(), new BytesHashed(), new HashTime()};
  }

  static CustomTaskMetric[] values(long files, long bytes, long hashNanos) {
    return new CustomTaskMetric[] {
      new Value(FILES, files),
      new Value(BYTES, bytes),
      new Value(HASH_MILLIS, hashNanos / 1_000_000)
    };
  }

  // Public with no-arg constructors: Spark re-creates metrics by class name to aggregate them.

  /** Files written by the tasks. */
  public static final class FilesWritten extends CustomSumMetric {
    @Override
    public String name() {
      return FILES;
    }

    @Override
    public String description() {
      return "artifact files written";
    }
  }

  /** Bytes that went through the digesting streams. */
  public static final class BytesHashed extends CustomSumMetric {
    @Override
    public String name() {
      return BYTES;
    }

    @Override
    public String description() {
      return "artifact bytes hashed";
    }
  }

  /** Time spent writing through the digesting streams (hashing plus the I/O below it). */
  public static final class HashTime extends CustomSumMetric {
    @Override
    public String name() {
      return HASH_MILLIS;
    }

    @Override
    public String description() {
      return "artifact hashing time (ms, incl. I/O)";
    }
  }

  private record Value(String name, long value) implements CustomTaskMetric {}
}
