package dev.artifacts.common.options;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.artifacts.common.ArtifactException;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Option keys shared by the Spark and Flink connectors, defined once so that the same concept has
 * the same key string in both engines ({@code .option("aliases", "prod")} in Spark, {@code
 * 'aliases' = 'prod'} in Flink SQL), and the parsing rules every engine applies to their values.
 */
public final class ArtifactOptions {
  /** Registry URI: a path, {@code file:}, {@code hdfs:} or {@code s3a:} URI (or {@code wandb}). */
  public static final String REGISTRY = "registry";

  /**
   * Artifact path {@code entity/project/name[:alias]} (Flink SQL; Spark uses the load/save path).
   */
  public static final String ARTIFACT = "artifact";

  /** Artifact type of a new version; default {@value #DEFAULT_TYPE}. */
  public static final String TYPE = "type";

  public static final String DEFAULT_TYPE = "dataset";

  /** Comma-separated aliases applied to the committed version ({@code latest} is implied). */
  public static final String ALIASES = "aliases";

  /** Comma-separated tags of the committed version. */
  public static final String TAGS = "tags";

  public static final String DESCRIPTION = "description";

  /** Metadata of the committed version as a JSON object (at most 100 keys). */
  public static final String METADATA = "metadata";

  /** File format of the data files: parquet (default), csv, json, orc, text. */
  public static final String FORMAT = "format";

  public static final String DEFAULT_FORMAT = "parquet";

  /** {@code files} (bodies stored in the registry, default) or {@code reference}. */
  public static final String STORAGE = "storage";

  /** With {@code storage=reference}: directory URI the data files are written to and referenced. */
  public static final String LOCATION = "location";

  /** Lineage run name override (default: the engine's application or job name). */
  public static final String RUN = "run";

  /** Read a given version or alias instead of the path's alias. */
  public static final String VERSION_AS_OF = "versionAsOf";

  /** Read the newest version committed at or before this timestamp (ISO-8601 or epoch millis). */
  public static final String TIMESTAMP_AS_OF = "timestampAsOf";

  /** {@code data} (default) or {@code manifest}: one row per manifest entry. */
  public static final String VIEW = "view";

  /** Re-hash files before reading and fail on a mismatch. */
  public static final String VERIFY = "verify";

  /** {@code static} (default) or {@code dynamic}: replace only the partitions written. */
  public static final String PARTITION_OVERWRITE_MODE = "partitionOverwriteMode";

  /** Flink: read continuously as new versions are committed. */
  public static final String STREAMING = "streaming";

  /** Flink: how often a continuous source polls for new versions. */
  public static final String MONITOR_INTERVAL = "monitor-interval";

  /** Where a write puts its data files. */
  public enum Storage {
    FILES,
    REFERENCE;

    public static Storage parse(String value, Object artifact) {
      if (value == null || value.isBlank()) {
        return FILES;
      }
      try {
        return valueOf(value.trim().toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw invalid(artifact, STORAGE, value, "use 'files' or 'reference'");
      }
    }
  }

  /** File formats the connectors read and write. */
  public static final List<String> FORMATS = List.of("parquet", "csv", "json", "orc", "text");

  private static final ObjectMapper JSON =
      new ObjectMapper().enable(JsonParser.Feature.ALLOW_NON_NUMERIC_NUMBERS);

  private ArtifactOptions() {}

  /** Splits a comma-separated list, trimming blanks away. */
  public static List<String> list(String value) {
    if (value == null || value.isBlank()) {
      return List.of();
    }
    return Arrays.stream(value.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
  }

  /** Parses {@link #METADATA}; an error names the artifact and quotes the value. */
  public static Map<String, Object> metadata(String value, Object artifact) {
    if (value == null || value.isBlank()) {
      return Map.of();
    }
    try {
      return JSON.readValue(value, new TypeReference<Map<String, Object>>() {});
    } catch (IOException e) {
      throw invalid(artifact, METADATA, value, "expected a JSON object such as {\"rows\": 3}");
    }
  }

  /** Checks {@link #FORMAT}; returns it in lower case. */
  public static String format(String value, Object artifact) {
    if (value == null || value.isBlank()) {
      return DEFAULT_FORMAT;
    }
    String f = value.trim().toLowerCase(Locale.ROOT);
    if (!FORMATS.contains(f)) {
      throw invalid(artifact, FORMAT, value, "supported formats are " + String.join(", ", FORMATS));
    }
    return f;
  }

  /** Parses a boolean option strictly ({@code true}/{@code false}). */
  public static boolean bool(String key, String value, boolean defaultValue, Object artifact) {
    if (value == null || value.isBlank()) {
      return defaultValue;
    }
    return switch (value.trim().toLowerCase(Locale.ROOT)) {
      case "true" -> true;
      case "false" -> false;
      default -> throw invalid(artifact, key, value, "use true or false");
    };
  }

  public static ArtifactException.InvalidInput invalid(
      Object artifact, String key, String value, String why) {
    return new ArtifactException.InvalidInput(
        "Invalid option " + key + "='" + value + "' for " + artifact + ": " + why);
  }
}
