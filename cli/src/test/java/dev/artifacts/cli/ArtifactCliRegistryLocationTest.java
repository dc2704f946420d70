package dev.artifacts.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Where the registry is: setup mistakes (missing filesystem jars, unknown hosts, unsupported
 * schemes) and mistyped locations give one line naming the problem and the fix.
 */
class ArtifactCliRegistryLocationTest {
  /** Every command that needs an existing registry, with arguments that are valid otherwise. */
  private static final List<List<String>> READS =
      List.of(
          List.of("get", "acme/etl/events:v0"),
          List.of("manifest", "acme/etl/events:v0"),
          List.of("info", "acme/etl/events"),
          List.of("versions", "acme/etl/events"),
          List.of("collections", "acme/etl"),
          List.of("verify", "acme/etl/events:v0", "--root", "."),
          List.of("lineage", "acme/etl/events:v0"),
          List.of("alias", "add", "acme/etl/events:v0", "prod"),
          List.of("delete", "acme/etl/events:v0"),
          List.of("gc", "--dry-run"));

  @TempDir Path tmp;
  private Path data;
  private final Map<String, String> env = new HashMap<>();

  record Run(int code, String out, String err) {}

  @BeforeEach
  void setUp() throws IOException {
    data = tmp.resolve("data");
    Files.createDirectories(data);
    Files.writeString(data.resolve("a.csv"), "id\n1\n");
  }

  private Run cli(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code =
        new ArtifactCli(
                new PrintStream(out, true, UTF_8), new PrintStream(err, true, UTF_8), env, false)
            .run(args);
    return new Run(code, out.toString(UTF_8), err.toString(UTF_8));
  }

  private static void assertOneLine(Run run, String... expected) {
    assertThat(run.code()).as(run.err()).isEqualTo(ArtifactCli.FAILED);
    assertThat(run.err().strip().lines()).as(run.err()).hasSize(1);
    assertThat(run.err())
        .startsWith("artifact: ")
        .doesNotContain("internal error")
        .doesNotContain("\tat ")
        .contains(expected);
  }

  @Test
  void s3aWithoutHadoopAwsOnTheClasspathNamesTheJars() {
    // The CLI's own classpath, like the shaded jar, has no hadoop-aws: the real situation.
    assertThatThrownBy(() -> Class.forName("org.apache.hadoop.fs.s3a.S3AFileSystem"))
        .isInstanceOf(ClassNotFoundException.class);
    Run run = cli("--registry", "s3a://bucket/registry", "versions", "acme/etl/events");
    assertOneLine(
        run,
        "Cannot open registry s3a://bucket/registry: the s3a filesystem is not on the classpath",
        "org.apache.hadoop:hadoop-aws:3.3.4",
        "aws-java-sdk-bundle",
        "ARTIFACT_CLASSPATH");
  }

  @Test
  void unknownHostUnsupportedAndUnservedSchemesAreOneLine() {
    assertOneLine(
        cli("--registry", "hdfs://namenode.invalid:8020/registry", "collections"),
        "Cannot open registry hdfs://namenode.invalid:8020/registry",
        "unknown host 'namenode.invalid'");
    assertOneLine(
        cli("--registry", "ftp://files.invalid/registry", "collections"),
        "Invalid registry location 'ftp://files.invalid/registry'",
        "scheme 'ftp' cannot hold a registry",
        "s3a:");
    assertOneLine(
        cli(
            "--registry",
            "gs://bucket/registry",
            "log",
            data.toString(),
            "--name",
            "x",
            "--type",
            "dataset"),
        "no Hadoop filesystem for scheme 'gs'",
        "connector jar");
  }

  @Test
  void everyReadOnAMistypedLocationSaysThereIsNoRegistry() throws IOException {
    Path real = tmp.resolve("registry");
    assertThat(
            cli(
                    "--registry",
                    real.toString(),
                    "log",
                    data.toString(),
                    "--name",
                    "acme/etl/events",
                    "--type",
                    "dataset")
                .code())
        .isZero();
    Path typo = tmp.resolve("regsitry");
    for (List<String> read : READS) {
      List<String> argv = new ArrayList<>(List.of("--registry", typo.toString()));
      argv.addAll(read);
      Run run = cli(argv.toArray(String[]::new));
      assertOneLine(
          run,
          "No registry at " + typo + " (from --registry): it does not exist or is empty.",
          "--registry URI or $ARTIFACT_REGISTRY",
          "'artifact log' creates a new registry");
      assertThat(run.out()).as(read.get(0)).isEmpty();
      assertThat(typo).as(read.get(0) + " creates nothing").doesNotExist();
      // The same command on the real registry gets past the location check.
      argv.set(1, real.toString());
      assertThat(cli(argv.toArray(String[]::new)).err()).doesNotContain("No registry");
    }
  }

  @Test
  void theMessageSaysWhereTheLocationCameFrom() throws IOException {
    Path empty = Files.createDirectories(tmp.resolve("empty"));
    env.put("ARTIFACT_REGISTRY", empty.toString());
    assertOneLine(
        cli("collections", "acme/etl"), "No registry at " + empty + " (from $ARTIFACT_REGISTRY)");
  }

  @Test
  void aDirectoryOfOtherFilesOrAFileIsNotARegistry() throws IOException {
    assertOneLine(
        cli("--registry", data.toString(), "versions", "acme/etl/events"),
        "No registry at "
            + data
            + " (from --registry): the directory holds other files but no"
            + " registry.");
    assertOneLine(
        cli(
            "--registry",
            data.resolve("a.csv").toString(),
            "log",
            data.toString(),
            "--name",
            "x",
            "--type",
            "dataset"),
        "Invalid registry location '" + data.resolve("a.csv") + "': it is a file, not a directory");
  }

  @Test
  void logIntoANewLocationSaysItCreatesARegistryOnce() {
    Path fresh = tmp.resolve("new/registry");
    Run usage = cli("--registry", fresh.toString(), "log", data.toString(), "--name", "events");
    assertThat(usage.code()).isEqualTo(ArtifactCli.USAGE);
    assertThat(usage.err()).doesNotContain("Creating");

    Run first =
        cli(
            "--registry",
            fresh.toString(),
            "log",
            data.toString(),
            "--name",
            "acme/etl/events",
            "--type",
            "dataset");
    assertThat(first.code()).as(first.err()).isZero();
    assertThat(first.err().lines().findFirst()).contains("Creating a new registry at " + fresh);
    assertThat(first.out().strip()).isEqualTo("acme/etl/events:v0");

    Run second =
        cli(
            "--registry",
            fresh.toString(),
            "log",
            data.toString(),
            "--name",
            "acme/etl/other",
            "--type",
            "dataset");
    assertThat(second.code()).as(second.err()).isZero();
    assertThat(second.err()).doesNotContain("Creating");
    assertThat(cli("--registry", fresh.toString(), "collections", "acme/etl").out())
        .contains("acme/etl/events")
        .contains("acme/etl/other");
  }
}
