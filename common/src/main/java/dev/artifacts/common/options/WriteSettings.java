package dev.artifacts.common.options;

import dev.artifacts.common.ArtifactException;
import dev.artifacts.common.name.ArtifactPath;
import dev.artifacts.common.name.Names;
import dev.artifacts.common.options.ArtifactOptions.Storage;
import dev.artifacts.common.registry.commit.AliasRules;
import java.io.Serializable;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The engine-neutral settings of a write that define the version it commits: its type, labels,
 * description, metadata, where its data files go and the lineage run name. Both connectors build
 * one — Spark from its write options, Flink from its sink builder or SQL {@code WITH} options — so
 * that a setting is checked by one rule and rejected with one wording: {@code Invalid option
 * key='value' for entity/project/name: why and how to fix it} (or the label rules' own {@code
 * Invalid alias 'x' for …}).
 *
 * <p>Engine-specific settings (Spark's overwrite mode, Flink's formats and version policy) and the
 * engine's qualification of {@link #location} (Spark resolves a bare path against the default
 * Hadoop filesystem, Flink against {@code file:}) stay in the connectors.
 *
 * @param artifact the collection written to, for messages
 * @param type artifact type of a new version, or {@code null} when not given (the collection's
 *     type, else {@value ArtifactOptions#DEFAULT_TYPE})
 * @param aliases normalized aliases moved to the committed version; never {@code vN}
 * @param tags normalized tags of the committed version
 * @param description description of the committed version, or {@code null}
 * @param metadata normalized metadata of the committed version, or {@code null} when not given (an
 *     appended version keeps its base's)
 * @param storage where the data files go
 * @param location with {@link Storage#REFERENCE}: an absolute path or URI without query or fragment
 *     and without a trailing {@code /}; else {@code null}
 * @param runName lineage run name, or {@code null} for the engine's application or job name
 */
public record WriteSettings(
    ArtifactPath artifact,
    String type,
    List<String> aliases,
    List<String> tags,
    String description,
    Map<String, Object> metadata,
    Storage storage,
    String location,
    String runName)
    implements Serializable {

  /**
   * Validates and normalizes every setting.
   *
   * @throws ArtifactException.InvalidInput naming the artifact, the option, the value and the fix
   */
  public WriteSettings {
    Objects.requireNonNull(artifact, "artifact is null");
    if (type != null) {
      if (type.isBlank()) {
        throw ArtifactOptions.invalid(
            artifact,
            ArtifactOptions.TYPE,
            type,
            "it must not be empty; remove it for the default '"
                + ArtifactOptions.DEFAULT_TYPE
                + "'");
      }
      Names.validateType(type, artifact.name(), artifact);
    }
    aliases =
        List.copyOf(
            Names.normalizeAliases(required(aliases, ArtifactOptions.ALIASES, artifact), artifact));
    for (String alias : aliases) {
      AliasRules.rejectVersionAlias(alias, artifact);
    }
    tags =
        List.copyOf(Names.normalizeTags(required(tags, ArtifactOptions.TAGS, artifact), artifact));
    if (metadata != null) {
      metadata = Names.normalizeMetadata(metadata, artifact);
    }
    if (storage == null) {
      throw ArtifactOptions.invalid(
          artifact, ArtifactOptions.STORAGE, "null", "use 'files' or 'reference'");
    }
    location = checkLocation(artifact, storage, location);
    if (runName != null && runName.isBlank()) {
      throw ArtifactOptions.invalid(
          artifact,
          ArtifactOptions.RUN,
          runName,
          "it must not be blank; remove it to name the run after the application or job");
    }
  }

  /**
   * Reads the settings from options keyed by {@link ArtifactOptions}' names ({@code type}, {@code
   * aliases}, {@code tags}, {@code description}, {@code metadata}, {@code storage}, {@code
   * location}, {@code run}); other keys are ignored. Lookups are exact: an engine with
   * case-insensitive options passes a map that is.
   */
  public static WriteSettings parse(ArtifactPath artifact, Map<String, String> options) {
    Objects.requireNonNull(artifact, "artifact is null");
    return new WriteSettings(
        artifact,
        options.get(ArtifactOptions.TYPE),
        ArtifactOptions.list(options.get(ArtifactOptions.ALIASES)),
        ArtifactOptions.list(options.get(ArtifactOptions.TAGS)),
        options.get(ArtifactOptions.DESCRIPTION),
        metadata(options.get(ArtifactOptions.METADATA), artifact),
        Storage.parse(options.get(ArtifactOptions.STORAGE), artifact),
        options.get(ArtifactOptions.LOCATION),
        options.get(ArtifactOptions.RUN));
  }

  /** The type to create a new collection with when none was given. */
  public String typeOr(String fallback) {
    return type != null ? type : fallback;
  }

  /** Whether a location was given as a bare absolute path, which each engine qualifies its way. */
  public boolean locationIsPath() {
    return location != null && location.startsWith("/");
  }

  /** These settings with {@code location} as the engine qualified it. */
  public WriteSettings withLocation(String qualified) {
    return new WriteSettings(
        artifact, type, aliases, tags, description, metadata, storage, qualified, runName);
  }

  private static Map<String, Object> metadata(String value, ArtifactPath artifact) {
    if (value == null || value.isBlank()) {
      return null;
    }
    return ArtifactOptions.metadata(value, artifact);
  }

  private static <T> T required(T value, String key, ArtifactPath artifact) {
    if (value == null) {
      throw ArtifactOptions.invalid(
          artifact, key, "null", "pass an empty value (or leave the option out) for none");
    }
    return value;
  }

  private static String checkLocation(ArtifactPath artifact, Storage storage, String location) {
    boolean given = location != null && !location.isBlank();
    if (storage == Storage.FILES) {
      if (given) {
        throw ArtifactOptions.invalid(
            artifact,
            ArtifactOptions.LOCATION,
            location,
            "a location is only used with storage=reference; set storage=reference or remove the"
                + " location");
      }
      return null;
    }
    if (!given) {
      throw ArtifactOptions.invalid(
          artifact,
          ArtifactOptions.STORAGE,
          "reference",
          "reference storage needs a location, the directory URI the data files are written to;"
              + " set location to e.g. file:///data/events or s3a://bucket/events");
    }
    String trimmed = location.trim();
    URI uri;
    try {
      uri = new URI(trimmed);
    } catch (URISyntaxException e) {
      throw ArtifactOptions.invalid(
          artifact,
          ArtifactOptions.LOCATION,
          location,
          "it is not a URI (" + e.getReason() + "); use e.g. file:///data/events");
    }
    if (uri.getScheme() == null && !trimmed.startsWith("/")) {
      throw ArtifactOptions.invalid(
          artifact,
          ArtifactOptions.LOCATION,
          location,
          "use an absolute path or a URI such as file:///data/events or s3a://bucket/events");
    }
    if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
      throw ArtifactOptions.invalid(
          artifact,
          ArtifactOptions.LOCATION,
          location,
          "it must not have a query or fragment; give the directory URI only");
    }
    // The data files' URIs are location + "/" + path, the same whether the user wrote a slash.
    String path = uri.getRawPath();
    if (path != null && path.length() > 1 && path.endsWith("/") && !path.matches("/+")) {
      while (trimmed.endsWith("/")) {
        trimmed = trimmed.substring(0, trimmed.length() - 1);
      }
    }
    return trimmed;
  }
}
