package dev.artifacts.common.registry.wandb;

import dev.artifacts.common.ArtifactException;
import dev.artifacts.common.digest.Digests;
import dev.artifacts.common.manifest.ManifestEntry;
import dev.artifacts.common.reference.DefaultReferenceResolver;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.permission.FsPermission;
import org.apache.hadoop.util.Progressable;

/**
 * Read-only Hadoop filesystem for bodies of W&amp;B artifact entries, so that Spark's own file
 * formats (vectorized Parquet, CSV, ...) read W&amp;B-stored files on executors: {@code
 * wandbbody:///<base URL>/<artifact ID>/<storage layout>/<storage region>/<birth artifact ID>/<hex
 * MD5>/<size>/f<entry path>.<ext>} (base URL, IDs, region and entry path base64url-encoded, {@code
 * -} for none; the file name keeps the entry's extension, which Spark uses to pick a codec). The
 * layout and region are the manifest's own {@code storagePolicyConfig}, which {@code
 * filesByManifestEntries} needs to find the bytes.
 *
 * <p>The URI says everything a machine needs to fetch the body, and nothing secret: {@link
 * #getFileStatus} answers from it without a request; {@link #open} resolves the presigned URL with
 * {@code filesByManifestEntries} and downloads into this machine's W&amp;B cache ({@code
 * obj/md5/...}, resumable, MD5-checked; a second open reads the cache), then reads the local file.
 * Credentials come from this process's environment ({@code WANDB_API_KEY} or {@code ~/.netrc},
 * {@code WANDB_CACHE_DIR}), as for the W&amp;B client; on Spark set {@code
 * spark.executorEnv.WANDB_API_KEY}. Registered through {@code META-INF/services}, so no
 * configuration is needed.
 */
public final class WandbBodyFileSystem extends FileSystem {
  public static final String SCHEME = "wandbbody";
  private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
  private static final Base64.Decoder B64D = Base64.getUrlDecoder();

  /** One registry per base URL and JVM, opened from the process environment. */
  private static final Map<String, WandbRegistry> REGISTRIES = new ConcurrentHashMap<>();

  private URI uri;

  static URI uri(
      String baseUrl,
      String artifactId,
      String storageLayout,
      String storageRegion,
      ManifestEntry entry) {
    if (!storageLayout.matches("[A-Za-z0-9]+")) {
      throw new ArtifactException.Corrupted(
          "Invalid storage layout '"
              + storageLayout
              + "' in the manifest of artifact "
              + artifactId);
    }
    String path = entry.path();
    String base = path.substring(path.lastIndexOf('/') + 1);
    int dot = base.indexOf('.');
    String ext = dot < 0 ? "" : base.substring(dot).replaceAll("[^A-Za-z0-9._-]", "_");
    return URI.create(
        SCHEME
            + ":///"
            + enc(baseUrl)
            + "/"
            + enc(artifactId)
            + "/"
            + storageLayout
            + "/"
            + (storageRegion == null ? "-" : enc(storageRegion))
            + "/"
            + (entry.birthArtifactId() == null ? "-" : enc(entry.birthArtifactId()))
            + "/"
            + Digests.base64ToHex(entry.digest())
            + "/"
            + (entry.size() == null ? "-" : entry.size())
            + "/f"
            + enc(path)
            + ext);
  }

  private static String enc(String s) {
    return B64.encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }

  private static String dec(String s) {
    return new String(B64D.decode(s), StandardCharsets.UTF_8);
  }

  /** A parsed body URI. */
  private record Body(
      String baseUrl,
      String artifactId,
      String storageLayout,
      String storageRegion,
      ManifestEntry entry) {}

