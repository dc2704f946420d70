package dev.artifacts.common.registry;

import dev.artifacts.common.manifest.ManifestEntry;
import dev.artifacts.common.name.ArtifactPath;
import java.io.Closeable;
import java.util.Optional;

/**
 * Where artifact versions live: the service provider interface of the embedded filesystem registry
 * and the W&amp;B server backend, as the union of its roles ({@link ArtifactReader}, {@link
 * ArtifactWriter}, {@link ArtifactLabels}, {@link ArtifactLineage}, {@link ArtifactMaintenance}).
 * Code that needs one role should take that role's interface. Registries are thread-safe.
 *
 * <p>Semantics follow W&amp;B Artifacts: versions of a collection are numbered {@code v0, v1, ...}
 * without gaps in commit order; {@code latest} is implied and names the highest committed version;
 * a commit whose artifact digest equals the latest version's returns that version instead of
 * creating one; aliases are unique within a collection and move when reassigned. Both backends
 * commit through {@link dev.artifacts.common.registry.commit.VersionCommit}.
 */
public interface ArtifactRegistry
    extends ArtifactReader,
        ArtifactWriter,
        ArtifactLabels,
        ArtifactLineage,
        ArtifactMaintenance,
        Closeable {

  /**
   * A Hadoop filesystem URI under which engines can read the body of a non-reference entry on any
   * machine with their own file readers, or empty. The embedded registry answers its content
   * store's {@link ContentStore#location}; the W&amp;B backend a {@code wandbbody:} URI whose
   * filesystem downloads the body into the local W&amp;B cache on first open.
   */
  default Optional<java.net.URI> location(ArtifactVersion version, ManifestEntry entry) {
    if (entry.isReference()) {
      return Optional.empty();
    }
    ArtifactPath owner =
        version.isLink()
            ? ArtifactPath.parse(version.sourceCollection(), java.util.Map.of())
            : version.path();
    return contentStore(owner.entity(), owner.project()).location(entry.digest());
  }
}
