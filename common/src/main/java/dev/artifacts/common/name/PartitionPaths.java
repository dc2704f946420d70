package dev.artifacts.common.name;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;

/**
 * Hive-style partition directories in logical entry paths ({@code day=2024-01-01/part-0.parquet}),
 * with Spark's escaping rules so that partitions written and read by Spark and Flink agree:
 * characters such as {@code / = % :} and control characters in a value become {@code %XX}, and a
 * {@code null} or empty value is written as {@value #DEFAULT_PARTITION_NAME}.
 */
public final class PartitionPaths {
  /** Spark's {@code ExternalCatalogUtils.DEFAULT_PARTITION_NAME}, the directory of null values. */
  public static final String DEFAULT_PARTITION_NAME = "__HIVE_DEFAULT_PARTITION__";

  private PartitionPaths() {}

  /**
   * Escapes a partition column name or value as Spark's {@code ExternalCatalogUtils.escapePathName}
   * does. Only ASCII code units are escaped; other characters stay as they are.
   */
  public static String escape(String value) {
    StringBuilder sb = null;
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (needsEscaping(c)) {
        if (sb == null) {
          sb = new StringBuilder(value.length() + 8).append(value, 0, i);
        }
        for (byte b : String.valueOf(c).getBytes(StandardCharsets.UTF_8)) {
          sb.append('%').append(String.format("%02X", b & 0xff));
        }
      } else if (sb != null) {
        sb.append(c);
      }
    }
    return sb == null ? value : sb.toString();
  }

  /**
   * Reverses {@link #escape} as Spark's {@code unescapePathName} does: each {@code %XX} with two
   * hex digits becomes the character with that code; a {@code %} not followed by two hex digits
   * stays.
   */
  public static String unescape(String path) {
    if (path.indexOf('%') < 0) {
      return path;
    }
    StringBuilder sb = new StringBuilder(path.length());
    int i = 0;
    while (i < path.length()) {
      char c = path.charAt(i);
      if (c == '%' && i + 2 < path.length()) {
        int hi = Character.digit(path.charAt(i + 1), 16);
        int lo = Character.digit(path.charAt(i + 2), 16);
        if (hi >= 0 && lo >= 0) {
          sb.append((char) (hi * 16 + lo));
          i += 3;
          continue;
        }
      }
      sb.append(c);
      i++;
    }
    return sb.toString();
  }

  /** The directory segment {@code column=value} of one partition column, escaped. */
  public static String segment(String column, String value) {
    return escape(column)
        + '='
        + (value == null || value.isEmpty() ? DEFAULT_PARTITION_NAME : escape(value));
  }

  /**
   * The partition values of a logical entry path, outermost column first. As in Spark's partition
   * discovery, the directory segments are read from the file upwards and the first segment that is
   * not {@code column=value} (non-empty column) ends the partition directories: {@code
   * raw/day=1/h=2/f} gives {@code {day=1, h=2}}, {@code day=1/raw/f} gives none. Names and values
   * are unescaped; {@value #DEFAULT_PARTITION_NAME} becomes a {@code null} value.
   *
   * @throws IllegalArgumentException if a column appears twice, which no reader can map to a row
   */
  public static LinkedHashMap<String, String> values(String logicalPath) {
    String[] segments = logicalPath.split("/", -1);
    Deque<String[]> found = new ArrayDeque<>();
    for (int i = segments.length - 2; i >= 0; i--) {
      String segment = segments[i];
      int eq = segment.indexOf('=');
      if (eq <= 0) {
        break;
      }
      found.addFirst(new String[] {segment.substring(0, eq), segment.substring(eq + 1)});
    }
    LinkedHashMap<String, String> values = new LinkedHashMap<>();
    for (String[] kv : found) {
      String column = unescape(kv[0]);
      String value = kv[1].equals(DEFAULT_PARTITION_NAME) ? null : unescape(kv[1]);
      if (values.containsKey(column)) {
        throw new IllegalArgumentException(
            "Invalid partition path '" + logicalPath + "': column '" + column + "' repeats");
      }
      values.put(column, value);
    }
    return values;
  }

  private static boolean needsEscaping(char c) {
    if (c < 0x20 || c == 0x7f) {
      return true;
    }
    return switch (c) {
      case '"', '#', '%', '\'', '*', '/', ':', '=', '?', '\\', '{', '[', ']', '^' -> true;
      default -> false;
    };
  }
}
