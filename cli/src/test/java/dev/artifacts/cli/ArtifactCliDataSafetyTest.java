package dev.artifacts.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CLI side of issue 15: no stack traces, no silent fallbacks, fsck, gc's minimum grace. */
class ArtifactCliDataSafetyTest {
  @TempDir Path tmp;
  private Path registry;
  private Path data;

  record Run(int code, String out, String err) {}

  @BeforeEach
  void setUp() throws IOException {
    registry = tmp.resolve("registry");
    data = tmp.resolve("data");
    Files.createDirectories(data);
    Files.writeString(data.resolve("a.csv"), "id\n1\n");
  }

  private Run cli(String... args) {
    List<String> argv = new ArrayList<>(List.of("--registry", registry.toString()));
    argv.addAll(List.of(args));
    return raw(argv.toArray(String[]::new));
  }

  private Run raw(String... argv) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code =
        new ArtifactCli(
                new PrintStream(out, true, UTF_8),
                new PrintStream(err, true, UTF_8),
                Map.of("WANDB_ENTITY", "acme", "WANDB_PROJECT", "etl"),
                false)
            .run(argv);
    return new Run(code, out.toString(UTF_8), err.toString(UTF_8));
  }

  private void assertNoStackTrace(Run r) {
    assertThat(r.err()).doesNotContain("\tat ").doesNotContain("internal error");
  }

  @Test
  void badNumbersAreUsageErrorsWithoutStackTraces() {
    assertThat(cli("log", data.toString(), "--name", "events", "--type", "dataset").code())
        .isZero();
    Run limit = cli("versions", "events", "--limit", "-1");
    assertThat(limit.code()).isEqualTo(ArtifactCli.USAGE);
    assertThat(limit.err()).contains("Invalid --limit -1");
    assertNoStackTrace(limit);

    // Representable as a Duration, but not in milliseconds: a grace longer than the epoch.
    Run huge = cli("gc", "--grace", "99999999999999d");
    assertThat(huge.code()).as(huge.err()).isZero();
    assertThat(huge.out()).contains("Removed 0 staging leftovers and 0 unreferenced objects");
    assertNoStackTrace(huge);

    Run grace = cli("gc", "--grace", "999999999999999999d");
    assertThat(grace.code()).isEqualTo(ArtifactCli.USAGE);
    assertThat(grace.err()).contains("Invalid duration '999999999999999999d'");
    assertNoStackTrace(grace);
  }

  @Test
  void anEmptyRegistryOptionIsAnErrorNotAFallback() {
    Run r = raw("--registry", "", "versions", "events");
    assertThat(r.code()).isEqualTo(ArtifactCli.USAGE);
    assertThat(r.err()).contains("Invalid --registry ''");
  }

  @Test
  void getIntoAFileAndLoggingASymlinkLoopSayWhy() throws IOException {
    cli("log", data.toString(), "--name", "events", "--type", "dataset");
    Path file = Files.writeString(tmp.resolve("file"), "x");
    Run get = cli("get", "events", "--root", file.toString());
    assertThat(get.code()).isEqualTo(ArtifactCli.FAILED);
    assertThat(get.err()).contains(file.toString()).contains("is a file, not a directory");

    Files.createSymbolicLink(data.resolve("loop"), data);
    Run log = cli("log", data.toString(), "--name", "events", "--type", "dataset");
    assertThat(log.code()).isEqualTo(ArtifactCli.FAILED);
    assertThat(log.err()).contains(data.resolve("loop") + " (symlink loop)");
    assertNoStackTrace(log);
  }

  @Test
  void gcRefusesAShortGraceUnlessForced() {
    cli("log", data.toString(), "--name", "events", "--type", "dataset");
    Run refused = cli("gc", "--grace", "0s");
    assertThat(refused.code()).isEqualTo(ArtifactCli.FAILED);
    assertThat(refused.err()).contains("Invalid gc grace period").contains("at least");
    Run forced = cli("gc", "--grace", "0s", "--force");
    assertThat(forced.code()).as(forced.err()).isZero();
    assertThat(forced.out()).contains("Removed 0 staging leftovers and 0 unreferenced objects");
  }

  @Test
  void fsckListsDamageAndRepairsIt() throws IOException {
    cli("log", data.toString(), "--name", "events", "--type", "dataset", "--alias", "prod");
    Path alias = registry.resolve("acme/etl/collections/events/aliases/prod.json");
    Files.writeString(alias, "");
    assertThat(cli("get", "events:v0", "--root", tmp.resolve("out").toString()).code()).isZero();

    Run check = cli("fsck");
    assertThat(check.code()).isEqualTo(ArtifactCli.FAILED);
    assertThat(check.out())
        .as(check.err())
        .contains("damaged: " + alias)
        .contains("artifact fsck --repair");

    Run repair = cli("fsck", "--repair");
    assertThat(repair.code()).as(repair.out()).isZero();
    assertThat(repair.out()).contains("repaired: " + alias);
    assertThat(cli("fsck").out()).contains("no damage found");
  }
}
