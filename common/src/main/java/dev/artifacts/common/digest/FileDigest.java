package dev.artifacts.common.digest;

import java.util.Arrays;

/** The MD5 and byte length of one file body. */
public record FileDigest(byte[] md5, long size) {
  public FileDigest {
    if (md5 == null || md5.length != 16) {
      throw new IllegalArgumentException("An MD5 digest has 16 bytes");
    }
    if (size < 0) {
      throw new IllegalArgumentException("Invalid size " + size + ": must not be negative");
    }
    md5 = md5.clone();
  }

  @Override
  public byte[] md5() {
    return md5.clone();
  }

  /** The manifest form: padded standard base64. */
  public String base64() {
    return Digests.base64(md5);
  }

  /** The cache and URL form: lowercase hex. */
  public String hex() {
    return Digests.hex(md5);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof FileDigest other && size == other.size && Arrays.equals(md5, other.md5);
  }

  @Override
  public int hashCode() {
    return 31 * Arrays.hashCode(md5) + Long.hashCode(size);
  }

  @Override
  public String toString() {
    return base64() + " (" + size + " bytes)";
  }
}
