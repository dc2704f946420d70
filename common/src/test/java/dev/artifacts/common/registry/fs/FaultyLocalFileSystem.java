package dev.artifacts.common.registry.fs;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.nio.file.Path;
import java.util.function.Consumer;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FSError;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.apache.hadoop.fs.permission.FsPermission;
import org.apache.hadoop.util.Progressable;

/**
 * The real local filesystem with hooks that make races deterministic and faults reproducible:
 * {@link #beforeDelete}/{@link #beforeList} run before the real call (to slow it down or run a
 * racing writer at exactly that point), {@link #readOnly} makes it behave as a read-only mount does
 * for {@link RawLocalFileSystem} (delete, rename and mkdirs return false, create fails), and {@link
 * #diskFull} makes writes of data fail with the {@link FSError} the local filesystem throws then.
 *
 * <p>{@link #crashAt} simulates a process killed at its Nth filesystem change: every create,
 * rename, delete, time change and put-if-absent counts as one change; the Nth and every later one
 * throws {@link Crash} (an {@link Error}, so no {@code catch (RuntimeException)} in the registry
 * can recover from it) without happening. Whatever reached the disk before stays, as after {@code
 * kill -9}.
 */
public final class FaultyLocalFileSystem extends RawLocalFileSystem {
  /** Thrown instead of the change at which the simulated process dies, and at every later one. */
  public static final class Crash extends Error {
    Crash(String message) {
      super(message);
    }
  }

  private final java.util.concurrent.atomic.AtomicInteger changes =
      new java.util.concurrent.atomic.AtomicInteger();
  private volatile int crashAt = Integer.MAX_VALUE;
  private volatile boolean crashed;
  volatile Consumer<org.apache.hadoop.fs.Path> beforeDelete = p -> {};
  volatile Consumer<org.apache.hadoop.fs.Path> beforeList = p -> {};
  volatile boolean readOnly;
  volatile boolean diskFull;

  public FaultyLocalFileSystem() {
    try {
      initialize(URI.create("file:///"), new Configuration());
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** Dies (throws {@link Crash}) at the {@code n}th change from now on (1 = the next one). */
  public void crashAt(int n) {
    changes.set(0);
    crashed = false;
    crashAt = n;
  }

  /** Changes counted since the last {@link #crashAt}, the one that crashed included. */
  public int changes() {
    return changes.get();
  }

  /** Whether the simulated process died. */
  public boolean crashed() {
    return crashed;
  }

  private void change(String what, org.apache.hadoop.fs.Path p) {
    if (crashed) {
      throw new Crash("already crashed; " + what + " " + p);
    }
    if (changes.incrementAndGet() >= crashAt) {
      crashed = true;
      throw new Crash("crashed at change " + crashAt + ": " + what + " " + p);
    }
  }

  /** A registry rooted at {@code root} on this filesystem. */
  public FileSystemRegistry registry(Path root) {
    org.apache.hadoop.fs.Path rootPath = makeQualified(new org.apache.hadoop.fs.Path(root.toUri()));
    return new FileSystemRegistry(
        root.toUri().toString(),
        this,
        null,
        rootPath,
        new FakeReferences(),
        (fs, path, bytes) -> {
          if (readOnly) {
            throw new java.nio.file.AccessDeniedException(path + ": Read-only file system");
          }
          change("put-if-absent", path);
          return LocalPutIfAbsent.INSTANCE.create(fs, path, bytes);
        });
  }

  @Override
  public boolean delete(org.apache.hadoop.fs.Path p, boolean recursive) throws IOException {
    beforeDelete.accept(p);
    change("delete", p);
    return !readOnly && super.delete(p, recursive);
  }

  @Override
  public FileStatus[] listStatus(org.apache.hadoop.fs.Path p) throws IOException {
    beforeList.accept(p);
    return super.listStatus(p);
  }

  @Override
  public boolean rename(org.apache.hadoop.fs.Path src, org.apache.hadoop.fs.Path dst)
      throws IOException {
    change("rename to " + dst + " from", src);
    return !readOnly && super.rename(src, dst);
  }

  @Override
  public boolean mkdirs(org.apache.hadoop.fs.Path p, FsPermission permission) throws IOException {
    if (readOnly) {
      return exists(p) && getFileStatus(p).isDirectory();
    }
    return super.mkdirs(p, permission);
  }

  @Override
  public boolean mkdirs(org.apache.hadoop.fs.Path p) throws IOException {
    return mkdirs(p, FsPermission.getDirDefault());
  }

  @Override
  public void setTimes(org.apache.hadoop.fs.Path p, long mtime, long atime) throws IOException {
    if (readOnly) {
      throw new IOException(p + ": Read-only file system");
    }
    change("set times of", p);
    super.setTimes(p, mtime, atime);
  }

  @Override
  public FSDataOutputStream create(
      org.apache.hadoop.fs.Path f,
      FsPermission permission,
      boolean overwrite,
      int bufferSize,
      short replication,
      long blockSize,
      Progressable progress)
      throws IOException {
    if (readOnly) {
      throw new FileNotFoundException(f + " (Read-only file system)");
    }
    change("create", f);
    return faulty(
        super.create(f, permission, overwrite, bufferSize, replication, blockSize, progress));
  }

  @Override
  public FSDataOutputStream create(
      org.apache.hadoop.fs.Path f,
      boolean overwrite,
      int bufferSize,
      short replication,
      long blockSize,
      Progressable progress)
      throws IOException {
    if (readOnly) {
      throw new FileNotFoundException(f + " (Read-only file system)");
    }
    change("create", f);
    return faulty(super.create(f, overwrite, bufferSize, replication, blockSize, progress));
  }

  private FSDataOutputStream faulty(FSDataOutputStream real) throws IOException {
    if (!diskFull) {
      return real;
    }
    return new FSDataOutputStream(
        new OutputStream() {
          @Override
          public void write(int b) {
            throw diskFullError();
          }

          @Override
          public void write(byte[] b, int off, int len) {
            throw diskFullError();
          }

          @Override
          public void close() throws IOException {
            real.close();
          }
        },
        null);
  }

  @Override
  public FSDataOutputStream createNonRecursive(
      org.apache.hadoop.fs.Path f,
      FsPermission permission,
      java.util.EnumSet<org.apache.hadoop.fs.CreateFlag> flags,
      int bufferSize,
      short replication,
      long blockSize,
      Progressable progress)
      throws IOException {
    if (readOnly) {
      throw new FileNotFoundException(f + " (Read-only file system)");
    }
    change("create", f);
    return super.createNonRecursive(
        f, permission, flags, bufferSize, replication, blockSize, progress);
  }

  /** What {@link RawLocalFileSystem}'s output stream throws when the disk is full. */
  static FSError diskFullError() {
    try {
      var constructor = FSError.class.getDeclaredConstructor(Throwable.class);
      constructor.setAccessible(true);
      return constructor.newInstance(new IOException("No space left on device"));
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException(e);
    }
  }
}
