package dev.artifacts.common.reference;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.artifacts.common.digest.Digests;
import dev.artifacts.common.manifest.ManifestEntry;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;
import java.util.Set;

/**
 * Where W&amp;B's artifact file cache ({@code $WANDB_CACHE_DIR/artifacts/}) keeps an entry's bytes,
 * so caches can be shared with the Python and Go clients (WANDB-FORMAT.md section 6):
 *
 * <ul>
 *   <li>{@code obj/md5/<hex[0:2]>/<hex[2:32]>} for stored files and {@code file://} references,
 *       keyed by the hex form of the base64 MD5 digest;
 *   <li>{@code obj/etag/<h[0:2]>/<h[2:64]>} for S3, GCS, Azure and HTTP references, with {@code h}
 *       the hex SHA-256 of SHA-256(ref) followed by SHA-256(digest), both raw;
 *   <li>none for schemes W&amp;B cannot download (tracked URIs, {@code wandb-artifact://}).
 * </ul>
 */
public final class CachePaths {
  private static final Set<String> ETAG_SCHEMES = Set.of("s3", "s3a", "gs", "http", "https");

  private CachePaths() {}

  /** The path relative to the cache's {@code artifacts/} directory, if W&amp;B caches the entry. */
  public static Optional<String> relative(ManifestEntry entry) {
    if (!entry.isReference()) {
      return Optional.of(md5Path(entry.digest()));
    }
    String scheme = References.scheme(entry.ref());
    if ("file".equals(scheme)) {
      return Digests.isBase64Md5(entry.digest())
          ? Optional.of(md5Path(entry.digest()))
          : Optional.empty();
    }
    if (scheme != null && ETAG_SCHEMES.contains(scheme)) {
      return Optional.of(etagPath(entry.ref(), entry.digest()));
    }
    return Optional.empty();
  }

  /** {@code obj/md5/xx/yyyy...} for a base64 MD5 digest. */
  public static String md5Path(String base64Md5) {
    String hex = Digests.base64ToHex(base64Md5);
    return "obj/md5/" + hex.substring(0, 2) + "/" + hex.substring(2);
  }

  /** {@code obj/etag/xx/yyyy...} for a reference and its digest. */
  public static String etagPath(String ref, String digest) {
    MessageDigest outer = sha256();
    outer.update(sha256().digest(ref.getBytes(UTF_8)));
    outer.update(sha256().digest(digest.getBytes(UTF_8)));
    String hex = HexFormat.of().formatHex(outer.digest());
    return "obj/etag/" + hex.substring(0, 2) + "/" + hex.substring(2);
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required by every Java platform", e);
    }
  }
}
