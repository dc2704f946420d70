package dev.artifacts.spark.source;

import dev.artifacts.common.name.ArtifactPath;
import dev.artifacts.common.registry.ArtifactVersion;
import java.util.Map;

/**
 * The {@code openlineage.dataset.*} table properties by which OpenLineage's Spark listener names an
 * artifact, for tables outside this package (existing-data logging); the same keys and values as
 * {@link ArtifactTable#properties()}.
 */
public final class OpenLineageDatasets {
  /** OpenLineage's key for a dataset's namespace among a DSv2 table's properties. */
  public static final String NAMESPACE = ReadLineage.OL_NAMESPACE;

  /** OpenLineage's key for a dataset's name among a DSv2 table's properties. */
  public static final String NAME = ReadLineage.OL_NAME;

  private OpenLineageDatasets() {}

  /**
   * Namespace = registry URI, name = {@code entity/project/name}, and the version facet when {@code
   * version} is known.
   */
  public static Map<String, String> artifact(
      String registryUri, ArtifactPath collection, ArtifactVersion version) {
    return ReadLineage.openLineageProperties(registryUri, collection, version);
  }
}
