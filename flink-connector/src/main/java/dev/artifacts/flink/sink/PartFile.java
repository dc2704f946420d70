package dev.artifacts.flink.sink;

import dev.artifacts.common.digest.DigestingOutputStream;
import dev.artifacts.common.digest.FileDigest;
import dev.artifacts.common.manifest.ManifestEntry;
import dev.artifacts.common.reference.WrittenReferences;
import dev.artifacts.common.registry.ContentStore;
import dev.artifacts.common.registry.TaskUploads;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import org.apache.flink.api.common.serialization.BulkWriter;
import org.apache.flink.api.common.serialization.Encoder;
import org.apache.flink.core.fs.FSDataOutputStream;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;
import org.apache.flink.runtime.fs.hdfs.HadoopFileSystem;
import org.apache.flink.util.WrappingProxy;

/**
 * One open part file of a writer subtask. Its bytes are hashed while written, never read back: into
 * a registry body ({@code files}) or through a {@link DigestingOutputStream} over the location
 * filesystem ({@code reference}). {@link #finish} returns the manifest entry.
 */
final class PartFile<IN> {
  private static final int BUFFER = 64 * 1024;

  private final String path;
  private final Target target;
  private final PositionedStream stream;
  private final Encoder<IN> encoder;
  private final BulkWriter<IN> bulk;
  private boolean done;

  private PartFile(String path, Target target, SinkConfig<IN> config) throws IOException {
    this.path = path;
    this.target = target;
    this.stream = new PositionedStream(new BufferedOutputStream(target.stream(), BUFFER));
    this.encoder = config.encoder();
    this.bulk = config.bulkFormat() == null ? null : config.bulkFormat().create(stream);
  }

  /** A part file whose body the registry stores through this writer's task uploads. */
  static <IN> PartFile<IN> stored(String path, TaskUploads uploads, SinkConfig<IN> config)
      throws IOException {
    ContentStore.BodyWriter body = uploads.newBody(path);
    try {
      return new PartFile<>(path, new StoredTarget(body), config);
    } catch (IOException | RuntimeException e) {
      body.abort();
      throw e;
    }
  }

  /** A part file written at {@code location/path} and referenced from the manifest. */
  static <IN> PartFile<IN> referenced(String path, String location, SinkConfig<IN> config)
      throws IOException {
    Path file = new Path(location.endsWith("/") ? location + path : location + "/" + path);
    FileSystem fs = file.getFileSystem();
    ReferenceTarget target =
        new ReferenceTarget(fs, file, fs.create(file, FileSystem.WriteMode.NO_OVERWRITE));
    try {
      return new PartFile<>(path, target, config);
    } catch (IOException | RuntimeException e) {
      target.abort();
      throw e;
    }
  }

  void write(IN element) throws IOException {
    if (bulk != null) {
      bulk.addElement(element);
    } else {
      encoder.encode(element, stream);
    }
  }

  long bytesWritten() {
    return stream.getPos();
  }

  ManifestEntry finish() throws IOException {
    done = true;
    try {
      if (bulk != null) {
        bulk.finish(); // flushes the format's buffers; must not close the stream
      }
      stream.flush();
      stream.closeUnderlying();
      return target.commit(path);
    } catch (IOException | RuntimeException e) {
      target.abort();
      throw e;
    }
  }

  /** Discards the file; used when the writer closes without a checkpoint (failure, cancel). */
  void abort() {
    if (!done) {
      done = true;
      target.abort();
    }
  }

  private interface Target {
    OutputStream stream();

    ManifestEntry commit(String path) throws IOException;

    void abort();
  }

  private static final class StoredTarget implements Target {
    private final ContentStore.BodyWriter body;

    StoredTarget(ContentStore.BodyWriter body) {
      this.body = body;
    }

    @Override
    public OutputStream stream() {
      return body.stream();
    }

    @Override
    public ManifestEntry commit(String path) throws IOException {
      FileDigest d = body.commit();
      return ManifestEntry.file(path, d.base64(), d.size());
    }

    @Override
    public void abort() {
      body.abort();
    }
  }

  private static final class ReferenceTarget implements Target {
    private final FileSystem fs;
    private final Path file;
    private final DigestingOutputStream out;

    ReferenceTarget(FileSystem fs, Path file, FSDataOutputStream out) {
      this.fs = fs;
      this.file = file;
      this.out = new DigestingOutputStream(out);
    }

    @Override
    public OutputStream stream() {
      return out;
    }

    @Override
    public ManifestEntry commit(String path) throws IOException {
      FileDigest d = out.digest();
      URI location = file.toUri();
      String etag = WrittenReferences.needsEtag(location) ? etagOf(fs, file) : null;
      return WrittenReferences.entry(path, location, d, etag);
    }

    @Override
    public void abort() {
      try {
        out.close();
      } catch (IOException e) {
        // Deleting below is what matters.
      }
      try {
        fs.delete(file, false);
      } catch (IOException e) {
        // An orphan file no version references; harmless.
      }
    }
  }

  /**
   * The object's ETag after close, read through the Hadoop filesystem under Flink's {@link
   * HadoopFileSystem} (Flink's Hadoop fallback for {@code s3a://}). Flink's own filesystem API has
   * no ETag, and plugin filesystems ({@code flink-s3-fs-hadoop}) are wrapped in a plugin class
   * loader this code cannot see into: for those {@code null} is returned and the rule records the
   * content MD5 with a warning.
   */
  private static String etagOf(FileSystem fs, Path file) throws IOException {
    try {
      // Task threads see filesystems behind Flink's safety-net wrapper.
      FileSystem unwrapped = fs;
      while (unwrapped instanceof WrappingProxy<?> proxy
          && proxy.getWrappedDelegate() instanceof FileSystem delegate
          && delegate != unwrapped) {
        unwrapped = delegate;
      }
      if (unwrapped instanceof HadoopFileSystem hadoop) {
        return WrittenReferences.etagOf(
            hadoop.getHadoopFileSystem().getFileStatus(HadoopFileSystem.toHadoopPath(file)));
      }
    } catch (LinkageError e) {
      // flink-hadoop-fs (or Hadoop) is not on this job's class path: no Hadoop filesystem here.
    }
    return null;
  }

  /**
   * The stream formats see: Flink's {@link BulkWriter.Factory} wants an {@link FSDataOutputStream}
   * with a position. Formats must not close it (the {@link BulkWriter} contract); a close is
   * ignored so that a misbehaving format cannot end the body before it is committed.
   */
  private static final class PositionedStream extends FSDataOutputStream {
    private final OutputStream out;
    private long pos;
    private boolean closed;

    PositionedStream(OutputStream out) {
      this.out = out;
    }

    @Override
    public void write(int b) throws IOException {
      out.write(b);
      pos++;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      out.write(b, off, len);
      pos += len;
    }

    @Override
    public long getPos() {
      return pos;
    }

    @Override
    public void flush() throws IOException {
      out.flush();
    }

    @Override
    public void sync() throws IOException {
      out.flush();
    }

    @Override
    public void close() {}

    void closeUnderlying() throws IOException {
      if (!closed) {
        closed = true;
        out.close();
      }
    }
  }
}
