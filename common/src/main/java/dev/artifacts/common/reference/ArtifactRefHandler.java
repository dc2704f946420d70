package dev.artifacts.common.reference;

import dev.artifacts.common.ArtifactException;
import dev.artifacts.common.manifest.ManifestEntry;
import java.io.IOException;
import java.io.InputStream;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code wandb-artifact://<hex id>/<path>} references, as W&amp;B's {@code WBArtifactHandler}:
 * chains of such references are followed to the concrete entry, whose digest is recorded with
 * {@code size} 0; {@code checksum} is ignored.
 */
final class ArtifactRefHandler implements SchemeHandler {
  private final ArtifactEntryLookup lookup;

  ArtifactRefHandler(ArtifactEntryLookup lookup) {
    this.lookup = lookup;
  }

  @Override
  public List<ManifestEntry> resolve(String uri, String name, boolean checksum, long maxObjects)
      throws IOException {
    Target t = follow(uri, "reference");
    String path = name != null ? name : SchemeHandler.lastSegment(t.path());
    String ref = ArtifactIds.SCHEME + "://" + ArtifactIds.toHex(t.artifactId()) + "/" + t.path();
    return List.of(ManifestEntry.reference(path, t.entry().digest(), ref, 0L, Map.of()));
  }

  @Override
  public InputStream open(ManifestEntry entry) throws IOException {
    Target t = follow(entry.ref(), "download");
    return lookup.open(t.artifactId(), t.entry());
  }

  private record Target(String artifactId, String path, ManifestEntry entry) {}

  private Target follow(String uri, String verb) throws IOException {
    if (lookup == null) {
      throw new ArtifactException.InvalidInput(
          "Cannot "
              + verb
              + " "
              + uri
              + ": wandb-artifact:// references are not supported by this registry yet");
    }
    Set<String> seen = new HashSet<>();
    String current = uri;
    while (true) {
      if (!seen.add(current)) {
        throw new ArtifactException.Corrupted(
            "Cannot " + verb + " " + uri + ": the reference chain loops at " + current);
      }
      String rest = current.substring(ArtifactIds.SCHEME.length() + 3);
      int slash = rest.indexOf('/');
      if (slash <= 0 || slash == rest.length() - 1) {
        throw new ArtifactException.InvalidInput(
            "Invalid artifact reference '"
                + current
                + "': expected wandb-artifact://<hex artifact id>/<entry path>");
      }
      String id = ArtifactIds.fromHex(rest.substring(0, slash));
      String path = rest.substring(slash + 1);
      ManifestEntry target =
          lookup
              .entry(id, path)
              .orElseThrow(
                  () ->
                      new ArtifactException.NotFound(
                          "Cannot "
                              + verb
                              + " "
                              + uri
                              + ": artifact "
                              + id
                              + " has no entry '"
                              + path
                              + "'"));
      if (target.isReference() && ArtifactIds.SCHEME.equals(References.scheme(target.ref()))) {
        current = target.ref();
      } else {
        return new Target(id, path, target);
      }
    }
  }
}
