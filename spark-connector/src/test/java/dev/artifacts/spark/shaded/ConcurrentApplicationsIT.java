package dev.artifacts.spark.shaded;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.artifacts.common.manifest.ManifestEntry;
import dev.artifacts.common.name.ArtifactPath;
import dev.artifacts.common.registry.ArtifactRegistries;
import dev.artifacts.common.registry.ArtifactRegistry;
import dev.artifacts.common.registry.ArtifactVersion;
import dev.artifacts.common.registry.VersionQuery;
import dev.artifacts.common.testing.ChildJvm;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two Spark applications (two JVMs, two SparkContexts) append to one collection at the same time:
 * versions stay gapless and the latest version holds every file both wrote.
 */
class ConcurrentApplicationsIT {
  private static final int ROUNDS = 3;

  @TempDir Path tmp;

  @Test
  void twoApplicationsAppendingConcurrentlyLoseNothing() throws Exception {
    String registry = tmp.resolve("registry").toString();
    List<Process> apps = new ArrayList<>();
    for (int app = 1; app <= 2; app++) {
      List<String> command =
          ChildJvm.command(
              "768m",
              AppendMain.class.getName(),
              registry,
              String.valueOf(app),
              String.valueOf(ROUNDS));
      apps.add(new ProcessBuilder(command).redirectErrorStream(true).start());
    }
    for (Process p : apps) {
      String output = new String(p.getInputStream().readAllBytes(), UTF_8);
      assertThat(p.waitFor(180, TimeUnit.SECONDS)).isTrue();
      assertThat(p.exitValue()).as(output).isZero();
      assertThat(output).contains("APPENDED");
    }

    try (ArtifactRegistry reg = ArtifactRegistries.open(registry)) {
      ArtifactPath path = ArtifactPath.parse("apps/test/shared");
      List<ArtifactVersion> versions =
          reg.versions(path, VersionQuery.all().withOrder(VersionQuery.Order.VERSION_ASC));
      assertThat(versions)
          .extracting(ArtifactVersion::versionIndex)
          .containsExactly(0, 1, 2, 3, 4, 5);
      ArtifactVersion latest = reg.resolve(path);
      List<ManifestEntry> entries = reg.manifest(latest).entries();
      // Every append wrote one file; none was dropped by a concurrent commit.
      assertThat(entries).hasSize(2 * ROUNDS);
      assertThat(entries).allSatisfy(e -> assertThat(e.path()).endsWith(".parquet"));
      assertThat(latest.loggedBy()).startsWith("local-");
    }
  }
}
