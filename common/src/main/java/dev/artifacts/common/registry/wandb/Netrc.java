package dev.artifacts.common.registry.wandb;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * Reads the API key from a netrc file as {@code wandb login} writes it: {@code machine <netloc>
 * login user password <key>}, where the machine is the base URL's host, followed by {@code :port}
 * when the URL names a port ({@code wbnetrc.py} looks entries up by {@code urlsplit(url).netloc}).
 * Only the tokens {@code machine}, {@code default}, {@code login}, {@code password}, {@code
 * account} and {@code macdef} are understood, which is what netrc allows; a token starting with
 * {@code #} starts a comment up to the end of its line, as in Python's {@code netrc} module.
 */
final class Netrc {
  private Netrc() {}

  /** {@code $NETRC}, else {@code $HOME/.netrc}. */
  static Path location(Map<String, String> env) {
    String explicit = env.get("NETRC");
    if (explicit != null && !explicit.isBlank()) {
      return Path.of(explicit);
    }
    String home = env.get("HOME");
    if (home == null || home.isBlank()) {
      home = System.getProperty("user.home");
    }
    return Path.of(home, ".netrc");
  }

  /**
   * The password of {@code machine}'s entry (or of {@code default}), if the file has one. Machine
   * names compare case-insensitively (host names do), ports exactly.
   */
  static Optional<String> password(Path file, String host) {
    if (host == null || !Files.isRegularFile(file)) {
      return Optional.empty();
    }
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return Optional.empty();
    }
    StringBuilder withoutComments = new StringBuilder();
    for (String line : text.split("\\R")) {
      int hash = commentStart(line);
      withoutComments.append(hash < 0 ? line : line.substring(0, hash)).append('\n');
    }
    String[] tokens = withoutComments.toString().trim().split("\\s+");
    String match = null;
    String fallback = null;
    String machine = null;
    boolean isDefault = false;
    for (int i = 0; i < tokens.length; i++) {
      String t = tokens[i];
      switch (t) {
        case "machine" -> {
          machine = i + 1 < tokens.length ? tokens[++i] : null;
          isDefault = false;
        }
        case "default" -> {
          machine = null;
          isDefault = true;
        }
        case "password" -> {
          String value = i + 1 < tokens.length ? tokens[++i] : null;
          if (host.equalsIgnoreCase(machine) && match == null) {
            match = value;
          } else if (isDefault && fallback == null) {
            fallback = value;
          }
        }
        case "login", "account" -> i++;
        case "macdef" -> {
          // A macro runs to the next blank line, which the whitespace split lost; W&B never
          // writes one, so stop rather than misread its body as entries.
          i = tokens.length;
        }
        default -> {}
      }
    }
    return Optional.ofNullable(match != null ? match : fallback);
  }

  /** Index of a {@code #} that starts a token (a comment), or -1. */
  private static int commentStart(String line) {
    for (int i = 0; i < line.length(); i++) {
      if (line.charAt(i) == '#' && (i == 0 || Character.isWhitespace(line.charAt(i - 1)))) {
        return i;
      }
    }
    return -1;
  }
}
