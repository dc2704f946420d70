package dev.artifacts.common.manifest;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.artifacts.common.ArtifactException;
import dev.artifacts.common.digest.ArtifactDigester;
import dev.artifacts.common.digest.Digests;
import dev.artifacts.common.testing.ChildJvm;
import dev.artifacts.common.testing.Vectors;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.NoSuchElementException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ManifestEntryIteratorTest {
  private static final int BIG = 1_000_000;

  @ParameterizedTest
  @ValueSource(
      strings = {
        "artifact_files_only.wandb_manifest.legacy-python.json",
        "artifact_files_only.wandb_manifest.go-core-ILLUSTRATIVE.json",
        "artifact_mixed.wandb_manifest.legacy-python.json",
        "artifact_refs_only.wandb_manifest.legacy-python.json",
        "artifact_refs_only.wandb_manifest.go-core.json"
      })
  void iteratesTheVectorsInFileOrder(String file) throws IOException {
    byte[] json = Vectors.bytes(file);
    Manifest whole = ManifestReader.read(json, file);
    List<String> keysInFileOrder = new ArrayList<>();
    new com.fasterxml.jackson.databind.ObjectMapper()
        .readTree(json)
        .get("contents")
        .fieldNames()
        .forEachRemaining(keysInFileOrder::add);

    List<ManifestEntry> pulled = new ArrayList<>();
    try (ManifestEntryIterator it =
        ManifestEntryIterator.open(new ByteArrayInputStream(json), file)) {
      assertThatThrownBy(it::header).isInstanceOf(IllegalStateException.class);
      it.forEachRemaining(pulled::add);
      assertThat(it.hasNext()).isFalse();
      assertThatThrownBy(it::next)
          .isInstanceOf(NoSuchElementException.class)
          .hasMessageContaining(file);
      assertThat(it.header().storageLayout()).isEqualTo(whole.storageLayout());
      assertThat(it.header().storageRegion()).isEqualTo(whole.storageRegion());
    }
    assertThat(pulled.stream().map(ManifestEntry::path).toList()).isEqualTo(keysInFileOrder);
    assertThat(pulled).containsExactlyInAnyOrderElementsOf(whole.entries());
  }

  @Test
  void membersInAnyOrderAndCorruptionAfterTheEntries() {
    String contentsFirst =
        "{\"contents\":{\"b\":{\"digest\":\"x\",\"size\":1},\"a\":{\"digest\":\"y\"}},"
            + "\"storagePolicyConfig\":{\"storageLayout\":\"V2\",\"storageRegion\":\"r\"},"
            + "\"storagePolicy\":\"wandb-storage-policy-v1\",\"version\":1}";
    try (ManifestEntryIterator it = open(contentsFirst)) {
      assertThat(it.next()).isEqualTo(ManifestEntry.file("b", "x", 1));
      assertThat(it.next()).isEqualTo(new ManifestEntry("a", "y", null, null, null, null));
      assertThat(it.hasNext()).isFalse();
      assertThat(it.header()).isEqualTo(new ManifestReader.Header("V2", "r"));
    }

    String version2Last = contentsFirst.replace("\"version\":1", "\"version\":2");
    try (ManifestEntryIterator it = open(version2Last)) {
      it.next();
      it.next();
      assertThatThrownBy(it::hasNext)
          .isInstanceOf(ArtifactException.Corrupted.class)
          .hasMessageContaining("Corrupted manifest test.json")
          .hasMessageContaining("version 2");
    }

    try (ManifestEntryIterator it = open(contentsFirst.substring(0, 50))) {
      assertThat(it.next().path()).isEqualTo("b");
      assertThatThrownBy(it::hasNext)
          .isInstanceOf(ArtifactException.Corrupted.class)
          .hasMessageContaining("test.json");
    }
    assertThatThrownBy(() -> open("[1]"))
        .isInstanceOf(ArtifactException.Corrupted.class)
        .hasMessageContaining("not a JSON object");
  }

  /**
   * A million entries written by {@link SpillingManifestBuilder} and read back by the iterator in a
   * child JVM whose 64 MiB heap cannot hold them (in memory they take some 300 MB); the digests
   * equal those of the in-memory path computed here.
   */
  @Test
  void aMillionEntriesRoundTripInA64MiBHeap(@TempDir Path tmp) throws Exception {
    ChildJvm.Result child =
        ChildJvm.run(
            ChildJvm.command("64m", BoundedHeapRoundTrip.class.getName(), tmp.toString()),
            Duration.ofMinutes(5));
    assertThat(child.exitCode()).as(child.output()).isZero();
    String line =
        child.output().lines().filter(l -> l.startsWith("RESULT ")).findFirst().orElseThrow();

    List<ManifestEntry> entries = new ArrayList<>(BIG);
    for (int i = 0; i < BIG; i++) {
      entries.add(BoundedHeapRoundTrip.entry(i));
    }
    ManifestWriter writer = new ManifestWriter(OutputStream.nullOutputStream());
    for (ManifestEntry e : Manifest.of(entries).entries()) {
      writer.add(e);
    }
    ManifestWriter.Result inMemory = writer.finish();
    assertThat(line)
        .isEqualTo(
            String.format(
                Locale.ROOT,
                "RESULT %s %s %d %d",
                inMemory.artifactDigest(),
                inMemory.fileMd5Base64(),
                inMemory.bytes(),
                inMemory.entryCount()));
  }

  /** The child JVM: spills, merges, writes, then streams the file back and checks it. */
  public static final class BoundedHeapRoundTrip {
    /** Entry {@code i} of a shuffled (by a stride coprime to BIG) partitioned layout. */
    static ManifestEntry entry(int i) {
      long n = (i * 7919L) % BIG;
      byte[] md5 = ByteBuffer.allocate(16).putLong(n * 0x9E3779B97F4A7C15L).putLong(~n).array();
      return ManifestEntry.file(
          "day=2024-01-" + (1 + n % 31) + "/part-" + n + "-c000.snappy.parquet",
          Base64.getEncoder().encodeToString(md5),
          n);
    }

    public static void main(String[] args) throws IOException {
      Path dir = Path.of(args[0]);
      Path file = dir.resolve("wandb_manifest.json");
      ManifestWriter.Result written;
      try (SpillingManifestBuilder builder =
              new SpillingManifestBuilder(dir, SpillingManifestBuilder.Budget.ofBytes(8 << 20));
          OutputStream out = Files.newOutputStream(file)) {
        for (int i = 0; i < BIG; i++) {
          builder.add(entry(i));
        }
        written = builder.writeTo(out, "V2", null, ManifestWriter.Style.CANONICAL);
      }
      ArtifactDigester digester = new ArtifactDigester();
      long count = 0;
      long size = 0;
      try (InputStream in = Files.newInputStream(file);
          ManifestEntryIterator it = ManifestEntryIterator.open(in, file.toString())) {
        while (it.hasNext()) {
          ManifestEntry e = it.next();
          digester.add(e.path(), e.digest()); // also fails on a path out of order
          count++;
          size += e.size();
        }
      }
      String readDigest = digester.finish();
      String fileMd5;
      try (InputStream in = Files.newInputStream(file)) {
        java.security.MessageDigest md5 = Digests.newMd5();
        byte[] buf = new byte[1 << 16];
        for (int n; (n = in.read(buf)) > 0; ) {
          md5.update(buf, 0, n);
        }
        fileMd5 = Base64.getEncoder().encodeToString(md5.digest());
      }
      if (!readDigest.equals(written.artifactDigest())
          || count != written.entryCount()
          || size != written.totalSize()
          || !fileMd5.equals(written.fileMd5Base64())
          || Files.size(file) != written.bytes()) {
        System.out.println("MISMATCH written " + written + " read " + readDigest + " " + count);
        System.exit(2);
      }
      System.out.printf(
          Locale.ROOT,
          "RESULT %s %s %d %d%n",
          written.artifactDigest(),
          written.fileMd5Base64(),
          written.bytes(),
          written.entryCount());
    }
  }

  private static ManifestEntryIterator open(String json) {
    return ManifestEntryIterator.open(new ByteArrayInputStream(json.getBytes(UTF_8)), "test.json");
  }
}
