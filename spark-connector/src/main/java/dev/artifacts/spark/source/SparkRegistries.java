package dev.artifacts.spark.source;

import dev.artifacts.common.options.ArtifactOptions;
import dev.artifacts.common.registry.ArtifactRegistries;
import dev.artifacts.common.registry.ArtifactRegistry;
import java.io.IOException;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.SparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerApplicationEnd;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.util.SerializableConfiguration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens registries for the driver and the executors. A registry is opened once per JVM for each URI
 * <em>and</em> Hadoop configuration (registries are thread-safe): two sessions whose configurations
 * differ (other {@code fs.s3a.*} credentials, another endpoint) each get their own registry instead
 * of sharing whichever was opened first.
 *
 * <p>This is a cache of thread-safe, interchangeable registries, not a hand-over channel: any
 * caller with the same URI and configuration may get the same instance, and a miss only costs
 * opening another. Registries opened on a driver are forgotten when its Spark application ends and
 * closed in the background; registries of executors live as long as the executor JVM.
 */
public final class SparkRegistries {
  private static final Logger LOG = LoggerFactory.getLogger(SparkRegistries.class);

  /** Session conf key naming the default registry. */
  public static final String SESSION_REGISTRY = "spark.artifact.registry";

  /** A cached registry and the application whose end closes it (null: closed with the JVM). */
  private record Opened(ArtifactRegistry registry, String applicationId) {}

  /** Cache key: the registry URI and the fingerprint of the configuration it was opened with. */
  private record Key(String uri, String confFingerprint) {}

  private static final Map<Key, Opened> OPEN = new ConcurrentHashMap<>();

  /** Applications whose end is already watched (one listener each). */
  private static final Set<String> WATCHED = ConcurrentHashMap.newKeySet();

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

  /**
   * The registry at {@code uri} opened with {@code conf}, shared with every caller that has the
   * same URI and an equal configuration (see {@link #fingerprint}).
   */
  public static ArtifactRegistry open(String uri, Configuration conf) {
    return open(uri, conf, fingerprint(conf), null);
  }

  /** The registry at {@code uri} with the session's Hadoop configuration. */
  public static ArtifactRegistry open(String uri, SparkSession session) {
    Configuration conf = session.sessionState().newHadoopConf();
    SparkContext context = session.sparkContext();
    String applicationId = context.applicationId();
    if (WATCHED.add(applicationId)) {
      context.addSparkListener(
          new SparkListener() {
            @Override
            public void onApplicationEnd(SparkListenerApplicationEnd end) {
              closeAll(applicationId);
            }
          });
    }
    return open(uri, conf, fingerprint(conf), applicationId);
  }

  private static ArtifactRegistry open(
      String uri, Configuration conf, String fingerprint, String applicationId) {
    return OPEN.computeIfAbsent(
            new Key(uri, fingerprint),
            k -> new Opened(ArtifactRegistries.open(uri, conf), applicationId))
        .registry();
  }

  /**
   * Forgets the registries the driver of {@code applicationId} opened, so that nothing opens them
   * again, and closes them on a daemon thread: closing may talk to a server (a W&B registry marks
   * its runs finished, with retries), which must not hold up the listener bus that {@code
   * SparkContext.stop()} waits for.
   */
  static void closeAll(String applicationId) {
    WATCHED.remove(applicationId);
    java.util.List<Map.Entry<Key, Opened>> ended = new java.util.ArrayList<>();
    OPEN.entrySet()
        .removeIf(
            e -> {
              if (applicationId.equals(e.getValue().applicationId())) {
                ended.add(e);
                return true;
              }
              return false;
            });
    if (ended.isEmpty()) {
      return;
    }
    Thread closer =
        new Thread(
            () -> {
              for (Map.Entry<Key, Opened> e : ended) {
                try {
                  e.getValue().registry().close();
                } catch (IOException | RuntimeException ex) {
                  LOG.warn("Cannot close registry {}: {}", e.getKey().uri(), ex.toString());
                }
              }
            },
            "artifact-registry-close-" + applicationId);
    closer.setDaemon(true);
    closer.start();
  }

  /**
   * A digest of what can change how a registry reaches its storage: every Hadoop property except
   * Spark's own {@code spark.*} settings (a session copies its SQL conf into the Hadoop conf, and a
   * shuffle setting must not open a second registry). Credentials are hashed, never kept.
   */
  static String fingerprint(Configuration conf) {
    Map<String, String> relevant = new TreeMap<>();
    for (Map.Entry<String, String> e : conf) {
      if (!e.getKey().startsWith("spark.")) {
        relevant.put(e.getKey(), e.getValue());
      }
    }
    MessageDigest sha;
    try {
      sha = MessageDigest.getInstance("SHA-256");
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException("Every Java runtime has SHA-256", e);
    }
    relevant.forEach(
        (k, v) -> {
          sha.update(k.getBytes(StandardCharsets.UTF_8));
          sha.update((byte) 0);
          sha.update(String.valueOf(v).getBytes(StandardCharsets.UTF_8));
          sha.update((byte) '\n');
        });
    return java.util.HexFormat.of().formatHex(sha.digest());
  }

  /** What executors need to open the same registry: its URI and the Hadoop configuration. */
  record Handle(String uri, SerializableConfiguration conf, String confFingerprint)
      implements Serializable {
    static Handle of(String uri, SparkSession session) {
      Configuration conf = session.sessionState().newHadoopConf();
      return new Handle(uri, new SerializableConfiguration(conf), fingerprint(conf));
    }

    ArtifactRegistry open() {
      return SparkRegistries.open(uri, conf.value(), confFingerprint, null);
    }
  }
}
