package dev.artifacts.flink.table;

import dev.artifacts.common.options.ArtifactOptions;
import java.time.Duration;
import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.table.factories.FactoryUtil;

/**
 * Options of the {@code 'connector' = 'artifact'} SQL/Table connector. The keys are the strings of
 * {@link ArtifactOptions}, which the Spark connector uses too; format options are prefixed with the
 * format's identifier ({@code 'parquet.compression' = 'zstd'}) as in Flink's filesystem connector.
 */
@PublicEvolving
public final class ArtifactConnectorOptions {
  public static final ConfigOption<String> REGISTRY =
      ConfigOptions.key(ArtifactOptions.REGISTRY)
          .stringType()
          .noDefaultValue()
          .withDescription(
              "Registry URI: an absolute path or a file:, hdfs: or s3a: URI of an embedded"
                  + " filesystem registry (or 'wandb').");

  public static final ConfigOption<String> ARTIFACT =
      ConfigOptions.key(ArtifactOptions.ARTIFACT)
          .stringType()
          .noDefaultValue()
          .withDescription(
              "Artifact 'entity/project/name'. A source may add ':alias' or ':vN' to read that"
                  + " version; a sink takes no alias (use 'aliases').");

  /** Flink's own {@code format} option: its value names a Flink format factory. */
  public static final ConfigOption<String> FORMAT = FactoryUtil.FORMAT;

  public static final ConfigOption<String> TYPE =
      ConfigOptions.key(ArtifactOptions.TYPE)
          .stringType()
          .defaultValue(ArtifactOptions.DEFAULT_TYPE)
          .withDescription("Sink: artifact type of new versions.");

  public static final ConfigOption<String> ALIASES =
      ConfigOptions.key(ArtifactOptions.ALIASES)
          .stringType()
          .noDefaultValue()
          .withDescription(
              "Sink: comma-separated aliases moved to every committed version ('latest' is"
                  + " implied).");

  public static final ConfigOption<String> TAGS =
      ConfigOptions.key(ArtifactOptions.TAGS)
          .stringType()
          .noDefaultValue()
          .withDescription("Sink: comma-separated tags of every committed version.");

  public static final ConfigOption<String> DESCRIPTION =
      ConfigOptions.key(ArtifactOptions.DESCRIPTION)
          .stringType()
          .noDefaultValue()
          .withDescription("Sink: description of every committed version.");

  public static final ConfigOption<String> METADATA =
      ConfigOptions.key(ArtifactOptions.METADATA)
          .stringType()
          .noDefaultValue()
          .withDescription("Sink: metadata of every committed version, a JSON object.");

  public static final ConfigOption<String> STORAGE =
      ConfigOptions.key(ArtifactOptions.STORAGE)
          .stringType()
          .defaultValue("files")
          .withDescription(
              "Sink: 'files' (bodies stored in the registry) or 'reference' (files written to"
                  + " 'location' and referenced).");

  public static final ConfigOption<String> LOCATION =
      ConfigOptions.key(ArtifactOptions.LOCATION)
          .stringType()
          .noDefaultValue()
          .withDescription("Sink with storage 'reference': the directory URI of the data files.");

  public static final ConfigOption<String> RUN =
      ConfigOptions.key(ArtifactOptions.RUN)
          .stringType()
          .noDefaultValue()
          .withDescription("Lineage run name; default: the Flink job name.");

  public static final ConfigOption<String> VERSION_AS_OF =
      ConfigOptions.key(ArtifactOptions.VERSION_AS_OF)
          .stringType()
          .noDefaultValue()
          .withDescription(
              "Source: the version ('vN') or alias to read, instead of the alias in 'artifact'.");

  public static final ConfigOption<Boolean> STREAMING =
      ConfigOptions.key(ArtifactOptions.STREAMING)
          .booleanType()
          .defaultValue(false)
          .withDescription(
              "Source: keep reading the files of versions committed after the first one.");

  public static final ConfigOption<Duration> MONITOR_INTERVAL =
      ConfigOptions.key(ArtifactOptions.MONITOR_INTERVAL)
          .durationType()
          .defaultValue(Duration.ofSeconds(10))
          .withDescription("Source with 'streaming' = 'true': how often to look for new versions.");

  private ArtifactConnectorOptions() {}
}
