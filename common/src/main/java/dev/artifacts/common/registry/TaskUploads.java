package dev.artifacts.common.registry;

import dev.artifacts.common.digest.FileDigest;
import dev.artifacts.common.manifest.ManifestEntry;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.util.List;
import java.util.Objects;

/**
 * The task side of an {@link UploadSession}: bodies one engine task (a Spark task attempt, a Flink
 * writer subtask) stores for a write. Bodies are hashed while written ({@link #newBody}); {@link
 * #finish} then makes them durable in the registry and returns their manifest entries, which the
 * task sends to the committing side in its commit message.
 *
 * <p>Not thread-safe: one task uses it at a time. {@link #close()} discards bodies not finished.
 */
public interface TaskUploads extends Closeable {

  /**
   * A writer for the body of entry {@code path}. Its {@link ContentStore.BodyWriter#commit()}
   * returns the digest; the body reaches the registry by {@link #finish} at the latest.
   */
  ContentStore.BodyWriter newBody(String path) throws IOException;

  /**
   * Stores every body committed since the last call in the registry (the W&amp;B backend requests
   * upload URLs for them in batches and uploads them in parallel; already stored bytes are not
   * sent) and returns their entries in commit order, with {@code birthArtifactID} where the
   * registry assigns one.
   */
  List<ManifestEntry> finish() throws IOException;

  /** Discards bodies written but not finished. */
  @Override
  void close();

  /** Tasks of registries whose content store is shared storage: bodies are final on commit. */
  static TaskUploads into(ContentStore store) {
    return new ContentStoreUploads(store);
  }

  /**
   * Wraps {@code body} so that its successful commit appends the entry {@code path} with the body's
   * digest and size to {@code committed}: what implementations hand back from {@link #finish}.
   */
  static ContentStore.BodyWriter recordingCommits(
      ContentStore.BodyWriter body, String path, List<ManifestEntry> committed) {
    Objects.requireNonNull(path, "path is null");
    return new ContentStore.BodyWriter() {
      @Override
      public OutputStream stream() {
        return body.stream();
      }

      @Override
      public FileDigest commit() throws IOException {
        FileDigest d = body.commit();
        committed.add(ManifestEntry.file(path, d.base64(), d.size()));
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
}
