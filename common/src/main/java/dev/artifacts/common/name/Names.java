package dev.artifacts.common.name;

import dev.artifacts.common.ArtifactException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.regex.Pattern;

/**
 * W&amp;B's client-side validation of collection names, projects, types, aliases, tags and metadata
 * ({@code wandb/sdk/artifacts/_validators.py}). Each check throws {@link
 * ArtifactException.InvalidInput} whose message starts with the artifact concerned and quotes the
 * offending value.
 */
public final class Names {
  public static final int MAX_LENGTH = 128;
  public static final int MAX_METADATA_KEYS = 100;

  private static final Pattern NAME = Pattern.compile("^[a-zA-Z0-9_\\-.]+$");

  /**
   * The server's type pattern; {@code \w} is Unicode-aware there (Python/pydantic), so here too.
   */
  private static final Pattern TYPE =
      Pattern.compile("^[-\\w]+([ ]*[-.\\w]+)*$", Pattern.UNICODE_CHARACTER_CLASS);

  private static final Pattern TAG =
      Pattern.compile("^[-\\w]+( +[-\\w]+)*$", Pattern.UNICODE_CHARACTER_CLASS);
  private static final String PROJECT_FORBIDDEN = "/\\#?%:\r\n";

  private Names() {}

  /** Validates the name of a collection that is about to receive a new version. */
  public static void validateName(String name, Object artifact) {
    if (name.isEmpty()) {
      throw invalid(artifact, "name", name, "it must not be empty");
    }
    if (name.length() > MAX_LENGTH) {
      throw invalid(artifact, "name", name, "it is longer than " + MAX_LENGTH + " characters");
    }
    if (!NAME.matcher(name).matches()) {
      throw invalid(
          artifact,
          "name",
          name,
          "names may only contain letters, digits, '-', '_' and '.' (no spaces, ':' or '/')");
    }
  }

  public static void validateProject(String project, Object artifact) {
    if (project.isEmpty() || project.length() > MAX_LENGTH) {
      throw invalid(artifact, "project", project, "it must have 1 to 128 characters");
    }
    for (int i = 0; i < project.length(); i++) {
      if (PROJECT_FORBIDDEN.indexOf(project.charAt(i)) >= 0) {
        throw invalid(
            artifact, "project", project, "projects cannot contain / \\ # ? % : or line breaks");
      }
    }
  }

  /** Validates a type for a collection called {@code name}, including W&amp;B's reserved types. */
  public static void validateType(String type, String name, Object artifact) {
    if (type == null || type.isEmpty() || type.length() > MAX_LENGTH) {
      throw invalid(artifact, "type", type, "it must have 1 to 128 characters");
    }
    if (type.indexOf('/') >= 0 || type.indexOf(':') >= 0) {
      throw invalid(artifact, "type", type, "types cannot contain '/' or ':'");
    }
    boolean reserved =
        type.startsWith("wandb-")
            || type.equals("job")
            || (type.equals("run_table") && name.startsWith("run-"))
            || (type.equals("code") && name.startsWith("source-"));
    if (reserved) {
      throw invalid(artifact, "type", type, "it is reserved for internal use by W&B");
    }
    if (!TYPE.matcher(type).matches()) {
      throw invalid(
          artifact,
          "type",
          type,
          "types may contain letters, digits, '-', '_', '.' and inner spaces");
    }
  }

  /**
   * Validates an alias: 1 to 128 characters, no {@code /} or {@code :}, no invisible characters
   * (control, format such as zero-width joiners, line and paragraph separators) so that two aliases
   * never print identically, and no {@code vN} form too large to be a version index (it would look
   * like a version alias but resolve as a plain alias).
   */
  public static void validateAlias(String alias, Object artifact) {
    if (alias.isEmpty() || alias.length() > MAX_LENGTH) {
      throw invalid(artifact, "alias", alias, "aliases must have 1 to 128 characters");
    }
    if (alias.indexOf('/') >= 0 || alias.indexOf(':') >= 0) {
      throw invalid(artifact, "alias", alias, "aliases cannot contain '/' or ':'");
    }
    for (int i = 0; i < alias.length(); ) {
      int cp = alias.codePointAt(i);
      int type = Character.getType(cp);
      if (type == Character.CONTROL
          || type == Character.FORMAT
          || type == Character.LINE_SEPARATOR
          || type == Character.PARAGRAPH_SEPARATOR) {
        throw invalid(
            artifact,
            "alias",
            printable(alias),
            String.format(
                "aliases cannot contain invisible or control characters (U+%04X at %d)", cp, i));
      }
      i += Character.charCount(cp);
    }
    if (looksLikeVersion(alias) && versionIndex(alias).isEmpty()) {
      throw invalid(
          artifact,
          "alias",
          alias,
          "it has the form of a version alias vN but N is larger than any version index");
    }
  }

