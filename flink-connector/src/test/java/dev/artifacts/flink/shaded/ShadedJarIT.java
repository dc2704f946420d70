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
 * and Hadoop's jars and the shaded jar, but none of the project's classes or the libraries we
 * relocate (no Jackson, OkHttp, Okio or Kotlin), and runs one bounded job through {@code
 * ArtifactSink} on a local MiniCluster, then reads the version back through the registry and
 * through {@code ArtifactSource}.
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

    // The one test class the child runs, alone in a directory (lambdas compile into it).
    Path mainDir = tmp.resolve("main");
    String cls = "dev/artifacts/flink/shaded/ShadedRoundTripMain.class";
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

    List<String> classpath = new ArrayList<>();
    for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
      if (!isProjectOrRelocated(entry)) {
        classpath.add(entry);
      }
    }
    classpath.add(jar.toString());
    classpath.add(mainDir.toString());

    List<String> command =
        ChildJvm.commandWithClasspath(
            "512m",
            String.join(File.pathSeparator, classpath),
            ShadedRoundTripMain.class.getName(),
            tmp.resolve("registry").toString());
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes(), UTF_8);
    assertThat(p.waitFor(180, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(output).isZero();
    assertThat(output)
        .contains("committed acme/shaded/numbers:v0")
        .contains("ROUND-TRIP 1000 499500 3")
        .contains("READ-BACK 1000 499500");
  }

  /** Our own classes, common, the libraries relocated inside the shaded jar, test libraries. */
  private static boolean isProjectOrRelocated(String entry) {
    String e = entry.replace('\\', '/');
    return e.contains("/flink-connector/target/")
        || e.contains("/common/target/")
        || e.contains("artifact-common")
        || e.contains("/com/fasterxml/jackson/")
        || e.contains("/okhttp3/")
        || e.contains("/okio")
        || e.contains("/kotlin")
        || e.contains("/org/jetbrains/")
        || e.contains("/junit")
        || e.contains("/assertj");
  }
}
