package dev.artifacts.spark.source;

import dev.artifacts.common.ArtifactException;
import dev.artifacts.common.name.ArtifactPath;
import dev.artifacts.common.options.ArtifactOptions;
import dev.artifacts.common.registry.ArtifactRegistry;
import dev.artifacts.common.registry.ArtifactVersion;
import dev.artifacts.common.registry.VersionQuery;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Turns a collection path and the time-travel options into one committed version. Runs once per
 * query on the driver; everything downstream (schema, file listing, scan) is pinned to the version
 * it returns, so an alias that moves afterwards does not change what the query reads.
 *
 * <p>Selectors, exactly one of which applies: the {@code versionAsOf} option ({@code vN}, {@code
 * latest} or any alias), the {@code timestampAsOf} option (the newest version created at or before
 * it), the alias of the path, or {@code latest}. Giving an option and a path alias together is an
 * error rather than a silent precedence rule.
 */
final class VersionResolver {
  private VersionResolver() {}

  /**
   * The version to read.
   *
   * @throws ArtifactException.NotFound naming the collection and the selector if nothing matches
   */
  static ArtifactVersion resolve(
      ArtifactRegistry registry, ArtifactPath path, Map<String, String> options, ZoneId zone) {
    return resolveIfExists(registry, path, options, zone)
        .orElseThrow(
            () ->
                new ArtifactException.NotFound(
                    "Cannot read " + path.collectionPath() + ": no such collection"));
  }

  /**
   * Like {@link #resolve}, but empty when the collection does not exist (a table that is only about
   * to be written); a missing version of an existing collection is still an error.
   */
  static Optional<ArtifactVersion> resolveIfExists(
      ArtifactRegistry registry, ArtifactPath path, Map<String, String> options, ZoneId zone) {
    Map<String, String> selector = selector(path, options);
    ArtifactPath collection = path.withAlias(null);
    if (registry.collection(collection).isEmpty()) {
      return Optional.empty();
    }
    String timestampAsOf = selector.get(ArtifactOptions.TIMESTAMP_AS_OF);
    if (timestampAsOf != null) {
      return Optional.of(asOf(registry, collection, parseTimestamp(timestampAsOf, zone, path)));
    }
    return Optional.of(
        byAlias(registry, collection.withAlias(selector.get(ArtifactOptions.VERSION_AS_OF))));
  }

  /**
   * The one selector that applies, as a single-entry map: {@code versionAsOf} (the option, else the
   * path's alias, else {@code latest}) or {@code timestampAsOf}. Resolves nothing.
   *
   * @throws ArtifactException.InvalidInput naming the artifact when both options are given, or an
   *     option together with a path alias
   */
  static Map<String, String> selector(ArtifactPath path, Map<String, String> options) {
    String versionAsOf = blankToNull(options.get(ArtifactOptions.VERSION_AS_OF));
    String timestampAsOf = blankToNull(options.get(ArtifactOptions.TIMESTAMP_AS_OF));
    if (versionAsOf != null && timestampAsOf != null) {
      throw new ArtifactException.InvalidInput(
          "Invalid options for "
              + path
              + ": give versionAsOf or timestampAsOf, not both (versionAsOf='"
              + versionAsOf
              + "', timestampAsOf='"
              + timestampAsOf
              + "')");
    }
    String optionKey = versionAsOf != null ? ArtifactOptions.VERSION_AS_OF : null;
    optionKey = timestampAsOf != null ? ArtifactOptions.TIMESTAMP_AS_OF : optionKey;
    if (optionKey != null && path.alias() != null) {
      throw ArtifactOptions.invalid(
          path,
          optionKey,
          options.get(optionKey),
          "the path already selects alias '"
              + path.alias()
              + "'; give either the alias or the option");
    }
    if (timestampAsOf != null) {
      return Map.of(ArtifactOptions.TIMESTAMP_AS_OF, timestampAsOf.trim());
    }
    return Map.of(
        ArtifactOptions.VERSION_AS_OF,
        versionAsOf != null ? versionAsOf.trim() : path.aliasOrLatest());
  }

