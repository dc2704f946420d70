package dev.artifacts.common.reference;

import dev.artifacts.common.ArtifactException;
import dev.artifacts.common.manifest.ManifestEntry;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;

/** One W&amp;B storage handler: the digest rule and the download of one family of schemes. */
interface SchemeHandler {

  /** Entries for {@code uri}; paths are joined but not yet normalised. */
  List<ManifestEntry> resolve(String uri, String name, boolean checksum, long maxObjects)
      throws IOException;

  InputStream open(ManifestEntry entry) throws IOException;

  /** {@code name/rel}, or {@code rel} alone when no name was given (W&amp;B os.path.join). */
  static String join(String name, String rel) {
    if (name == null || name.isEmpty()) {
      return rel;
    }
    return name.endsWith("/") ? name + rel : name + "/" + rel;
  }

  /** The last non-empty {@code /}-separated segment, or {@code null}. */
  static String lastSegment(String path) {
    String p = path;
    while (p.endsWith("/")) {
      p = p.substring(0, p.length() - 1);
    }
    int slash = p.lastIndexOf('/');
    String last = p.substring(slash + 1);
    return last.isEmpty() ? null : last;
  }

  /** Cuts the query ({@code ?...}) and fragment ({@code #...}) off a URI. */
  static String withoutQueryAndFragment(String uri) {
    int q = uri.indexOf('?');
    int f = uri.indexOf('#');
    int end = q < 0 ? f : (f < 0 ? q : Math.min(q, f));
    return end < 0 ? uri : uri.substring(0, end);
  }

  static ArtifactException.InvalidInput tooMany(String uri, long maxObjects) {
    return new ArtifactException.InvalidInput(
        "Cannot reference "
            + uri
            + ": it names more than "
            + maxObjects
            + " objects; pass a larger maxObjects or reference a narrower prefix");
  }

  static ArtifactException.InvalidInput nameRequired(String uri) {
    return new ArtifactException.InvalidInput(
        "Cannot reference " + uri + ": the URI has no last path segment, so a name is required");
  }
}
