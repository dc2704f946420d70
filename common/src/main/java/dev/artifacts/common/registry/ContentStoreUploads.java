package dev.artifacts.common.registry;

import dev.artifacts.common.digest.FileDigest;
import dev.artifacts.common.manifest.ManifestEntry;
import java.io.IOException;
import java.io.OutputStream;
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
    Objects.requireNonNull(path, "path is null");
    ContentStore.BodyWriter body = store.newBody();
    return new ContentStore.BodyWriter() {
      @Override
      public OutputStream stream() {
        return body.stream();
      }

      @Override
      public FileDigest commit() throws IOException {
        FileDigest d = body.commit();
        done.add(ManifestEntry.file(path, d.base64(), d.size()));
        return d;
      }

      @Override
      public void abort() {
        body.abort();
      }

      @Override
      public void close() {
        body.close();
      }
    };
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
