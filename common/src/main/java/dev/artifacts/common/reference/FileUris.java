package dev.artifacts.common.reference;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.artifacts.common.ArtifactException;
import dev.artifacts.common.digest.Digests;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;

/**
 * {@code file://} URIs the way Python spells them. W&amp;B's {@code checksum=False} digest of a
 * local file is the base64 MD5 of {@code Path(file).resolve().as_uri()}; neither {@link
 * Path#toUri()} (leaves {@code + = , @ ( )} raw) nor {@link java.io.File#toURI()} ({@code file:/}
 * with one slash) produces the same string, so the encoding is done here byte by byte.
 */
public final class FileUris {
  private static final char[] HEX = "0123456789ABCDEF".toCharArray();

  private FileUris() {}

  /**
   * Python's {@code PurePosixPath(path).as_uri()} for an absolute path: {@code file://} followed by
   * the path with every UTF-8 byte percent-encoded except {@code A-Z a-z 0-9 _ . - ~ /}.
   */
  public static String pythonUri(String absolutePath) {
    if (absolutePath == null || !absolutePath.startsWith("/")) {
      throw new ArtifactException.InvalidInput(
          "Invalid local path '" + absolutePath + "': a file URI needs an absolute path");
    }
    StringBuilder sb = new StringBuilder("file://");
    for (byte b : absolutePath.getBytes(UTF_8)) {
      int c = b & 0xFF;
      if (isUnreserved(c) || c == '/') {
        sb.append((char) c);
      } else {
        sb.append('%').append(HEX[c >> 4]).append(HEX[c & 0xF]);
      }
    }
    return sb.toString();
  }

  /**
   * The {@code checksum=False} digest of a {@code file://} reference: base64 MD5 of the UTF-8
   * {@link #pythonUri} string.
   */
  public static String checksumFalseDigest(String uri) {
    return Digests.md5Base64(uri);
  }

  /**
   * The {@code checksum=False} digest of a local file: symlinks resolved (Python's {@code
   * resolve()}), then {@link #pythonUri}, then MD5.
   */
  public static String checksumFalseDigest(Path file) throws IOException {
    return checksumFalseDigest(pythonUri(file.toRealPath().toString()));
  }

  /**
   * The local path a {@code file://} URI names, as Python's {@code urlparse(uri).path} followed by
   * {@code unquote}: query and fragment are dropped and percent escapes decoded as UTF-8. Accepts
   * raw spaces and non-ASCII characters, which {@link java.net.URI} would reject, because W&amp;B
   * accepts them. An authority other than empty or {@code localhost} is rejected.
   */
  public static Path toPath(String uri) {
    if (uri == null || !uri.regionMatches(true, 0, "file:", 0, 5)) {
      throw new ArtifactException.InvalidInput(
          "Invalid file URI '" + uri + "': it must start with file:");
    }
    String rest = uri.substring(5);
    int end = indexOfAny(rest, '?', '#');
    if (end >= 0) {
      rest = rest.substring(0, end);
    }
    if (rest.startsWith("//")) {
      int slash = rest.indexOf('/', 2);
      String authority = slash < 0 ? rest.substring(2) : rest.substring(2, slash);
      if (!authority.isEmpty() && !authority.equalsIgnoreCase("localhost")) {
        throw new ArtifactException.InvalidInput(
            "Invalid file URI '"
                + uri
                + "': host '"
                + authority
                + "' is not supported, use file:///absolute/path");
      }
      rest = slash < 0 ? "" : rest.substring(slash);
    }
    if (!rest.startsWith("/")) {
      throw new ArtifactException.InvalidInput(
          "Invalid file URI '" + uri + "': it must name an absolute path (file:///...)");
    }
    return Path.of(percentDecode(rest, uri));
  }

  private static String percentDecode(String s, String uri) {
    if (s.indexOf('%') < 0) {
      return s;
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(s.length());
    byte[] bytes = s.getBytes(UTF_8);
    for (int i = 0; i < bytes.length; i++) {
      if (bytes[i] == '%' && i + 2 < bytes.length && isHex(bytes[i + 1]) && isHex(bytes[i + 2])) {
        out.write(Character.digit(bytes[i + 1], 16) * 16 + Character.digit(bytes[i + 2], 16));
        i += 2;
      } else {
        // Python's unquote leaves malformed escapes as they are.
        out.write(bytes[i]);
      }
    }
    return out.toString(UTF_8);
  }

  private static boolean isHex(byte b) {
    return Character.digit(b, 16) >= 0;
  }

  private static boolean isUnreserved(int c) {
    return (c >= 'A' && c <= 'Z')
        || (c >= 'a' && c <= 'z')
        || (c >= '0' && c <= '9')
        || c == '_'
        || c == '.'
        || c == '-'
        || c == '~';
  }

  private static int indexOfAny(String s, char a, char b) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == a || c == b) {
        return i;
      }
    }
    return -1;
  }
}
