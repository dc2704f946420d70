package dev.artifacts.common.reference;

import dev.artifacts.common.manifest.ManifestEntry;
import java.io.IOException;
import java.io.InputStream;
import java.util.Optional;

/**
 * Finds entries of other artifact versions, for {@code wandb-artifact://<hex id>/<path>}
 * references. Registries that can look versions up by ID provide one; without it such references
 * are refused.
 */
public interface ArtifactEntryLookup {

  /**
   * The entry {@code path} of the version with the (base64) ID {@code artifactId}, or empty if the
   * version or the entry does not exist.
   */
  Optional<ManifestEntry> entry(String artifactId, String path) throws IOException;

  /** Opens the bytes of {@code entry}, an entry of version {@code artifactId}. */
  InputStream open(String artifactId, ManifestEntry entry) throws IOException;
}
