package dev.artifacts.flink.shaded;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.artifacts.common.testing.ChildJvm;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code artifact-flink.jar} works on its own, as in Flink's {@code lib/}: a fresh JVM gets Flink's
 * jars, exactly the Hadoop jars the README lists, and the shaded jar, but none of the project's
 * classes or the libraries we relocate (no Jackson, OkHttp, Okio or Kotlin), and runs one bounded
 * job through {@code ArtifactSink} on a local MiniCluster, then reads the version back through the
 * registry and through {@code ArtifactSource}. Without Hadoop, or without commons-logging, building
 * the sink fails naming what to add (not a {@code NoClassDefFoundError} at run time).
 */
class ShadedJarIT {
  @TempDir Path tmp;

  @Test
  void shadedJarRoundTripsInAFreshJvmWithOnlyFlinkBesideIt() throws Exception {
    Path jar = Path.of(System.getProperty("artifact.flink.jar"));
    assertThat(jar).exists();
    try (JarFile j = new JarFile(jar.toFile())) {
      assertThat(j.getEntry("dev/artifacts/flink/sink/ArtifactSink.class")).isNotNull();
      assertThat(j.getEntry("dev/artifacts/flink/source/ArtifactSource.class")).isNotNull();
      assertThat(j.getEntry("dev/artifacts/common/registry/ArtifactRegistries.class")).isNotNull();
      assertThat(j.getEntry("dev/artifacts/shaded/jackson/databind/ObjectMapper.class"))
          .isNotNull();
      assertThat(j.getEntry("dev/artifacts/shaded/okhttp3/OkHttpClient.class")).isNotNull();
      assertThat(j.getEntry("com/fasterxml/jackson/databind/ObjectMapper.class")).isNull();
      assertThat(j.getEntry("okhttp3/OkHttpClient.class")).isNull();
      assertThat(j.getEntry("kotlin/Unit.class")).isNull();
      assertThat(j.getEntry("org/apache/flink/api/connector/sink2/Sink.class")).isNull();
      assertThat(j.getEntry("org/apache/hadoop/fs/FileSystem.class")).isNull();
      assertThat(j.getEntry("org/slf4j/Logger.class")).isNull();
      // Service files of the connector (the Flink SQL table factory) survive shading.
      Path services = jar.resolveSibling("classes").resolve("META-INF/services");
      if (Files.isDirectory(services)) {
        try (Stream<Path> files = Files.list(services)) {
          for (Path f : files.toList()) {
            JarEntry entry = j.getJarEntry("META-INF/services/" + f.getFileName());
            assertThat(entry).as(f.getFileName().toString()).isNotNull();
            String shaded = new String(j.getInputStream(entry).readAllBytes(), UTF_8);
            for (String line : Files.readAllLines(f)) {
              if (!line.isBlank() && !line.startsWith("#")) {
                assertThat(shaded).contains(line.trim());
              }
            }
          }
        }
      }
    }

    Path mainDir = mainDir();

    List<String> flink = flinkClasspath();
    List<String> hadoop = readmeHadoopJars();
    assertThat(hadoop)
        .extracting(j -> Path.of(j).getFileName().toString())
        .containsExactlyInAnyOrder(
            "hadoop-client-api-3.3.4.jar",
            "hadoop-client-runtime-3.3.4.jar",
            "commons-logging-1.1.3.jar");

    String output = runChild(concat(flink, hadoop, List.of(jar.toString(), mainDir.toString())), 0);
    assertThat(output)
        .contains("committed acme/shaded/numbers:v0")
        .contains("ROUND-TRIP 1000 499500 3")
        .contains("READ-BACK 1000 499500");
  }

  @Test
  void withoutHadoopTheSinkFailsWhenBuiltNamingWhatToAdd() throws Exception {
    Path jar = Path.of(System.getProperty("artifact.flink.jar"));
    String output =
        runChild(concat(flinkClasspath(), List.of(jar.toString(), mainDir().toString())), 1);
    assertThat(output)
        .contains(
            "Cannot build the sink of acme/shaded/numbers: Hadoop"
                + " (org.apache.hadoop.conf.Configuration) is not on Flink's classpath")
        .contains("hadoop-client-api-3.3.x.jar, hadoop-client-runtime-3.3.x.jar and")
        .doesNotContain("NoClassDefFoundError");
  }

