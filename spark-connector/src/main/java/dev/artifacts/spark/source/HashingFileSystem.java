package dev.artifacts.spark.source;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.permission.FsPermission;
import org.apache.hadoop.util.Progressable;

/**
 * The private {@code artifacthash://} filesystem that Spark's file format writers write through.
 *
 * <p>Spark's {@code OutputWriter}s (Parquet, ORC, CSV, JSON, text) only accept a path and open it
 * with {@code path.getFileSystem(conf).create(path)}. To hash every byte while it is written, with
 * no second read, a task registers each file it is about to write under its (task-attempt unique)
 * file name together with a {@link Target} that opens the real, digesting stream: a registry body
 * for {@code storage=files}, a file under {@code location} for {@code storage=reference}. The
 * writer then gets {@code artifacthash://<operation>/<logical dir>/<unique name>}, and {@link
 * #create} hands it the target's stream.
 *
 * <p>The scheme is registered only in the job's Hadoop configuration ({@code fs.artifacthash.impl},
 * with the filesystem cache disabled), never globally. Everything but {@code create} and a status
 * of a registered file is unsupported: the format writers need nothing else.
 */
final class HashingFileSystem extends FileSystem {
  static final String SCHEME = "artifacthash";

  /** Opens the real stream of one file. Called once, by the format writer's {@code create}. */
  interface Target {
    OutputStream open() throws IOException;
  }

  // Keyed by the unique file name; static because the format writer gets a fresh FileSystem
  // instance (cache disabled) that shares nothing else with the task.
  private static final Map<String, Target> TARGETS = new ConcurrentHashMap<>();

  private URI uri;

  /** Sets {@code conf} up so that {@code artifacthash://} paths resolve to this class. */
  static void install(Configuration conf) {
    conf.set("fs." + SCHEME + ".impl", HashingFileSystem.class.getName());
    conf.setBoolean("fs." + SCHEME + ".impl.disable.cache", true);
  }

  static void register(String uniqueName, Target target) {
    if (TARGETS.putIfAbsent(uniqueName, target) != null) {
      throw new IllegalStateException("File name " + uniqueName + " is already being written");
    }
  }

  static void unregister(String uniqueName) {
    TARGETS.remove(uniqueName);
  }

  static String path(String operationId, String logicalDir, String uniqueName) {
    return SCHEME
        + "://"
        + operationId
        + "/"
        + (logicalDir.isEmpty() ? "" : logicalDir + "/")
        + uniqueName;
  }

  @Override
  public void initialize(URI name, Configuration conf) throws IOException {
    super.initialize(name, conf);
    this.uri =
        URI.create(SCHEME + "://" + (name.getAuthority() == null ? "" : name.getAuthority()));
  }

  @Override
  public String getScheme() {
    return SCHEME;
  }

  @Override
  public URI getUri() {
    return uri;
  }

  @Override
  public FSDataOutputStream create(
      Path f,
      FsPermission permission,
      boolean overwrite,
      int bufferSize,
      short replication,
      long blockSize,
      Progressable progress)
      throws IOException {
    Target target = TARGETS.get(f.getName());
    if (target == null) {
      throw new IOException(
          "Cannot create " + f + ": it is not a file of a running artifact write task");
    }
    OutputStream out = target.open();
    return new FSDataOutputStream(out, statistics);
  }

  @Override
  public FileStatus getFileStatus(Path f) throws IOException {
    if (TARGETS.containsKey(f.getName())) {
      return new FileStatus(0, false, 1, 0, 0, f);
    }
    throw new FileNotFoundException(f.toString());
  }

  @Override
  public boolean mkdirs(Path f, FsPermission permission) {
    // Directories are implied by the logical paths; the real targets create their own.
    return true;
  }

  @Override
  public FSDataInputStream open(Path f, int bufferSize) throws IOException {
    throw unsupported("open", f);
  }

  @Override
  public FSDataOutputStream append(Path f, int bufferSize, Progressable progress)
      throws IOException {
    throw unsupported("append", f);
  }

  @Override
  public boolean rename(Path src, Path dst) throws IOException {
    throw unsupported("rename", src);
  }

  @Override
  public boolean delete(Path f, boolean recursive) throws IOException {
    throw unsupported("delete", f);
  }

  @Override
  public FileStatus[] listStatus(Path f) throws IOException {
    throw unsupported("list", f);
  }

  @Override
  public void setWorkingDirectory(Path dir) {}

  @Override
  public Path getWorkingDirectory() {
    return new Path(uri.toString() + "/");
  }

  private static IOException unsupported(String op, Path f) {
    return new IOException(
        "Cannot " + op + " " + f + ": artifact write paths only support create (format writers)");
  }
}
