package dev.artifacts.common.registry;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/**
 * A run for lineage: one Spark application, one Flink job, or one CLI invocation.
 *
 * @param id stable ID (Spark application ID, Flink job ID, or a random ID)
 * @param name display name
 * @param jobType {@code spark}, {@code flink}, {@code cli} or user defined
 * @param properties engine details worth showing (master, job name, host, ...)
 */
public record RunInfo(
    String id, String name, String jobType, Instant startedAt, Map<String, String> properties)
    implements java.io.Serializable {
  public RunInfo {
    Objects.requireNonNull(id, "id is null");
    if (id.isEmpty() || id.contains("/") || id.contains("\\")) {
      throw new IllegalArgumentException("Invalid run id '" + id + "': must be non-empty, no '/'");
    }
    name = name == null ? id : name;
    jobType = jobType == null ? "unknown" : jobType;
    startedAt = startedAt == null ? Instant.now() : startedAt;
    properties = properties == null ? Map.of() : Map.copyOf(properties);
  }

  public static RunInfo of(String id, String name, String jobType) {
    return new RunInfo(id, name, jobType, Instant.now(), Map.of());
  }
}
