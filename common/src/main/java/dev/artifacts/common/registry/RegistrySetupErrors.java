package dev.artifacts.common.registry;

import dev.artifacts.common.ArtifactException;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.hadoop.fs.UnsupportedFileSystemException;
import org.apache.hadoop.util.VersionInfo;

/**
 * Turns what Hadoop throws when a registry location cannot even be opened (a filesystem jar missing
 * from the classpath, an unknown host, a scheme no filesystem serves) into one {@link
 * ArtifactException} whose message names the location, the problem and the fix. Hadoop reports
 * these as a {@code RuntimeException} around a {@code ClassNotFoundException}, an {@code
 * IllegalArgumentException} around an {@code UnknownHostException}, or an {@code IOException}:
 * without this the CLI shows an internal error and the engines a stack trace.
 *
 * <p>One home for the wording, so the CLI, Spark and Flink say the same.
 */
final class RegistrySetupErrors {
  /**
   * Schemes Hadoop ships a filesystem for that cannot hold a registry: no atomic create-once, or
   * read-only ({@code har}). Refused before Hadoop tries to connect.
   */
  static final Set<String> UNSUPPORTED_SCHEMES = Set.of("ftp", "sftp", "har");

  private static final String SUPPORTED =
      "use a local path, a file:, hdfs: or s3a: URI, or 'wandb' for a W&B server";
  private static final Pattern NO_FILESYSTEM =
      Pattern.compile("No FileSystem for scheme \"([^\"]*)\"");

  private RegistrySetupErrors() {}

  /** The lower-case URI scheme of a registry location, or empty for a plain path. */
  static Optional<String> scheme(String uri) {
    int colon = uri.indexOf(':');
    // One letter before ':' is a Windows drive, not a scheme.
    if (colon > 1 && uri.substring(0, colon).matches("[A-Za-z][A-Za-z0-9+.-]*")) {
      return Optional.of(uri.substring(0, colon).toLowerCase(Locale.ROOT));
    }
    return Optional.empty();
  }

  /** Refuses a location whose scheme cannot hold a registry, before anything is opened. */
  static void checkScheme(String uri) {
    Optional<String> scheme = scheme(uri);
    if (scheme.isPresent() && UNSUPPORTED_SCHEMES.contains(scheme.get())) {
      throw new ArtifactException.InvalidInput(
          "Invalid registry location '"
              + uri
              + "': scheme '"
              + scheme.get()
              + "' cannot hold a registry (no atomic create-once for commits); "
              + SUPPORTED);
    }
  }

  /**
   * The setup error {@code failure} stands for, or empty when it is something else (which the
   * caller rethrows unchanged).
   */
  static Optional<ArtifactException> translate(String uri, Throwable failure) {
    String prefix = "Cannot open registry " + uri + ": ";
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof ClassNotFoundException || t instanceof NoClassDefFoundError) {
        return Optional.of(new ArtifactException(prefix + missingClass(uri, t), failure));
      }
      if (t instanceof UnknownHostException) {
        return Optional.of(
            new ArtifactException(
                prefix
                    + "unknown host '"
                    + t.getMessage()
                    + "'; check the host name in the registry URI (an HDFS HA nameservice must"
                    + " be configured in hdfs-site.xml: dfs.nameservices)",
                failure));
      }
      if (t instanceof UnsupportedFileSystemException || noFileSystem(t).isPresent()) {
        String scheme = noFileSystem(t).or(() -> scheme(uri)).orElse("");
        String fix =
            scheme.equals("s3") || scheme.equals("s3n")
                ? "for S3 use s3a://BUCKET/PATH (with hadoop-aws on the classpath)"
                : SUPPORTED
                    + "; other Hadoop filesystems need their connector jar on the classpath";
        return Optional.of(
            new ArtifactException(
                prefix + "no Hadoop filesystem for scheme '" + scheme + "'; " + fix, failure));
      }
    }
    return Optional.empty();
  }

  private static Optional<String> noFileSystem(Throwable t) {
    Matcher m = NO_FILESYSTEM.matcher(String.valueOf(t.getMessage()));
    return m.find() ? Optional.of(m.group(1).toLowerCase(Locale.ROOT)) : Optional.empty();
  }

  private static String missingClass(String uri, Throwable t) {
    String missing = String.valueOf(t.getMessage());
    String hadoop = VersionInfo.getVersion();
    boolean s3a = scheme(uri).filter("s3a"::equals).isPresent();
    if (missing.contains("com/amazonaws") || missing.contains("com.amazonaws")) {
      return "the AWS SDK is not on the classpath ("
          + missing
          + "); put com.amazonaws:aws-java-sdk-bundle, the version hadoop-aws "
          + hadoop
          + " depends on, next to hadoop-aws";
    }
    if (s3a && missing.contains("S3AFileSystem")) {
      return "the s3a filesystem is not on the classpath ("
          + missing
          + "); put org.apache.hadoop:hadoop-aws:"
          + hadoop
          + " and the com.amazonaws:aws-java-sdk-bundle it depends on on the classpath"
          + " (bin/artifact: ARTIFACT_CLASSPATH=hadoop-aws.jar:aws-java-sdk-bundle.jar;"
          + " spark-submit: --packages org.apache.hadoop:hadoop-aws:"
          + hadoop
          + ")";
    }
    return "a class its filesystem needs is not on the classpath ("
        + missing
        + "); add the jar that provides it (for the scheme '"
        + scheme(uri).orElse("file")
        + "')";
  }
}
