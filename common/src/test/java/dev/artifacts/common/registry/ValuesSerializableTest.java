package dev.artifacts.common.registry;

import static dev.artifacts.common.testing.JavaSerialization.roundTrip;
import static org.assertj.core.api.Assertions.assertThat;

import dev.artifacts.common.manifest.ManifestEntry;
import dev.artifacts.common.name.ArtifactPath;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Engines ship these values to executors and task managers with Java serialization. */
class ValuesSerializableTest {
  @Test
  void valuesSurviveJavaSerialization() throws Exception {
    ArtifactPath path = new ArtifactPath("acme", "etl", "events", "prod");
    ManifestEntry entry =
        ManifestEntry.reference(
            "a/b.csv", "etag-1", "s3://b/a/b.csv", 7L, Map.of("etag", "etag-1", "n", List.of(1)));
    RunInfo run = new RunInfo("app-1", "etl", "spark", Instant.EPOCH, Map.of("master", "local"));
    ArtifactVersion version =
        new ArtifactVersion(
            "id",
            "acme",
            "etl",
            "events",
            "dataset",
            3,
            "d",
            ArtifactVersion.COMMITTED,
            List.of("latest"),
            List.of("raw"),
            "desc",
            Map.of("rows", 2),
            Duration.ofDays(1),
            10,
            1,
            Instant.EPOCH,
            null,
            "app-1",
            null,
            3,
            Map.of("k", "v"));
    for (Object value : List.of(path, entry, run, version)) {
      assertThat(roundTrip(value)).isEqualTo(value);
    }
  }
}
