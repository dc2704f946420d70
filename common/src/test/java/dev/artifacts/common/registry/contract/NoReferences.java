package dev.artifacts.common.registry.contract;

import dev.artifacts.common.manifest.ManifestEntry;
import dev.artifacts.common.reference.ReferenceResolver;
import java.io.InputStream;
import java.util.List;

/** The contract commits no reference entries; opening one is a test bug. */
final class NoReferences implements ReferenceResolver {
  @Override
  public List<ManifestEntry> resolve(String uri, String name, boolean checksum, long maxObjects) {
    throw new AssertionError("unexpected reference " + uri);
  }

  @Override
  public InputStream open(ManifestEntry entry) {
    throw new AssertionError("unexpected reference " + entry.ref());
  }
}
