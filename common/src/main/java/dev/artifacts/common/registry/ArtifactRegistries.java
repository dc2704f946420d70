package dev.artifacts.common.registry;

import static java.util.Objects.requireNonNull;

import dev.artifacts.common.reference.DefaultReferenceResolver;
import dev.artifacts.common.reference.ReferenceResolver;
import dev.artifacts.common.registry.fs.FileSystemRegistry;
import dev.artifacts.common.registry.wandb.WandbRegistry;
import java.nio.file.Path;
import java.util.Map;
import okhttp3.OkHttpClient;
import org.apache.hadoop.conf.Configuration;

/**
 * Opens a registry from its URI: a local path or a {@code file:}, {@code hdfs:} or {@code s3a:} URI
 * selects the embedded {@link FileSystemRegistry}; {@code wandb} or an {@code https://} base URL
 * selects the W&amp;B server backend ({@link WandbRegistry}; {@code http://} only for loopback test
 * servers). {@link #defaultUri()} is {@code $ARTIFACT_REGISTRY}, else {@code ~/.artifact-registry}.
 */
public final class ArtifactRegistries {
  /** Environment variable naming the default registry. */
  public static final String ENV = "ARTIFACT_REGISTRY";

  private ArtifactRegistries() {}

  /** Opens {@code uri} with a default Hadoop configuration and W&amp;B's reference handlers. */
  public static ArtifactRegistry open(String uri) {
    return open(uri, new Configuration());
  }

  /** Opens {@code uri}; references are resolved with the same Hadoop configuration. */
  public static ArtifactRegistry open(String uri, Configuration conf) {
    return open(uri, conf, new DefaultReferenceResolver(conf, new OkHttpClient()));
  }

  public static ArtifactRegistry open(
      String uri, Configuration conf, ReferenceResolver references) {
    return open(uri, conf, references, System.getenv());
  }

  /**
   * Opens {@code uri} with defaults from {@code env} instead of the process environment (W&amp;B:
   * {@code WANDB_API_KEY}, {@code WANDB_BASE_URL}, {@code WANDB_CACHE_DIR}); the embedded registry
   * ignores it. The CLI passes its environment here; tests pass a map.
   */
  public static ArtifactRegistry open(String uri, Map<String, String> env) {
    Configuration conf = new Configuration();
    return open(uri, conf, new DefaultReferenceResolver(conf, new OkHttpClient()), env);
  }

  /** Opens {@code uri} with an explicit configuration, reference resolver and environment. */
  public static ArtifactRegistry open(
      String uri, Configuration conf, ReferenceResolver references, Map<String, String> env) {
    requireNonNull(env, "env is null");
    requireNonNull(uri, "uri is null");
    requireNonNull(conf, "conf is null");
    requireNonNull(references, "references is null");
    if (WandbRegistry.handles(uri)) {
      return WandbRegistry.open(uri, env, references);
    }
    return FileSystemRegistry.open(uri, conf, references);
  }

  /** {@code $ARTIFACT_REGISTRY}, else {@code ~/.artifact-registry}. */
  public static String defaultUri() {
    String env = System.getenv(ENV);
    if (env != null && !env.isBlank()) {
      return env;
    }
    return Path.of(System.getProperty("user.home"), ".artifact-registry").toString();
  }
}
