package dev.artifacts.common.testing;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Command lines for tests that run code in a separate JVM (examples as the README runs them,
 * separate Spark applications, a classpath holding only a shaded jar). Spark 3.5 on Java 17 needs
 * the {@code --add-opens} flags below in every JVM that runs it.
 */
public final class ChildJvm {
  private static final String OPENED_PACKAGES =
      "java.lang java.lang.invoke java.lang.reflect java.io java.net java.nio java.util"
          + " java.util.concurrent java.util.concurrent.atomic sun.nio.ch sun.nio.cs"
          + " sun.security.action sun.util.calendar";

  private ChildJvm() {}

  /** The {@code --add-opens} flags Spark needs on Java 17. */
  public static List<String> opens() {
    return Arrays.stream(OPENED_PACKAGES.split(" "))
        .map(p -> "--add-opens=java.base/" + p + "=ALL-UNNAMED")
        .toList();
  }

  /** {@code java -Xmx… <opens> -cp classpath mainClass args…} with this JVM's {@code java}. */
  public static List<String> commandWithClasspath(
      String maxHeap, String classpath, String mainClass, String... args) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xmx" + maxHeap);
    command.addAll(opens());
    command.addAll(List.of("-cp", classpath, mainClass));
    command.addAll(List.of(args));
    return command;
  }

  /** Like {@link #commandWithClasspath} with this JVM's classpath. */
  public static List<String> command(String maxHeap, String mainClass, String... args) {
    return commandWithClasspath(maxHeap, System.getProperty("java.class.path"), mainClass, args);
  }
}
