package dev.artifacts.common.reference;

import dev.artifacts.common.digest.Digests;
import dev.artifacts.common.manifest.ManifestEntry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Set;

/**
 * Rules about reference entries that do not need a live resolver: which scheme a URI has, and
 * whether an entry's digest is a content MD5 that a download may be verified against (W&amp;B
 * digests of references are often ETags or the URI itself, see WANDB-FORMAT.md pitfall 4).
 */
public final class References {
  /** Schemes whose digests are ETags or URIs, never a content MD5. */
  private static final Set<String> NOT_CONTENT_MD5 =
      Set.of("s3", "s3a", "gs", "http", "https", ArtifactIds.SCHEME, "wandb-client-artifact");

  private References() {}

  /**
   * The lowercase scheme of {@code uri} ({@code s3}, {@code file}, ...), or {@code null} when it
   * has none. Follows RFC 3986: a letter, then letters, digits, {@code + - .}, then {@code :}.
   */
  public static String scheme(String uri) {
    if (uri == null || uri.isEmpty() || !isAsciiLetter(uri.charAt(0))) {
      return null;
    }
    for (int i = 1; i < uri.length(); i++) {
      char c = uri.charAt(i);
      if (c == ':') {
        // A single letter before ':' is a Windows drive (C:\x), not a scheme.
        return i == 1 ? null : uri.substring(0, i).toLowerCase(Locale.ROOT);
      }
      if (!isAsciiLetter(c) && !(c >= '0' && c <= '9') && c != '+' && c != '-' && c != '.') {
        return null;
      }
    }
    return null;
  }

  /**
   * Removes every leading and trailing double quote, as Python's {@code str.strip('"')} does, so
   * {@code "abc"} becomes {@code abc} and the weak ETag {@code W/"x"} becomes {@code W/"x}.
   */
  public static String stripQuotes(String etag) {
    int start = 0;
    int end = etag.length();
    while (start < end && etag.charAt(start) == '"') {
      start++;
    }
    while (end > start && etag.charAt(end - 1) == '"') {
      end--;
    }
    return etag.substring(start, end);
  }

  /**
   * Whether the entry's digest is the base64 MD5 of its bytes, so that downloaded bytes can be
   * checked against it: stored files, {@code file://} references made with {@code checksum=True},
   * and Hadoop references hashed by content. Not for ETags, URIs, other algorithms ({@code
   * extra.alg}) or {@code file://} pointers made with {@code checksum=False} (recognised by
   * recomputing the pointer digest of the local file, so this may touch the local filesystem).
   */
  public static boolean isContentMd5(ManifestEntry entry) {
    if (!"MD5".equalsIgnoreCase(entry.digestAlgorithm())) {
      return false;
    }
    if (!entry.isReference()) {
      return true;
    }
    if (!Digests.isBase64Md5(entry.digest()) || entry.extra().containsKey("etag")) {
      return false;
    }
    String scheme = scheme(entry.ref());
    if (scheme == null || NOT_CONTENT_MD5.contains(scheme)) {
      return false;
    }
    return !("file".equals(scheme) && isFilePointer(entry));
  }

  /** A {@code file://} entry whose digest is the MD5 of the file's URI ({@code checksum=False}). */
  static boolean isFilePointer(ManifestEntry entry) {
    try {
      Path local = FileUris.toPath(entry.ref());
      return Files.exists(local) && FileUris.checksumFalseDigest(local).equals(entry.digest());
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  private static boolean isAsciiLetter(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
  }
}
