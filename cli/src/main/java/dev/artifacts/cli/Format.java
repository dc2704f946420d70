package dev.artifacts.cli;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/** Human-readable sizes and times for tables. */
final class Format {
  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss'Z'").withZone(ZoneOffset.UTC);

  private Format() {}

  static String bytes(long n) {
    if (n < 1024) {
      return n + " B";
    }
    String[] units = {"KiB", "MiB", "GiB", "TiB"};
    double v = n;
    int u = -1;
    while (v >= 1024 && u < units.length - 1) {
      v /= 1024;
      u++;
    }
    return String.format(java.util.Locale.ROOT, "%.1f %s", v, units[u]);
  }

  /** {@code 1 file}, {@code 2 files}: a count with its noun, plural unless it is one. */
  static String count(long n, String noun) {
    return n + " " + (n == 1 ? noun : noun + "s");
  }

  static String time(Instant t) {
    return t == null ? "-" : TIME.format(t);
  }
}
