package dev.artifacts.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code --help}, {@code -h}, {@code help COMMAND} and {@code --version}. */
class ArtifactCliHelpTest {
  private static final List<String> ALL_COMMANDS =
      List.of(
          "log",
          "get",
          "manifest",
          "info",
          "versions",
          "collections",
          "verify",
          "lineage",
          "alias",
          "delete",
          "gc",
          "fsck");

  @TempDir Path tmp;

  record Run(int code, String out, String err) {}

  private Run cli(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    List<String> argv = new ArrayList<>(List.of("--registry", registry().toString()));
    argv.addAll(List.of(args));
    int code =
        new ArtifactCli(
                new PrintStream(out, true, UTF_8),
                new PrintStream(err, true, UTF_8),
                Map.of(),
                false)
            .run(argv.toArray(String[]::new));
    return new Run(code, out.toString(UTF_8), err.toString(UTF_8));
  }

  private Path registry() {
    return tmp.resolve("registry");
  }

  @ParameterizedTest
  @ValueSource(strings = {"--help", "-h", "help"})
  void overviewListsEveryCommand(String option) {
    Run run = cli(option);
    assertThat(run.code()).as(run.err()).isZero();
    assertThat(run.err()).isEmpty();
    assertThat(run.out())
        .startsWith("Usage: artifact ")
        .contains("--version")
        .contains("--registry");
    for (String command : ALL_COMMANDS) {
      assertThat(run.out()).containsPattern("(?m)^  " + command + " +\\S");
    }
    assertThat(Help.COMMANDS.keySet()).containsExactlyElementsOf(ALL_COMMANDS);
  }

  @Test
  void everyCommandHasItsOwnPageWithUsageOptionsAndExamples() {
    Set<String> pages = new HashSet<>();
    for (String command : ALL_COMMANDS) {
      Run help = cli(command, "--help");
      assertThat(help.code()).as(command + ": " + help.err()).isZero();
      assertThat(help.err()).as(command).isEmpty();
      String page = help.out();
      assertThat(page).as(command).startsWith("Usage: artifact " + command);
      assertThat(page).as(command).contains("\nExamples:\n  artifact " + command + " ");
      assertThat(cli(command, "-h").out()).as(command).isEqualTo(page);
      assertThat(cli("help", command).out()).as(command).isEqualTo(page);
      // Help comes first even after other arguments, and with arguments that would be wrong.
      assertThat(cli(command, "acme/etl/x:v0", "--bogus", "--help").out())
          .as(command)
          .isEqualTo(page);
      assertThat(pages.add(page)).as("a page of its own: " + command).isTrue();
      assertOptionsInExamplesAreDocumented(command, page);
    }
    assertThat(registry()).as("help opens no registry").doesNotExist();
  }

  @Test
  void helpAfterDoubleDashIsAnArgument() {
    Run run = cli("versions", "--", "--help");
    assertThat(run.out()).doesNotContain("Usage:");
    assertThat(run.code()).isNotZero();
  }

  @Test
  void unknownCommandIsAUsageErrorEvenWithHelp() {
    Run run = cli("frobnicate", "--help");
    assertThat(run.code()).isEqualTo(ArtifactCli.USAGE);
    assertThat(run.err()).contains("Unknown command 'frobnicate'");
    Run help = cli("help", "frobnicate");
    assertThat(help.code()).isEqualTo(ArtifactCli.USAGE);
  }

  @Test
  void usageErrorsPointAtTheCommandsHelp() {
    Run run = cli("get", "--nope");
    assertThat(run.code()).isEqualTo(ArtifactCli.USAGE);
    assertThat(run.err()).contains("Unknown option --nope").contains("'artifact get --help'");
  }

  @Test
  void versionComesFromTheBuild() {
    Run run = cli("--version");
    assertThat(run.code()).isZero();
    // Maven filtered ${project.version} into the resource; unfiltered it would print the
    // placeholder, missing it would print "unknown".
    assertThat(run.out().strip()).matches("artifact \\d+\\.\\d+\\.\\d+(-SNAPSHOT)?");
  }

  /** Every {@code --option} an example uses is described in the page's Options section. */
  private static void assertOptionsInExamplesAreDocumented(String command, String page) {
    String examples = page.substring(page.indexOf("\nExamples:\n"));
    String options = page.substring(0, page.indexOf("\nExamples:\n"));
    Matcher m = Pattern.compile("(?<![\\w-])--[a-z][a-z-]*").matcher(examples);
    while (m.find()) {
      String option = m.group();
      if (!option.equals("--registry") && !option.equals("--debug") && !option.equals("--help")) {
        assertThat(options).as(command + " documents " + option).contains("  " + option);
      }
    }
  }
}