  private static Body parse(Path p) throws FileNotFoundException {
    String[] parts = p.toUri().getPath().split("/");
    // "", base, artifact, layout, region, birth, md5, size, name
    if (parts.length != 9 || !parts[8].startsWith("f")) {
      throw new FileNotFoundException(p + " is not a W&B artifact body URI");
    }
    try {
      String name = parts[8].substring(1);
      int dot = name.indexOf('.');
      String entryPath = dec(dot < 0 ? name : name.substring(0, dot));
      Long size = parts[7].equals("-") ? null : Long.parseLong(parts[7]);
      String birth = parts[5].equals("-") ? null : dec(parts[5]);
      String digest = Digests.hexToBase64(parts[6].toLowerCase(Locale.ROOT));
      return new Body(
          dec(parts[1]),
          dec(parts[2]),
          parts[3],
          parts[4].equals("-") ? null : dec(parts[4]),
          new ManifestEntry(entryPath, digest, null, size, birth, Map.of()));
    } catch (IllegalArgumentException e) {
      throw new FileNotFoundException(p + " is not a W&B artifact body URI: " + e.getMessage());
    }
  }

  /**
   * Makes {@code registry} serve bodies of its base URL in this process (the process that resolved
   * the version, e.g. a Spark driver in local mode, reads with the registry it already has).
   */
  static void offer(WandbRegistry registry, String baseUrl) {
    REGISTRIES.putIfAbsent(baseUrl, registry);
  }

  static void withdraw(WandbRegistry registry, String baseUrl) {
    REGISTRIES.remove(baseUrl, registry);
  }

  private static WandbRegistry registry(String baseUrl) {
    return REGISTRIES.computeIfAbsent(
        baseUrl, u -> WandbRegistry.open(u, System.getenv(), new DefaultReferenceResolver()));
  }

  @Override
  public void initialize(URI name, Configuration conf) throws IOException {
    super.initialize(name, conf);
    this.uri = URI.create(SCHEME + ":///");
  }

  @Override
  public String getScheme() {
    return SCHEME;
  }

  @Override
  public URI getUri() {
    return uri;
  }

  @Override
  public FSDataInputStream open(Path f, int bufferSize) throws IOException {
    Body body = parse(f);
    java.nio.file.Path local;
    try {
      local =
          registry(body.baseUrl())
              .body(body.artifactId(), body.storageLayout(), body.storageRegion(), body.entry());
    } catch (ArtifactException e) {
      throw new IOException(e.getMessage(), e);
    }
    return FileSystem.getLocal(getConf())
        .getRawFileSystem()
        .open(new Path(local.toUri()), bufferSize);
  }

  @Override
  public FileStatus getFileStatus(Path f) throws IOException {
    Body body = parse(f);
    long size = body.entry().size() == null ? 0 : body.entry().size();
    return new FileStatus(size, false, 1, 128L << 20, 0, f);
  }

  @Override
  public FileStatus[] listStatus(Path f) throws IOException {
    return new FileStatus[] {getFileStatus(f)};
  }

  @Override
  public FSDataOutputStream create(
      Path f,
      FsPermission permission,
      boolean overwrite,
      int bufferSize,
      short replication,
      long blockSize,
      Progressable progress)
      throws IOException {
    throw readOnly("create", f);
  }

  @Override
  public FSDataOutputStream append(Path f, int bufferSize, Progressable progress)
      throws IOException {
    throw readOnly("append", f);
  }

  @Override
  public boolean rename(Path src, Path dst) throws IOException {
    throw readOnly("rename", src);
  }

  @Override
  public boolean delete(Path f, boolean recursive) throws IOException {
    throw readOnly("delete", f);
  }

  @Override
  public boolean mkdirs(Path f, FsPermission permission) throws IOException {
    throw readOnly("mkdirs", f);
  }

  @Override
  public void setWorkingDirectory(Path dir) {}

  @Override
  public Path getWorkingDirectory() {
    return new Path(uri);
  }

  private static IOException readOnly(String op, Path f) {
    return new IOException(
        "Cannot " + op + " " + f + ": W&B artifact bodies are read-only; write a new version");
  }
}
