package dev.artifacts.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The examples' optional arguments, and the README's commands that users paste. */
class ExampleArgsTest {
  @Test
  void defaultsAndGivenValues() {
    assertThat(ExampleArgs.workDir(new String[0], "demo"))
        .isEqualTo(Path.of("demo").toAbsolutePath().normalize());
    assertThat(ExampleArgs.workDir(new String[] {"/tmp/x/../w"}, "demo"))
        .isEqualTo(Path.of("/tmp/w"));
    assertThat(ExampleArgs.positiveCount(new String[] {"w"}, 1, "event count", 3000))
        .isEqualTo(3000);
    assertThat(ExampleArgs.positiveCount(new String[] {"w", "12"}, 1, "event count", 3000))
        .isEqualTo(12);
  }

  @Test
  void pastedPlaceholdersAndBadCountsAreRefusedSayingWhatToType() {
    assertThatThrownBy(() -> ExampleArgs.workDir(new String[] {"[WORKDIR]"}, "demo-flink-bounded"))
        .hasMessage(
            "Invalid work directory '[WORKDIR]': that is the README's placeholder for an optional"
                + " argument; give a directory path or leave it out (default demo-flink-bounded)");
    assertThatThrownBy(
            () -> ExampleArgs.positiveCount(new String[] {"w", "[EVENTS]"}, 1, "event count", 3000))
        .hasMessageContaining("Invalid event count '[EVENTS]': that is the README's placeholder");
    assertThatThrownBy(
            () -> ExampleArgs.positiveCount(new String[] {"w", "-5"}, 1, "event count", 3000))
        .hasMessage("Invalid event count '-5': give a positive number, e.g. 3000");
  }

  @Test
  void readmeCommandLinesHaveNoPlaceholdersThatBreakWhenPasted() throws Exception {
    Pattern placeholder = Pattern.compile("\\[[A-Z][A-Z_]*\\]");
    List<String> offending = new ArrayList<>();
    boolean inBash = false;
    for (String line : Files.readAllLines(Path.of("..", "README.md"))) {
      if (line.startsWith("```")) {
        inBash = line.equals("```bash");
        continue;
      }
      String code = line.contains("#") ? line.substring(0, line.indexOf('#')) : line;
      if (inBash && placeholder.matcher(code).find()) {
        offending.add(line);
      }
    }
    assertThat(offending).isEmpty();
  }
}
