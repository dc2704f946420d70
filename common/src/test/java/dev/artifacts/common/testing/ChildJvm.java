package dev.artifacts.common.testing;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

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

  /** What a child JVM printed (stdout and stderr merged) and how it exited. */
  public record Result(int exitCode, String output) {}

  /**
   * Runs {@code command} to its end and returns its output.
   *
   * @throws IllegalStateException if it is still running after {@code timeout} (it is killed)
   */
  public static Result run(List<String> command, Duration timeout)
      throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    ByteArrayOutputStream output = new ByteArrayOutputStream();
    p.getInputStream().transferTo(output);
    if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      p.destroyForcibly();
      throw new IllegalStateException(
          "Still running after " + timeout + ": " + command + "\n" + output.toString(UTF_8));
    }
    return new Result(p.exitValue(), output.toString(UTF_8));
  }

  /** Like {@link #commandWithClasspath} with this JVM's classpath. */
  public static List<String> command(String maxHeap, String mainClass, String... args) {
    return commandWithClasspath(maxHeap, System.getProperty("java.class.path"), mainClass, args);
  }
}
