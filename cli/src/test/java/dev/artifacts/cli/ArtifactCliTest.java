package dev.artifacts.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.artifacts.common.digest.Digests;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ArtifactCliTest {
  @TempDir Path tmp;
  private Path registry;
  private Path data;

  /** Output of one CLI invocation. */
  record Run(int code, String out, String err) {
    String lastLine() {
      String[] lines = out.strip().split("\n");
      return lines[lines.length - 1];
    }
  }

  @BeforeEach
  void setUp() throws IOException {
    registry = tmp.resolve("registry");
    data = tmp.resolve("data");
    write(data.resolve("a.csv"), "id\n1\n");
    write(data.resolve("sub/b.csv"), "id\n2\n");
    write(data.resolve("unicode/naïve-😀.txt"), "smile\n");
  }

  private Run cli(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    List<String> argv = new ArrayList<>(List.of("--registry", registry.toString()));
    argv.addAll(List.of(args));
    int code =
        new ArtifactCli(
                new PrintStream(out, true, UTF_8),
                new PrintStream(err, true, UTF_8),
                Map.of("WANDB_ENTITY", "acme", "WANDB_PROJECT", "etl"),
                false)
            .run(argv.toArray(String[]::new));
    return new Run(code, out.toString(UTF_8), err.toString(UTF_8));
  }

  @Test
  void logPrintsTheCommittedVersionAndDedupsUnchangedContent() throws IOException {
    Run first =
        cli("log", data.toString(), "--name", "events", "--type", "dataset", "--alias", "prod");
    assertThat(first.code()).as(first.err()).isZero();
    assertThat(first.lastLine()).isEqualTo("acme/etl/events:v0");

    Run again = cli("log", data.toString(), "--name", "events", "--type", "dataset");
    assertThat(again.code()).isZero();
    assertThat(again.lastLine()).isEqualTo("acme/etl/events:v0");
    assertThat(again.err()).contains("Unchanged");

    write(data.resolve("a.csv"), "id\n1\n3\n");
    Run changed = cli("log", data.toString(), "--name", "acme/etl/events", "--type", "dataset");
    assertThat(changed.lastLine()).isEqualTo("acme/etl/events:v1");

    Run versions = cli("versions", "events");
    assertThat(versions.out()).contains("v0").contains("v1").contains("prod").contains("latest");
  }

  @Test
  void logReferenceRecordsFileUrisWithContentDigestsAndCopiesNothing() throws IOException {
    Run run = cli("log", data.toString(), "--name", "events", "--type", "dataset", "--reference");
    assertThat(run.code()).as(run.err()).isZero();
    JsonNode manifest = new ObjectMapper().readTree(cli("manifest", "events:v0").out());
    JsonNode entry = manifest.get("contents").get("unicode/naïve-😀.txt");
    assertThat(entry.get("digest").asText()).isEqualTo(Digests.md5Base64("smile\n"));
    assertThat(entry.get("ref").asText())
        .startsWith("file://")
        .endsWith("/data/unicode/naïve-😀.txt"); // joined, not re-encoded, as W&B does
    try (Stream<Path> objects = Files.walk(registry)) {
      assertThat(objects.filter(p -> p.toString().contains("objects") && Files.isRegularFile(p)))
          .as("references store no bodies")
          .isEmpty();
    }
    Path root = tmp.resolve("refs-out");
    assertThat(cli("get", "events:v0", "--root", root.toString()).code()).isZero();
    assertThat(root.resolve("sub/b.csv")).hasContent("id\n2\n");
  }

  @Test
  void getDownloadsFilesThatVerify() throws IOException {
    cli("log", data.toString(), "--name", "events", "--type", "dataset");
    Path root = tmp.resolve("out");
    Run get = cli("get", "events:latest", "--root", root.toString());
    assertThat(get.code()).as(get.err()).isZero();
    assertThat(root.resolve("sub/b.csv")).hasContent("id\n2\n");
    assertThat(root.resolve("unicode/naïve-😀.txt")).hasContent("smile\n");

    Run ok = cli("verify", "events:v0", "--root", root.toString());
    assertThat(ok.code()).as(ok.out()).isZero();

    write(root.resolve("sub/b.csv"), "tampered\n");
    write(root.resolve("extra.txt"), "x");
    Run bad = cli("verify", "events:v0", "--root", root.toString());
    assertThat(bad.code()).isEqualTo(1);
    assertThat(bad.out()).contains("sub/b.csv").contains("extra.txt");
  }

  @Test
  void manifestAndInfoDescribeTheSameVersion() throws IOException {
    cli(
        "log",
        data.toString(),
        "--name",
        "events",
        "--type",
        "dataset",
        "--tag",
        "raw",
        "--metadata",
        "{\"rows\": 2}",
        "--description",
        "two rows");
    ObjectMapper json = new ObjectMapper();
    JsonNode manifest = json.readTree(cli("manifest", "events").out());
    assertThat(manifest.get("version").asInt()).isEqualTo(1);
    assertThat(manifest.get("contents").get("a.csv").get("digest").asText())
        .isEqualTo(Digests.md5Base64("id\n1\n"));

    JsonNode info = json.readTree(cli("info", "events:v0", "--json").out());
    assertThat(info.get("name").asText()).isEqualTo("acme/etl/events:v0");
    assertThat(info.get("fileCount").asInt()).isEqualTo(3);
    assertThat(info.get("tags").get(0).asText()).isEqualTo("raw");
    assertThat(info.get("metadata").get("rows").asInt()).isEqualTo(2);
    assertThat(info.get("description").asText()).isEqualTo("two rows");

    assertThat(cli("info", "events").out())
        .contains("digest:")
        .contains(info.get("digest").asText());
  }

  @Test
  void lineageShowsTheLoggingRunInEveryFormat() {
    cli("log", data.toString(), "--name", "events", "--type", "dataset");
    cli("get", "events:v0", "--root", tmp.resolve("o").toString());
    Run text = cli("lineage", "events:v0");
    assertThat(text.code()).isZero();
    assertThat(text.out())
        .contains("acme/etl/events:v0")
        .contains("--logged-->")
        .contains("--used by-->");
    assertThat(cli("lineage", "events:v0", "--format", "dot").out())
        .startsWith("digraph lineage {");
    assertThat(cli("lineage", "events:v0", "--format", "mermaid").out()).startsWith("graph LR");
    Run bad = cli("lineage", "events:v0", "--format", "png");
    assertThat(bad.code()).isEqualTo(ArtifactCli.USAGE);
    assertThat(bad.err()).contains("png");
  }

  @Test
  void aliasesMoveAndDeleteNeedsConsentForAliasedVersions() throws IOException {
    cli("log", data.toString(), "--name", "events", "--type", "dataset");
    write(data.resolve("a.csv"), "changed\n");
    cli("log", data.toString(), "--name", "events", "--type", "dataset");
    assertThat(cli("alias", "add", "events:v0", "prod").code()).isZero();
    assertThat(cli("info", "events:prod", "--json").out()).contains("\"version\" : \"v0\"");
    cli("alias", "add", "events:v1", "prod");
    assertThat(cli("info", "events:prod", "--json").out()).contains("\"version\" : \"v1\"");

    Run refused = cli("delete", "events:v1");
    assertThat(refused.code()).isEqualTo(1);
    assertThat(refused.err())
        .contains("prod")
        .contains("add --delete-aliases")
        .contains("artifact alias remove acme/etl/events:v1 prod")
        .doesNotContain("deleteAliases");
    assertThat(cli("delete", "events:v1", "--delete-aliases").code()).isZero();
    assertThat(cli("info", "events:latest", "--json").out()).contains("\"version\" : \"v0\"");
  }

  @Test
  void badInputGivesOneLineAndLeavesTheRegistryUnchanged() throws IOException {
    cli("log", data.toString(), "--name", "events", "--type", "dataset");
    List<String> before = listTree(registry);

    assertOneLineError(
        cli("log", data.toString(), "--name", "bad name!", "--type", "dataset"), "bad name!");
    assertOneLineError(cli("log", data.toString(), "--name", "events", "--type", "job"), "job");
    assertOneLineError(cli("log", data.toString(), "--name", "events", "--type", "model"), "model");
    assertOneLineError(
        cli("log", data.toString(), "--name", "other", "--type", "dataset", "--alias", "a/b"),
        "a/b");
    assertOneLineError(
        cli("log", tmp.resolve("missing").toString(), "--name", "x", "--type", "dataset"),
        "missing");
    assertOneLineError(
        cli("log", data.toString(), "--name", "x", "--type", "dataset", "--metadata", "[1"), "[1");
    assertOneLineError(cli("get", "events:v7"), "v7");
    assertOneLineError(cli("info", "nosuch:latest"), "nosuch");
    assertOneLineError(cli("get", "a/b/c/d:v0"), "a/b/c/d:v0");

    Run unknown = cli("frobnicate");
    assertThat(unknown.code()).isEqualTo(ArtifactCli.USAGE);
    assertThat(unknown.err()).contains("frobnicate").doesNotContain("\tat ");
    assertThat(cli("log", data.toString(), "--nme", "x").err()).contains("--nme");

    assertThat(listTree(registry)).isEqualTo(before);
  }

  @Test
  void gcAcceptsAZeroGraceWithoutUnitAndCountsInTheSingular() throws IOException {
    Path one = tmp.resolve("one");
    write(one.resolve("only.csv"), "id\n1\n");
    Run logged = cli("log", one.toString(), "--name", "single", "--type", "dataset");
    assertThat(logged.err()).contains("Logged 1 file (");
    assertThat(cli("verify", "single", "--root", one.toString()).out())
        .contains("OK: 1 file verified, 0 references skipped");
    cli("delete", "single", "--collection");
    Run gc = cli("gc", "--grace", "0", "--force");
    assertThat(gc.code()).as(gc.err()).isZero();
    assertThat(gc.out()).startsWith("Removed 0 staging leftovers and 1 unreferenced object (");
    assertThat(ArtifactCli.parseDuration("0")).isZero();
    assertThat(ArtifactCli.parseDuration("00")).isZero();
    assertThat(ArtifactCli.parseDuration("0s")).isZero();
    Run unitless = cli("gc", "--grace", "5");
    assertThat(unitless.code()).isEqualTo(ArtifactCli.USAGE);
    assertThat(unitless.err()).contains("Invalid duration '5'");
  }

  @Test
  void gcDryRunRemovesNothing() {
    cli("log", data.toString(), "--name", "events", "--type", "dataset");
    Run gc = cli("gc", "--grace", "0s", "--dry-run");
    assertThat(gc.code()).as(gc.err()).isZero();
    assertThat(gc.out()).startsWith("Would remove");
    assertThat(cli("verify", "events", "--root", data.toString()).code()).isZero();
    assertThat(cli("gc", "--grace", "soon").code()).isEqualTo(ArtifactCli.USAGE);
  }

  @Test
  void theRealProcessPrintsNoStackTraceForUserMistakes() throws Exception {
    cli("log", data.toString(), "--name", "events", "--type", "dataset");
    Process p =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                ArtifactCli.class.getName(),
                "--registry",
                registry.toString(),
                "get",
                "acme/etl/nothing:v3")
            .redirectErrorStream(false)
            .start();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    String err = new String(p.getErrorStream().readAllBytes(), UTF_8);
    assertThat(p.exitValue()).isEqualTo(1);
    assertThat(err.strip().lines()).hasSize(1);
    assertThat(err)
        .contains("acme/etl/nothing")
        .doesNotContain("Exception")
        .doesNotContain("\tat ");
  }

  private static void assertOneLineError(Run run, String offending) {
    assertThat(run.code()).as(run.err()).isNotZero();
    assertThat(run.err().strip().lines()).as(run.err()).hasSizeLessThanOrEqualTo(2);
    assertThat(run.err()).contains(offending).doesNotContain("\tat ").doesNotContain("Exception");
  }

  private static List<String> listTree(Path root) throws IOException {
    try (Stream<Path> walk = Files.walk(root)) {
      return walk.map(p -> root.relativize(p).toString()).sorted().toList();
    }
  }

  private static void write(Path file, String text) throws IOException {
    Files.createDirectories(file.getParent());
    Files.writeString(file, text, UTF_8);
  }
}
