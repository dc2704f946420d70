package dev.artifacts.flink;

import dev.artifacts.common.name.ArtifactPath;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.connector.source.Boundedness;
import org.apache.flink.streaming.api.lineage.DatasetConfigFacet;
import org.apache.flink.streaming.api.lineage.LineageDataset;
import org.apache.flink.streaming.api.lineage.LineageDatasetFacet;
import org.apache.flink.streaming.api.lineage.LineageVertex;
import org.apache.flink.streaming.api.lineage.SourceLineageVertex;

/**
 * The lineage vertices of {@code ArtifactSource} and {@code ArtifactSink} (Flink's {@code
 * LineageVertexProvider}, read by lineage listeners such as OpenLineage's). A collection is one
 * dataset named as the Spark connector names it for OpenLineage: namespace = the registry URI, name
 * = {@code entity/project/name}. The version is not known when the job graph is built (the source
 * resolves its alias when the job starts, the sink commits one version per checkpoint), so the
 * {@value #FACET} facet carries what is known then: the requested artifact (with its alias or
 * {@code vN}) and, for a sink, its type and aliases. The versions themselves are recorded in the
 * registry's own lineage as the job runs.
 */
@Internal
public final class ArtifactLineage {
  /** Name of the facet with the connector's view of the dataset. */
  public static final String FACET = "artifact";

  private ArtifactLineage() {}

  /** The vertex of a source reading {@code artifact} (alias or {@code vN} included). */
  public static SourceLineageVertex source(
      String registryUri, ArtifactPath artifact, Boundedness boundedness) {
    Map<String, String> config = new LinkedHashMap<>();
    config.put("artifact", artifact.toString());
    config.put("alias", artifact.alias() == null ? "latest" : artifact.alias());
    List<LineageDataset> datasets = List.of(dataset(registryUri, artifact, config));
    Objects.requireNonNull(boundedness, "boundedness is null");
    return new SourceLineageVertex() {
      @Override
      public Boundedness boundedness() {
        return boundedness;
      }

      @Override
      public List<LineageDataset> datasets() {
        return datasets;
      }
    };
  }

  /** The vertex of a sink committing versions of {@code collection}. */
  public static LineageVertex sink(
      String registryUri, ArtifactPath collection, String type, List<String> aliases) {
    Map<String, String> config = new LinkedHashMap<>();
    config.put("artifact", collection.toString());
    config.put("type", type);
    config.put("aliases", String.join(",", aliases));
    List<LineageDataset> datasets = List.of(dataset(registryUri, collection, config));
    return () -> datasets;
  }

  private static LineageDataset dataset(
      String registryUri, ArtifactPath artifact, Map<String, String> config) {
    Objects.requireNonNull(registryUri, "registryUri is null");
    String name = artifact.collectionPath();
    Map<String, String> facetConfig = Map.copyOf(config);
    DatasetConfigFacet facet =
        new DatasetConfigFacet() {
          @Override
          public Map<String, String> config() {
            return facetConfig;
          }

          @Override
          public String name() {
            return FACET;
          }
        };
    Map<String, LineageDatasetFacet> facets = Map.of(FACET, facet);
    return new LineageDataset() {
      @Override
      public String name() {
        return name;
      }

      @Override
      public String namespace() {
        return registryUri;
      }

      @Override
      public Map<String, LineageDatasetFacet> facets() {
        return facets;
      }

      @Override
      public String toString() {
        return namespace() + " " + name();
      }
    };
  }
}
