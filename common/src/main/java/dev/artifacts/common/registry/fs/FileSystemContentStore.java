package dev.artifacts.common.registry.fs;

import dev.artifacts.common.ArtifactException;
import dev.artifacts.common.digest.DigestingOutputStream;
import dev.artifacts.common.digest.Digests;
import dev.artifacts.common.digest.FileDigest;
import dev.artifacts.common.registry.ContentStore;
import java.io.FileNotFoundException;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The content-addressed body store of one project: {@code objects/md5/<hex[0:2]>/<hex[2:]>}, the
 * layout of W&amp;B's cache. Bodies are first written under {@code staging/<operation-id>/} and
 * then renamed into place, so an object path only ever holds complete bytes; on object stores,
 * where a PUT is atomic and rename is a copy, local files are written to their object path
 * directly.
 *
 * <p>A local file is read once on filesystems with rename: it is copied into staging while it is
 * hashed, and the staged body is then published under its digest (or dropped, if an intact object
 * with that digest exists). The digest is always that of the staged bytes, so a file that changes
 * meanwhile cannot be stored under a wrong digest; a change that is noticed (size or modification
 * time differ after the copy) fails the call. Object stores hash first and write the object once.
 *
 * <p>An existing object is trusted only after it proved its bytes: its size must match, and the
 * first time this registry instance reuses it, its digest too (later reuses in the same process
 * skip the read). A corrupt, truncated or swapped object is replaced by the good bytes, so logging
 * the same content again repairs the store instead of pointing new versions at damage.
 *
 * <p>Reusing an existing object refreshes its modification time, because {@link
 * FileSystemRegistry#gc} removes unreferenced objects by age and a draft may be about to reference
 * it again (object stores cannot refresh times; keep their grace period longer than any write).
 */
final class FileSystemContentStore implements ContentStore {
  private static final Logger LOG = LoggerFactory.getLogger(FileSystemContentStore.class);
  private final FileSystem fs;
  private final Path objects;
  private final Path staging;
  private final boolean directWrites;
  private final String owner;
  private final Set<String> verified;
  private final boolean hashBeforeCopy = Boolean.getBoolean(HASH_BEFORE_COPY_PROPERTY);

  /**
   * System property that makes local stores hash each file before copying it (reading it twice), as
   * they did before copy-once publishing; only for benchmarks that compare the two paths.
   */
  static final String HASH_BEFORE_COPY_PROPERTY = "artifact.registry.hashBeforeCopy";

  // Below half a G1 region at small heaps, so a buffer is never a humongous allocation.
  private static final int COPY_BUFFER_SIZE = 256 << 10;

  /**
   * @param project the project directory
   * @param directWrites write local files straight to their object path (atomic-PUT stores)
   * @param owner {@code entity/project}, for messages
   * @param verified objects (hex) whose digest this registry instance already checked
   */
  FileSystemContentStore(
      FileSystem fs, Path project, boolean directWrites, String owner, Set<String> verified) {
    this.fs = fs;
    this.verified = verified;
    this.objects = Layout.objects(project);
    this.staging = Layout.staging(project);
    this.directWrites = directWrites;
    this.owner = owner;
  }

  Path objectPath(String hex) {
    return Layout.object(objects, hex);
  }

  @Override
  public FileDigest put(java.nio.file.Path file) throws IOException {
    try {
      return store(file);
    } catch (org.apache.hadoop.fs.FSError e) {
      // The local filesystem wraps write failures (a full disk) in an Error; callers expect I/O.
      throw new IOException(
          "Cannot store " + file + " in " + owner + ": " + e.getCause().getMessage(), e.getCause());
    }
  }

  private FileDigest store(java.nio.file.Path file) throws IOException {
    if (directWrites || hashBeforeCopy) {
      return hashThenStore(file);
    }
    return copyThenPublish(file);
  }

  /**
   * Reads the file once: its bytes are copied to {@code staging/<operation-id>/body} and hashed on
   * the way, then the staged body is published under the digest of exactly the bytes it holds. An
   * intact existing object makes the copy redundant and it is dropped; a corrupt one is replaced.
   * On any failure only the staging operation is left behind, for gc to sweep once it is old.
   */
  private FileDigest copyThenPublish(java.nio.file.Path file) throws IOException {
    SourceState before = SourceState.of(file);
    Path op = newOperation();
    try {
      Path body = new Path(op, "body");
      FileDigest digest = copyHashing(file, body);
      // The digest always describes the staged bytes; a source that was rewritten meanwhile may
      // still have given a mix of old and new bytes that never existed together, so refuse it.
      SourceState after = SourceState.of(file);
      if (!after.equals(before) || after.size() != digest.size()) {
        throw new IOException(
            "Cannot store "
                + file
                + " in "
                + owner
                + ": it changed while being copied ("
                + before.size()
                + " bytes before, "
                + after.size()
                + " after, "
                + digest.size()
                + " copied); log it again once nothing writes to it");
      }
      Path target = objectPath(digest.hex());
      if (isIntact(target, digest)) {
        touch(target);
      } else {
        replace(body, target);
      }
      return digest;
    } finally {
      deleteQuietly(op);
    }
  }

  /**
   * Copies {@code file} to the new file {@code body} and returns the MD5 and length of the bytes
   * copied. On the plain local filesystem the body is written through a {@link FileChannel}: the
   * Hadoop stream path measured about twice as slow per byte there (subclasses, such as test
   * filesystems that inject faults, keep the Hadoop path).
   */
  private FileDigest copyHashing(java.nio.file.Path file, Path body) throws IOException {
    MessageDigest md5 = Digests.newMd5();
    byte[] bytes = new byte[COPY_BUFFER_SIZE];
    long size = 0;
    try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ)) {
      if (fs.getClass() == RawLocalFileSystem.class) {
        java.nio.file.Path local = ((RawLocalFileSystem) fs).pathToFile(body).toPath();
        ByteBuffer buffer = ByteBuffer.allocateDirect(COPY_BUFFER_SIZE);
        try (FileChannel out =
            FileChannel.open(local, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
          while (in.read(buffer.clear()) != -1) {
            buffer.flip();
            int n = buffer.remaining();
            buffer.get(bytes, 0, n).flip();
            md5.update(bytes, 0, n);
            while (buffer.hasRemaining()) {
              out.write(buffer);
            }
            size += n;
          }
        }
      } else {
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        try (OutputStream out = fs.create(body, false)) {
          for (int n; (n = in.read(buffer.clear())) != -1; ) {
            out.write(bytes, 0, n);
            md5.update(bytes, 0, n);
            size += n;
          }
        }
      }
    }
    return new FileDigest(md5.digest(), size);
  }

  /** Size and modification time of a source file, to notice that it changed while copied. */
  private record SourceState(long size, long modifiedNanos) {
    static SourceState of(java.nio.file.Path file) throws IOException {
      BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
      return new SourceState(a.size(), a.lastModifiedTime().to(TimeUnit.NANOSECONDS));
    }
  }

  /**
   * The path before copy-once publishing, kept for stores that write objects directly (a staged
   * copy would be a second upload there) and, through {@link #HASH_BEFORE_COPY_PROPERTY} (read when
   * a store is created), for benchmarks that compare the two: hashes the file, reuses an intact
   * object, else copies it while hashing it a second time.
   */
  private FileDigest hashThenStore(java.nio.file.Path file) throws IOException {
    FileDigest digest = Digests.digest(file);
    Path target = objectPath(digest.hex());
    if (isIntact(target, digest)) {
      touch(target);
      return digest;
    }
    if (directWrites) {
      fs.mkdirs(target.getParent());
      try (OutputStream out = fs.create(target, true)) {
        copyVerified(file, out, digest);
      }
      return digest;
    }
    Path op = newOperation();
    try {
      try (OutputStream out = fs.create(new Path(op, "body"), false)) {
        copyVerified(file, out, digest);
      }
      replace(new Path(op, "body"), target);
    } finally {
      deleteQuietly(op);
    }
    return digest;
  }

  /** Copies while hashing again, so a file changed after it was hashed is never stored wrongly. */
  private static void copyVerified(
      java.nio.file.Path file, OutputStream target, FileDigest expected) throws IOException {
    DigestingOutputStream out = new DigestingOutputStream(target);
    Files.copy(file, out);
    out.flush();
    if (!out.digest().equals(expected)) {
      throw new IOException(
          "Cannot store " + file + ": it changed while being added (digest " + expected + ")");
    }
  }

  @Override
  public BodyWriter newBody() throws IOException {
    Path op = newOperation();
    Path body = new Path(op, "body");
    DigestingOutputStream digesting;
    try {
      digesting = new DigestingOutputStream(fs.create(body, false));
    } catch (IOException | RuntimeException e) {
      deleteQuietly(op);
      throw e;
    }
    return new StagedBody(op, body, digesting);
  }

  @Override
  public boolean contains(String md5Base64) throws IOException {
    return Digests.isBase64Md5(md5Base64) && fs.exists(objectPath(Digests.base64ToHex(md5Base64)));
  }

  @Override
  public InputStream open(String md5Base64) throws IOException {
    if (!Digests.isBase64Md5(md5Base64)) {
      throw new ArtifactException.NotFound(
          "Cannot open body '" + md5Base64 + "' in " + owner + ": it is not a base64 MD5");
    }
    Path path = objectPath(Digests.base64ToHex(md5Base64));
    try {
      return fs.open(path);
    } catch (FileNotFoundException e) {
      throw new ArtifactException.NotFound(
          "Cannot open body " + md5Base64 + " in " + owner + ": no object at " + path);
    }
  }

  @Override
  public Optional<URI> location(String md5Base64) {
    if (!Digests.isBase64Md5(md5Base64)) {
      return Optional.empty();
    }
    return Optional.of(fs.makeQualified(objectPath(Digests.base64ToHex(md5Base64))).toUri());
  }

  private Path newOperation() throws IOException {
    Path op = new Path(staging, UUID.randomUUID().toString());
    fs.mkdirs(op);
    return op;
  }

  private void promote(Path staged, Path target) throws IOException {
    fs.mkdirs(target.getParent());
    if (fs.rename(staged, target)) {
      return;
    }
    // Another writer stored the same bytes first: identical content, nothing to do.
    if (!fs.exists(target)) {
      throw new IOException("Cannot move " + staged + " to " + target + ": rename returned false");
    }
  }

  /**
   * Whether {@code target} exists and holds exactly the bytes of {@code digest}: the size always,
   * the MD5 once per registry instance. False also for a corrupt object, which is then replaced.
   */
  private boolean isIntact(Path target, FileDigest digest) throws IOException {
    FileStatus status;
    try {
      status = fs.getFileStatus(target);
    } catch (FileNotFoundException e) {
      return false;
    }
    String hex = digest.hex();
    if (status.getLen() != digest.size()) {
      LOG.warn(
          "Replacing corrupt object {} in {}: {} bytes instead of {}",
          target,
          owner,
          status.getLen(),
          digest.size());
      return false;
    }
    if (verified.contains(hex)) {
      return true;
    }
    FileDigest actual;
    try (InputStream in = fs.open(target)) {
      actual = Digests.digest(in);
    } catch (FileNotFoundException e) {
      return false;
    }
    if (!actual.hex().equals(hex)) {
      LOG.warn("Replacing corrupt object {} in {}: its MD5 is {}", target, owner, actual.hex());
      return false;
    }
    verified.add(hex);
    return true;
  }

  /** Moves a staged body to {@code target}, replacing a corrupt object there. */
  private void replace(Path staged, Path target) throws IOException {
    if (fs.exists(target) && !fs.delete(target, false) && fs.exists(target)) {
      throw new IOException(
          "Cannot replace the corrupt object " + target + " in " + owner + ": delete refused");
    }
    promote(staged, target);
    verified.add(target.getParent().getName() + target.getName());
  }

  private void touch(Path path) {
    try {
      fs.setTimes(path, System.currentTimeMillis(), -1);
    } catch (IOException | UnsupportedOperationException e) {
      // Best effort: only shortens the time a reused object is protected from gc.
    }
  }

  private void deleteQuietly(Path path) {
    try {
      fs.delete(path, true);
    } catch (IOException e) {
      // Left for gc, which sweeps staging after the grace period.
    }
  }

  private final class StagedBody implements BodyWriter {
    private final Path op;
    private final Path body;
    private final DigestingOutputStream digesting;
    private final OutputStream stream;
    private boolean streamClosed;
    private boolean done;

    StagedBody(Path op, Path body, DigestingOutputStream digesting) {
      this.op = op;
      this.body = body;
      this.digesting = digesting;
      this.stream =
          new FilterOutputStream(digesting) {
            @Override
            public void write(byte[] b, int off, int len) throws IOException {
              try {
                digesting.write(b, off, len);
              } catch (org.apache.hadoop.fs.FSError e) {
                throw new IOException(
                    "Cannot store a body in " + owner + ": " + e.getCause().getMessage(),
                    e.getCause());
              }
            }

            @Override
            public void close() throws IOException {
              closeStream();
            }
          };
    }

    @Override
    public OutputStream stream() {
      return stream;
    }

    private void closeStream() throws IOException {
      if (!streamClosed) {
        streamClosed = true;
        digesting.close();
      }
    }

    @Override
    public FileDigest commit() throws IOException {
      if (done) {
        throw new IllegalStateException("Body " + body + " was already committed or aborted");
      }
      closeStream();
      FileDigest digest = digesting.digest();
      Path target = objectPath(digest.hex());
      if (isIntact(target, digest)) {
        touch(target);
      } else {
        replace(body, target);
      }
      done = true;
      deleteQuietly(op);
      return digest;
    }

    @Override
    public void abort() {
      if (done) {
        return;
      }
      done = true;
      try {
        closeStream();
      } catch (IOException ignored) {
        // The bytes are discarded anyway.
      }
      deleteQuietly(op);
    }
  }
}
