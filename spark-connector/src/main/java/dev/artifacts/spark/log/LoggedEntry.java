package dev.artifacts.spark.log;

import dev.artifacts.common.manifest.ManifestEntry;
import java.io.Serializable;
import java.util.HashMap;
import java.util.Map;

/** A manifest entry on its way from an executor to the driver. */
record LoggedEntry(String path, String digest, String ref, Long size, HashMap<String, Object> extra)
    implements Serializable {

  static LoggedEntry of(ManifestEntry e) {
    return new LoggedEntry(e.path(), e.digest(), e.ref(), e.size(), new HashMap<>(e.extra()));
  }

  ManifestEntry toManifestEntry() {
    return new ManifestEntry(path, digest, ref, size, null, extra == null ? Map.of() : extra);
  }
}
