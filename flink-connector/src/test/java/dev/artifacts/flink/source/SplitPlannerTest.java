package dev.artifacts.flink.source;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.artifacts.common.ArtifactException;
import dev.artifacts.common.digest.FileDigest;
import dev.artifacts.common.manifest.ManifestEntry;
import dev.artifacts.common.name.ArtifactPath;
import dev.artifacts.common.registry.ArtifactDraft;
import dev.artifacts.common.registry.ArtifactRegistries;
import dev.artifacts.common.registry.ArtifactRegistry;
import dev.artifacts.common.registry.ArtifactVersion;
import dev.artifacts.common.registry.ContentStore;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.flink.connector.file.src.FileSourceSplit;
import org.apache.flink.connector.file.src.reader.BulkFormat;
import org.apache.flink.connector.file.src.reader.TextLineInputFormat;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Planning against a real filesystem registry in a temporary directory. */
class SplitPlannerTest {
  private static final ArtifactPath ARTIFACT = ArtifactPath.parse("acme/etl/events");

  @TempDir Path dir;
  private ArtifactRegistry registry;

  @BeforeEach
  void setUp() {
    registry = ArtifactRegistries.open(dir.resolve("registry").toString());
  }

  @AfterEach
  void tearDown() throws IOException {
    registry.close();
  }

  @Test
  void storedEntriesAreReadFromTheContentStore() throws IOException {
    ArtifactVersion v = commit(Map.of("day=1/a.csv", "1,a\n", "day=2/b.csv", "22,bb\n"));
    List<ArtifactSourceSplit> splits = planAll(text(), v);

    assertThat(splits)
        .extracting(ArtifactSourceSplit::logicalPath)
        .containsExactly("day=1/a.csv", "day=2/b.csv");
    assertThat(splits).extracting(FileSourceSplit::splitId).containsExactly("0:v0-0", "0:v0-1");
    ArtifactSourceSplit first = splits.get(0);
    ManifestEntry entry = registry.manifest(v).entries().get(0);
    assertThat(first.path().toUri())
        .isEqualTo(registry.contentStore("acme", "etl").location(entry.digest()).orElseThrow());
    assertThat(Files.readString(Path.of(first.path().toUri()))).isEqualTo("1,a\n");
    assertThat(first.fileSize()).isEqualTo(4);
    assertThat(first.length()).isEqualTo(4);
    assertThat(first.versionIndex()).isZero();
    assertThat(first.partitionValues()).containsEntry("day", "1");
  }

  /**
   * The manifest ArtifactReadTest#sideFilesAreNotData reads with Spark: both engines select the
   * same data entries, by common's EntryFiles rule ({@code _SUCCESS}, hidden and {@code _x/} files
   * are not data).
   */
  @Test
  void sideFilesAreNotData() throws IOException {
    Map<String, String> files = new java.util.LinkedHashMap<>();
    files.put("day=1/a.csv", "1\n");
    files.put("day=1/.a.csv.crc", "crc");
    files.put("_SUCCESS", "");
    files.put("_meta/schema.json", "{}");
    files.put("day=2/b.csv", "2\n");
    ArtifactVersion v = commit(files);
    assertThat(planAll(text(), v))
        .extracting(ArtifactSourceSplit::logicalPath)
        .containsExactlyInAnyOrder("day=1/a.csv", "day=2/b.csv");
  }

  @Test
  void splitIdsCarryThePlanNumberAndTheManifestOrdinal() throws IOException {
    ArtifactVersion v = commit(Map.of("a", "1", "b", "2", "c", "3"));
    List<ArtifactSourceSplit> splits =
        new SplitPlanner(registry, text())
            .plan(3, v, registry.manifest(v).entries(), e -> !e.path().equals("b"));
    assertThat(splits).extracting(FileSourceSplit::splitId).containsExactly("3:v0-0", "3:v0-2");
  }