  /**
   * Validates an alias and returns its Unicode NFC form, so that an alias typed in decomposed form
   * (as macOS file names are) is the same alias as its composed twin, not a look-alike.
   */
  public static String normalizeAlias(String alias, Object artifact) {
    validateAlias(alias, artifact);
    return java.text.Normalizer.normalize(alias, java.text.Normalizer.Form.NFC);
  }

  /** Validates aliases, normalises them (NFC) and removes duplicates, keeping the first. */
  public static List<String> normalizeAliases(Collection<String> aliases, Object artifact) {
    LinkedHashSet<String> unique = new LinkedHashSet<>();
    for (String alias : aliases) {
      unique.add(normalizeAlias(alias, artifact));
    }
    return List.copyOf(unique);
  }

  private static boolean looksLikeVersion(String alias) {
    if (alias.length() < 2 || alias.charAt(0) != 'v') {
      return false;
    }
    for (int i = 1; i < alias.length(); i++) {
      if (!Character.isDigit(alias.charAt(i))) {
        return false;
      }
    }
    return true;
  }

  /** The alias with invisible characters escaped, for an error message that shows them. */
  private static String printable(String alias) {
    StringBuilder sb = new StringBuilder();
    alias
        .codePoints()
        .forEach(
            cp -> {
              int type = Character.getType(cp);
              if (type == Character.CONTROL
                  || type == Character.FORMAT
                  || type == Character.LINE_SEPARATOR
                  || type == Character.PARAGRAPH_SEPARATOR) {
                sb.append(String.format("\\u%04X", cp));
              } else {
                sb.appendCodePoint(cp);
              }
            });
    return sb.toString();
  }

  /** Validates tags and removes duplicates, keeping the first occurrence. */
  public static List<String> normalizeTags(Collection<String> tags, Object artifact) {
    LinkedHashSet<String> unique = new LinkedHashSet<>();
    for (String tag : tags) {
      if (tag == null || tag.length() > MAX_LENGTH || !TAG.matcher(tag).matches()) {
        throw invalid(
            artifact,
            "tag",
            tag,
            "tags are words of letters, digits, '-' and '_' separated by single spaces");
      }
      unique.add(tag);
    }
    return List.copyOf(unique);
  }

  /**
   * Checks metadata as W&amp;B does: at most 100 top-level keys, NaN becomes {@code null}, infinite
   * numbers are rejected. Returns a normalised deep copy.
   */
  public static Map<String, Object> normalizeMetadata(Map<String, ?> metadata, Object artifact) {
    if (metadata.size() > MAX_METADATA_KEYS) {
      throw new ArtifactException.InvalidInput(
          "Invalid metadata for "
              + artifact
              + ": "
              + metadata.size()
              + " keys, at most "
              + MAX_METADATA_KEYS
              + " are allowed");
    }
    Map<String, Object> copy = new LinkedHashMap<>();
    metadata.forEach((k, v) -> copy.put(k, normalizeValue(v, k, artifact)));
    return java.util.Collections.unmodifiableMap(copy);
  }

  private static Object normalizeValue(Object value, String key, Object artifact) {
    if (value instanceof Double d || value instanceof Float) {
      double x = ((Number) value).doubleValue();
      if (Double.isNaN(x)) {
        return null;
      }
      if (Double.isInfinite(x)) {
        throw new ArtifactException.InvalidInput(
            "Invalid metadata for " + artifact + ": key '" + key + "' is infinite");
      }
      return value;
    }
    if (value instanceof Map<?, ?> map) {
      Map<String, Object> copy = new LinkedHashMap<>();
      map.forEach((k, v) -> copy.put(String.valueOf(k), normalizeValue(v, key, artifact)));
      return java.util.Collections.unmodifiableMap(copy);
    }
    if (value instanceof Collection<?> list) {
      List<Object> copy = new ArrayList<>();
      list.forEach(v -> copy.add(normalizeValue(v, key, artifact)));
      return java.util.Collections.unmodifiableList(copy);
    }
    return value;
  }

  /**
   * The version index of a {@code vN} alias, if it is one. Like Python's {@code str.isnumeric()},
   * any Unicode digit counts ({@code v٣} is version 3).
   */
  public static OptionalInt versionIndex(String alias) {
    if (alias == null || alias.length() < 2 || alias.charAt(0) != 'v') {
      return OptionalInt.empty();
    }
    String digits = alias.substring(1);
    for (int i = 0; i < digits.length(); i++) {
      if (!Character.isDigit(digits.charAt(i))) {
        return OptionalInt.empty();
      }
    }
    try {
      return OptionalInt.of(Integer.parseInt(digits));
    } catch (NumberFormatException e) {
      return OptionalInt.empty();
    }
  }

  private static ArtifactException.InvalidInput invalid(
      Object artifact, String what, String value, String why) {
    return new ArtifactException.InvalidInput(
        "Invalid " + what + " '" + value + "' for " + artifact + ": " + why);
  }
}
