package dev.artifacts.spark.source;

import dev.artifacts.common.ArtifactException;
import dev.artifacts.common.name.ArtifactPath;
import dev.artifacts.common.options.ArtifactOptions;
import dev.artifacts.common.registry.ArtifactRegistry;
import dev.artifacts.common.registry.ArtifactVersion;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.connector.expressions.Transform;
import org.apache.spark.sql.types.StructType;

/**
 * A read resolved to one version and planned: the table the catalog builds for a path-based read or
 * a {@code SELECT}. It is built once, by {@link ArtifactCatalog}, so the schema, the partitioning
 * and the scan of the table all come from the same version even if an alias moves after the
 * resolution; nothing is handed between calls.
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
}