  @Test
  void largeFilesOfSplittableFormatsBecomeByteRanges() throws IOException {
    ArtifactVersion v = commit(Map.of("big.bin", "0123456789"));
    SourceConfig<String> config =
        new SourceConfig<>(registry.uri(), ARTIFACT, null, null, 4, new SplittableText(), false);
    List<ArtifactSourceSplit> splits =
        new SplitPlanner(registry, config).plan(0, v, registry.manifest(v).entries(), e -> true);
    assertThat(splits)
        .extracting(FileSourceSplit::splitId)
        .containsExactly("0:v0-0-0", "0:v0-0-1", "0:v0-0-2");
    assertThat(splits).extracting(FileSourceSplit::offset).containsExactly(0L, 4L, 8L);
    assertThat(splits).extracting(FileSourceSplit::length).containsExactly(4L, 4L, 2L);
    assertThat(splits).allSatisfy(s -> assertThat(s.fileSize()).isEqualTo(10));
  }

  @Test
  void linkedVersionsAreReadFromTheSourceProjectsStore() throws IOException {
    ArtifactVersion v = commit(Map.of("model.bin", "weights"));
    ArtifactVersion linked =
        registry.link(v, ArtifactPath.parse("acme/wandb-registry-models/best"), List.of("prod"));
    assertThat(linked.isLink()).isTrue();

    ArtifactSourceSplit split = planAll(text(), linked).get(0);
    ManifestEntry entry = registry.manifest(linked).entries().get(0);
    assertThat(split.path().toUri())
        .isEqualTo(registry.contentStore("acme", "etl").location(entry.digest()).orElseThrow());
    assertThat(Files.readString(Path.of(split.path().toUri()))).isEqualTo("weights");
  }

  @Test
  void referencesAreReadAtTheirUriAndUnknownSizesAreStatted() throws IOException {
    Path data = Files.writeString(dir.resolve("ref.csv"), "x,y\n");
    ArtifactDraft draft = registry.newDraft(ARTIFACT, "dataset");
    draft.addEntry(
        ManifestEntry.reference(
            "refs/ref.csv", "ignored-digest", data.toUri().toString(), null, Map.of()));
    ArtifactVersion v = registry.commit(draft).version();

    ArtifactSourceSplit split = planAll(text(), v).get(0);
    assertThat(split.path().toUri()).isEqualTo(data.toUri());
    assertThat(split.fileSize()).isEqualTo(4);
  }

  @Test
  void compressedStoredTextIsRejectedNamingTheEntry() throws IOException {
    ArtifactVersion v = commit(Map.of("logs/part-0.txt.gz", "not really gzip"));
    assertThatThrownBy(() -> planAll(text(), v))
        .isInstanceOf(ArtifactException.InvalidInput.class)
        .hasMessageContaining("acme/etl/events:v0")
        .hasMessageContaining("'logs/part-0.txt.gz'")
        .hasMessageContaining("compressed");
    // A bulk format reads its own bytes: no codec question.
    assertThat(planAll(config(new SplittableText()), v)).hasSize(1);
  }

  @Test
  void referencesToOtherArtifactsAndUnknownSchemesAreRejected() throws IOException {
    ArtifactDraft draft = registry.newDraft(ARTIFACT, "dataset");
    draft.addEntry(
        ManifestEntry.reference(
            "model.bin", "d", "wandb-artifact://QXJ0aWZhY3Q6MQ==/model.bin", 3L, Map.of()));
    ArtifactVersion v1 = registry.commit(draft).version();
    assertThatThrownBy(() -> planAll(text(), v1))
        .isInstanceOf(ArtifactException.InvalidInput.class)
        .hasMessageContaining("acme/etl/events:v0")
        .hasMessageContaining("references another artifact");

    ArtifactDraft other = registry.newDraft(ARTIFACT, "dataset");
    other.addEntry(ManifestEntry.reference("x.csv", "d", "nosuchfs://bucket/x.csv", 3L, Map.of()));
    ArtifactVersion v2 = registry.commit(other).version();
    assertThatThrownBy(() -> planAll(text(), v2))
        .isInstanceOf(ArtifactException.InvalidInput.class)
        .hasMessageContaining("acme/etl/events:v1")
        .hasMessageContaining("'x.csv'")
        .hasMessageContaining("no file system for scheme 'nosuchfs'");
  }

