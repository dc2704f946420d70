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
