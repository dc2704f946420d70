package dev.artifacts.common.registry.fs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.artifacts.common.digest.Digests;
import dev.artifacts.common.manifest.Manifest;
import dev.artifacts.common.manifest.ManifestEntry;
import dev.artifacts.common.manifest.ManifestWriter;
import dev.artifacts.common.name.ArtifactPath;
import dev.artifacts.common.registry.ArtifactDraft;
import dev.artifacts.common.registry.ArtifactRegistries;
import dev.artifacts.common.registry.ArtifactRegistry;
import dev.artifacts.common.registry.ArtifactVersion;
import dev.artifacts.common.testing.ChildJvm;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The embedded registry's commit serialises the manifest by streaming it to a local temporary file
 * (issue 14): the committed bytes are exactly {@link ManifestWriter#serialize}'s, and a manifest
 * larger than the heap commits.
 */
class StreamingManifestCommitTest {
  private static final ArtifactPath COLLECTION = ArtifactPath.parse("acme/p/big");

  @TempDir Path tmp;

  @Test
  void committedManifestHasTheBytesOfTheInMemorySerialisation() throws IOException {
    Manifest drafted;
    ArtifactVersion v;
    try (ArtifactRegistry registry = ArtifactRegistries.open(tmp.resolve("reg").toString())) {
      ArtifactDraft draft = registry.newDraft(COLLECTION, "dataset");
      // Paths whose UTF-16 order differs from code point order, escapes, extra and sizes.
      draft.addEntry(
          ManifestEntry.reference("b/\uFF61.txt", md5("1"), "file:///x/1", 1L, Map.of()));
      draft.addEntry(
          ManifestEntry.reference("b/\uD83D\uDE00.txt", md5("2"), "file:///x/2", 2L, Map.of()));
      draft.addEntry(
          ManifestEntry.reference(
              "a/\"quoted\"\tname", md5("3"), "file:///x/3", null, Map.of("etag", "\"e\"")));
      for (int i = 0; i < 500; i++) {
        draft.addEntry(
            ManifestEntry.reference(
                "part-" + i + ".parquet", md5("p" + i), "file:///x/p" + i, (long) i, Map.of()));
      }
      drafted = draft.manifest();
      v = registry.commit(draft).version();
    }
    ManifestWriter.Serialized expected =
        ManifestWriter.serialize(drafted, ManifestWriter.Style.CANONICAL);
    Path committed = onlyManifestFile(tmp.resolve("reg"));
    assertArrayEquals(expected.bytes(), Files.readAllBytes(committed));
    assertEquals(
        Digests.base64ToHex(expected.result().fileMd5Base64()) + ".json",
        committed.getFileName().toString());
    assertEquals(expected.result().artifactDigest(), v.digest());
  }

  /**
   * The draft reuses the manifest it built while nothing changed (a commit asks several times; each
   * build sorts every entry) and builds it again after any change.
   */
  @Test
  void draftReusesItsManifestUntilItChanges() throws IOException {
    try (ArtifactRegistry registry = ArtifactRegistries.open(tmp.resolve("reg").toString())) {
      ArtifactDraft draft = registry.newDraft(COLLECTION, "dataset");
      draft.addEntry(ManifestEntry.reference("a", md5("a"), "file:///x/a", 1L, Map.of()));
      draft.addEntry(ManifestEntry.reference("d/b", md5("b"), "file:///x/b", 1L, Map.of()));
      Manifest first = draft.manifest();
      assertSame(first, draft.manifest());

      draft.addEntry(ManifestEntry.reference("c", md5("c"), "file:///x/c", 1L, Map.of()));
      Manifest added = draft.manifest();
      assertEquals(List.of("a", "c", "d/b"), paths(added));
      assertSame(added, draft.manifest());

      draft.remove("d");
      assertEquals(List.of("a", "c"), paths(draft.manifest()));
      draft.remove("c");
      assertEquals(List.of("a"), paths(draft.manifest()));

      draft.storageRegion("eu-west-1");
      assertEquals("eu-west-1", draft.manifest().storageRegion());
      assertEquals(List.of("a"), paths(first.with(List.of(), List.of("d/b"))));
    }
  }

  private static List<String> paths(Manifest m) {
    return m.entries().stream().map(ManifestEntry::path).toList();
  }

  /**
   * Commits, in a JVM with a 128 MiB heap, a manifest whose JSON is about 200 MB: every entry's
   * {@code ref} is the same 10,000-character String instance, so the entries take a few MB of heap
   * while the serialised manifest repeats the string in each entry. The old commit built the whole
   * JSON as one byte array, which cannot be allocated in this heap.
   */
  @Test
  void commitsAManifestLargerThanTheHeap() throws Exception {
    Path registry = tmp.resolve("reg");
    Path childTemp = Files.createDirectories(tmp.resolve("child-temp"));
    List<String> command =
        new ArrayList<>(
            ChildJvm.command(
                "128m", BoundedHeapCommit.class.getName(), registry.toString(), "20000"));
    command.add(1, "-Djava.io.tmpdir=" + childTemp);
    ChildJvm.Result child = ChildJvm.run(command, Duration.ofMinutes(5));
    assertEquals(0, child.exitCode(), child.output());

    ManifestWriter.Result expected =
        ManifestWriter.write(
            BoundedHeapCommit.manifest(20000),
            OutputStream.nullOutputStream(),
            ManifestWriter.Style.CANONICAL);
    assertTrue(expected.bytes() > 128L << 20, "the manifest must not fit the child's heap");
    assertTrue(
        child.output().contains("digest " + expected.artifactDigest()),
        "the child committed the expected artifact digest: " + child.output());
    Path committed = onlyManifestFile(registry);
    assertEquals(expected.bytes(), Files.size(committed));
    assertEquals(expected.fileMd5Base64(), fileMd5Base64(committed));
    try (Stream<Path> left = Files.list(childTemp)) {
      assertEquals(List.of(), left.toList(), "the temporary manifest is deleted after the commit");
    }
  }

  /** Child JVM: commits {@code args[1]} large-ref entries to the registry at {@code args[0]}. */
  public static final class BoundedHeapCommit {
    public static void main(String[] args) throws IOException {
      int count = Integer.parseInt(args[1]);
      try (ArtifactRegistry registry = ArtifactRegistries.open(args[0])) {
        ArtifactDraft draft = registry.newDraft(COLLECTION, "dataset");
        entries(count).forEach(draft::addEntry);
        ArtifactVersion v = registry.commit(draft).version();
        System.out.println("committed " + v.path() + " digest " + v.digest());
      }
    }

    static List<ManifestEntry> entries(int count) {
      String ref = "file:///data/" + "r".repeat(10_000);
      List<ManifestEntry> entries = new ArrayList<>(count);
      for (int i = 0; i < count; i++) {
        entries.add(
            ManifestEntry.reference("part-" + i + ".parquet", md5("e" + i), ref, 10L, Map.of()));
      }
      return entries;
    }

    static Manifest manifest(int count) {
      return Manifest.of(entries(count));
    }
  }

  private static Path onlyManifestFile(Path registry) throws IOException {
    try (Stream<Path> files = Files.walk(registry)) {
      List<Path> manifests =
          files
              .filter(Files::isRegularFile)
              .filter(p -> p.getParent().getFileName().toString().equals("manifests"))
              .filter(p -> p.getFileName().toString().endsWith(".json"))
              .toList();
      assertEquals(1, manifests.size(), manifests.toString());
      return manifests.get(0);
    }
  }

  private static String fileMd5Base64(Path file) throws IOException {
    try (InputStream in = new DigestInputStream(Files.newInputStream(file), md5())) {
      in.transferTo(OutputStream.nullOutputStream());
      return Base64.getEncoder()
          .encodeToString(((DigestInputStream) in).getMessageDigest().digest());
    }
  }

  private static MessageDigest md5() {
    try {
      return MessageDigest.getInstance("MD5");
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }

  private static String md5(String s) {
    return Base64.getEncoder()
        .encodeToString(md5().digest(s.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
  }
}