  @Test
  void registryWithoutFileLocationsFailsNamingTheArtifact() throws IOException {
    ArtifactVersion v = commit(Map.of("a.csv", "1\n"));
    ArtifactRegistry remote = withoutLocations(registry);
    assertThatThrownBy(
            () ->
                new SplitPlanner(remote, text())
                    .plan(0, v, registry.manifest(v).entries(), e -> true))
        .isInstanceOf(ArtifactException.InvalidInput.class)
        .hasMessageContaining("Cannot read acme/etl/events:v0")
        .hasMessageContaining("no file system location")
        .hasMessageContaining("'a.csv'");
  }

  // ---- helpers ---------------------------------------------------------------------------

  private ArtifactVersion commit(Map<String, String> files) throws IOException {
    ArtifactDraft draft = registry.newDraft(ARTIFACT, "dataset");
    for (Map.Entry<String, String> f : files.entrySet()) {
      try (OutputStream out = draft.newFile(f.getKey())) {
        out.write(f.getValue().getBytes(UTF_8));
      }
    }
    return registry.commit(draft).version();
  }

  private SourceConfig<String> text() {
    return ArtifactSource.forRecordStreamFormat(new TextLineInputFormat())
        .setRegistry(registry.uri())
        .setArtifact(ARTIFACT.toString())
        .build()
        .config();
  }

  private SourceConfig<String> config(BulkFormat<String, FileSourceSplit> format) {
    return new SourceConfig<>(
        registry.uri(),
        ARTIFACT,
        null,
        null,
        ArtifactSourceBuilder.DEFAULT_SPLIT_SIZE,
        format,
        false);
  }

  private List<ArtifactSourceSplit> planAll(SourceConfig<String> config, ArtifactVersion v) {
    return new SplitPlanner(registry, config).plan(0, v, registry.manifest(v).entries(), e -> true);
  }

  /** A splittable bulk format; planning never creates a reader. */
  private static final class SplittableText implements BulkFormat<String, FileSourceSplit> {
    @Override
    public Reader<String> createReader(
        org.apache.flink.configuration.Configuration config, FileSourceSplit split) {
      throw new UnsupportedOperationException("not read in planning tests");
    }

    @Override
    public Reader<String> restoreReader(
        org.apache.flink.configuration.Configuration config, FileSourceSplit split) {
      throw new UnsupportedOperationException("not read in planning tests");
    }

    @Override
    public boolean isSplittable() {
      return true;
    }

    @Override
    public org.apache.flink.api.common.typeinfo.TypeInformation<String> getProducedType() {
      return org.apache.flink.api.common.typeinfo.Types.STRING;
    }
  }

  /** The registry as a remote service sees it: content stores without file system locations. */
  private static ArtifactRegistry withoutLocations(ArtifactRegistry real) {
    return (ArtifactRegistry)
        Proxy.newProxyInstance(
            ArtifactRegistry.class.getClassLoader(),
            new Class<?>[] {ArtifactRegistry.class},
            (proxy, method, args) -> {
              if (method.getName().equals("location")) {
                return java.util.Optional.empty();
              }
              if (method.getName().equals("contentStore")) {
                return storeWithoutLocation(real.contentStore((String) args[0], (String) args[1]));
              }
              try {
                return method.invoke(real, args);
              } catch (InvocationTargetException e) {
                throw e.getCause();
              }
            });
  }

  private static ContentStore storeWithoutLocation(ContentStore store) {
    return new ContentStore() {
      @Override
      public FileDigest put(Path file) throws IOException {
        return store.put(file);
      }

      @Override
      public BodyWriter newBody() throws IOException {
        return store.newBody();
      }

      @Override
      public boolean contains(String md5Base64) throws IOException {
        return store.contains(md5Base64);
      }

      @Override
      public InputStream open(String md5Base64) throws IOException {
        return store.open(md5Base64);
      }
    };
  }
}
