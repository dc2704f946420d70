package dev.artifacts.common.name;

import dev.artifacts.common.ArtifactException;
import java.util.ArrayList;
import java.util.List;

/**
 * Entry path rules ({@code validate_relpath}): paths are normalised to POSIX form ({@code a//b/./c}
 * becomes {@code a/b/c}) and rejected when they are empty, {@code .}, absolute, or contain a {@code
 * ..} segment under either POSIX or Windows parsing. Checked when an entry is added and again
 * before anything is written under a download root, so a manifest cannot escape its root.
 */
public final class EntryPaths {
  private EntryPaths() {}

  /** Returns the normalised path or throws naming the artifact and the path. */
  public static String normalize(String path, Object artifact) {
    if (path != null && isPlainNormal(path)) {
      return path; // the common case, checked without allocating
    }
    if (path == null || path.isEmpty()) {
      throw invalid(path, artifact, "it is empty");
    }
    if (hasUnpairedSurrogate(path)) {
      throw invalid(path, artifact, "it contains an unpaired surrogate");
    }
    if (path.indexOf('\0') >= 0) {
      throw invalid(path, artifact, "it contains a NUL character");
    }
    if (path.startsWith("/") || path.startsWith("\\")) {
      throw invalid(path, artifact, "it is absolute");
    }
    if (path.length() >= 2 && path.charAt(1) == ':' && isAsciiLetter(path.charAt(0))) {
      throw invalid(path, artifact, "it starts with a Windows drive");
    }
    for (String segment : path.split("[/\\\\]", -1)) {
      if (segment.equals("..")) {
        throw invalid(path, artifact, "it contains a '..' segment");
      }
    }
    List<String> kept = new ArrayList<>();
    for (String segment : path.split("/", -1)) {
      if (!segment.isEmpty() && !segment.equals(".")) {
        kept.add(segment);
      }
    }
    if (kept.isEmpty()) {
      throw invalid(path, artifact, "it names no file");
    }
    return String.join("/", kept);
  }

  /**
   * True for a path that needs no change and breaks no rule: non-empty, no backslash, NUL or
   * surrogate, no leading drive, no empty, {@code .} or {@code ..} segment, not absolute, no
   * trailing slash. Anything else takes the full path through {@link #normalize}.
   */
  private static boolean isPlainNormal(String path) {
    int n = path.length();
    if (n == 0 || (n >= 2 && path.charAt(1) == ':')) {
      return false;
    }
    int segmentStart = 0;
    for (int i = 0; i <= n; i++) {
      char c = i < n ? path.charAt(i) : '/';
      if (c == '/') {
        int len = i - segmentStart;
        if (len == 0
            || (len == 1 && path.charAt(segmentStart) == '.')
            || (len == 2
                && path.charAt(segmentStart) == '.'
                && path.charAt(segmentStart + 1) == '.')) {
          return false;
        }
        segmentStart = i + 1;
      } else if (c == '\\' || c == '\0' || Character.isSurrogate(c)) {
        return false;
      }
    }
    return true;
  }

  private static boolean isAsciiLetter(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
  }

  private static boolean hasUnpairedSurrogate(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isHighSurrogate(c)) {
        if (i + 1 >= s.length() || !Character.isLowSurrogate(s.charAt(i + 1))) {
          return true;
        }
        i++;
      } else if (Character.isLowSurrogate(c)) {
        return true;
      }
    }
    return false;
  }

  private static ArtifactException.InvalidInput invalid(String path, Object artifact, String why) {
    return new ArtifactException.InvalidInput(
        "Invalid entry path '" + path + "' in " + artifact + ": " + why);
  }
}
