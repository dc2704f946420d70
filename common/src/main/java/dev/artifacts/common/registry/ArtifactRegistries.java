package dev.artifacts.common.registry;

import static java.util.Objects.requireNonNull;

import dev.artifacts.common.ArtifactException;
import dev.artifacts.common.reference.DefaultReferenceResolver;
import dev.artifacts.common.reference.ReferenceResolver;
import dev.artifacts.common.registry.fs.FileSystemRegistry;
import java.nio.file.Path;
import java.util.Locale;
import okhttp3.OkHttpClient;
import org.apache.hadoop.conf.Configuration;

/**
 * Opens a registry from its URI: a local path or a {@code file:}, {@code hdfs:} or {@code s3a:} URI
 * selects the embedded {@link FileSystemRegistry}; {@code wandb} or an {@code https://} base URL
 * selects the W&amp;B server backend. {@link #defaultUri()} is {@code $ARTIFACT_REGISTRY}, else
 * {@code ~/.artifact-registry}.
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
    requireNonNull(uri, "uri is null");
    requireNonNull(conf, "conf is null");
    requireNonNull(references, "references is null");
    String lower = uri.trim().toLowerCase(Locale.ROOT);
    if (lower.equals("wandb") || lower.startsWith("https://") || lower.startsWith("http://")) {
      throw new ArtifactException.InvalidInput(
          "Cannot open registry '"
              + uri
              + "': the W&B server backend is not available yet; use a filesystem registry"
              + " (a local path, file:, hdfs: or s3a: URI)");
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
