package dev.artifacts.flink.sink;

import dev.artifacts.common.ArtifactException;
import dev.artifacts.common.name.ArtifactPath;
import dev.artifacts.common.options.ArtifactOptions;
import dev.artifacts.common.options.WriteSettings;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.api.common.serialization.BulkWriter;
import org.apache.flink.api.common.serialization.Encoder;

/**
 * Builds an {@link ArtifactSink}. Mutable and not thread-safe; {@link #build()} validates every
 * setting and fails with a message naming the artifact and the offending value, so mistakes surface
 * when the job is constructed, before it is submitted. Option names follow {@link ArtifactOptions},
 * the keys the Spark connector and Flink SQL use.
 */
@PublicEvolving
public final class ArtifactSinkBuilder<IN> {
  private static final Pattern EXTENSION = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,31}");

  private String registry;
  private String artifact;
  private String type = ArtifactOptions.DEFAULT_TYPE;
  private List<String> aliases = List.of();
  private List<String> tags = List.of();
  private Map<String, ?> metadata = Map.of();
  private String description;
  private Encoder<IN> encoder;
  private BulkWriter.Factory<IN> bulkFormat;
  private String extension;
  private ArtifactPartitioner<IN> partitioner;
  private ArtifactOptions.Storage storage = ArtifactOptions.Storage.FILES;
  private String location;
  private VersionPolicy policy = VersionPolicy.PER_CHECKPOINT;
  private String runName;
  private RegistryFactory registryFactory;

  ArtifactSinkBuilder() {}

  /**
   * Registry URI ({@value ArtifactOptions#REGISTRY}): a path or a {@code file:}, {@code hdfs:},
   * {@code s3a:} URI.
   */
  public ArtifactSinkBuilder<IN> setRegistry(String uri) {
    this.registry = uri;
    return this;
  }

  /** The collection to append versions to, {@code entity/project/name} (no alias). */
  public ArtifactSinkBuilder<IN> setArtifact(String path) {
    this.artifact = path;
    return this;
  }

  /**
   * Artifact type ({@value ArtifactOptions#TYPE}); default {@value ArtifactOptions#DEFAULT_TYPE}.
   */
  public ArtifactSinkBuilder<IN> setType(String type) {
    this.type = type;
    return this;
  }

  /** Aliases moved to every committed version, in addition to {@code latest}. */
  public ArtifactSinkBuilder<IN> setAliases(List<String> aliases) {
    this.aliases = aliases;
    return this;
  }

  public ArtifactSinkBuilder<IN> setTags(List<String> tags) {
    this.tags = tags;
    return this;
  }

  /** JSON-compatible metadata of every committed version (at most 100 top-level keys). */
  public ArtifactSinkBuilder<IN> setMetadata(Map<String, ?> metadata) {
    this.metadata = metadata;
    return this;
  }

  public ArtifactSinkBuilder<IN> setDescription(String description) {
    this.description = description;
    return this;
  }

  /**
   * A row format: each record is encoded into the part file (CSV, JSON lines, text).
   *
   * @param extension part file extension without the dot, e.g. {@code csv}
   */
  public ArtifactSinkBuilder<IN> setRowFormat(Encoder<IN> encoder, String extension) {
    this.encoder = encoder;
    this.extension = extension;
    return this;
  }

  /**
   * A bulk format such as Parquet or Avro; the writer is finished when the file rolls.
   *
   * @param extension part file extension without the dot, e.g. {@code parquet}
   */
  public ArtifactSinkBuilder<IN> setBulkFormat(BulkWriter.Factory<IN> factory, String extension) {
    this.bulkFormat = factory;
    this.extension = extension;
    return this;
  }

  /** Writes each record under the {@code col=value/} directories the partitioner gives it. */
  public ArtifactSinkBuilder<IN> setPartitioner(ArtifactPartitioner<IN> partitioner) {
    this.partitioner = partitioner;
    return this;
  }

  /** {@code files} (bodies stored in the registry, the default) or {@code reference}. */
  public ArtifactSinkBuilder<IN> setStorage(ArtifactOptions.Storage storage) {
    this.storage = storage;
    return this;
  }

  /** Like {@link #setStorage(ArtifactOptions.Storage)}, from the option value. */
  public ArtifactSinkBuilder<IN> setStorage(String storage) {
    this.storage = ArtifactOptions.Storage.parse(storage, artifactForMessages());
    return this;
  }

  /** With {@code storage=reference}: the directory URI part files are written to and referenced. */
  public ArtifactSinkBuilder<IN> setLocation(String location) {
    this.location = location;
    return this;
  }

  public ArtifactSinkBuilder<IN> setVersionPolicy(VersionPolicy policy) {
    this.policy = policy;
    return this;
  }

  /** Lineage run name ({@value ArtifactOptions#RUN}); default: the Flink job name. */
  public ArtifactSinkBuilder<IN> setRunName(String runName) {
    this.runName = runName;
    return this;
  }

  /** Tests: a registry that is not opened by URI (fakes that fail on purpose). */
  ArtifactSinkBuilder<IN> setRegistryFactory(RegistryFactory factory) {
    this.registryFactory = factory;
    return this;
  }

  /**
   * Validates the settings and builds the sink.
   *
   * @throws ArtifactException.InvalidInput naming the artifact and the offending value
   */
  public ArtifactSink<IN> build() {
    ArtifactPath path = parseArtifact();
    String a = path.toString();
    if (registry == null || registry.isBlank()) {
      throw invalid("Cannot build a sink for " + a + ": no registry; call setRegistry(uri)");
    }
    dev.artifacts.flink.HadoopClasspath.require(registry, "the sink of " + a);
    WriteSettings settings =
        new WriteSettings(
            path,
            type == null ? "" : type,
            aliases,
            tags,
            description,
            metadata == null || metadata.isEmpty()
                ? null
                : new LinkedHashMap<String, Object>(metadata),
            storage,
            location,
            runName);
    if (encoder != null && bulkFormat != null) {
      throw invalid(
          "Invalid format for "
              + a
              + ": both a row format and a bulk format are set; call only one of setRowFormat"
              + " and setBulkFormat");
    }
    if (encoder == null && bulkFormat == null) {
      throw invalid(
          "Cannot build a sink for "
              + a
              + ": no format; call setRowFormat(encoder, ext) or setBulkFormat(factory, ext)");
    }
    if (extension == null || !EXTENSION.matcher(extension).matches()) {
      throw invalid(
          "Invalid file extension '"
              + extension
              + "' for "
              + a
              + ": use letters, digits, '.', '_' or '-' without a leading dot, e.g. 'csv'");
    }
    if (settings.locationIsPath()) {
      // Flink resolves a bare path on the task managers' local file system.
      settings = settings.withLocation("file://" + settings.location());
    }
    if (policy == null) {
      throw invalid(
          "Invalid version policy 'null' for " + a + ": use PER_CHECKPOINT or END_OF_INPUT");
    }
    RegistryFactory factory =
        registryFactory != null ? registryFactory : RegistryFactory.byUri(registry.trim());
    return new ArtifactSink<>(
        new SinkConfig<>(
            factory,
            registry.trim(),
            settings,
            encoder,
            bulkFormat,
            extension,
            partitioner,
            policy));
  }

  private ArtifactPath parseArtifact() {
    if (artifact == null || artifact.isBlank()) {
      throw new ArtifactException.InvalidInput(
          "Cannot build an artifact sink: no artifact; call setArtifact(\"entity/project/name\")");
    }
    // Entity and project must be explicit: defaults from the environment could differ between
    // the client and the task managers.
    if (artifact.split("/", -1).length != 3) {
      throw new ArtifactException.InvalidInput(
          "Invalid artifact '" + artifact + "': expected entity/project/name with all three parts");
    }
    ArtifactPath path = ArtifactPath.parse(artifact, Map.of());
    if (path.alias() != null) {
      throw new ArtifactException.InvalidInput(
          "Invalid artifact '"
              + artifact
              + "': a sink writes new versions, so it takes no alias; use setAliases(List.of(\""
              + path.alias()
              + "\"))");
    }
    return path;
  }

  private String artifactForMessages() {
    return artifact == null ? "the artifact sink" : artifact;
  }

  private static ArtifactException.InvalidInput invalid(String message) {
    return new ArtifactException.InvalidInput(message);
  }
}
