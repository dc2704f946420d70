package dev.artifacts.common.registry.fs;

import java.util.Locale;
import org.apache.hadoop.fs.FileSystem;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Chooses a {@link PutIfAbsent} implementation per filesystem scheme. */
final class PutIfAbsentStrategies {
  private static final Logger LOG = LoggerFactory.getLogger(PutIfAbsentStrategies.class);

  private PutIfAbsentStrategies() {}

  /** The URI scheme; {@code getScheme()} is not implemented by every filesystem (raw local). */
  static String scheme(FileSystem fs) {
    String scheme = fs.getUri().getScheme();
    return scheme == null ? "" : scheme.toLowerCase(Locale.ROOT);
  }

  static PutIfAbsent forFileSystem(FileSystem fs) {
    String scheme = PutIfAbsentStrategies.scheme(fs);
    switch (scheme) {
      case "file":
        return LocalPutIfAbsent.INSTANCE;
      case "hdfs":
      case "viewfs":
        return RenamePutIfAbsent.INSTANCE;
      case "s3a":
        // AWS classes load only here, so other schemes never need them on the classpath.
        return new S3PutIfAbsent();
      default:
        LOG.warn(
            "No known atomic put-if-absent for scheme '{}'; assuming rename never overwrites (as on"
                + " HDFS). Concurrent commits are unsafe if that does not hold.",
            scheme);
        return RenamePutIfAbsent.INSTANCE;
    }
  }
}
