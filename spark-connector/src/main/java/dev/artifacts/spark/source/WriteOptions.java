package dev.artifacts.spark.source;

import dev.artifacts.common.ArtifactException;
import dev.artifacts.common.name.ArtifactPath;
import dev.artifacts.common.name.Names;
import dev.artifacts.common.options.ArtifactOptions;
import dev.artifacts.common.options.ArtifactOptions.Storage;
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
 * artifact, not after an hour of writing. Precedence: the write option, then the session conf
 * ({@code spark.sql.sources.partitionOverwriteMode} for the overwrite mode), then the default.
 *
 * @param format file format of the data files, lower case
 * @param type artifact type, or {@code null} when not given (the collection's type, or {@value
 *     ArtifactOptions#DEFAULT_TYPE} for a new one)
 * @param location qualified directory URI for {@code storage=reference}, else {@code null}
 * @param metadata the {@code metadata} JSON as given (checked), or {@code null}
 * @param formatGiven whether {@code format} was set explicitly (appends must match the collection)
 * @param dynamicOverwrite {@code partitionOverwriteMode=dynamic}
 */
record WriteOptions(
    ArtifactPath collection,
    String format,
    boolean formatGiven,
    Storage storage,
    String location,
    String type,
    List<String> aliases,
    List<String> tags,
    String description,
    String metadata,
    String runName,
    boolean dynamicOverwrite)
    implements Serializable {

  static final String SESSION_PARTITION_OVERWRITE_MODE = "spark.sql.sources.partitionOverwriteMode";

  WriteOptions {
    aliases = List.copyOf(aliases);
    tags = List.copyOf(tags);
  }

  /** Parses and validates; every error is an {@link ArtifactException.InvalidInput}. */
  static WriteOptions parse(
      ArtifactPath collection, Map<String, String> rawOptions, SparkSession session) {
    CaseInsensitiveStringMap options = new CaseInsensitiveStringMap(rawOptions);
    String formatValue = options.get(ArtifactOptions.FORMAT);
    String format = ArtifactOptions.format(formatValue, collection);
    Storage storage = Storage.parse(options.get(ArtifactOptions.STORAGE), collection);
    String location = options.get(ArtifactOptions.LOCATION);
    if (storage == Storage.REFERENCE) {
      if (location == null || location.isBlank()) {
        throw ArtifactOptions.invalid(
            collection,
            ArtifactOptions.STORAGE,
            "reference",
            "reference storage needs option 'location', the directory URI the data files are"
                + " written to (e.g. s3a://bucket/tables/events/)");
      }
      location = qualify(collection, location, session.sessionState().newHadoopConf());
    } else if (location != null && !location.isBlank()) {
      throw ArtifactOptions.invalid(
          collection,
          ArtifactOptions.LOCATION,
          location,
          "a location is only used with storage=reference; add option storage=reference or drop"
              + " location");
    } else {
      location = null;
    }

    String type = options.get(ArtifactOptions.TYPE);
    if (type != null) {
      Names.validateType(type, collection.name(), collection);
    }
    List<String> aliases =
        Names.normalizeAliases(
            ArtifactOptions.list(options.get(ArtifactOptions.ALIASES)), collection);
    for (String alias : aliases) {
      if (Names.versionIndex(alias).isPresent()) {
        throw new ArtifactException.InvalidInput(
            "Invalid alias '"
                + alias
                + "' for "
                + collection
                + ": version aliases are assigned by the registry; choose another alias");
      }
    }
    List<String> tags =
        Names.normalizeTags(ArtifactOptions.list(options.get(ArtifactOptions.TAGS)), collection);
    String metadata = options.get(ArtifactOptions.METADATA);
    Names.normalizeMetadata(ArtifactOptions.metadata(metadata, collection), collection);

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

    String run = options.get(ArtifactOptions.RUN);
    return new WriteOptions(
        collection,
        format,
        formatValue != null && !formatValue.isBlank(),
        storage,
        location,
        type,
        aliases,
        tags,
        options.get(ArtifactOptions.DESCRIPTION),
        metadata,
        run == null || run.isBlank() ? null : run,
        dynamic);
  }

  Map<String, Object> metadataMap() {
    return ArtifactOptions.metadata(metadata, collection);
  }

  /**
   * Qualifies {@code location} (a bare path becomes a URI of the default filesystem) and opens its
   * filesystem, so that a missing S3A jar or a typo in the scheme fails before any task runs.
   */
  private static String qualify(ArtifactPath collection, String location, Configuration conf) {
    try {
      Path path = new Path(location.trim());
      FileSystem fs = path.getFileSystem(conf);
      return fs.makeQualified(path).toString();
    } catch (IOException | IllegalArgumentException e) {
      throw ArtifactOptions.invalid(
          collection,
          ArtifactOptions.LOCATION,
          location,
          "cannot open its filesystem (" + e.getMessage() + ")");
    }
  }
}
