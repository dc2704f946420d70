package dev.artifacts.flink.table;

import dev.artifacts.common.ArtifactException;
import dev.artifacts.common.name.ArtifactPath;
import dev.artifacts.common.name.Names;
import dev.artifacts.common.options.ArtifactOptions;
import dev.artifacts.common.options.WriteSettings;
import java.io.Serializable;
import java.time.Duration;
import java.util.Map;
import org.apache.flink.table.api.ValidationException;
import org.apache.flink.util.TimeUtils;

/**
 * The connector options of one artifact table, read from the raw {@code WITH} map and checked at
 * planning time. Every error is a {@link ValidationException} naming the option, its value and the
 * table, so a bad {@code CREATE TABLE} fails before a job is submitted.
 */
final class TableOptions implements Serializable {
  private static final long serialVersionUID = 1L;

  private final String table;
  private final Map<String, String> raw;
  private final String registry;
  private final ArtifactPath artifact;

  TableOptions(String table, Map<String, String> options) {
    this.table = table;
    this.raw = Map.copyOf(options);
    this.registry =
        required(ArtifactOptions.REGISTRY, "an absolute path or a file:, hdfs: or s3a: URI");
    String path = required(ArtifactOptions.ARTIFACT, "'entity/project/name'");
    // Entity and project must be explicit: defaults from the environment could differ between
    // the client and the task managers.
    String collection = path.contains(":") ? path.substring(0, path.indexOf(':')) : path;
    if (collection.split("/", -1).length != 3) {
      throw invalid(ArtifactOptions.ARTIFACT, path, "expected entity/project/name[:alias]");
    }
    try {
      this.artifact = ArtifactPath.parse(path, Map.of());
    } catch (ArtifactException.InvalidInput e) {
      throw invalid(ArtifactOptions.ARTIFACT, path, e.getMessage());
    }
    String run = raw.get(ArtifactOptions.RUN);
    if (run != null && run.isBlank()) {
      throw invalid(ArtifactOptions.RUN, run, "it must not be blank; remove it for the job name");
    }
  }

  /**
   * Checks the options a sink uses; the sink builder then checks the type. The source's typed
   * options are checked too, so a bad value gets the same message in both directions.
   */
  void validateForSink() {
    streaming();
    monitorInterval();
    if (artifact.alias() != null) {
      throw invalid(
          ArtifactOptions.ARTIFACT,
          artifact.toString(),
          "a sink writes new versions, so it takes no alias; use 'aliases' = '"
              + artifact.alias()
              + "' to move an alias to them");
    }
    writeSettings();
    if (raw.containsKey(ArtifactOptions.VERSION_AS_OF)) {
      throw invalid(
          ArtifactOptions.VERSION_AS_OF,
          raw.get(ArtifactOptions.VERSION_AS_OF),
          "a sink writes new versions; remove the option to write");
    }
  }

  /** Checks the options only a source uses. */
  void validateForSource() {
    streaming();
    monitorInterval();
    String version = raw.get(ArtifactOptions.VERSION_AS_OF);
    if (version != null) {
      if (artifact.alias() != null) {
        throw invalid(
            ArtifactOptions.VERSION_AS_OF,
            version,
            "'artifact' already selects ':"
                + artifact.alias()
                + "'; give the version in one place only");
      }
      try {
        Names.validateAlias(version.trim(), artifact);
      } catch (ArtifactException.InvalidInput e) {
        throw invalid(ArtifactOptions.VERSION_AS_OF, version, e.getMessage());
      }
    }
  }

  String table() {
    return table;
  }

  String registry() {
    return registry;
  }

  /** The artifact as given, with its alias if any. */
  ArtifactPath artifact() {
    return artifact;
  }

  /** The version a source reads: {@code versionAsOf}, else the alias in 'artifact', else latest. */
  ArtifactPath versionToRead() {
    String version = raw.get(ArtifactOptions.VERSION_AS_OF);
    return version != null ? artifact.withAlias(version.trim()) : artifact;
  }

  String get(String key) {
    return raw.get(key);
  }

  /**
   * The sink's version-level settings, checked by the rules and wording the DataStream sink and the
   * Spark connector use; an error names the table too.
   */
  WriteSettings writeSettings() {
    try {
      return WriteSettings.parse(artifact.withAlias(null), raw);
    } catch (ArtifactException.InvalidInput e) {
      throw new ValidationException(
          "Invalid options for table " + table + ": " + e.getMessage(), e);
    }
  }

  ArtifactOptions.Storage storage() {
    return writeSettings().storage();
  }

  Map<String, Object> metadata() {
    Map<String, Object> metadata = writeSettings().metadata();
    return metadata == null ? Map.of() : metadata;
  }

  boolean streaming() {
    String value = raw.get(ArtifactOptions.STREAMING);
    try {
      return ArtifactOptions.bool(ArtifactOptions.STREAMING, value, false, artifact);
    } catch (ArtifactException.InvalidInput e) {
      throw invalid(ArtifactOptions.STREAMING, value, "use 'true' or 'false'");
    }
  }

  Duration monitorInterval() {
    String value = raw.get(ArtifactOptions.MONITOR_INTERVAL);
    if (value == null) {
      return ArtifactConnectorOptions.MONITOR_INTERVAL.defaultValue();
    }
    Duration interval;
    try {
      interval = TimeUtils.parseDuration(value);
    } catch (IllegalArgumentException e) {
      throw invalid(
          ArtifactOptions.MONITOR_INTERVAL, value, "expected a duration such as '10 s' or '1 min'");
    }
    if (interval.isZero() || interval.isNegative()) {
      throw invalid(ArtifactOptions.MONITOR_INTERVAL, value, "it must be positive");
    }
    return interval;
  }

  private String required(String key, String expected) {
    String value = raw.get(key);
    if (value == null || value.isBlank()) {
      throw new ValidationException(
          "Missing option '" + key + "' for table " + table + ": set it to " + expected);
    }
    return value.trim();
  }

  /** An error naming the option, its value and the table. */
  ValidationException invalid(String key, String value, String why) {
    String about = artifact == null ? "table " + table : "table " + table + " (" + artifact + ")";
    return new ValidationException(
        "Invalid option " + key + "='" + value + "' for " + about + ": " + why);
  }
}
