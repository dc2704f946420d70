package dev.artifacts.common.reference;

import dev.artifacts.common.ArtifactException;
import dev.artifacts.common.digest.Digests;
import dev.artifacts.common.digest.FileDigest;
import dev.artifacts.common.manifest.ManifestEntry;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.EtagSource;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;
import org.apache.hadoop.util.functional.FutureIO;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * References to objects reached through a Hadoop {@link FileSystem}.
 *
 * <ul>
 *   <li><b>S3</b> ({@code s3://}, {@code s3a://}; listed through S3A): W&amp;B's {@code S3Handler}.
 *       Digest = the ETag from the listing's {@link EtagSource} (quotes stripped, multipart {@code
 *       -N} kept), no object is read; {@code extra.etag} = the same value; {@code ref} = {@code
 *       s3://bucket/key} even for {@code s3a://} input; zero-byte objects are skipped. {@code
 *       extra.versionID} is not recorded: S3A exposes it only on {@code S3AFileStatus}, which would
 *       need hadoop-aws at compile time or reflection. {@code ?versionId=} pins cannot be honoured
 *       through S3A and are refused with {@code checksum=true}.
 *   <li><b>GCS</b> ({@code gs://}): the ETag of the connector's status as is (W&amp;B's {@code
 *       GCSHandler} stores the client's {@code etag} unchanged); the {@code versionID} generation
 *       is not available through Hadoop, so {@code #generation} pins are refused.
 *   <li><b>Anything else</b> a Hadoop filesystem is registered for ({@code hdfs://}, {@code
 *       abfs://}, ...): W&amp;B has no handler for these (it would only track the URI). Objects
 *       whose status carries an ETag are recorded like S3 objects; others are read once and get
 *       their base64 content MD5, like {@code file://} references. {@code checksum=False} records
 *       the URI as digest and ref.
 * </ul>
 */
final class HadoopHandler implements SchemeHandler {
  private static final Logger LOG = LoggerFactory.getLogger(HadoopHandler.class);

  private final Configuration conf;
  private final Map<String, Boolean> available = new ConcurrentHashMap<>();

  HadoopHandler(Configuration conf) {
    this.conf = Objects.requireNonNull(conf, "conf is null");
  }

  /** Whether a Hadoop filesystem is registered for {@code scheme}. */
  boolean supports(String scheme) {
    return available.computeIfAbsent(
        scheme,
        s -> {
          try {
            FileSystem.getFileSystemClass(s, conf);
            return true;
          } catch (IOException | RuntimeException | LinkageError e) {
            return false;
          }
        });
  }

  @Override
  public List<ManifestEntry> resolve(String uri, String name, boolean checksum, long maxObjects)
      throws IOException {
    String scheme = References.scheme(uri);
    return switch (scheme) {
      case "s3", "s3a" -> resolveS3(uri, name, checksum, maxObjects);
      case "gs" -> resolveGcs(uri, name, checksum, maxObjects);
      default -> resolveOther(uri, name, checksum, maxObjects);
    };
  }

  private List<ManifestEntry> resolveS3(String uri, String name, boolean checksum, long max)
      throws IOException {
    BucketKey bk = BucketKey.parse(uri);
    String ref = "s3://" + bk.bucket() + "/" + bk.key();
    if (!checksum) {
      return List.of(
          ManifestEntry.reference(defaultName(name, bk.key(), uri), ref, ref, null, Map.of()));
    }
    if (bk.query() != null && bk.query().contains("versionId=")) {
      throw new ArtifactException.InvalidInput(
          "Cannot reference "
              + uri
              + ": object versions cannot be pinned through the Hadoop S3A filesystem; drop"
              + " ?versionId= or use checksum=false");
    }
    if (!supports("s3a")) {
      throw new ArtifactException.InvalidInput(
          "Cannot reference "
              + uri
              + ": no S3A filesystem available; add hadoop-aws and the AWS SDK bundle to the"
              + " classpath");
    }
    Path root = bk.hadoopPath("s3a");
    FileSystem fs = root.getFileSystem(conf);
    List<ManifestEntry> entries = new ArrayList<>();
    for (Found f : list(fs, root, uri, max)) {
      if (f.status().getLen() == 0) {
        // W&B skips zero-byte objects: they are usually folder markers.
        continue;
      }
      String key = keyOf(f.status());
      String etag = etag(fs, f.status(), uri);
      String digest = References.stripQuotes(etag);
      Map<String, Object> extra = new LinkedHashMap<>();
      extra.put("etag", digest);
      String path =
          f.rel() == null ? defaultName(name, key, uri) : SchemeHandler.join(name, f.rel());
      entries.add(
          ManifestEntry.reference(
              path, digest, "s3://" + bk.bucket() + "/" + key, f.status().getLen(), extra));
    }
    if (entries.isEmpty()) {
      LOG.warn("Reference {} names only zero-byte objects; nothing was added", uri);
    }
    return entries;
  }

  private List<ManifestEntry> resolveGcs(String uri, String name, boolean checksum, long max)
      throws IOException {
    BucketKey bk = BucketKey.parse(uri);
    String ref = "gs://" + bk.bucket() + "/" + bk.key();
    if (!checksum) {
      return List.of(
          ManifestEntry.reference(defaultName(name, bk.key(), uri), ref, ref, null, Map.of()));
    }
    if (bk.fragment() != null) {
      throw new ArtifactException.InvalidInput(
          "Cannot reference "
              + uri
              + ": object generations cannot be pinned through the Hadoop GCS connector; drop"
              + " #"
              + bk.fragment()
              + " or use checksum=false");
    }
    if (!supports("gs")) {
      throw new ArtifactException.InvalidInput(
          "Cannot reference "
              + uri
              + ": no GCS filesystem available; add the Hadoop GCS connector to the classpath or"
              + " use checksum=false");
    }
    Path root = bk.hadoopPath("gs");
    FileSystem fs = root.getFileSystem(conf);
    List<ManifestEntry> entries = new ArrayList<>();
    for (Found f : list(fs, root, uri, max)) {
      String key = keyOf(f.status());
      String path =
          f.rel() == null ? defaultName(name, key, uri) : SchemeHandler.join(name, f.rel());
      entries.add(
          ManifestEntry.reference(
              path,
              etag(fs, f.status(), uri),
              "gs://" + bk.bucket() + "/" + key,
              f.status().getLen(),
              Map.of()));
    }
    return entries;
  }

  private List<ManifestEntry> resolveOther(String uri, String name, boolean checksum, long max)
      throws IOException {
    String base = SchemeHandler.withoutQueryAndFragment(uri);
    Path root = new Path(base);
    if (!checksum) {
      String path = name != null ? name : SchemeHandler.lastSegment(root.toUri().getPath());
      if (path == null) {
        throw SchemeHandler.nameRequired(uri);
      }
      return List.of(ManifestEntry.reference(path, uri, uri, null, Map.of()));
    }
    FileSystem fs = root.getFileSystem(conf);
    List<ManifestEntry> entries = new ArrayList<>();
    for (Found f : list(fs, root, uri, max)) {
      String path;
      String ref;
      if (f.rel() == null) {
        path = name != null ? name : f.status().getPath().getName();
        ref = uri;
      } else {
        path = SchemeHandler.join(name, f.rel());
        ref = SchemeHandler.join(base, f.rel());
      }
      String etag = etagOf(f.status());
      if (etag != null) {
        String digest = References.stripQuotes(etag);
        Map<String, Object> extra = new LinkedHashMap<>();
        extra.put("etag", digest);
        entries.add(ManifestEntry.reference(path, digest, ref, f.status().getLen(), extra));
      } else {
        FileDigest d;
        try (InputStream in = fs.open(f.status().getPath())) {
          d = Digests.digest(in);
        }
        entries.add(ManifestEntry.reference(path, d.base64(), ref, d.size(), Map.of()));
      }
    }
    return entries;
  }

  @Override
  public InputStream open(ManifestEntry entry) throws IOException {
    String scheme = References.scheme(entry.ref());
    Path path;
    String expectedEtag = null;
    switch (scheme) {
      case "s3", "s3a" -> {
        path = BucketKey.parse(entry.ref()).hadoopPath("s3a");
        expectedEtag = entry.extra().containsKey("etag") ? entry.digest() : null;
      }
      case "gs" -> {
        if (!supports("gs")) {
          throw new ArtifactException.InvalidInput(
              "Cannot download "
                  + entry.ref()
                  + ": no GCS filesystem available; add the Hadoop GCS connector to the classpath");
        }
        path = BucketKey.parse(entry.ref()).hadoopPath("gs");
        // gs:// entries made with checksum=True have a size; pointers (checksum=False) do not.
        expectedEtag =
            entry.size() != null && !entry.digest().equals(entry.ref()) ? entry.digest() : null;
      }
      default -> {
        path = new Path(SchemeHandler.withoutQueryAndFragment(entry.ref()));
        expectedEtag = entry.extra().containsKey("etag") ? entry.digest() : null;
      }
    }
    FileSystem fs = path.getFileSystem(conf);
    FileStatus status;
    try {
      status = fs.getFileStatus(path);
    } catch (FileNotFoundException e) {
      throw new ArtifactException.NotFound(
          "Cannot download "
              + entry.ref()
              + " for entry '"
              + entry.path()
              + "': it no longer exists");
    }
    if (expectedEtag != null) {
      String current = etagOf(status);
      if (current == null) {
        LOG.warn("Cannot check whether {} changed: its filesystem reports no ETag", entry.ref());
      } else {
        String cur = "gs".equals(scheme) ? current : References.stripQuotes(current);
        if (!cur.equals(expectedEtag)) {
          throw new ArtifactException.Corrupted(
              "Cannot download "
                  + entry.ref()
                  + " for entry '"
                  + entry.path()
                  + "': the object changed since it was referenced (ETag "
                  + cur
                  + ", expected "
                  + expectedEtag
                  + ")");
        }
      }
    }
    // Passing the status lets S3A pin the read to the ETag just checked (change detection).
    return FutureIO.awaitFuture(fs.openFile(path).withFileStatus(status).build());
  }

  private record Found(FileStatus status, String rel) {}

  /** The object itself ({@code rel} null) or every file below it, sorted by path. */
  private static List<Found> list(FileSystem fs, Path root, String uri, long max)
      throws IOException {
    FileStatus top;
    try {
      top = fs.getFileStatus(root);
    } catch (FileNotFoundException e) {
      throw new ArtifactException.NotFound(
          "Cannot reference " + uri + ": no such object, directory or prefix");
    }
    if (!top.isDirectory()) {
      return List.of(new Found(top, null));
    }
    String base = top.getPath().toUri().getPath();
    if (!base.endsWith("/")) {
      base = base + "/";
    }
    List<Found> found = new ArrayList<>();
    RemoteIterator<LocatedFileStatus> it = fs.listFiles(top.getPath(), true);
    while (it.hasNext()) {
      LocatedFileStatus st = it.next();
      String p = st.getPath().toUri().getPath();
      if (!st.isFile() || !p.startsWith(base)) {
        continue;
      }
      found.add(new Found(st, p.substring(base.length())));
      if (found.size() > max) {
        throw SchemeHandler.tooMany(uri, max);
      }
    }
    found.sort((a, b) -> a.rel().compareTo(b.rel()));
    return found;
  }

  private static String etagOf(FileStatus status) {
    return status instanceof EtagSource source ? source.getEtag() : null;
  }

  /** The status's ETag; listings may omit it, then one metadata request per object. */
  private static String etag(FileSystem fs, FileStatus status, String uri) throws IOException {
    String etag = etagOf(status);
    if (etag == null) {
      etag = etagOf(fs.getFileStatus(status.getPath()));
    }
    if (etag == null || etag.isEmpty()) {
      throw new ArtifactException.InvalidInput(
          "Cannot reference "
              + uri
              + ": the filesystem reports no ETag for "
              + status.getPath()
              + " (S3A and the GCS connector need Hadoop 3.3.2 or later)");
    }
    return etag;
  }

  private static String keyOf(FileStatus status) {
    String p = status.getPath().toUri().getPath();
    return p.startsWith("/") ? p.substring(1) : p;
  }

  private static String defaultName(String name, String key, String uri) {
    if (name != null) {
      return name;
    }
    String last = SchemeHandler.lastSegment(key);
    if (last == null) {
      throw SchemeHandler.nameRequired(uri);
    }
    return last;
  }

  /**
   * {@code scheme://bucket/key?query#fragment} split the way W&amp;B's handlers split it ({@code
   * urlparse}): the key is the raw path without its leading slash, not percent-decoded.
   */
  record BucketKey(String bucket, String key, String query, String fragment) {
    static BucketKey parse(String uri) {
      int sep = uri.indexOf("://");
      if (sep < 0) {
        throw new ArtifactException.InvalidInput("Invalid object URI '" + uri + "': no bucket");
      }
      String rest = uri.substring(sep + 3);
      String fragment = null;
      int hash = rest.indexOf('#');
      if (hash >= 0) {
        fragment = rest.substring(hash + 1);
        rest = rest.substring(0, hash);
      }
      String query = null;
      int q = rest.indexOf('?');
      if (q >= 0) {
        query = rest.substring(q + 1);
        rest = rest.substring(0, q);
      }
      int slash = rest.indexOf('/');
      String bucket = slash < 0 ? rest : rest.substring(0, slash);
      String key = slash < 0 ? "" : rest.substring(slash + 1);
      if (bucket.isEmpty()) {
        throw new ArtifactException.InvalidInput("Invalid object URI '" + uri + "': no bucket");
      }
      return new BucketKey(bucket, key, query, fragment);
    }

    Path hadoopPath(String scheme) {
      try {
        // The multi-argument URI constructor quotes what the key contains, so a raw '%20' or
        // space in a key stays part of the key, as in W&B.
        return new Path(new URI(scheme, bucket, "/" + key, null));
      } catch (URISyntaxException e) {
        throw new ArtifactException.InvalidInput(
            "Invalid object URI " + scheme + "://" + bucket + "/" + key + ": " + e.getMessage());
      }
    }
  }
}
