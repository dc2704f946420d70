package dev.artifacts.common.reference;

import dev.artifacts.common.manifest.ManifestEntry;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;

/**
 * Turns a URI into reference entries the way W&amp;B's storage handlers do ({@code add_reference}),
 * and opens the bytes of a reference entry for download and verification. The digest rule depends
 * on the scheme: content MD5 for {@code file://}, the ETag for S3 and HTTP, the URI itself for
 * schemes that are only tracked. See WANDB-FORMAT.md section 3.4.
 */
public interface ReferenceResolver {

  /** Default for {@code maxObjects}, as in W&amp;B. */
  long DEFAULT_MAX_OBJECTS = 10_000_000L;

  /**
   * Lists and digests what {@code uri} names.
   *
   * @param name entry path (for a single object) or path prefix (for a directory or prefix); may be
   *     {@code null} to use the last segment of the URI
   * @param checksum false records pointers without reading anything (W&amp;B {@code
   *     checksum=False})
   * @param maxObjects refuse to reference more objects than this
   * @return entries with normalised paths, in no particular order
   */
  List<ManifestEntry> resolve(String uri, String name, boolean checksum, long maxObjects)
      throws IOException;

  /**
   * Opens the bytes of a reference entry, failing with {@link
   * dev.artifacts.common.ArtifactException.Corrupted} when the object changed since it was
   * referenced (its ETag no longer matches) and the scheme lets us tell.
   */
  InputStream open(ManifestEntry entry) throws IOException;
}
