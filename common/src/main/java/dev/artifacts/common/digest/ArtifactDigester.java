package dev.artifacts.common.digest;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.security.MessageDigest;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Computes the artifact digest ({@code MANIFEST_MD5}): the MD5 of the header line followed by one
 * {@code path:digest\n} line per entry in code point order of the paths. Entries must be fed in
 * that order; the digester checks it, because a wrong order silently produces a digest W&amp;B
 * would never match. Not thread-safe; single use.
 */
public final class ArtifactDigester {
  private static final byte[] HEADER = Digests.ARTIFACT_DIGEST_HEADER.getBytes(UTF_8);
  private static final byte[] COLON = {':'};
  private static final byte[] NEWLINE = {'\n'};

  private final MessageDigest md5 = Digests.newMd5();
  private final Consumer<byte[]> tap;
  private String previousPath;
  private boolean finished;

  public ArtifactDigester() {
    this(null);
  }

  /** Test hook: {@code tap} receives every chunk of bytes that is hashed, in order. */
  ArtifactDigester(Consumer<byte[]> tap) {
    this.tap = tap;
    update(HEADER);
  }

  /**
   * Adds the next entry; {@code path} must sort strictly after the previous one.
   *
   * @throws IllegalArgumentException if the path is out of order or duplicated, or if the path or
   *     digest contains an unpaired surrogate (it has no UTF-8 form; W&amp;B cannot hash it either)
   */
  public ArtifactDigester add(String path, String digest) {
    if (finished) {
      throw new IllegalStateException("The artifact digest was already computed");
    }
    if (previousPath != null && Digests.CODE_POINT_ORDER.compare(previousPath, path) >= 0) {
      throw new IllegalArgumentException(
          "Manifest entries out of order or duplicated: '"
              + path
              + "' after '"
              + previousPath
              + "'");
    }
    requireWellFormed(path, "path");
    requireWellFormed(digest, "digest");
    previousPath = path;
    update(path.getBytes(UTF_8));
    update(COLON);
    update(digest.getBytes(UTF_8));
    update(NEWLINE);
    return this;
  }

  /** Lowercase hex digest; the digester cannot be used afterwards. */
  public String finish() {
    if (finished) {
      throw new IllegalStateException("The artifact digest was already computed");
    }
    finished = true;
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

  private void update(byte[] bytes) {
    md5.update(bytes);
    if (tap != null) {
      tap.accept(bytes);
    }
  }

  /** {@link String#getBytes} would silently replace an unpaired surrogate with '?'. */
  private static void requireWellFormed(String s, String what) {
    for (int i = 0, n = s.length(); i < n; i++) {
      char c = s.charAt(i);
      if (Character.isSurrogate(c)) {
        if (Character.isHighSurrogate(c)
            && i + 1 < n
            && Character.isLowSurrogate(s.charAt(i + 1))) {
          i++;
        } else {
          throw new IllegalArgumentException(
              "Invalid manifest entry " + what + " '" + s + "': it contains an unpaired surrogate");
        }
      }
    }
  }
}
