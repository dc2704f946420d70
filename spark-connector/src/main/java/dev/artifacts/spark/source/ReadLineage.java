package dev.artifacts.spark.source;

import dev.artifacts.common.options.ArtifactOptions;
import dev.artifacts.common.registry.ArtifactRegistry;
import dev.artifacts.common.registry.ArtifactVersion;
import dev.artifacts.common.registry.RunInfo;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records reads as lineage: the run is this Spark application ({@code spark.app.id}; name from the
 * {@code run} option, else {@code spark.app.name}; job type {@code spark}), and each pinned version
 * a scan is built for becomes one of its inputs. Recording is idempotent in the registry, so a
 * query planned twice records one edge.
 */
final class ReadLineage {
  private static final Logger LOG = LoggerFactory.getLogger(ReadLineage.class);

  /** OpenLineage dataset keys, as {@code Table.properties()} exposes them. */
  static final String OL_NAMESPACE = "openlineage.dataset.namespace";

  static final String OL_NAME = "openlineage.dataset.name";
  static final String OL_VERSION = "openlineage.dataset.facets.version";

  private ReadLineage() {}

  /**
   * The keys by which OpenLineage's Spark integration names a DSv2 table's dataset: namespace =
   * registry URI, name = {@code entity/project/name}, and, when {@code version} is known, the
   * {@code version} dataset facet. The integration parses every {@code
   * openlineage.dataset.facets.*} value as the facet's JSON (a bare {@code v3} would be dropped
   * with a warning).
   */
  static Map<String, String> openLineageProperties(
      String registryUri,
      dev.artifacts.common.name.ArtifactPath collection,
      ArtifactVersion version) {
    Map<String, String> props = new java.util.LinkedHashMap<>();
    props.put(OL_NAMESPACE, registryUri);
    props.put(OL_NAME, collection.collectionPath());
    if (version != null) {
      props.put(
          OL_VERSION,
          com.fasterxml.jackson.databind.node.JsonNodeFactory.instance
              .objectNode()
              .put("datasetVersion", version.version())
              .toString());
    }
    return props;
  }

  static RunInfo run(SparkSession session, Map<String, String> options) {
    return RunInfos.current(session, options.get(ArtifactOptions.RUN));
  }

  /**
   * Records {@code version} as an input of this application. A registry that cannot record (read
   * only, for instance) does not fail the read; the reason is logged for the operator.
   */
  static void recordInput(
      ArtifactRegistry registry,
      ArtifactVersion version,
      SparkSession session,
      Map<String, String> options) {
    RunInfo run = run(session, options);
    try {
      registry.recordUse(run, version);
      LOG.debug("Recorded {} as an input of run {}", version, run.id());
    } catch (RuntimeException e) {
      LOG.warn("Cannot record {} as an input of run {}: {}", version, run.id(), e.toString());
    }
  }
}
