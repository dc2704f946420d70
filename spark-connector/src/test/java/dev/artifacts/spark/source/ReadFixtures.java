package dev.artifacts.spark.source;

import dev.artifacts.common.name.ArtifactPath;
import dev.artifacts.common.registry.ArtifactDraft;
import dev.artifacts.common.registry.ArtifactRegistry;
import dev.artifacts.common.registry.ArtifactVersion;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.spark.sql.SparkSession;

/** Sessions and artifacts for read tests, built with {@code common}'s API (not the write path). */
final class ReadFixtures {
  private ReadFixtures() {}

  static SparkSession.Builder session(String appName) {
    return SparkSession.builder()
        .master("local[2]")
        .appName(appName)
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        // Plans are inspected directly; adaptive execution would wrap them.
        .config("spark.sql.adaptive.enabled", "false");
  }

  /**
   * Commits what Spark wrote under {@code dir} as a new version, without Spark's {@code _SUCCESS}
   * and {@code .crc} side files.
   */
  static ArtifactVersion commit(
      ArtifactRegistry registry,
      ArtifactPath collection,
      Path dir,
      Map<String, String> commitProperties,
      String... aliases)
      throws IOException {
    try (Stream<Path> walk = Files.walk(dir)) {
      walk.filter(Files::isRegularFile)
          .filter(p -> p.getFileName().toString().startsWith("_") || p.toString().endsWith(".crc"))
          .forEach(ReadFixtures::delete);
    }
    ArtifactDraft draft = registry.newDraft(collection, "dataset");
    draft.addDir(dir, null);
    return registry
        .commit(draft.commitProperties(commitProperties).aliases(List.of(aliases)))
        .version();
  }

  static String messages(Throwable t) {
    StringBuilder sb = new StringBuilder();
    for (Throwable c = t; c != null; c = c.getCause()) {
      sb.append(c.getClass().getSimpleName()).append(": ").append(c.getMessage()).append('\n');
    }
    return sb.toString();
  }

  private static void delete(Path p) {
    try {
      Files.delete(p);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
