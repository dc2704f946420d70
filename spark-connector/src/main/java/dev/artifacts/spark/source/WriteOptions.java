package dev.artifacts.spark.source;

import dev.artifacts.common.name.ArtifactPath;
import dev.artifacts.common.options.ArtifactOptions;
import dev.artifacts.common.options.ArtifactOptions.Storage;
import dev.artifacts.common.options.WriteSettings;
import java.io.IOException;
import java.io.Serializable;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.util.CaseInsensitiveStringMap;

/**
 * The write options of one {@code save()}, parsed and checked on the driver before any task runs,
 * so that a bad alias or a missing {@code location} fails the job at once with a message naming the
 * artifact, not after an hour of writing. The settings that define the version are {@link
 * WriteSettings}, checked by the rules and wording the Flink sink uses too; this record adds the
 * Spark-only ones. Precedence: the write option, then the session conf ({@code
 * spark.sql.sources.partitionOverwriteMode} for the overwrite mode), then the default.
 *
 * @param settings engine-neutral settings; a reference location qualified against the Hadoop
 *     configuration (a bare path becomes a URI of the default filesystem)
 * @param format file format of the data files, lower case
 * @param formatGiven whether {@code format} was set explicitly (appends must match the collection)
 * @param dynamicOverwrite {@code partitionOverwriteMode=dynamic}
 */
record WriteOptions(
    WriteSettings settings, String format, boolean formatGiven, boolean dynamicOverwrite)
    implements Serializable {

  static final String SESSION_PARTITION_OVERWRITE_MODE = "spark.sql.sources.partitionOverwriteMode";

  /** Parses and validates; every error is an {@link ArtifactException.InvalidInput}. */
  static WriteOptions parse(
      ArtifactPath collection, Map<String, String> rawOptions, SparkSession session) {
    CaseInsensitiveStringMap options = new CaseInsensitiveStringMap(rawOptions);
    String formatValue = options.get(ArtifactOptions.FORMAT);
    String format = ArtifactOptions.format(formatValue, collection);
    WriteSettings settings = WriteSettings.parse(collection, options);
    if (settings.location() != null) {
      settings =
          settings.withLocation(
              qualify(collection, settings.location(), session.sessionState().newHadoopConf()));
    }

    String mode = options.get(ArtifactOptions.PARTITION_OVERWRITE_MODE);
    String modeKey = ArtifactOptions.PARTITION_OVERWRITE_MODE;
    if (mode == null || mode.isBlank()) {
      mode = session.conf().get(SESSION_PARTITION_OVERWRITE_MODE, "static");
      modeKey = SESSION_PARTITION_OVERWRITE_MODE;
    }
    boolean dynamic =
        switch (mode.trim().toLowerCase(Locale.ROOT)) {
          case "static" -> false;
          case "dynamic" -> true;
          default ->
              throw ArtifactOptions.invalid(collection, modeKey, mode, "use 'static' or 'dynamic'");
        };
    return new WriteOptions(
        settings, format, formatValue != null && !formatValue.isBlank(), dynamic);
  }

  ArtifactPath collection() {
    return settings.artifact();
  }

  Storage storage() {
    return settings.storage();
  }

  /** Qualified directory URI for {@code storage=reference}, else {@code null}. */
  String location() {
    return settings.location();
  }

  /** Artifact type, or {@code null} when not given. */
  String type() {
    return settings.type();
  }

  List<String> aliases() {
    return settings.aliases();
  }

  List<String> tags() {
    return settings.tags();
  }

  String description() {
    return settings.description();
  }

  String runName() {
    return settings.runName();
  }

  /** The normalized metadata, or {@code null} when the option was not given. */
  Map<String, Object> metadata() {
    return settings.metadata();
  }

  /** The normalized metadata, empty when the option was not given. */
  Map<String, Object> metadataMap() {
    return settings.metadata() == null ? Map.of() : settings.metadata();
  }

  /**
   * Qualifies {@code location} (a bare path becomes a URI of the default filesystem) and opens its
   * filesystem, so that a missing S3A jar or a typo in the scheme fails before any task runs.
   */
  private static String qualify(ArtifactPath collection, String location, Configuration conf) {
    try {
      Path path = new Path(location);
      FileSystem fs = path.getFileSystem(conf);
      return fs.makeQualified(path).toString();
    } catch (IOException | IllegalArgumentException e) {
      throw ArtifactOptions.invalid(
          collection,
          ArtifactOptions.LOCATION,
          location,
          "cannot open its filesystem ("
              + e.getMessage()
              + "); check the scheme and that its Hadoop filesystem is on the classpath");
    }
  }
}
