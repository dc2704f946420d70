package dev.artifacts.spark.source;

import dev.artifacts.common.ArtifactException;
import dev.artifacts.common.name.ArtifactPath;
import dev.artifacts.common.options.ArtifactOptions;
import dev.artifacts.common.registry.ArtifactRegistry;
import dev.artifacts.common.registry.ArtifactVersion;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.connector.expressions.Transform;
import org.apache.spark.sql.types.StructType;

/**
 * A path-based read resolved to one version: the result of {@code TableProvider.inferSchema},
 * handed to {@code inferPartitioning} and {@code getTable} so that all three see the same version
 * even if an alias moves between the calls.
 *
 * <p>Spark calls the three methods one after another on the same thread ({@code
 * DataSourceV2Utils.getTableFromProvider}) with the same options, so the hand-over is a
 * thread-local value keyed by those options (keys compared case-insensitively, as Spark does).
 * {@code getTable} takes it out, so a later query never reuses it. Re-resolving by version ID in
 * {@code getTable} is not possible because {@code getTable} only receives the options, and
 * re-resolving by alias would be exactly the race this avoids.
 *
 * @param plan the read plan, or null for {@code view=manifest}, which needs no data schema
 */
record PinnedRead(
    String registryUri,
    ArtifactPath collection,
    ArtifactVersion version,
    ReadPlan plan,
    StructType schema,
    Transform[] partitioning) {

  private static final ThreadLocal<Map.Entry<Map<String, String>, PinnedRead>> HANDOVER =
      new ThreadLocal<>();

  /** Resolves and plans; the result waits on this thread for {@link #take}. */
  static PinnedRead resolveAndHold(Map<String, String> options) {
    HANDOVER.remove();
    PinnedRead read = resolve(options);
    HANDOVER.set(Map.entry(key(options), read));
    return read;
  }

  /** The value {@link #resolveAndHold} left for these options, still held. */
  static Optional<PinnedRead> peek(Map<String, String> options) {
    Map.Entry<Map<String, String>, PinnedRead> held = HANDOVER.get();
    return held != null && held.getKey().equals(key(options))
        ? Optional.of(held.getValue())
        : Optional.empty();
  }

  /** Like {@link #peek}, and releases it. */
  static Optional<PinnedRead> take(Map<String, String> options) {
    Optional<PinnedRead> read = peek(options);
    HANDOVER.remove();
    return read;
  }

  static PinnedRead resolve(Map<String, String> options) {
    SparkSession session = SparkSession.active();
    ArtifactPath path = path(options);
    String uri = SparkRegistries.uri(options, session);
    ArtifactRegistry registry = SparkRegistries.open(uri, session);
    ArtifactVersion version = VersionResolver.resolve(registry, path, options, zone(session));
    return of(session, uri, registry, path.withAlias(null), version, options, null);
  }

  /** Plans {@code version} ({@code view=manifest} needs no plan). */
  static PinnedRead of(
      SparkSession session,
      String uri,
      ArtifactRegistry registry,
      ArtifactPath collection,
      ArtifactVersion version,
      Map<String, String> options,
      StructType userSchema) {
    if (isManifestView(options, collection)) {
      return new PinnedRead(
          uri, collection, version, null, ManifestScanBuilder.SCHEMA, new Transform[0]);
    }
    ReadPlan plan = ReadPlan.plan(session, registry, version, options, userSchema);
    return new PinnedRead(uri, collection, version, plan, plan.schema(), plan.partitioning());
  }

  /** The artifact path of a path-based read: {@code load(path)} or the {@code artifact} option. */
  static ArtifactPath path(Map<String, String> options) {
    String path = options.get("path");
    if (path == null || path.isBlank()) {
      path = options.get(ArtifactOptions.ARTIFACT);
    }
    if (path == null || path.isBlank()) {
      throw new ArtifactException.InvalidInput(
          "Cannot read an artifact without a path: use"
              + " spark.read().format(\"artifact\").load(\"entity/project/name[:alias]\")");
    }
    return ArtifactPath.parse(path.trim());
  }

  static boolean isManifestView(Map<String, String> options, Object artifact) {
    String view = options.get(ArtifactOptions.VIEW);
    if (view == null || view.isBlank() || view.trim().equalsIgnoreCase("data")) {
      return false;
    }
    if (view.trim().equalsIgnoreCase("manifest")) {
      return true;
    }
    throw ArtifactOptions.invalid(artifact, ArtifactOptions.VIEW, view, "use 'data' or 'manifest'");
  }

  static java.time.ZoneId zone(SparkSession session) {
    return java.time.ZoneId.of(session.sessionState().conf().sessionLocalTimeZone());
  }

  private static Map<String, String> key(Map<String, String> options) {
    Map<String, String> key = new TreeMap<>();
    options.forEach((k, v) -> key.put(k.toLowerCase(Locale.ROOT), v));
    return key;
  }
}
