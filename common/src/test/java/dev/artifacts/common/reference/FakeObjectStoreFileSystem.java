package dev.artifacts.common.reference;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.function.Supplier;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.EtagSource;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FSInputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;
import org.apache.hadoop.fs.permission.FsPermission;
import org.apache.hadoop.util.Progressable;

/**
 * A read-only in-memory object store registered as a Hadoop filesystem for any scheme (tests map
 * {@code s3a} and {@code gs} to it). Like S3A and the GCS connector, its statuses implement {@link
 * EtagSource}; prefixes behave as directories. Objects live in a static map keyed by {@code
 * scheme://bucket/key}, so tests must use distinct buckets.
 */
public final class FakeObjectStoreFileSystem extends FileSystem {
  private static final Map<String, FakeObject> OBJECTS = new ConcurrentSkipListMap<>();
  static final Map<String, Integer> OPENS = new ConcurrentHashMap<>();

  /** One object; {@code bytes} is produced only when the object is read. */
  record FakeObject(long length, String etag, Supplier<byte[]> bytes) {}

  private URI uri;
  private Path workingDir;

  static void put(String uri, String etag, byte[] bytes) {
    OBJECTS.put(uri, new FakeObject(bytes.length, etag, () -> bytes));
  }

  static void put(String uri, String etag, long length, Supplier<byte[]> bytes) {
    OBJECTS.put(uri, new FakeObject(length, etag, bytes));
  }

  /** Configuration that routes {@code schemes} to this filesystem, uncached. */
  static Configuration configuration(String... schemes) {
    Configuration conf = new Configuration();
    for (String scheme : schemes) {
      conf.set("fs." + scheme + ".impl", FakeObjectStoreFileSystem.class.getName());
      conf.setBoolean("fs." + scheme + ".impl.disable.cache", true);
    }
    return conf;
  }

  @Override
  public void initialize(URI name, Configuration conf) throws IOException {
    super.initialize(name, conf);
    uri = URI.create(name.getScheme() + "://" + name.getAuthority());
    workingDir = new Path(uri.toString() + "/");
  }

  @Override
  public String getScheme() {
    return uri.getScheme();
  }

  @Override
  public URI getUri() {
    return uri;
  }

  private String key(Path path) {
    Path q = makeQualified(path);
    return q.toUri().getScheme() + "://" + q.toUri().getAuthority() + q.toUri().getPath();
  }

  @Override
  public FSDataInputStream open(Path path, int bufferSize) throws IOException {
    FakeObject o = OBJECTS.get(key(path));
    if (o == null) {
      throw new FileNotFoundException(path.toString());
    }
    OPENS.merge(key(path), 1, Integer::sum);
    return new FSDataInputStream(new BytesInput(o.bytes().get()));
  }

  @Override
  public FileStatus getFileStatus(Path path) throws IOException {
    String k = key(path);
    FakeObject o = OBJECTS.get(k);
    if (o != null) {
      return new EtagStatus(o.length(), false, makeQualified(path), o.etag());
    }
    String prefix = k.endsWith("/") ? k : k + "/";
    for (String other : OBJECTS.keySet()) {
      if (other.startsWith(prefix)) {
        return new FileStatus(0, true, 1, 0, 0, makeQualified(path));
      }
    }
    throw new FileNotFoundException(path.toString());
  }

  @Override
  public RemoteIterator<LocatedFileStatus> listFiles(Path path, boolean recursive)
      throws IOException {
    String k = key(path);
    String prefix = k.endsWith("/") ? k : k + "/";
    List<LocatedFileStatus> found = new ArrayList<>();
    for (Map.Entry<String, FakeObject> e : OBJECTS.entrySet()) {
      String rest = e.getKey().startsWith(prefix) ? e.getKey().substring(prefix.length()) : null;
      if (rest != null && (recursive || !rest.contains("/"))) {
        FakeObject o = e.getValue();
        found.add(new EtagLocatedStatus(o.length(), new Path(e.getKey()), o.etag()));
      }
    }
    Iterator<LocatedFileStatus> it = found.iterator();
    return new RemoteIterator<>() {
      @Override
      public boolean hasNext() {
        return it.hasNext();
      }

      @Override
      public LocatedFileStatus next() {
        if (!it.hasNext()) {
          throw new NoSuchElementException();
        }
        return it.next();
      }
    };
  }

  @Override
  public FileStatus[] listStatus(Path path) throws IOException {
    throw new UnsupportedOperationException("listStatus is not needed by the tests");
  }

  @Override
  public FSDataOutputStream create(
      Path f,
      FsPermission permission,
      boolean overwrite,
      int bufferSize,
      short replication,
      long blockSize,
      Progressable progress) {
    throw new UnsupportedOperationException("read-only");
  }

  @Override
  public FSDataOutputStream append(Path f, int bufferSize, Progressable progress) {
    throw new UnsupportedOperationException("read-only");
  }

  @Override
  public boolean rename(Path src, Path dst) {
    throw new UnsupportedOperationException("read-only");
  }

  @Override
  public boolean delete(Path f, boolean recursive) {
    throw new UnsupportedOperationException("read-only");
  }

  @Override
  public void setWorkingDirectory(Path dir) {
    workingDir = dir;
  }

  @Override
  public Path getWorkingDirectory() {
    return workingDir;
  }

  @Override
  public boolean mkdirs(Path f, FsPermission permission) {
    throw new UnsupportedOperationException("read-only");
  }

  static final class EtagStatus extends FileStatus implements EtagSource {
    private final String etag;

    EtagStatus(long length, boolean dir, Path path, String etag) {
      super(length, dir, 1, 0, 0, path);
      this.etag = etag;
    }

    @Override
    public String getEtag() {
      return etag;
    }
  }

  static final class EtagLocatedStatus extends LocatedFileStatus implements EtagSource {
    private final String etag;

    EtagLocatedStatus(long length, Path path, String etag) {
      super(new FileStatus(length, false, 1, 0, 0, path), null);
      this.etag = etag;
    }

    @Override
    public String getEtag() {
      return etag;
    }
  }

  private static final class BytesInput extends FSInputStream {
    private final byte[] bytes;
    private int pos;

    BytesInput(byte[] bytes) {
      this.bytes = bytes;
    }

    @Override
    public void seek(long target) {
      pos = (int) target;
    }

    @Override
    public long getPos() {
      return pos;
    }

    @Override
    public boolean seekToNewSource(long targetPos) {
      return false;
    }

    @Override
    public int read() {
      return pos < bytes.length ? bytes[pos++] & 0xFF : -1;
    }

    @Override
    public int read(byte[] b, int off, int len) {
      if (pos >= bytes.length) {
        return -1;
      }
      int n = Math.min(len, bytes.length - pos);
      System.arraycopy(bytes, pos, b, off, n);
      pos += n;
      return n;
    }
  }
}
