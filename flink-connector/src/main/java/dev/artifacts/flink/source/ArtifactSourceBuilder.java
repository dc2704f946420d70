package dev.artifacts.flink.source;

import dev.artifacts.common.ArtifactException;
import dev.artifacts.common.name.ArtifactPath;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.connector.file.src.FileSourceSplit;
import org.apache.flink.connector.file.src.reader.BulkFormat;

/**
 * Builds an {@link ArtifactSource}; mutable, not thread-safe. Options are checked in {@link
 * #build()}, which names the artifact and the offending value.
 */
@PublicEvolving
public final class ArtifactSourceBuilder<T> {
  /** Byte ranges of splittable formats: the HDFS block size, a common unit of parallel reads. */
  public static final long DEFAULT_SPLIT_SIZE = 128L * 1024 * 1024;

  private final BulkFormat<T, FileSourceSplit> format;
  private final boolean codecFromFileName;
  private String registry;
  private String artifact;
  private Duration monitorInterval;
  private String runName;
  private long splitSize = DEFAULT_SPLIT_SIZE;
  private Map<String, String> registryEnv;

  ArtifactSourceBuilder(BulkFormat<T, FileSourceSplit> format, boolean codecFromFileName) {
    this.format = Objects.requireNonNull(format, "format is null");
    this.codecFromFileName = codecFromFileName;
  }

  /** Registry URI: a path, {@code file:}, {@code hdfs:} or {@code s3a:} URI. Required. */
  public ArtifactSourceBuilder<T> setRegistry(String registryUri) {
    this.registry = registryUri;
    return this;
  }

  /**
   * The artifact to read, {@code [entity/][project/]name[:alias|:vN]}; without an alias {@code
   * latest}. Required.
   */
  public ArtifactSourceBuilder<T> setArtifact(String artifactPath) {
    this.artifact = artifactPath;
    return this;
  }

  /**
   * Makes the source unbounded: it reads the version the alias points at, then checks the alias
   * every {@code interval} and reads the files of each newer version that were not in the last
   * version read.
   */
  public ArtifactSourceBuilder<T> monitorContinuously(Duration interval) {
    this.monitorInterval = Objects.requireNonNull(interval, "interval is null");
    return this;
  }

  /** Lineage run name; default the Flink job name. */
  public ArtifactSourceBuilder<T> setRunName(String name) {
    this.runName = name;
    return this;
  }

  /**
   * Files of splittable formats larger than this are read as several splits of this many bytes;
   * default {@value #DEFAULT_SPLIT_SIZE}.
   */
  public ArtifactSourceBuilder<T> setSplitSize(long bytes) {
    this.splitSize = bytes;
    return this;
  }

  /**
   * Opens the registry with {@code env} instead of the enumerator's process environment, so tests
   * can point a W&amp;B registry at a fake server without changing the test JVM's environment.
   */
  ArtifactSourceBuilder<T> setRegistryEnvironment(Map<String, String> env) {
    this.registryEnv = Map.copyOf(env);
    return this;
  }

  public ArtifactSource<T> build() {
    if (artifact == null || artifact.isBlank()) {
      throw new ArtifactException.InvalidInput(
          "Cannot build an artifact source: the artifact is not set; call setArtifact with"
              + " entity/project/name[:alias]");
    }
    ArtifactPath path = ArtifactPath.parse(artifact.trim());
    if (registry == null || registry.isBlank()) {
      throw new ArtifactException.InvalidInput(
          "Cannot build the source of "
              + path
              + ": the registry is not set; call setRegistry with a registry URI such as"
              + " file:///data/registry");
    }
    dev.artifacts.flink.HadoopClasspath.require(registry, "the source of " + path);
    if (monitorInterval != null
        && (monitorInterval.isNegative() || monitorInterval.toMillis() < 1)) {
      throw new ArtifactException.InvalidInput(
          "Invalid monitor interval "
              + monitorInterval
              + " for "
              + path
              + ": it must be at least one millisecond");
    }
    if (splitSize <= 0) {
      throw new ArtifactException.InvalidInput(
          "Invalid split size " + splitSize + " for " + path + ": it must be positive");
    }
    if (runName != null && runName.isBlank()) {
      throw new ArtifactException.InvalidInput(
          "Invalid run name '" + runName + "' for " + path + ": it must not be blank");
    }
    return new ArtifactSource<>(
        new SourceConfig<>(
            registry.trim(),
            path,
            monitorInterval,
            runName,
            splitSize,
            format,
            codecFromFileName,
            registryEnv));
  }
}
