package dev.artifacts.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import org.junit.jupiter.api.Test;

class ProgressTest {
  /** What a terminal shows after {@code output}: '\r' returns to column 0, '\n' starts a line. */
  private static String screen(String output) {
    StringBuilder screen = new StringBuilder();
    StringBuilder line = new StringBuilder();
    int column = 0;
    for (char c : output.toCharArray()) {
      if (c == '\r') {
        column = 0;
      } else if (c == '\n') {
        screen.append(line.toString().stripTrailing()).append('\n');
        line.setLength(0);
        column = 0;
      } else {
        if (column < line.length()) {
          line.setCharAt(column, c);
        } else {
          line.append(c);
        }
        column++;
      }
    }
    return screen.append(line.toString().stripTrailing()).toString();
  }

  @Test
  void aShorterRedrawLeavesNoStaleCharacters() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    PrintStream err = new PrintStream(bytes, true, UTF_8);
    long total = 4_400_000; // 4.2 MiB
    try (Progress p = new Progress(err, true, "downloading", total, 0)) {
      p.bytes(1_023_900); // "999.9 KiB of 4.2 MiB"
      assertThat(screen(bytes.toString(UTF_8))).isEqualTo("downloading 999.9 KiB of 4.2 MiB");
      p.bytes(100); // "1000.0 KiB of 4.2 MiB"
      p.bytes(100_000); // "1.1 MiB of 4.2 MiB": shorter
      assertThat(screen(bytes.toString(UTF_8))).isEqualTo("downloading 1.1 MiB of 4.2 MiB");
      p.bytes(total - 1_124_000);
    }
    assertThat(screen(bytes.toString(UTF_8))).isEqualTo("downloading 4.2 MiB of 4.2 MiB\n");
  }

  @Test
  void silentWhenNotATerminal() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (Progress p = new Progress(new PrintStream(bytes, true, UTF_8), false, "hashing", 2, 0)) {
      p.file(10);
      p.file(10);
    }
    assertThat(bytes.size()).isZero();
  }

  @Test
  void countsAreSingularForOne() {
    assertThat(Format.count(1, "unreferenced object")).isEqualTo("1 unreferenced object");
    assertThat(Format.count(0, "file")).isEqualTo("0 files");
    assertThat(Format.count(2, "staging leftover")).isEqualTo("2 staging leftovers");
  }
}
