package dev.artifacts.spark.source;

import static org.assertj.core.api.Assertions.assertThat;

import dev.artifacts.common.digest.Digests;
import dev.artifacts.common.manifest.Manifest;
import dev.artifacts.common.manifest.ManifestEntry;
import dev.artifacts.common.registry.ArtifactRegistry;
import dev.artifacts.common.registry.ArtifactVersion;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskStart;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/** Helpers of the write tests: sessions, and reading a committed version without the read path. */
final class WriteTesting {
  private WriteTesting() {}

  static SparkSession session(String master, String... conf) {
    SparkSession.Builder b =
        SparkSession.builder()
            .master(master)
            .appName("artifact-write-test")
            .config("spark.ui.enabled", "false")
            .config("spark.sql.shuffle.partitions", "2")
            .config("spark.default.parallelism", "2")
            .config("spark.driver.memory", "512m")
            .config("spark.sql.adaptive.enabled", "false");
    for (int i = 0; i + 1 < conf.length; i += 2) {
      b.config(conf[i], conf[i + 1]);
    }
    return b.getOrCreate();
  }

  /**
   * Copies every entry of {@code version} to {@code dir} under its logical path, checking on the
   * way that the stored bytes hash to the entry's digest and size. Returns the directory.
   */
  static Path materialize(ArtifactRegistry registry, ArtifactVersion version, Path dir)
      throws IOException {
    Manifest manifest = registry.manifest(version);
    for (ManifestEntry e : manifest.entries()) {
      byte[] bytes;
      try (InputStream in = registry.open(version, e)) {
        bytes = in.readAllBytes();
      }
      assertThat((long) bytes.length).as("size of %s", e.path()).isEqualTo(e.size());
      if (!e.isReference() || e.ref().startsWith("file:")) {
        assertThat(Digests.md5Base64(bytes)).as("digest of %s", e.path()).isEqualTo(e.digest());
      }
      Path target = dir.resolve(e.path());
      Files.createDirectories(target.getParent());
      Files.write(target, bytes);
    }
    return dir;
  }

  static List<String> sortedRows(Dataset<Row> df) {
    List<String> rows = new ArrayList<>();
    for (Row r : df.collectAsList()) {
      rows.add(r.toString());
    }
    rows.sort(null);
    return rows;
  }

  static List<String> paths(ArtifactRegistry registry, ArtifactVersion version) {
    return registry.manifest(version).entries().stream().map(ManifestEntry::path).toList();
  }

  /** Files under {@code dir} (recursively), for asserting that nothing was left behind. */
  static List<Path> filesUnder(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return List.of();
    }
    try (Stream<Path> s = Files.walk(dir)) {
      return s.filter(Files::isRegularFile).toList();
    }
  }

  /** Counts task starts, to prove that a bad write failed before any task ran. */
  static final class TaskCounter extends SparkListener {
    final AtomicInteger started = new AtomicInteger();

    @Override
    public void onTaskStart(SparkListenerTaskStart taskStart) {
      started.incrementAndGet();
    }
  }
}
