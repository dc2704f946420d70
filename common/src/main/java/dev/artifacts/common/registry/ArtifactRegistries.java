package dev.artifacts.common.registry;

import static java.util.Objects.requireNonNull;

import dev.artifacts.common.ArtifactException;
import dev.artifacts.common.reference.DefaultReferenceResolver;
import dev.artifacts.common.reference.ReferenceResolver;
import dev.artifacts.common.registry.fs.FileSystemRegistry;
import dev.artifacts.common.registry.wandb.WandbRegistry;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import okhttp3.OkHttpClient;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;

/**
 * Opens a registry from its URI: a local path or a {@code file:}, {@code hdfs:} or {@code s3a:} URI
 * selects the embedded {@link FileSystemRegistry}; {@code wandb} or an {@code https://} base URL
 * selects the W&amp;B server backend ({@link WandbRegistry}; {@code http://} only for loopback test
 * servers). {@link #defaultUri()} is {@code $ARTIFACT_REGISTRY}, else {@code ~/.artifact-registry}.
 *
 * <p>A location that cannot be opened (a scheme that cannot hold a registry, such as {@code ftp:};
 * {@code s3a:} without hadoop-aws; an unknown host; a scheme no Hadoop filesystem serves) raises
 * one {@link ArtifactException} that names the location and the fix, the same for the CLI, Spark
 * and Flink. {@link #contents} tells a mistyped location from a registry.
 */
public final class ArtifactRegistries {
  /** Environment variable naming the default registry. */
  public static final String ENV = "ARTIFACT_REGISTRY";

  /**
   * The directories {@link FileSystemRegistry} creates under {@code <entity>/<project>/}; {@code
   * ArtifactRegistriesTest} checks them against a real registry.
   */
  static final Set<String> LAYOUT_DIRECTORIES = FileSystemRegistry.PROJECT_DIRECTORIES;

  static final int MAX_PROBED_DIRECTORIES = 100;

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
    // Before any Hadoop FileSystem exists: a registry opened first in a Flink task must not tie
    // Hadoop's shutdown hook to the job's class loader (HadoopShutdownHook says why).
    HadoopShutdownHook.initialize();
    if (WandbRegistry.handles(uri)) {
      return WandbRegistry.open(uri, env, references);
    }
    RegistrySetupErrors.checkScheme(uri);
    try {
      return FileSystemRegistry.open(uri, conf, references);
    } catch (RuntimeException | LinkageError e) {
      Optional<ArtifactException> setup = RegistrySetupErrors.translate(uri, e);
      if (setup.isPresent()) {
        throw setup.get();
      }
      throw e;
    }
  }

  /** What a registry's location holds, as {@link #contents} finds it. */
  public enum Contents {
    /** A registry: at least one {@code <entity>/<project>/} with registry directories. */
    REGISTRY,
    /** Nothing: the location does not exist or is an empty directory. */
    NOTHING,
    /** A directory with other files and no registry in it (a mistyped location, say). */
    NOT_A_REGISTRY,
    /** A file, which can never be a registry's root. */
    FILE
  }

  /**
   * What {@code registry}'s location holds, so a tool can tell a mistyped location from an empty
   * registry before it reads (and refuse) or writes (and say it creates a registry). The embedded
   * registry creates its directories lazily and writes no marker file, so this looks for its
   * layout: {@code <entity>/<project>/} holding {@code collections}, {@code objects}, {@code runs}
   * or {@code staging}. It lists at most {@value #MAX_PROBED_DIRECTORIES} directories, so a
   * mistyped location such as a home directory costs little. Other backends are always a {@link
   * Contents#REGISTRY}.
   */
  public static Contents contents(ArtifactReader registry, Configuration conf) throws IOException {
    requireNonNull(registry, "registry is null");
    requireNonNull(conf, "conf is null");
    if (!(registry instanceof FileSystemRegistry)) {
      return Contents.REGISTRY;
    }
    URI root = URI.create(registry.uri());
    try (FileSystem fs = FileSystem.newInstance(root, conf)) {
      org.apache.hadoop.fs.Path rootPath = new org.apache.hadoop.fs.Path(root);
      FileStatus status;
      try {
        status = fs.getFileStatus(rootPath);
      } catch (FileNotFoundException e) {
        return Contents.NOTHING;
      }
      if (!status.isDirectory()) {
        return Contents.FILE;
      }
      FileStatus[] entities = fs.listStatus(rootPath);
      if (entities.length == 0) {
        return Contents.NOTHING;
      }
      int listed = 1;
      for (FileStatus entity : entities) {
        if (!entity.isDirectory()) {
          continue;
        }
        if (++listed > MAX_PROBED_DIRECTORIES) {
          break;
        }
        for (FileStatus project : fs.listStatus(entity.getPath())) {
          if (!project.isDirectory()) {
            continue;
          }
          if (++listed > MAX_PROBED_DIRECTORIES) {
            break;
          }
          for (FileStatus child : fs.listStatus(project.getPath())) {
            if (child.isDirectory() && LAYOUT_DIRECTORIES.contains(child.getPath().getName())) {
              return Contents.REGISTRY;
            }
          }
        }
      }
      return Contents.NOT_A_REGISTRY;
    }
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
