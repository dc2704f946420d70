package dev.artifacts.cli;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A small GNU-style argument parser: {@code --name value}, {@code --name=value}, repeated options,
 * boolean flags and positionals. Unknown options are errors, because a misspelt option silently
 * ignored would log a version with the wrong labels.
 */
final class Args {
  private final List<String> positionals = new ArrayList<>();
  private final Map<String, List<String>> values = new HashMap<>();
  private final Set<String> flags;

  private Args(Set<String> flags) {
    this.flags = flags;
  }

  /**
   * @param valued options that take a value
   * @param flags options without a value
   */
  static Args parse(List<String> args, Set<String> valued, Set<String> flags) {
    Args parsed = new Args(flags);
    boolean onlyPositionals = false;
    for (int i = 0; i < args.size(); i++) {
      String a = args.get(i);
      if (onlyPositionals || !a.startsWith("--") || a.equals("-")) {
        parsed.positionals.add(a);
        continue;
      }
      if (a.equals("--")) {
        onlyPositionals = true;
        continue;
      }
      String name = a.substring(2);
      String value = null;
      int eq = name.indexOf('=');
      if (eq >= 0) {
        value = name.substring(eq + 1);
        name = name.substring(0, eq);
      }
      if (flags.contains(name)) {
        if (value != null) {
          throw new UsageException("Option --" + name + " takes no value");
        }
        parsed.values.computeIfAbsent(name, k -> new ArrayList<>()).add("true");
      } else if (valued.contains(name)) {
        if (value == null) {
          if (i + 1 >= args.size()) {
            throw new UsageException("Option --" + name + " needs a value");
          }
          value = args.get(++i);
        }
        parsed.values.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
      } else {
        throw new UsageException("Unknown option --" + name);
      }
    }
    return parsed;
  }

  List<String> positionals() {
    return positionals;
  }

  String positional(int index, String what) {
    if (index >= positionals.size()) {
      throw new UsageException("Missing " + what);
    }
    return positionals.get(index);
  }

  void expectPositionals(int max) {
    if (positionals.size() > max) {
      throw new UsageException("Unexpected argument '" + positionals.get(max) + "'");
    }
  }

  String value(String name) {
    List<String> v = values.get(name);
    return v == null ? null : v.get(v.size() - 1);
  }

  String required(String name) {
    String v = value(name);
    if (v == null) {
      throw new UsageException("Missing required option --" + name);
    }
    return v;
  }

  List<String> all(String name) {
    return values.getOrDefault(name, List.of());
  }

  boolean flag(String name) {
    if (!flags.contains(name)) {
      throw new IllegalArgumentException("Not a flag: " + name);
    }
    return values.containsKey(name);
  }

  /** A mistake in how the command was called; the CLI prints usage help with it. */
  static final class UsageException extends RuntimeException {
    UsageException(String message) {
      super(message);
    }
  }
}
