package dev.artifacts.common.registry.wandb;

import dev.artifacts.common.ArtifactException;
import dev.artifacts.common.digest.DigestingOutputStream;
import dev.artifacts.common.digest.Digests;
import dev.artifacts.common.digest.FileDigest;
import dev.artifacts.common.reference.CachePaths;
import dev.artifacts.common.registry.ContentStore;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.UUID;

/**
 * The local side of the W&amp;B backend's {@link ContentStore}: W&amp;B's artifact cache ({@code
 * $WANDB_CACHE_DIR/artifacts}, §6). Bodies added to a draft are staged here under {@code
 * obj/md5/<hex[0:2]>/<hex[2:]>} and uploaded at commit; downloads land here too, so W&amp;B's
 * Python client and this library share one cache. Every write goes to {@code tmp/} first and is
 * moved into place atomically, so an object path only ever holds complete, verified bytes.
 *
 * <p>The store is global (content addressing makes it independent of entity and project) and safe
 * for concurrent use by threads and processes: racing writers move identical bytes onto the same
 * path.
 */
final class WandbCache implements ContentStore {
  private final Path root;
  private final Path tmp;

  WandbCache(Path root) {
    this.root = root;
    this.tmp = root.resolve("tmp");
  }

  Path root() {
    return root;
  }

  /** Where the body with this base64 MD5 lives (or would). */
  Path bodyPath(String md5Base64) {
    return root.resolve(CachePaths.md5Path(md5Base64));
  }

  /** A cache hit needs the file and, when known, its size (W&amp;B's rule, §6). */
  boolean has(String md5Base64, Long size) {
    Path p = bodyPath(md5Base64);
    try {
      return Files.isRegularFile(p) && (size == null || Files.size(p) == size);
    } catch (IOException e) {
      return false;
    }
  }

  @Override
  public FileDigest put(Path file) throws IOException {
    FileDigest digest = Digests.digest(file);
    if (has(digest.base64(), digest.size())) {
      return digest;
    }
    Path staged = newTmp();
    try {
      try (InputStream in = Files.newInputStream(file);
          DigestingOutputStream out = new DigestingOutputStream(Files.newOutputStream(staged))) {
        in.transferTo(out);
        out.close();
        // Hashed again while copying: a file changed after it was hashed is never cached wrongly.
        if (!out.digest().equals(digest)) {
          throw new ArtifactException.InvalidInput(
              "Cannot add " + file + ": it changed while it was being read");
        }
      }
      promote(staged, digest.base64());
    } finally {
      Files.deleteIfExists(staged);
    }
    return digest;
  }

  @Override
  public BodyWriter newBody() throws IOException {
    Path staged = newTmp();
    DigestingOutputStream out = new DigestingOutputStream(Files.newOutputStream(staged));
    return new BodyWriter() {
      private boolean done;

      @Override
      public OutputStream stream() {
        return out;
      }

      @Override
      public FileDigest commit() throws IOException {
        out.close();
        FileDigest d = out.digest();
        promote(staged, d.base64());
        done = true;
        return d;
      }

      @Override
      public void abort() {
        try {
          out.close();
        } catch (IOException ignored) {
          // Discarding anyway.
        }
        try {
          Files.deleteIfExists(staged);
        } catch (IOException ignored) {
          // A leftover in tmp/ is harmless; W&B's own cache cleanup removes it.
        }
        done = true;
      }

      @Override
      public void close() {
        if (!done) {
          abort();
        }
      }
    };
  }

  @Override
  public boolean contains(String md5Base64) {
    return Files.isRegularFile(bodyPath(md5Base64));
  }

  @Override
  public InputStream open(String md5Base64) throws IOException {
    Path p = bodyPath(md5Base64);
    if (!Files.isRegularFile(p)) {
      throw new ArtifactException.NotFound(
          "Cannot open body "
              + md5Base64
              + ": it is not in the local W&B cache "
              + root
              + "; read it through the registry, which downloads it");
    }
    return Files.newInputStream(p);
  }

  Path newTmp() throws IOException {
    Files.createDirectories(tmp);
    return tmp.resolve(UUID.randomUUID() + ".tmp");
  }

  /** Moves a complete, verified file onto its object path. */
  void promote(Path staged, String md5Base64) throws IOException {
    Path target = bodyPath(md5Base64);
    Files.createDirectories(target.getParent());
    try {
      Files.move(staged, target, StandardCopyOption.ATOMIC_MOVE);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(staged, target, StandardCopyOption.REPLACE_EXISTING);
    }
  }

  @Override
  public String toString() {
    return "WandbCache[" + root + "]";
  }
}
