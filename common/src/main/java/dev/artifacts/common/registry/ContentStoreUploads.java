package dev.artifacts.common.registry;

import dev.artifacts.common.manifest.ManifestEntry;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** {@link TaskUploads} over a shared {@link ContentStore}: a committed body is already stored. */
final class ContentStoreUploads implements TaskUploads {
  private final ContentStore store;
  private final List<ManifestEntry> done = new ArrayList<>();

  ContentStoreUploads(ContentStore store) {
    this.store = Objects.requireNonNull(store, "store is null");
  }

  @Override
  public ContentStore.BodyWriter newBody(String path) throws IOException {
    return TaskUploads.recordingCommits(store.newBody(), path, done);
  }

  @Override
  public List<ManifestEntry> finish() {
    List<ManifestEntry> out = List.copyOf(done);
    done.clear();
    return out;
  }

  @Override
  public void close() {
    done.clear();
  }
}
