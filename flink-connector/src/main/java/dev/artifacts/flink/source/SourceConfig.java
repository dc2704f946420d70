package dev.artifacts.flink.source;

import dev.artifacts.common.name.ArtifactPath;
import dev.artifacts.common.registry.ArtifactRegistries;
import dev.artifacts.common.registry.ArtifactRegistry;
import java.io.Serializable;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import org.apache.flink.connector.file.src.FileSourceSplit;
import org.apache.flink.connector.file.src.reader.BulkFormat;

/**
 * The validated settings of one {@link ArtifactSource}, carried in the job graph.
 *
 * @param registryUri registry to open where the enumerator runs
 * @param artifact collection and alias (or {@code vN}) to read; no alias means {@code latest}
 * @param monitorInterval poll interval of a continuous source, {@code null} for a bounded one
 * @param runName lineage run name override, or {@code null} for the job name
 * @param splitSize files of splittable formats larger than this are read as several splits
 * @param format reads one split
 * @param codecFromFileName whether the format picks a decompressor from the file name (Flink's
 *     stream formats do), which a content-addressed body's name cannot tell it
 * @param registryEnv environment the enumerator opens the registry with ({@code WANDB_API_KEY},
 *     {@code WANDB_CACHE_DIR}, ...), or {@code null} for its process environment; set only by tests
 */
record SourceConfig<T>(
    String registryUri,
    ArtifactPath artifact,
    Duration monitorInterval,
    String runName,
    long splitSize,
    BulkFormat<T, FileSourceSplit> format,
    boolean codecFromFileName,
    Map<String, String> registryEnv)
    implements Serializable {

  SourceConfig(
      String registryUri,
      ArtifactPath artifact,
      Duration monitorInterval,
      String runName,
      long splitSize,
      BulkFormat<T, FileSourceSplit> format,
      boolean codecFromFileName) {
    this(
        registryUri,
        artifact,
        monitorInterval,
        runName,
        splitSize,
        format,
        codecFromFileName,
        null);
  }

  SourceConfig {
    Objects.requireNonNull(registryUri, "registryUri is null");
    Objects.requireNonNull(artifact, "artifact is null");
    Objects.requireNonNull(format, "format is null");
    registryEnv = registryEnv == null ? null : Map.copyOf(registryEnv);
  }

  /** Opens the registry where the enumerator runs. */
  ArtifactRegistry openRegistry() {
    return registryEnv == null
        ? ArtifactRegistries.open(registryUri)
        : ArtifactRegistries.open(registryUri, registryEnv);
  }

  boolean continuous() {
    return monitorInterval != null;
  }

  /** The artifact with its alias made explicit, for resolving and for messages. */
  ArtifactPath target() {
    return artifact.withAlias(artifact.aliasOrLatest());
  }
}
