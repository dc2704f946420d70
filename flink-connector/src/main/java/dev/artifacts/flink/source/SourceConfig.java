package dev.artifacts.flink.source;

import dev.artifacts.common.name.ArtifactPath;
import java.io.Serializable;
import java.time.Duration;
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
 */
record SourceConfig<T>(
    String registryUri,
    ArtifactPath artifact,
    Duration monitorInterval,
    String runName,
    long splitSize,
    BulkFormat<T, FileSourceSplit> format,
    boolean codecFromFileName)
    implements Serializable {

  SourceConfig {
    Objects.requireNonNull(registryUri, "registryUri is null");
    Objects.requireNonNull(artifact, "artifact is null");
    Objects.requireNonNull(format, "format is null");
  }

  boolean continuous() {
    return monitorInterval != null;
  }

  /** The artifact with its alias made explicit, for resolving and for messages. */
  ArtifactPath target() {
    return artifact.withAlias(artifact.aliasOrLatest());
  }
}
