package dev.artifacts.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's CLI tour, run as written by bash through the launcher {@code bin/artifact} and the
 * packaged {@code cli/target/artifact.jar} (hence an IT: it needs {@code mvn package}). HOME is a
 * temporary directory, so the tour's {@code ~/artifact-tour} is fresh and the clone stays clean.
 */
class ReadmeCliIT {
  private static final String SECTION = "## The `artifact` command line";

  @TempDir Path tmp;

  private static Path projectRoot() {
    return Path.of(System.getProperty("project.root", "..")).toAbsolutePath().normalize();
  }

  /** The first bash block of the README's CLI section. */
  static String tour(String readme) {
    int section = readme.indexOf(SECTION);
    assertThat(section).as("README section " + SECTION).isNotNegative();
    int start = readme.indexOf("```bash\n", section) + "```bash\n".length();
    int end = readme.indexOf("\n```", start);
    return readme.substring(start, end + 1);
  }

  record Result(int code, String out, String err) {}

  private Result bash(Path cwd, Path script, Map<String, String> extraEnv)
      throws IOException, InterruptedException {
    Path out = tmp.resolve("out.txt");
    Path err = tmp.resolve("err.txt");
    ProcessBuilder pb =
        new ProcessBuilder("bash", script.toString())
            .directory(cwd.toFile())
            .redirectOutput(out.toFile())
            .redirectError(err.toFile());
    Map<String, String> env = pb.environment();
    env.keySet().removeIf(k -> k.startsWith("ARTIFACT_") || k.startsWith("WANDB_"));
    env.put("HOME", Files.createDirectories(tmp.resolve("home")).toString());
    env.put("JAVA_HOME", System.getProperty("java.home"));
    env.put("ARTIFACT_JAVA_OPTS", "-Xmx256m -XX:TieredStopAtLevel=1");
    env.putAll(extraEnv);
    Process p = pb.start();
    if (!p.waitFor(10, TimeUnit.MINUTES)) {
      p.destroyForcibly().waitFor();
      throw new AssertionError("bash did not finish in 10 minutes: " + Files.readString(err));
    }
    return new Result(p.exitValue(), Files.readString(out, UTF_8), Files.readString(err, UTF_8));
  }

  @Test
  void theReadmeTourRunsTopToBottomOnAFreshRegistry() throws Exception {
    Path root = projectRoot();
    assertThat(root.resolve("cli/target/artifact.jar")).as("run after mvn package").exists();
    String tour = tour(Files.readString(root.resolve("README.md"), UTF_8));

    // The registry is set once, for every line, and every command is shown.
    assertThat(tour).contains("export ARTIFACT_REGISTRY=").doesNotContain("--registry");
    for (String command : Help.COMMANDS.keySet()) {
      assertThat(tour).as("the tour shows " + command).containsPattern("(?m)^artifact " + command);
    }

    Path script = tmp.resolve("tour.sh");
    // -e: the first failing line fails the test; -u and pipefail catch typos in the tour.
    Files.writeString(script, "set -euo pipefail\n" + tour + "echo TOUR-COMPLETED\n", UTF_8);
    List<String> before = listing(root);
    Result r = bash(root, script, Map.of());
    String both = "stdout:\n" + r.out() + "\nstderr:\n" + r.err();
    assertThat(r.code()).as(both).isZero();
    assertThat(r.out()).as(both).contains("TOUR-COMPLETED");

    Path registry = tmp.resolve("home/artifact-tour/registry");
    assertThat(r.err()).contains("Creating a new registry at " + registry);
    assertThat(r.out())
        .contains("acme/etl/events:v0\n")
        .contains("acme/etl/events:v1\n")
        .contains("acme/etl/events:v0: OK: 1 file verified, 0 references skipped")
        .contains("graph LR")
        .contains("acme/etl/events:v1 aliases: latest, staging")
        .contains("Deleted acme/etl/events:v0")
        .contains("Would remove 0 staging leftovers and 1 unreferenced object")
        .contains("Usage: artifact log ");
    assertThat(r.err()).doesNotContain("internal error").doesNotContain("\tat ");
    assertThat(registry.resolve("acme/etl/collections")).isDirectory();
    assertThat(listing(root)).as("the tour writes nothing into the clone").isEqualTo(before);
  }

  @Test
  void theLauncherFindsTheJarThroughASymlinkFromAnyDirectory() throws Exception {
    Path root = projectRoot();
    Path linkDir = Files.createDirectories(tmp.resolve("elsewhere/bin"));
    Files.createSymbolicLink(linkDir.resolve("artifact"), root.resolve("bin/artifact"));
    Path script = tmp.resolve("version.sh");
    Files.writeString(script, "artifact --version\n", UTF_8);
    Path cwd = Files.createDirectories(tmp.resolve("some/dir"));
    Result r = bash(cwd, script, Map.of("PATH", linkDir + ":" + System.getenv("PATH")));
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out().strip()).isEqualTo("artifact " + System.getProperty("artifact.version"));

    Files.writeString(script, "ARTIFACT_JAR=/nonexistent/artifact.jar artifact --version\n");
    Result missing = bash(cwd, script, Map.of("PATH", linkDir + ":" + System.getenv("PATH")));
    assertThat(missing.code()).isEqualTo(1);
    assertThat(missing.err())
        .contains("/nonexistent/artifact.jar not found")
        .contains("mvn -q -DskipTests package");
  }

  /** The clone's top level, to check that the tour creates nothing there. */
  private static List<String> listing(Path root) throws IOException {
    List<String> names = new ArrayList<>();
    try (var files = Files.list(root)) {
      files.forEach(f -> names.add(f.getFileName().toString()));
    }
    names.sort(null);
    return names;
  }
}
