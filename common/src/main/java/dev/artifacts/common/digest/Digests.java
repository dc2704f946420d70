package dev.artifacts.common.digest;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * The digest encodings W&amp;B uses. Entry digests and upload checksums are padded standard base64
 * of an MD5; artifact digests and cache paths are lowercase hex. Mixing them up is the most common
 * interoperability bug, so every conversion lives here.
 */
public final class Digests {
  /** Header line that starts every artifact digest ({@code MANIFEST_MD5}). */
  public static final String ARTIFACT_DIGEST_HEADER = "wandb-artifact-manifest-v1\n";

  /** Base64 MD5 of zero bytes: the digest of an empty file. */
  public static final String EMPTY_FILE_DIGEST = "1B2M2Y8AsgTpgAmY7PhCfg==";

  /**
   * Orders strings by Unicode code point, which is the order of their UTF-8 bytes compared as
   * unsigned values: the order W&amp;B sorts manifest paths in. {@link String#compareTo} compares
   * UTF-16 code units and puts supplementary characters (U+1F600) before U+E000..U+FFFF (U+FF5A),
   * which yields a wrong artifact digest. This comparator allocates nothing.
   */
  public static final Comparator<String> CODE_POINT_ORDER = Digests::compareCodePoints;

  private static final HexFormat HEX = HexFormat.of();
  private static final int BUFFER_SIZE = 1 << 16;

  /**
   * Direct read buffers for {@link #digest(Path)}, reused because allocating one costs more than
   * hashing a small file. Bounded: a burst of threads allocates more, and the surplus is dropped.
   */
  private static final BlockingQueue<ByteBuffer> DIRECT_BUFFERS = new ArrayBlockingQueue<>(64);

  private Digests() {}

  public static MessageDigest newMd5() {
    try {
      return MessageDigest.getInstance("MD5");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("MD5 is required by every Java platform", e);
    }
  }

  public static String base64(byte[] md5) {
    return Base64.getEncoder().encodeToString(md5);
  }

  public static String hex(byte[] md5) {
    return HEX.formatHex(md5);
  }

  /** Lowercase hex of a base64 entry digest, as used in cache paths and URLs. */
  public static String base64ToHex(String base64Digest) {
    return HEX.formatHex(Base64.getDecoder().decode(base64Digest));
  }

  public static String hexToBase64(String hexDigest) {
    return Base64.getEncoder().encodeToString(HEX.parseHex(hexDigest));
  }

  /** True if {@code digest} has the shape of a padded base64 MD5 (24 characters, 16 bytes). */
  public static boolean isBase64Md5(String digest) {
    if (digest == null || digest.length() != 24 || !digest.endsWith("==")) {
      return false;
    }
    try {
      return Base64.getDecoder().decode(digest).length == 16;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  public static String md5Base64(byte[] bytes) {
    return base64(newMd5().digest(bytes));
  }

  public static String md5Base64(String text) {
    return md5Base64(text.getBytes(UTF_8));
  }

  /** Reads the stream to its end and returns its MD5 and length. Does not close the stream. */
  public static FileDigest digest(InputStream in) throws IOException {
    MessageDigest md5 = newMd5();
    byte[] buffer = new byte[BUFFER_SIZE];
    long size = 0;
    for (int n; (n = in.read(buffer)) != -1; ) {
      md5.update(buffer, 0, n);
      size += n;
    }
    return new FileDigest(md5.digest(), size);
  }

  /**
   * MD5 and length of a local file. Reads through a {@link FileChannel} into a pooled direct buffer
   * and hashes from it. A stream allocates a fresh array per file and goes through the JDK's
   * temporary direct buffer on every read; with every core hashing page-cached files, that measured
   * about 5% slower.
   */
  public static FileDigest digest(Path file) throws IOException {
    MessageDigest md5 = newMd5();
    ByteBuffer buffer = takeDirectBuffer();
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
      long size = 0;
      while (channel.read(buffer.clear()) != -1) {
        size += buffer.flip().remaining();
        md5.update(buffer);
      }
      return new FileDigest(md5.digest(), size);
    } finally {
      DIRECT_BUFFERS.offer(buffer);
    }
  }

  private static ByteBuffer takeDirectBuffer() {
    ByteBuffer pooled = DIRECT_BUFFERS.poll();
    return pooled != null ? pooled : ByteBuffer.allocateDirect(BUFFER_SIZE);
  }

  /** Like {@link #digest(Path)} for use in streams and lambdas. */
  public static FileDigest digestUnchecked(Path file) {
    try {
      return digest(file);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot hash " + file + ": " + e.getMessage(), e);
    }
  }

  static int compareCodePoints(String a, String b) {
    int n = Math.min(a.length(), b.length());
    for (int i = 0; i < n; i++) {
      char x = a.charAt(i);
      char y = b.charAt(i);
      if (x != y) {
        return Integer.compare(codePointRank(x), codePointRank(y));
      }
    }
    return Integer.compare(a.length(), b.length());
  }

  /**
   * Maps a UTF-16 code unit so that code-unit comparison equals code-point comparison: surrogates
   * (which only encode code points above U+FFFF) must rank above U+E000..U+FFFF.
   */
  private static int codePointRank(char c) {
    if (c >= 0xE000) {
      return c - 0x800;
    }
    if (c >= 0xD800) {
      return c + 0x2000;
    }
    return c;
  }
}
