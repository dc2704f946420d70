package dev.artifacts.flink.sink;

import dev.artifacts.common.name.ArtifactPath;
import dev.artifacts.common.options.ArtifactOptions;
import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.serialization.BulkWriter;
import org.apache.flink.api.common.serialization.Encoder;

/**
 * Everything the sink's operators need, validated by {@link ArtifactSinkBuilder#build()} and
 * shipped with the job graph.
 *
 * @param registry opens the registry on the task managers
 * @param registryUri for messages and lineage
 * @param artifact the collection {@code entity/project/name} (no alias)
 * @param encoder row format, or {@code null} when {@code bulkFormat} is set
 * @param bulkFormat bulk format, or {@code null} when {@code encoder} is set
 * @param extension part file extension without the dot
 * @param partitioner logical {@code col=value} directories, or {@code null}
 * @param location with {@link ArtifactOptions.Storage#REFERENCE}: directory URI of the part files
 * @param runName lineage run name, or {@code null} for the Flink job name
 */
record SinkConfig<IN>(
    RegistryFactory registry,
    String registryUri,
    ArtifactPath artifact,
    String type,
    List<String> aliases,
    List<String> tags,
    LinkedHashMap<String, Object> metadata,
    String description,
    Encoder<IN> encoder,
    BulkWriter.Factory<IN> bulkFormat,
    String extension,
    ArtifactPartitioner<IN> partitioner,
    ArtifactOptions.Storage storage,
    String location,
    VersionPolicy policy,
    String runName)
    implements Serializable {

  /** Keys of the Flink facts each committed version records. */
  static final String JOB_ID = "flink.job-id";

  static final String OPERATOR_ID = "flink.operator-id";
  static final String CHECKPOINT_ID = "flink.checkpoint-id";

  Map<String, Object> metadataOrEmpty() {
    return metadata == null ? Map.of() : metadata;
  }

  String entity() {
    return artifact.entity();
  }

  String project() {
    return artifact.project();
  }
}
