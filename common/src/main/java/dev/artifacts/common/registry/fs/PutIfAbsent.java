package dev.artifacts.common.registry.fs;

import java.io.IOException;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * The commit point of the embedded registry: create a small file only if nothing exists at that
 * path, atomically, so that of several concurrent committers of {@code vN} exactly one wins. Each
 * filesystem needs its own mechanism (a no-replace link locally, HDFS's failing rename, S3's
 * conditional {@code If-None-Match: *} PUT); {@link #forFileSystem} picks it.
 */
public interface PutIfAbsent {

  /**
   * Writes {@code bytes} to {@code path} if and only if no file exists there. Readers never see a
   * partial file.
   *
   * @return true if this call created the file, false if a file already existed
   * @throws IOException if the outcome could not be established
   */
  boolean create(FileSystem fs, Path path, byte[] bytes) throws IOException;

  /** The atomic mechanism for {@code fs}'s scheme. */
  static PutIfAbsent forFileSystem(FileSystem fs) {
    return PutIfAbsentStrategies.forFileSystem(fs);
  }
}
