package dev.artifacts.common.registry.fs;

import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;
import java.util.UUID;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;

/**
 * Put-if-absent on a local (POSIX) filesystem. {@code rename(2)} silently replaces an existing
 * target, so it cannot be the commit point; {@code link(2)} fails atomically with {@code EEXIST}
 * instead. The bytes go to a hidden temporary file in the target's directory first, are forced to
 * disk, and are then hard-linked to the target, so readers never see a partial file.
 */
final class LocalPutIfAbsent implements PutIfAbsent {
  static final LocalPutIfAbsent INSTANCE = new LocalPutIfAbsent();

  private LocalPutIfAbsent() {}

  @Override
  public boolean create(FileSystem fs, Path path, byte[] bytes) throws IOException {
    java.nio.file.Path target = toFile(fs, path).toPath();
    java.nio.file.Path dir = target.getParent();
    Files.createDirectories(dir);
    java.nio.file.Path temp =
        dir.resolve("." + target.getFileName() + "." + UUID.randomUUID() + ".tmp");
    try {
      try (FileChannel ch =
          FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
        ByteBuffer buf = ByteBuffer.wrap(bytes);
        while (buf.hasRemaining()) {
          ch.write(buf);
        }
        ch.force(true);
      }
      try {
        Files.createLink(target, temp);
        return true;
      } catch (FileAlreadyExistsException e) {
        return false;
      } catch (java.nio.file.FileSystemException e) {
        // Its message is only the paths when the OS gives no reason; say what was attempted.
        throw new IOException(
            "Cannot create "
                + target
                + " by hard-linking "
                + temp
                + ": "
                + (e.getReason() != null && !e.getReason().isBlank()
                    ? e.getReason()
                    : e.getClass().getSimpleName()
                        + " without a reason (does this filesystem support hard links?)"),
            e);
      }
    } finally {
      Files.deleteIfExists(temp);
    }
  }

  static File toFile(FileSystem fs, Path path) {
    if (fs instanceof RawLocalFileSystem raw) {
      return raw.pathToFile(path);
    }
    if (fs instanceof LocalFileSystem local) {
      return local.pathToFile(path);
    }
    return new File(path.toUri().getPath());
  }
}
