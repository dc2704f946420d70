package dev.artifacts.examples;

import java.nio.file.Path;

/**
 * The examples' optional command-line arguments. A README placeholder pasted as is ({@code
 * [WORKDIR]}) is refused with what to type instead, rather than becoming a directory named {@code
 * [WORKDIR]} or a {@code NumberFormatException}.
 */
final class ExampleArgs {
  private ExampleArgs() {}

  /** {@code args[0]} as an absolute work directory, else {@code defaultDir}. */
  static Path workDir(String[] args, String defaultDir) {
    String value = args.length > 0 ? args[0] : defaultDir;
    refusePlaceholder(value, "work directory", "a directory path", defaultDir);
    return Path.of(value).toAbsolutePath().normalize();
  }

  /** {@code args[index]} as a positive count, else {@code defaultValue}. */
  static long positiveCount(String[] args, int index, String what, long defaultValue) {
    if (args.length <= index) {
      return defaultValue;
    }
    String value = args[index];
    refusePlaceholder(value, what, "a positive number", Long.toString(defaultValue));
    try {
      long n = Long.parseLong(value.trim());
      if (n > 0) {
        return n;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new IllegalArgumentException(
        "Invalid " + what + " '" + value + "': give a positive number, e.g. " + defaultValue);
  }

  private static void refusePlaceholder(String value, String what, String expected, String def) {
    if (value.startsWith("[") && value.endsWith("]")) {
      throw new IllegalArgumentException(
          "Invalid "
              + what
              + " '"
              + value
              + "': that is the README's placeholder for an optional argument; give "
              + expected
              + " or leave it out (default "
              + def
              + ")");
    }
  }
}
