package dev.artifacts.flink.sink;

import dev.artifacts.common.name.ArtifactPath;
import dev.artifacts.common.options.ArtifactOptions;
import dev.artifacts.common.options.WriteSettings;
import java.io.Serializable;
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
 * @param settings the version-level settings (type, labels, storage, location, run), checked by the
 *     rules the Spark connector uses; the location is a URI ({@code file:} for a bare path)
 * @param encoder row format, or {@code null} when {@code bulkFormat} is set
 * @param bulkFormat bulk format, or {@code null} when {@code encoder} is set
 * @param extension part file extension without the dot
 * @param partitioner logical {@code col=value} directories, or {@code null}
 */
record SinkConfig<IN>(
    RegistryFactory registry,
    String registryUri,
    WriteSettings settings,
    Encoder<IN> encoder,
    BulkWriter.Factory<IN> bulkFormat,
    String extension,
    ArtifactPartitioner<IN> partitioner,
    VersionPolicy policy)
    implements Serializable {

  /** Keys of the Flink facts each committed version records. */
  static final String JOB_ID = "flink.job-id";

  static final String OPERATOR_ID = "flink.operator-id";
  static final String CHECKPOINT_ID = "flink.checkpoint-id";

  /** The collection {@code entity/project/name} (no alias). */
  ArtifactPath artifact() {
    return settings.artifact();
  }

  /** The artifact type; the builder always sets one. */
  String type() {
    return settings.typeOr(ArtifactOptions.DEFAULT_TYPE);
  }

  List<String> aliases() {
    return settings.aliases();
  }

  List<String> tags() {
    return settings.tags();
  }

  Map<String, Object> metadata() {
    return settings.metadata() == null ? Map.of() : settings.metadata();
  }

  String description() {
    return settings.description();
  }

  ArtifactOptions.Storage storage() {
    return settings.storage();
  }

  /** With {@link ArtifactOptions.Storage#REFERENCE}: directory URI of the part files. */
  String location() {
    return settings.location();
  }

  /** Lineage run name, or {@code null} for the Flink job name. */
  String runName() {
    return settings.runName();
  }

  String entity() {
    return artifact().entity();
  }

  String project() {
    return artifact().project();
  }
}