  static ArtifactVersion byAlias(ArtifactRegistry registry, ArtifactPath path) {
    return registry
        .find(path)
        .orElseThrow(
            () ->
                new ArtifactException.NotFound(
                    "Cannot read "
                        + path
                        + ": "
                        + path.collectionPath()
                        + " has no version or alias '"
                        + path.alias()
                        + "'"
                        + latestHint(registry, path)));
  }

  /** The newest version created at or before {@code instant}. */
  static ArtifactVersion asOf(ArtifactRegistry registry, ArtifactPath collection, Instant instant) {
    ArtifactVersion oldest = null;
    for (ArtifactVersion v :
        registry.versions(
            collection, VersionQuery.all().withOrder(VersionQuery.Order.CREATED_DESC))) {
      // Spark timestamps have microsecond precision; commit times may carry nanoseconds.
      if (!v.createdAt().truncatedTo(java.time.temporal.ChronoUnit.MICROS).isAfter(instant)) {
        return v;
      }
      oldest = v;
    }
    throw new ArtifactException.NotFound(
        "Cannot read "
            + collection.collectionPath()
            + " as of "
            + instant
            + ": no version was committed at or before then"
            + (oldest == null
                ? ""
                : " (the first, " + oldest.version() + ", at " + oldest.createdAt() + ")"));
  }

  /**
   * What the collection does have: its versions and every alias with the version it points at (not
   * only the latest version's aliases, which would hide {@code prod} on an older version).
   */
  private static String latestHint(ArtifactRegistry registry, ArtifactPath path) {
    List<ArtifactVersion> versions =
        registry.versions(
            path.withAlias(null), VersionQuery.all().withOrder(VersionQuery.Order.VERSION_ASC));
    if (versions.isEmpty()) {
      return "";
    }
    List<String> aliases = new ArrayList<>();
    for (ArtifactVersion v : versions) {
      for (String alias : v.aliases()) {
        aliases.add(alias + " (" + v.version() + ")");
      }
    }
    String range =
        versions.size() <= 10
            ? String.join(", ", versions.stream().map(ArtifactVersion::version).toList())
            : versions.get(0).version()
                + ", …, "
                + versions.get(versions.size() - 1).version()
                + " ("
                + versions.size()
                + " versions)";
    return "; it has versions "
        + range
        + (aliases.isEmpty() ? "" : " and aliases " + String.join(", ", aliases));
  }

  /**
   * Accepts ISO-8601 instants and offsets ({@code 2024-05-01T12:00:00Z}), local date-times and
   * dates ({@code 2024-05-01 12:00:00}, {@code 2024-05-01}) in the session time zone, as Spark's
   * {@code TIMESTAMP AS OF} does, and epoch milliseconds.
   */
  static Instant parseTimestamp(String value, ZoneId zone, Object artifact) {
    String v = value.trim();
    try {
      if (v.chars().allMatch(Character::isDigit) && !v.isEmpty()) {
        return Instant.ofEpochMilli(Long.parseLong(v));
      }
      if (v.endsWith("Z") || v.endsWith("z")) {
        return Instant.parse(v.replace(' ', 'T').toUpperCase(java.util.Locale.ROOT));
      }
      try {
        return OffsetDateTime.parse(v.replace(' ', 'T')).toInstant();
      } catch (DateTimeException notOffset) {
        // Fall through: no offset means the session time zone.
      }
      if (v.length() == 10) {
        return LocalDate.parse(v).atStartOfDay(zone).toInstant();
      }
      return LocalDateTime.parse(v.replace(' ', 'T')).atZone(zone).toInstant();
    } catch (DateTimeException | NumberFormatException e) {
      throw ArtifactOptions.invalid(
          artifact,
          ArtifactOptions.TIMESTAMP_AS_OF,
          value,
          "expected an ISO-8601 timestamp (2024-05-01T12:00:00Z), 'yyyy-MM-dd[ HH:mm:ss]' in the"
              + " session time zone, or epoch milliseconds");
    }
  }

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s;
  }
}
