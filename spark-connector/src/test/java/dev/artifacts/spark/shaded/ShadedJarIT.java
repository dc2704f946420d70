package dev.artifacts.spark.shaded;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.artifacts.common.testing.ChildJvm;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code artifact-spark.jar} works on its own, as with {@code spark-submit --jars}: a fresh JVM
 * gets Spark's classpath and the shaded jar, but none of the project's classes or the libraries we
 * relocate, and does one write and read round trip.
 */
class ShadedJarIT {
  @TempDir Path tmp;

  @Test
  void shadedJarRoundTripsInAFreshJvmWithOnlySparkBesideIt() throws Exception {
    Path jar = Path.of(System.getProperty("artifact.spark.jar"));
    assertThat(jar).exists();
    try (JarFile j = new JarFile(jar.toFile())) {
      assertThat(j.getEntry("META-INF/services/org.apache.spark.sql.sources.DataSourceRegister"))
          .isNotNull();
      assertThat(j.getEntry("dev/artifacts/shaded/jackson/databind/ObjectMapper.class"))
          .isNotNull();
      assertThat(j.getEntry("com/fasterxml/jackson/databind/ObjectMapper.class")).isNull();
      assertThat(j.getEntry("okhttp3/OkHttpClient.class")).isNull();
      assertThat(j.getEntry("org/apache/spark/sql/SparkSession.class")).isNull();
    }

    // The one test class the child runs, alone in a directory.
    Path mainDir = tmp.resolve("main");
    Path cls = mainDir.resolve("dev/artifacts/spark/shaded/RoundTripMain.class");
    Files.createDirectories(cls.getParent());
    Files.copy(
        Path.of(RoundTripMain.class.getProtectionDomain().getCodeSource().getLocation().toURI())
            .resolve("dev/artifacts/spark/shaded/RoundTripMain.class"),
        cls);

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
            "1g",
            String.join(File.pathSeparator, classpath),
            RoundTripMain.class.getName(),
            tmp.resolve("registry").toString());
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes(), UTF_8);
    assertThat(p.waitFor(180, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(output).isZero();
    assertThat(output).contains("ROUND-TRIP 100 4950 3");
  }

  /** Our own classes, common, and the libraries relocated inside the shaded jar. */
  private static boolean isProjectOrRelocated(String entry) {
    String e = entry.replace('\\', '/');
    return e.contains("/spark-connector/target/")
        || e.contains("/common/target/")
        || e.contains("artifact-common")
        || e.contains("/okhttp3/")
        || e.contains("/okio")
        || e.contains("/kotlin")
        || e.contains("/org/jetbrains/")
        || e.contains("/junit")
        || e.contains("/assertj");
  }
}
