package dev.artifacts.common.registry.fs;

import java.io.IOException;
import java.util.UUID;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Put-if-absent for filesystems whose {@code rename} refuses to overwrite and is atomic, such as
 * HDFS (Delta's {@code HDFSLogStore} relies on the same property): write a hidden temporary file
 * next to the target, then rename it; a {@code false} result with the target present means another
 * writer won.
 */
final class RenamePutIfAbsent implements PutIfAbsent {
  static final RenamePutIfAbsent INSTANCE = new RenamePutIfAbsent();

  private RenamePutIfAbsent() {}

  @Override
  public boolean create(FileSystem fs, Path path, byte[] bytes) throws IOException {
    Path dir = path.getParent();
    fs.mkdirs(dir);
    Path temp = new Path(dir, "." + path.getName() + "." + UUID.randomUUID() + ".tmp");
    try {
      try (FSDataOutputStream out = fs.create(temp, false)) {
        out.write(bytes);
        out.hsync();
      }
      if (fs.rename(temp, path)) {
        return true;
      }
      if (fs.exists(path)) {
        return false;
      }
      throw new IOException("Cannot rename " + temp + " to " + path + ": rename returned false");
    } finally {
      try {
        fs.delete(temp, false);
      } catch (IOException ignored) {
        // A leftover hidden temp file is harmless; gc-free because it is never listed as a record.
      }
    }
  }
}
