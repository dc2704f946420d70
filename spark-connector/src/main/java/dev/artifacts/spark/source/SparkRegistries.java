package dev.artifacts.spark.source;

import dev.artifacts.common.options.ArtifactOptions;
import dev.artifacts.common.registry.ArtifactRegistries;
import dev.artifacts.common.registry.ArtifactRegistry;
import java.io.Serializable;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.util.SerializableConfiguration;

/**
 * Opens registries for the driver and the executors. A registry is opened once per URI and JVM
 * (registries are thread-safe) with the session's Hadoop configuration, so {@code s3a://}
 * credentials set on the session apply to the registry too.
 */
public final class SparkRegistries {
  /** Session conf key naming the default registry. */
  public static final String SESSION_REGISTRY = "spark.artifact.registry";

  private static final Map<String, ArtifactRegistry> OPEN = new ConcurrentHashMap<>();

  private SparkRegistries() {}

  /** Registry URI: the option, else the session conf, else {@code $ARTIFACT_REGISTRY} or home. */
  public static String uri(Map<String, String> options, SparkSession session) {
    String uri = options.get(ArtifactOptions.REGISTRY);
    if (uri == null || uri.isBlank()) {
      uri = session.conf().get(SESSION_REGISTRY, null);
    }
    if (uri == null || uri.isBlank()) {
      uri = ArtifactRegistries.defaultUri();
    }
    return uri;
  }

  public static ArtifactRegistry open(String uri, Configuration conf) {
    return OPEN.computeIfAbsent(uri, u -> ArtifactRegistries.open(u, conf));
  }

  public static ArtifactRegistry open(String uri, SparkSession session) {
    return open(uri, session.sessionState().newHadoopConf());
  }

  /** What executors need to open the same registry: its URI and the Hadoop configuration. */
  record Handle(String uri, SerializableConfiguration conf) implements Serializable {
    static Handle of(String uri, SparkSession session) {
      return new Handle(uri, new SerializableConfiguration(session.sessionState().newHadoopConf()));
    }

    ArtifactRegistry open() {
      return SparkRegistries.open(uri, conf.value());
    }
  }
}
