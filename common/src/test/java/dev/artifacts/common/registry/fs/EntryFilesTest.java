package dev.artifacts.common.registry.fs;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.artifacts.common.ArtifactException;
import dev.artifacts.common.manifest.ManifestEntry;
import dev.artifacts.common.name.ArtifactPath;
import dev.artifacts.common.registry.ArtifactDraft;
import dev.artifacts.common.registry.ArtifactRegistries;
import dev.artifacts.common.registry.ArtifactRegistry;
import dev.artifacts.common.registry.ArtifactVersion;
import dev.artifacts.common.registry.EntryFiles;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The entry → physical file rules both engines read by, on a real filesystem registry. */
class EntryFilesTest {
  private static final ArtifactPath EVENTS = new ArtifactPath("acme", "p", "events", null);

  @TempDir Path root;
  private ArtifactRegistry registry;

  @BeforeEach
  void open() {
    registry = ArtifactRegistries.open(root.resolve("registry").toString());
  }

  @AfterEach
  void close() throws IOException {
    registry.close();
  }

  private ArtifactVersion commit(Map<String, String> stored, List<ManifestEntry> references)
      throws IOException {
    ArtifactDraft d = registry.newDraft(EVENTS, "dataset");
    for (Map.Entry<String, String> f : stored.entrySet()) {
      try (OutputStream out = d.newFile(f.getKey())) {
        out.write(f.getValue().getBytes(UTF_8));
      }
    }
    references.forEach(d::addEntry);
    return registry.commit(d).version();
  }

  @Test
  void dataPathsFollowTheListingRule() {
    assertThat(EntryFiles.isDataPath("day=1/part-0.parquet")).isTrue();
    assertThat(EntryFiles.isDataPath("_day=1/part-0.parquet")).isTrue();
    assertThat(EntryFiles.isDataPath("part-0.parquet")).isTrue();
    assertThat(EntryFiles.isDataPath("_SUCCESS")).isFalse();
    assertThat(EntryFiles.isDataPath("day=1/.part-0.parquet.crc")).isFalse();
    assertThat(EntryFiles.isDataPath("_delta_log/0.json")).isFalse();
    assertThat(EntryFiles.isDataPath("a/part-0.csv._COPYING_")).isFalse();
  }

  @Test
  void storedBodiesAreAtTheRegistrysLocationAndReferencesAtTheirUri() throws IOException {
    Path data = Files.writeString(root.resolve("ref.csv"), "x\n");
    ArtifactVersion v =
        commit(
            Map.of("a.csv", "1\n", "_SUCCESS", ""),
            List.of(
                ManifestEntry.reference("r.csv", "ZA==", data.toUri().toString(), 2L, Map.of()),
                ManifestEntry.reference("s3.csv", "ZA==", "s3://bucket/k/s3.csv", 2L, Map.of())));
    List<ManifestEntry> data2 = EntryFiles.dataEntries(registry.manifest(v).entries());
    assertThat(data2).extracting(ManifestEntry::path).containsExactly("a.csv", "r.csv", "s3.csv");

    ManifestEntry stored = data2.get(0);
    EntryFiles.PhysicalFile a = EntryFiles.locate(registry, v, stored);
    assertThat(a.isReference()).isFalse();
    assertThat(a.uri())
        .isEqualTo(registry.contentStore("acme", "p").location(stored.digest()).orElseThrow());
    assertThat(Files.readString(Path.of(a.uri()))).isEqualTo("1\n");

    EntryFiles.PhysicalFile r = EntryFiles.locate(registry, v, data2.get(1));
    assertThat(r.uri()).isEqualTo(data.toUri());
    assertThat(r.hadoopUri()).isEqualTo(data.toUri());

    EntryFiles.PhysicalFile s3 = EntryFiles.locate(registry, v, data2.get(2));
    assertThat(s3.uri()).isEqualTo(URI.create("s3://bucket/k/s3.csv"));
    assertThat(s3.hadoopUri()).isEqualTo(URI.create("s3a://bucket/k/s3.csv"));
  }

  @Test
  void unreadableReferencesFailNamingTheEntry() throws IOException {
    ArtifactVersion v =
        commit(
            Map.of(),
            List.of(
                ManifestEntry.reference(
                    "m.bin", "ZA==", "wandb-artifact://QXJ0aWZhY3Q6MQ==/m.bin", 1L, Map.of())));
    ManifestEntry e = registry.manifest(v).entries().get(0);
    assertThatThrownBy(() -> EntryFiles.locate(registry, v, e))
        .isInstanceOf(ArtifactException.InvalidInput.class)
        .hasMessage(
            "Cannot read acme/p/events:v0: entry 'm.bin' references another artifact"
                + " (wandb-artifact://QXJ0aWZhY3Q6MQ==/m.bin); read that artifact instead");
  }

  @Test
  void compressedStoredBodiesAreRefusedButReferencesAreNot() throws IOException {
    ArtifactVersion v =
        commit(
            Map.of("logs/a.txt.gz", "x"),
            List.of(ManifestEntry.reference("r.csv.gz", "ZA==", "file:///r.csv.gz", 1L, Map.of())));
    List<ManifestEntry> entries = registry.manifest(v).entries();
    ManifestEntry stored = entries.stream().filter(e -> !e.isReference()).findFirst().orElseThrow();
    ManifestEntry ref =
        entries.stream().filter(ManifestEntry::isReference).findFirst().orElseThrow();
    assertThatThrownBy(() -> EntryFiles.checkCodec(v, stored, "Spark's csv reader"))
        .hasMessageStartingWith(
            "Cannot read acme/p/events:v0: entry 'logs/a.txt.gz' is a compressed file stored by"
                + " content digest, where Spark's csv reader cannot tell its codec");
    EntryFiles.checkCodec(v, ref, "Spark's csv reader");
    assertThat(EntryFiles.hasCompressionExtension("a.snappy.parquet")).isFalse();
    assertThat(EntryFiles.hasCompressionExtension("a.csv.zst")).isTrue();
  }

  @Test
  void formatFromOptionRecordOrExtensions() {
    List<ManifestEntry> parquet =
        List.of(ManifestEntry.file("day=1/part-0.snappy.parquet", "ZA==", 1));
    List<ManifestEntry> mixed =
        List.of(ManifestEntry.file("a.csv.gz", "ZA==", 1), ManifestEntry.file("b.json", "ZA==", 1));
    assertThat(EntryFiles.format(null, null, parquet, EVENTS)).isEqualTo("parquet");
    assertThat(EntryFiles.format(null, "CSV", parquet, EVENTS)).isEqualTo("csv");
    assertThat(EntryFiles.format("json", "csv", parquet, EVENTS)).isEqualTo("json");
    assertThat(EntryFiles.format(null, null, List.of(), EVENTS)).isEqualTo("parquet");
    assertThat(EntryFiles.extension("a.csv.gz")).isEqualTo("csv");
    assertThatThrownBy(() -> EntryFiles.format(null, null, mixed, EVENTS))
        .hasMessage(
            "Cannot infer the format of acme/p/events: its data files have extensions [.csv,"
                + " .json], of more than one format; pass option"
                + " format=<parquet|csv|json|orc|text> to read them as one format");
  }
}
