package dev.artifacts.spark.log;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.artifacts.common.registry.CommitResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pins the committed manifest bytes of existing-data logging. The expected hashes were recorded
 * with the RDD-based implementation that preceded the SQL-plan one, so a change of the execution
 * path cannot silently change what users get (entry order, digests, refs, sizes, extra fields).
 */
class LoggedManifestBytesTest {
  /** SHA-256 of the manifest of {@code storage=files}, recorded with the RDD-based code. */
  private static final String FILES_MANIFEST_SHA256 =
      "44e87ff49993056aff66eab1269efb4009aa68f5a5fb5e949d93cc320fa84ade";

  /**
   * SHA-256 of the manifest of {@code storage=reference}, with the source directory's URI replaced
   * by {@code $SOURCE} (it lives in a temporary directory), recorded with the RDD-based code.
   */
  private static final String REFERENCE_MANIFEST_SHA256 =
      "d5862e477eb762b8ff2dc954902abe8379279654b828fa278a7dd6667478b594";

  private static SparkSession spark;

  @TempDir Path tmp;

  @BeforeAll
  static void startSpark() {
    spark =
        SparkSession.builder()
            .master("local[2]")
            .appName("logged-manifest-bytes-test")
            .config("spark.ui.enabled", "false")
            .getOrCreate();
  }

  @AfterAll
  static void stopSpark() {
    spark.stop();
  }

  @Test
  void copiedAndReferencedManifestsAreTheBytesTheRddImplementationCommitted() throws Exception {
    Path data = tmp.resolve("data");
    // Several subdirectories, a marker file, a nested file, a larger file, non-ASCII names and
    // an empty file: every shape the listing and the slicing treat differently.
    write(data, "_SUCCESS", "");
    write(data, "top.txt", "top\n");
    write(data, "big.bin", "x".repeat(300_000));
    for (int day = 1; day <= 3; day++) {
      for (int part = 0; part < 5; part++) {
        write(data, "day=" + day + "/part-" + part + ".csv", day + "," + part + "\n");
      }
    }
    write(data, "deep/a/b/c.txt", "deep\n");
    write(data, "unicode/naïve-😀.txt", "smile\n");

    String files = manifestSha256(data, "files", null);
    String refs = manifestSha256(data, "reference", ExistingData.rootUri(data.toString()));
    assertThat(files).isEqualTo(FILES_MANIFEST_SHA256);
    assertThat(refs).isEqualTo(REFERENCE_MANIFEST_SHA256);
  }

  private String manifestSha256(Path data, String storage, String sourceUri) throws Exception {
    Path registry = tmp.resolve("registry-" + storage);
    CommitResult result =
        ExistingData.log(
            spark,
            data.toString(),
            "acme/etl/pinned",
            Map.of("registry", registry.toString(), "storage", storage, "aliases", "raw"));
    assertThat(result.created()).isTrue();
    List<Path> manifests;
    try (Stream<Path> all = Files.walk(registry)) {
      manifests =
          all.filter(p -> p.getParent().getFileName().toString().equals("manifests")).toList();
    }
    assertThat(manifests).hasSize(1);
    String text = Files.readString(manifests.get(0), UTF_8);
    if (sourceUri != null) {
      assertThat(text).contains(sourceUri);
      text = text.replace(sourceUri, "$SOURCE");
    }
    return HexFormat.of()
        .formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(UTF_8)));
  }

  private static void write(Path root, String rel, String text) throws IOException {
    Path f = root.resolve(rel);
    Files.createDirectories(f.getParent());
    Files.writeString(f, text, UTF_8);
  }
}
