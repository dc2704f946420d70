package dev.artifacts.common.registry;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.artifacts.common.ArtifactException;
import dev.artifacts.common.digest.Digests;
import dev.artifacts.common.manifest.Manifest;
import dev.artifacts.common.manifest.ManifestEntry;
import dev.artifacts.common.reference.DefaultReferenceResolver;
import dev.artifacts.common.reference.FileUris;
import dev.artifacts.common.testing.Vectors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import okhttp3.OkHttpClient;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ArtifactFilesTest {
  @TempDir Path tmp;
  Path root;
  InMemoryRegistry registry;
  ArtifactVersion version;
  List<ManifestEntry> sample;

  @BeforeEach
  void setUp() throws IOException {
    root = tmp.resolve("root");
    registry =
        new InMemoryRegistry(new DefaultReferenceResolver(new Configuration(), new OkHttpClient()));
    sample = new ArrayList<>();
    Iterator<Map.Entry<String, JsonNode>> it = Vectors.expected().get("per_file_digests").fields();
    while (it.hasNext()) {
      Map.Entry<String, JsonNode> f = it.next();
      byte[] bytes = Files.readAllBytes(Vectors.file(f.getKey()));
      String digest = f.getValue().get("md5_b64").asText();
      registry.bodies.put(digest, bytes);
      sample.add(ManifestEntry.file(f.getKey(), digest, bytes.length));
    }
    version = version("v-sample", null, 3);
    registry.manifests.put(version.id(), Manifest.of(sample));
  }

  static ArtifactVersion version(String id, String sourceCollection, int index) {
    return new ArtifactVersion(
        id,
        "acme",
        "proj",
        "sample-dataset",
        "dataset",
        index,
        "0".repeat(32),
        "COMMITTED",
        List.of(),
        List.of(),
        null,
        Map.of(),
        null,
        0,
        0,
        Instant.EPOCH,
        null,
        null,
        sourceCollection,
        index,
        Map.of());
  }

  private ArtifactVersion withManifest(String id, List<ManifestEntry> entries) {
    ArtifactVersion v = version(id, null, 0);
    registry.manifests.put(id, Manifest.of(entries));
    return v;
  }

  @Test
  void roundTripWritesEveryFileAndVerifies() throws IOException {
    AtomicLong progress = new AtomicLong();
    ArtifactFiles.Download d =
        ArtifactFiles.download(registry, version, root, 3, progress::addAndGet);

    assertThat(d.written()).isEqualTo(9);
    assertThat(d.bytes()).isEqualTo(1_048_630L).isEqualTo(progress.get());
    for (ManifestEntry e : sample) {
      assertThat(Files.readAllBytes(root.resolve(e.path())))
          .isEqualTo(Files.readAllBytes(Vectors.file(e.path())));
    }
    VerifyReport report = ArtifactFiles.verify(registry, version, root);
    assertThat(report.ok()).isTrue();
    assertThat(report.verified()).isEqualTo(9);
    assertThat(report.summary()).startsWith("OK: 9 files verified, 0 references skipped");
    assertThat(leftoverTempFiles()).isEmpty();
  }

  @Test
  void filesAlreadyPresentAreSkippedAndWrongOnesReplaced() throws IOException {
    ArtifactFiles.download(registry, version, root, 2);
    Files.writeString(root.resolve("hello.txt"), "HELLO\n");
    int opensBefore = registry.opens.get();

    ArtifactFiles.Download again = ArtifactFiles.download(registry, version, root, 2);

    assertThat(again.skipped()).isEqualTo(8);
    assertThat(again.written()).isEqualTo(1);
    assertThat(registry.opens.get() - opensBefore).isEqualTo(1);
    assertThat(Files.readString(root.resolve("hello.txt"))).isEqualTo("hello\n");
  }

  @Test
  void corruptedBodyFailsAndLeavesNothingUnderTheEntryName() {
    registry.bodies.put("sZRqySSS0jR8YjW00mERhA==", "hellO\n".getBytes(UTF_8));

    assertThatThrownBy(() -> ArtifactFiles.download(registry, version, root, 1))
        .isInstanceOf(ArtifactException.Corrupted.class)
        .hasMessageContaining("Cannot download acme/proj/sample-dataset:v3")
        .hasMessageContaining("'hello.txt'")
        .hasMessageContaining("expected MD5 sZRqySSS0jR8YjW00mERhA==");
    assertThat(root.resolve("hello.txt")).doesNotExist();
    assertThat(leftoverTempFiles()).isEmpty();
  }

  @Test
  void verifyReportsMismatchMissingAndExtraFiles() throws IOException {
    ArtifactFiles.download(registry, version, root, 2);
    Files.writeString(root.resolve("hello.txt"), "HELLO\n");
    Files.delete(root.resolve("data/part-00000.csv"));
    Files.writeString(root.resolve("unicode/extra.txt"), "x");

    VerifyReport report = ArtifactFiles.verify(registry.manifest(version), root, 2);

    assertThat(report.ok()).isFalse();
    assertThat(report.verified()).isEqualTo(7);
    assertThat(report.missing()).containsExactly("data/part-00000.csv");
    assertThat(report.extra()).containsExactly("unicode/extra.txt");
    assertThat(report.mismatches())
        .containsExactly(
            new VerifyReport.Mismatch(
                "hello.txt", "sZRqySSS0jR8YjW00mERhA==", Digests.md5Base64("HELLO\n")));
    assertThat(report.summary())
        .startsWith("FAILED: 7 files verified")
        .contains("1 mismatched (hello.txt)", "1 missing (data/part-00000.csv)")
        .contains("1 not in the manifest (unicode/extra.txt)");
  }

  @Test
  void verifyOfMissingRootReportsEveryFileMissing() throws IOException {
    VerifyReport report = ArtifactFiles.verify(registry.manifest(version), tmp.resolve("none"));
    assertThat(report.missing()).hasSize(9);
    assertThat(report.ok()).isFalse();
  }

  @Test
  void escapingPathsAreRejectedBeforeAnythingIsWritten() throws IOException {
    JsonNode cases = Vectors.expected().at("/misc/entry_path_validation/cases");
    Iterator<Map.Entry<String, JsonNode>> it = cases.fields();
    int rejected = 0;
    while (it.hasNext()) {
      Map.Entry<String, JsonNode> c = it.next();
      if (!c.getValue().has("error")) {
        continue;
      }
      List<ManifestEntry> entries = new ArrayList<>(sample);
      entries.add(ManifestEntry.file(c.getKey(), "sZRqySSS0jR8YjW00mERhA==", 6));
      ArtifactVersion bad = withManifest("bad-" + rejected, entries);
      // The parent exists, so a '../x' that escaped the root would land where we look.
      Path r = Files.createDirectories(tmp.resolve("r" + rejected)).resolve("root");

      assertThatThrownBy(() -> ArtifactFiles.download(registry, bad, r, 2))
          .as(c.getKey())
          .isInstanceOf(ArtifactException.Corrupted.class)
          .hasMessageContaining("Cannot write entry '" + c.getKey() + "'")
          .hasMessageContaining("unsafe path");
      assertThat(r).doesNotExist();
      try (Stream<Path> s = Files.walk(r.getParent())) {
        assertThat(s.filter(Files::isRegularFile)).isEmpty();
      }
      rejected++;
    }
    assertThat(rejected).isEqualTo(9);
  }

  @Test
  void symlinkedDirectoryCannotRedirectWritesOutsideTheRoot() throws IOException {
    Path outside = Files.createDirectories(tmp.resolve("outside"));
    Files.createDirectories(root);
    Files.createSymbolicLink(root.resolve("data"), outside);

    assertThatThrownBy(() -> ArtifactFiles.download(registry, version, root, 1))
        .isInstanceOf(ArtifactException.Corrupted.class)
        .hasMessageContaining("data/part-00000.csv")
        .hasMessageContaining("symlink");
    assertThat(outside).isEmptyDirectory();
  }

  @Test
  void checkoutDeletesFilesThatAreNotEntries() throws IOException {
    Files.createDirectories(root.resolve("old"));
    Files.writeString(root.resolve("old/stale.txt"), "stale");
    Files.writeString(root.resolve("data"), "a file where a directory must go");

    ArtifactFiles.Download d = ArtifactFiles.checkout(registry, version, root, 2);

    assertThat(d.written()).isEqualTo(9);
    assertThat(root.resolve("old/stale.txt")).doesNotExist();
    assertThat(ArtifactFiles.verify(registry, version, root).ok()).isTrue();
  }

  @Test
  void referencesAreVerifiedWhenTheirDigestIsAContentMd5() throws IOException {
    Path src = Files.writeString(tmp.resolve("ref.txt"), "hello\n");
    String uri = FileUris.pythonUri(src.toRealPath().toString());
    DefaultReferenceResolver refs =
        new DefaultReferenceResolver(new Configuration(), new OkHttpClient());
    ManifestEntry content = refs.resolve(uri, "refs/content.txt", true, 1).get(0);
    ManifestEntry pointer = refs.resolve(uri, "refs/pointer.txt", false, 1).get(0);
    ManifestEntry tracked = refs.resolve("custom-scheme://h/x", "refs/tracked", true, 1).get(0);
    ManifestEntry xxh =
        new ManifestEntry(
            "future.bin", "AAAAAAAAAAAAAAAAAAAAAA==", null, 6L, null, Map.of("alg", "XXH128"));
    registry.bodies.put(xxh.digest(), "hello\n".getBytes(UTF_8));
    ArtifactVersion v = withManifest("refs", List.of(content, pointer, tracked, xxh));

    ArtifactFiles.Download d = ArtifactFiles.download(registry, v, root, 2);

    assertThat(d.written()).isEqualTo(3);
    assertThat(d.tracked()).isEqualTo(1);
    assertThat(d.unverified()).containsExactly("future.bin", "refs/pointer.txt");
    assertThat(root.resolve("refs/tracked")).doesNotExist();
    VerifyReport report = ArtifactFiles.verify(registry, v, root);
    assertThat(report.referencesSkipped()).isEqualTo(3);
    assertThat(report.unverifiable()).containsExactly("future.bin");
    assertThat(report.ok()).isTrue();

    // The referenced file changes: the content-MD5 reference no longer downloads.
    Files.writeString(src, "HELLO\n");
    assertThatThrownBy(() -> ArtifactFiles.download(registry, v, tmp.resolve("again"), 1))
        .isInstanceOf(ArtifactException.Corrupted.class)
        .hasMessageContaining("refs/content.txt")
        .hasMessageContaining("changed since it was referenced");
  }

  @Test
  void defaultRootsUseTheSourceCollection() {
    ArtifactVersion link = version("l", "acme/proj/source-data", 7);
    assertThat(ArtifactFiles.defaultRoot(link, null, true, false))
        .isEqualTo(Path.of("./artifacts/source-data:v7"));
    assertThat(ArtifactFiles.defaultRoot(version, "/cache/a", true, false))
        .isEqualTo(Path.of("/cache/a/sample-dataset:v3"));
    assertThat(ArtifactFiles.defaultRoot(version, "", false, false))
        .isEqualTo(Path.of("./artifacts/sample-dataset"));
    assertThat(ArtifactFiles.defaultRoot(version, null, true, true).getFileName().toString())
        .isEqualTo("sample-dataset-v3");
  }

  @Test
  void invalidParallelismIsRefused() {
    assertThatThrownBy(() -> ArtifactFiles.download(registry, version, root, 0))
        .isInstanceOf(ArtifactException.InvalidInput.class)
        .hasMessageContaining("Invalid parallelism 0");
  }

  private List<Path> leftoverTempFiles() {
    if (!Files.exists(root)) {
      return List.of();
    }
    try (Stream<Path> s = Files.walk(root)) {
      return s.filter(p -> p.getFileName().toString().startsWith(".artifact-")).toList();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
