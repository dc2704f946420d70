package dev.artifacts.common.manifest;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One logical file of an artifact version.
 *
 * @param path artifact-relative POSIX path, already normalised
 * @param digest base64 MD5 for stored files; for references the scheme's digest (ETag, URI, ...)
 * @param ref URI of the bytes for a reference, {@code null} for a file stored with the artifact
 * @param size length in bytes, or {@code null} when unknown (W&amp;B omits it for some references)
 * @param birthArtifactId ID of the version whose upload first stored the bytes, or {@code null}
 * @param extra scheme-specific details such as {@code etag} and {@code versionID}; never null
 */
public record ManifestEntry(
    String path,
    String digest,
    String ref,
    Long size,
    String birthArtifactId,
    Map<String, Object> extra)
    implements java.io.Serializable {

  public ManifestEntry {
    Objects.requireNonNull(path, "path is null");
    Objects.requireNonNull(digest, "digest is null");
    if (path.isEmpty()) {
      throw new IllegalArgumentException("Manifest entry path is empty");
    }
    if (size != null && size < 0) {
      throw new IllegalArgumentException("Invalid size " + size + " for entry '" + path + "'");
    }
    extra = extra == null || extra.isEmpty() ? Map.of() : deepCopy(extra);
  }

  /** Nested maps and lists (as Jackson produces them) are copied too, so entries stay immutable. */
  @SuppressWarnings("unchecked")
  private static <T> T deepCopy(T value) {
    if (value instanceof Map<?, ?> map) {
      Map<String, Object> copy = new LinkedHashMap<>();
      map.forEach((k, v) -> copy.put(String.valueOf(k), deepCopy(v)));
      return (T) Collections.unmodifiableMap(copy);
    }
    if (value instanceof List<?> list) {
      List<Object> copy = new ArrayList<>(list.size());
      list.forEach(v -> copy.add(deepCopy(v)));
      return (T) Collections.unmodifiableList(copy);
    }
    return value;
  }

  /** An entry whose bytes are stored with the artifact. */
  public static ManifestEntry file(String path, String digest, long size) {
    return new ManifestEntry(path, digest, null, size, null, Map.of());
  }

  /** An entry whose bytes stay at {@code ref}. */
  public static ManifestEntry reference(
      String path, String digest, String ref, Long size, Map<String, Object> extra) {
    return new ManifestEntry(
        path, digest, Objects.requireNonNull(ref, "ref is null"), size, null, extra);
  }

  public boolean isReference() {
    return ref != null;
  }

  /** The digest algorithm named in {@code extra.alg}; no marker means MD5. */
  public String digestAlgorithm() {
    Object alg = extra.get("alg");
    return alg == null ? "MD5" : alg.toString();
  }

  public ManifestEntry withPath(String newPath) {
    return new ManifestEntry(newPath, digest, ref, size, birthArtifactId, extra);
  }

  public ManifestEntry withBirthArtifactId(String id) {
    return new ManifestEntry(path, digest, ref, size, id, extra);
  }
}
