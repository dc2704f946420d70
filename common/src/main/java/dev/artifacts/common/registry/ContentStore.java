package dev.artifacts.common.registry;

import dev.artifacts.common.digest.FileDigest;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Where a registry keeps the bodies of non-reference entries, addressed by their MD5. Identical
 * bodies are stored once. Implementations are safe for concurrent use by many threads.
 */
public interface ContentStore {

  /**
   * Stores the bytes of a local file and returns their digest. A body that is already stored is not
   * copied again.
   */
  FileDigest put(Path file) throws IOException;

  /**
   * Opens a writer for a new body. Bytes are hashed while written (never read back); the body is
   * stored when {@link BodyWriter#commit()} returns and discarded by {@link BodyWriter#abort()}.
   */
  BodyWriter newBody() throws IOException;

  /** Whether a body with this base64 MD5 is stored. */
  boolean contains(String md5Base64) throws IOException;

  /**
   * Opens a stored body.
   *
   * @throws dev.artifacts.common.ArtifactException.NotFound if no such body is stored
   */
  InputStream open(String md5Base64) throws IOException;

  /**
   * The fully qualified Hadoop filesystem URI where the body with this base64 MD5 is (or would be)
   * stored, so that engines can hand it to their own file readers (Spark's vectorized Parquet, for
   * instance) instead of streaming it through {@link #open}. Empty when the store has no such
   * location (a remote service) or the digest is not a base64 MD5. Existence is not checked.
   */
  default Optional<URI> location(String md5Base64) {
    return Optional.empty();
  }

  /** A body being written. */
  interface BodyWriter extends Closeable {
    /** The stream to write the body to; closing it does not commit. */
    OutputStream stream();

    /** Finishes the body, stores it under its digest and returns that digest. */
    FileDigest commit() throws IOException;

    /** Discards what was written. Safe to call after a failed commit and more than once. */
    void abort();

    /** Aborts unless committed. */
    @Override
    default void close() {
      abort();
    }
  }
}
