package dev.artifacts.common.registry;

import static java.util.Objects.requireNonNull;

import dev.artifacts.common.ArtifactException;
import dev.artifacts.common.manifest.ManifestEntry;
import dev.artifacts.common.reference.ReferenceResolver;
import dev.artifacts.common.registry.fs.FileSystemRegistry;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
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

  /** Opens {@code uri} with a default Hadoop configuration and no reference support yet. */
  public static ArtifactRegistry open(String uri) {
    return open(uri, new Configuration(), UnavailableReferences.INSTANCE);
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

  /** Stands in until a reference resolver is wired into the no-argument {@link #open(String)}. */
  private static final class UnavailableReferences implements ReferenceResolver {
    static final UnavailableReferences INSTANCE = new UnavailableReferences();

    @Override
    public List<ManifestEntry> resolve(String uri, String name, boolean checksum, long maxObjects) {
      throw new UnsupportedOperationException(
          "Cannot reference " + uri + ": no reference resolver is configured for this registry");
    }

    @Override
    public InputStream open(ManifestEntry entry) {
      throw new UnsupportedOperationException(
          "Cannot open reference "
              + entry.ref()
              + " of entry '"
              + entry.path()
              + "': no reference resolver is configured for this registry");
    }
  }
}