  @Test
  void withHadoopButNoCommonsLoggingTheSinkFailsWhenBuiltNamingIt() throws Exception {
    Path jar = Path.of(System.getProperty("artifact.flink.jar"));
    List<String> hadoopOnly =
        readmeHadoopJars().stream().filter(j -> !j.contains("commons-logging")).toList();
    String output =
        runChild(
            concat(flinkClasspath(), hadoopOnly, List.of(jar.toString(), mainDir().toString())), 1);
    assertThat(output)
        .contains("Cannot build the sink of acme/shaded/numbers: commons-logging")
        .contains("commons-logging-1.x.jar into Flink's lib/")
        .doesNotContain("NoClassDefFoundError");
  }

  private String runChild(List<String> classpath, int expectedExit) throws Exception {
    List<String> command =
        ChildJvm.commandWithClasspath(
            "512m",
            String.join(File.pathSeparator, classpath),
            ShadedRoundTripMain.class.getName(),
            tmp.resolve("registry").toString());
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes(), UTF_8);
    assertThat(p.waitFor(180, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(output).isEqualTo(expectedExit);
    return output;
  }

  /** The main class alone in a directory (lambdas compile into it). */
  private Path mainDir() throws Exception {
    Path mainDir = tmp.resolve("main");
    String cls = "dev/artifacts/flink/shaded/ShadedRoundTripMain.class";
    if (!Files.exists(mainDir.resolve(cls))) {
      Files.createDirectories(mainDir.resolve(cls).getParent());
      Files.copy(
          Path.of(
                  ShadedRoundTripMain.class
                      .getProtectionDomain()
                      .getCodeSource()
                      .getLocation()
                      .toURI())
              .resolve(cls),
          mainDir.resolve(cls));
    }
    return mainDir;
  }

  /**
   * Flink's jars as the build resolved them ({@code target/flink-lib/flink.classpath}: this
   * module's provided dependencies, Flink's own, with their closure), plus the client and the data
   * generator the child's job uses. No Hadoop, no commons-logging: Flink's distribution has none.
   */
  private static List<String> flinkClasspath() throws Exception {
    Path file = Path.of(System.getProperty("flink.lib.dir"), "flink.classpath");
    List<String> out = new ArrayList<>();
    for (String entry : Files.readString(file).trim().split(File.pathSeparator)) {
      if (!entry.isBlank()) {
        out.add(entry);
      }
    }
    for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
      String name = Path.of(entry).getFileName().toString();
      // Also in Flink's lib/ (slf4j-simple stands in for its log4j-slf4j-impl); slf4j-api is
      // missing from the provided closure only because common depends on it too.
      if (name.startsWith("flink-clients-")
          || name.startsWith("flink-optimizer-")
          || name.startsWith("flink-connector-datagen-")
          || name.startsWith("commons-cli-")
          || name.startsWith("slf4j-api-")
          || name.startsWith("slf4j-simple-")) {
        out.add(entry);
      }
    }
    assertThat(out)
        .noneMatch(e -> e.replace('\\', '/').contains("/org/apache/hadoop/"))
        .noneMatch(e -> e.contains("commons-logging"))
        .noneMatch(e -> e.contains("artifact-common"));
    return out;
  }

  /** {@code target/flink-lib/hadoop}: the jars the README tells users to put in {@code lib/}. */
  private static List<String> readmeHadoopJars() throws Exception {
    try (Stream<Path> jars = Files.list(Path.of(System.getProperty("flink.lib.dir"), "hadoop"))) {
      return jars.map(Path::toString).sorted().toList();
    }
  }

  @SafeVarargs
  private static List<String> concat(List<String>... parts) {
    List<String> out = new ArrayList<>();
    for (List<String> part : parts) {
      out.addAll(part);
    }
    return out;
  }
}
