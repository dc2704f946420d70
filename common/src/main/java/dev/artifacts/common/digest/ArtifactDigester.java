package dev.artifacts.common.digest;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.security.MessageDigest;
import java.util.Map;

/**
 * Computes the artifact digest ({@code MANIFEST_MD5}): the MD5 of the header line followed by one
 * {@code path:digest\n} line per entry in code point order of the paths. Entries must be fed in
 * that order; the digester checks it, because a wrong order silently produces a digest W&amp;B
 * would never match.
 */
public final class ArtifactDigester {
  private final MessageDigest md5 = Digests.newMd5();
  private String previousPath;

  public ArtifactDigester() {
    md5.update(Digests.ARTIFACT_DIGEST_HEADER.getBytes(UTF_8));
  }

  /** Adds the next entry; {@code path} must sort strictly after the previous one. */
  public ArtifactDigester add(String path, String digest) {
    if (previousPath != null && Digests.CODE_POINT_ORDER.compare(previousPath, path) >= 0) {
      throw new IllegalArgumentException(
          "Manifest entries out of order or duplicated: '"
              + path
              + "' after '"
              + previousPath
              + "'");
    }
    previousPath = path;
    md5.update((path + ":" + digest + "\n").getBytes(UTF_8));
    return this;
  }

  /** Lowercase hex digest; the digester cannot be used afterwards. */
  public String finish() {
    return Digests.hex(md5.digest());
  }

  /** Digest of a path to entry-digest map in any order. */
  public static String of(Map<String, String> digestByPath) {
    ArtifactDigester digester = new ArtifactDigester();
    digestByPath.keySet().stream()
        .sorted(Digests.CODE_POINT_ORDER)
        .forEach(p -> digester.add(p, digestByPath.get(p)));
    return digester.finish();
  }
}
