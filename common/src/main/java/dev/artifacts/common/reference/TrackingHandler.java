package dev.artifacts.common.reference;

import dev.artifacts.common.ArtifactException;
import dev.artifacts.common.manifest.ManifestEntry;
import java.io.InputStream;
import java.util.List;
import java.util.Map;

/**
 * Schemes nothing else handles, as W&amp;B's {@code TrackingHandler}: digest = ref = the URI
 * string, no size, a name is required, and there is nothing to download.
 */
final class TrackingHandler implements SchemeHandler {

  @Override
  public List<ManifestEntry> resolve(String uri, String name, boolean checksum, long maxObjects) {
    if (name == null || name.isEmpty()) {
      throw new ArtifactException.InvalidInput(
          "Cannot reference "
              + uri
              + ": scheme '"
              + References.scheme(uri)
              + "' is only tracked, so a name is required");
    }
    return List.of(ManifestEntry.reference(name, uri, uri, null, Map.of()));
  }

  @Override
  public InputStream open(ManifestEntry entry) {
    throw new TrackedReferenceException(
        "Cannot download "
            + entry.ref()
            + " for entry '"
            + entry.path()
            + "': scheme '"
            + References.scheme(entry.ref())
            + "' is only tracked (its digest is the URI), there are no bytes to fetch");
  }
}
