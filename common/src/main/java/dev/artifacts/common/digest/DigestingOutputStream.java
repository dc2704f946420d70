package dev.artifacts.common.digest;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.security.MessageDigest;

/**
 * Computes the MD5 and length of everything written through it, so that writers get the manifest
 * digest of a file without reading it back. Not thread-safe, like the stream it wraps.
 */
public final class DigestingOutputStream extends FilterOutputStream {
  private final MessageDigest md5 = Digests.newMd5();
  private long size;
  private FileDigest result;

  public DigestingOutputStream(OutputStream out) {
    super(out);
  }

  @Override
  public void write(int b) throws IOException {
    out.write(b);
    md5.update((byte) b);
    size++;
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    // FilterOutputStream would write byte by byte; forward the whole slice instead.
    out.write(b, off, len);
    md5.update(b, off, len);
    size += len;
  }

  /** Bytes written so far. */
  public long size() {
    return size;
  }

  /**
   * The digest of all bytes written. Finishes the MD5: call it once, after the last write
   * (typically after {@link #close()}).
   */
  public FileDigest digest() {
    if (result == null) {
      result = new FileDigest(md5.digest(), size);
    }
    return result;
  }
}
