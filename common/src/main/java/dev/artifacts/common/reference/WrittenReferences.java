package dev.artifacts.common.reference;

import dev.artifacts.common.digest.FileDigest;
import dev.artifacts.common.manifest.ManifestEntry;
import java.net.URI;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import org.apache.hadoop.fs.EtagSource;
import org.apache.hadoop.fs.FileStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The manifest entry for a file an engine has just written with {@code storage=reference}: one rule
 * for Spark and Flink, so both record the same entry for the same file. It follows W&amp;B's
 * reference handlers (WANDB-FORMAT.md §3.4) for the URI the engine wrote to:
 *
 * <ul>
 *   <li>{@code s3a://}, {@code s3://}, {@code s3n://}: {@code ref} = {@code s3://bucket/key},
 *       digest = the object's ETag without quotes (multipart {@code -N} kept), {@code extra.etag} =
 *       the same value, {@code size}. W&amp;B's S3 handler checks that ETag on download, so a
 *       content MD5 would not verify; it is recorded only when the filesystem reports no ETag (a
 *       warning is logged). {@code extra.versionID} is not recorded: neither engine's filesystem
 *       API exposes it.
 *   <li>{@code file:}: {@code ref} = the URI Python's {@code Path.as_uri()} gives for the absolute
 *       path ({@link FileUris#pythonUri}), digest = base64 content MD5, {@code size}.
 *   <li>anything else ({@code hdfs:}, {@code abfs:}, ...): W&amp;B has no handler; {@code ref} =
 *       the URI in Hadoop's {@code Path.toString()} form (what {@link HadoopHandler} opens), digest
 *       = base64 content MD5 (verifiable without the store's cooperation), {@code size}.
 * </ul>
 *
 * <p>The content MD5 is the one computed while writing; the file is never read back.
 */
public final class WrittenReferences {
  private static final Logger LOG = LoggerFactory.getLogger(WrittenReferences.class);

  private WrittenReferences() {}

  /** Whether W&amp;B's rule for {@code location}'s scheme records the S3 ETag. */
  public static boolean needsEtag(URI location) {
    String scheme = location.getScheme();
    return scheme != null && isS3(scheme.toLowerCase(Locale.ROOT));
  }

  /**
   * The reference entry of a written file.
   *
   * @param path artifact-relative path of the entry
   * @param location where the engine wrote the file (Hadoop's or Flink's {@code Path.toUri()}; the
   *     decoded {@link URI#getPath()} is used, so both engines' URIs give the same {@code ref})
   * @param written content MD5 and size computed while writing
   * @param etag the object's ETag from its status after close, or {@code null} when the filesystem
   *     reports none; only used for S3
   */
  public static ManifestEntry entry(String path, URI location, FileDigest written, String etag) {
    Objects.requireNonNull(path, "path is null");
    Objects.requireNonNull(location, "location is null");
    Objects.requireNonNull(written, "written is null");
    String scheme = location.getScheme();
    if (scheme == null) {
      throw new IllegalArgumentException(
          "Invalid location " + location + " for entry '" + path + "': it has no scheme");
    }
    scheme = scheme.toLowerCase(Locale.ROOT);
    if (isS3(scheme)) {
      String ref = "s3://" + location.getAuthority() + location.getPath();
      String stripped = etag == null || etag.isEmpty() ? null : References.stripQuotes(etag);
      if (stripped == null || stripped.isEmpty()) {
        LOG.warn("No ETag for {}; recording its content MD5 instead", location);
        return ManifestEntry.reference(path, written.base64(), ref, written.size(), Map.of());
      }
      return ManifestEntry.reference(path, stripped, ref, written.size(), Map.of("etag", stripped));
    }
    if (scheme.equals("file")) {
      return ManifestEntry.reference(
          path, written.base64(), FileUris.pythonUri(location.getPath()), written.size(), Map.of());
    }
    return ManifestEntry.reference(
        path, written.base64(), hadoopForm(scheme, location), written.size(), Map.of());
  }

  /** The ETag of a Hadoop file status (S3A, ABFS, GCS report one), or {@code null}. */
  public static String etagOf(FileStatus status) {
    return status instanceof EtagSource source ? source.getEtag() : null;
  }

  private static boolean isS3(String scheme) {
    return scheme.equals("s3a") || scheme.equals("s3") || scheme.equals("s3n");
  }

  /** {@code scheme:[//authority]path}, unescaped, as Hadoop's and Flink's Path print it. */
  private static String hadoopForm(String scheme, URI location) {
    StringBuilder sb = new StringBuilder(scheme).append(':');
    if (location.getAuthority() != null) {
      sb.append("//").append(location.getAuthority());
    }
    return sb.append(location.getPath() == null ? "" : location.getPath()).toString();
  }
}
