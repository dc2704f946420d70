package dev.artifacts.common.registry;

import dev.artifacts.common.ArtifactException;
import dev.artifacts.common.concurrent.Parallel;
import dev.artifacts.common.digest.DigestingOutputStream;
import dev.artifacts.common.digest.Digests;
import dev.artifacts.common.digest.FileDigest;
import dev.artifacts.common.manifest.Manifest;
import dev.artifacts.common.manifest.ManifestEntry;
import dev.artifacts.common.name.EntryPaths;
import dev.artifacts.common.reference.References;
import dev.artifacts.common.reference.TrackedReferenceException;
import java.io.BufferedOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongConsumer;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Materialises artifact versions as local directories, with W&amp;B's {@code download}, {@code
 * checkout} and {@code verify} semantics (WANDB-FORMAT.md section 6). Engine-neutral; the CLI and
 * the connectors call it.
 *
 * <p>Safety: every entry path is re-validated with {@link EntryPaths#normalize} and must resolve
 * below the root (also through symlinked directories) before anything is written, so a corrupted or
 * hostile manifest cannot write outside the root. Files are written to a temporary file in the
 * target directory, hashed while copied, checked, and atomically moved into place, so an
 * interrupted download never leaves a truncated file under an entry's name.
 *
 * <p>Verification on download: stored files and references whose digest is a content MD5 are
 * checked against the digest; ETag, URI and pointer digests cannot be, but the open of an ETag
 * reference fails when the object changed, and a recorded size is always checked. Entries with a
 * digest algorithm other than MD5 ({@code extra.alg}) are written unverified with a warning.
 * References whose scheme is only tracked are skipped, as W&amp;B does.
 */
public final class ArtifactFiles {
  private static final Logger LOG = LoggerFactory.getLogger(ArtifactFiles.class);
  private static final int BUFFER_SIZE = 1 << 16;
  private static final LongConsumer NO_PROGRESS = bytes -> {};

  private ArtifactFiles() {}

  /**
   * What a download did.
   *
   * @param written entries fetched and written
   * @param skipped entries already present with the expected MD5 and size
   * @param tracked tracked-only references, which have no bytes to fetch
   * @param bytes bytes fetched
   * @param unverified paths written without a digest check (ETag/URI digests, non-MD5 algorithms)
   */
  public record Download(
      Path root, int written, int skipped, int tracked, long bytes, List<String> unverified) {
    public Download {
      Objects.requireNonNull(root, "root is null");
      unverified = List.copyOf(unverified);
    }
  }

  // ---- roots ---------------------------------------------------------------------------------

  /**
   * W&amp;B's default download directory: {@code $WANDB_ARTIFACT_DIR} (default {@code ./artifacts})
   * + {@code /<source collection>:v<N>}, using the source collection and version for links. On
   * Windows {@code :} becomes {@code -}.
   */
  public static Path defaultRoot(ArtifactVersion version) {
    return defaultRoot(
        version, System.getenv("WANDB_ARTIFACT_DIR"), true, File.separatorChar == '\\');
  }

  /**
   * W&amp;B's default {@code checkout} directory: like {@link #defaultRoot} without {@code :vN}.
   */
  public static Path defaultCheckoutRoot(ArtifactVersion version) {
    return defaultRoot(
        version, System.getenv("WANDB_ARTIFACT_DIR"), false, File.separatorChar == '\\');
  }

  static Path defaultRoot(
      ArtifactVersion version, String artifactDir, boolean withVersion, boolean windows) {
    String base = artifactDir == null || artifactDir.isEmpty() ? "./artifacts" : artifactDir;
    String name = version.sourceName();
    if (withVersion) {
      name = name + ":v" + version.sourceVersionIndex();
    }
    if (windows) {
      name = name.replace(':', '-');
    }
    return Path.of(base).resolve(name);
  }

  // ---- download ------------------------------------------------------------------------------

  /**
   * {@link #download(ArtifactReader, ArtifactVersion, Path, int, LongConsumer)} without progress.
   */
  public static Download download(
      ArtifactReader registry, ArtifactVersion version, Path root, int parallelism)
      throws IOException {
    return download(registry, version, root, parallelism, NO_PROGRESS);
  }

  /**
   * Writes every entry of {@code version} at {@code root/<path>}. Files already present with the
   * expected MD5 and size are kept. Other files under the root are left alone (see {@link
   * #checkout}).
   *
   * @param parallelism entries fetched at once
   * @param progress receives the number of bytes fetched in each step, from several threads at once
   * @throws ArtifactException.Corrupted naming the artifact and path if an entry path is unsafe or
   *     fetched bytes do not match the manifest; nothing is written for an unsafe path
   */
  public static Download download(
      ArtifactReader registry,
      ArtifactVersion version,
      Path root,
      int parallelism,
      LongConsumer progress)
      throws IOException {
    return download(registry, version, registry.manifest(version), root, parallelism, progress);
  }

  /**
   * W&amp;B's {@code checkout}: deletes files under {@code root} that are not entries of {@code
   * version}, then downloads it. Deleting first, as W&amp;B does, lets an entry directory replace a
   * stale file of the same name.
   */
  public static Download checkout(
      ArtifactReader registry, ArtifactVersion version, Path root, int parallelism)
      throws IOException {
    return checkout(registry, version, root, parallelism, NO_PROGRESS);
  }

  public static Download checkout(
      ArtifactReader registry,
      ArtifactVersion version,
      Path root,
      int parallelism,
      LongConsumer progress)
      throws IOException {
    Manifest manifest = registry.manifest(version);
    Map<String, ManifestEntry> entries = safeEntries(manifest, version);
    Path base = root.toAbsolutePath().normalize();
    int deleted = 0;
    for (String rel : filesUnder(base)) {
      if (!entries.containsKey(rel)) {
        Files.delete(resolve(base, rel));
        deleted++;
      }
    }
    if (deleted > 0) {
      LOG.info(
          "Checkout of {} deleted {} files not in the manifest under {}", version, deleted, base);
    }
    return download(registry, version, manifest, root, parallelism, progress);
  }

  private record Planned(ManifestEntry entry, String rel, Path target) {}

  private enum Outcome {
    WRITTEN,
    SKIPPED,
    TRACKED
  }

  private static Download download(
      ArtifactReader registry,
      ArtifactVersion version,
      Manifest manifest,
      Path root,
      int parallelism,
      LongConsumer progress)
      throws IOException {
    Objects.requireNonNull(registry, "registry is null");
    Objects.requireNonNull(progress, "progress is null");
    checkParallelism(parallelism);
    Path base = root.toAbsolutePath().normalize();
    // Validate every path before writing anything.
    List<Planned> plan = new ArrayList<>();
    for (Map.Entry<String, ManifestEntry> e : safeEntries(manifest, version).entrySet()) {
      plan.add(new Planned(e.getValue(), e.getKey(), resolve(base, e.getKey())));
    }
    Files.createDirectories(base);
    Path realBase = base.toRealPath();
    AtomicLong bytes = new AtomicLong();
    ConcurrentLinkedQueue<String> unverified = new ConcurrentLinkedQueue<>();
    LongConsumer counting =
        n -> {
          bytes.addAndGet(n);
          progress.accept(n);
        };
    List<Callable<Outcome>> tasks = new ArrayList<>(plan.size());
    for (Planned p : plan) {
      tasks.add(() -> fetch(registry, version, p, realBase, counting, unverified));
    }
    int[] counts = new int[Outcome.values().length];
    for (Outcome o : runAll(tasks, parallelism, "download " + version)) {
      counts[o.ordinal()]++;
    }
    Download result =
        new Download(
            base,
            counts[Outcome.WRITTEN.ordinal()],
            counts[Outcome.SKIPPED.ordinal()],
            counts[Outcome.TRACKED.ordinal()],
            bytes.get(),
            sortedCodePoints(unverified));
    LOG.info(
        "Downloaded {} to {} ({} written, {} already present, {} bytes)",
        version,
        base,
        result.written(),
        result.skipped(),
        result.bytes());
    return result;
  }

  private static Outcome fetch(
      ArtifactReader registry,
      ArtifactVersion version,
      Planned p,
      Path realBase,
      LongConsumer progress,
      ConcurrentLinkedQueue<String> unverified)
      throws IOException {
    ManifestEntry entry = p.entry();
    Path target = p.target();
    boolean md5 = References.isContentMd5(entry);
    if (md5 && alreadyPresent(target, entry)) {
      return Outcome.SKIPPED;
    }
    Path dir = createDirectoriesInside(target.getParent(), realBase, version, p.rel());
    InputStream in;
    try {
      in = registry.open(version, entry);
    } catch (TrackedReferenceException e) {
      LOG.debug("Not downloading {} of {}: {}", p.rel(), version, e.getMessage());
      return Outcome.TRACKED;
    }
    Path tmp = null;
    try (InputStream body = in) {
      tmp = Files.createTempFile(dir, ".artifact-", ".part");
      DigestingOutputStream out =
          new DigestingOutputStream(
              new BufferedOutputStream(Files.newOutputStream(tmp), BUFFER_SIZE));
      try (out) {
        byte[] buffer = new byte[BUFFER_SIZE];
        for (int n; (n = body.read(buffer)) > 0; ) {
          out.write(buffer, 0, n);
          progress.accept(n);
        }
      }
      FileDigest got = out.digest();
      if (entry.size() != null && got.size() != entry.size()) {
        throw mismatch(version, entry, "size " + entry.size(), "size " + got.size());
      }
      if (md5) {
        if (!got.base64().equals(entry.digest())) {
          throw mismatch(version, entry, "MD5 " + entry.digest(), "MD5 " + got.base64());
        }
      } else {
        if (!"MD5".equalsIgnoreCase(entry.digestAlgorithm())) {
          LOG.warn(
              "Wrote {} of {} without verifying it: digest algorithm {} is not supported",
              p.rel(),
              version,
              entry.digestAlgorithm());
        }
        unverified.add(p.rel());
      }
      move(tmp, target);
      tmp = null;
      return Outcome.WRITTEN;
    } finally {
      if (tmp != null) {
        Files.deleteIfExists(tmp);
      }
    }
  }

  private static boolean alreadyPresent(Path target, ManifestEntry entry) throws IOException {
    if (!Files.isRegularFile(target)) {
      return false;
    }
    if (entry.size() != null && Files.size(target) != entry.size()) {
      return false;
    }
    return Digests.digest(target).base64().equals(entry.digest());
  }

  /**
   * Creates {@code dir} after checking that its nearest existing ancestor really lies under the
   * root, so a symlinked directory inside the root cannot redirect writes elsewhere.
   */
  private static Path createDirectoriesInside(
      Path dir, Path realBase, ArtifactVersion version, String rel) throws IOException {
    Path existing = dir;
    while (existing != null && !Files.exists(existing)) {
      existing = existing.getParent();
    }
    if (existing == null || !existing.toRealPath().startsWith(realBase)) {
      throw unsafe(version, rel, "its directory leads outside the download root through a symlink");
    }
    Files.createDirectories(dir);
    if (!dir.toRealPath().startsWith(realBase)) {
      throw unsafe(version, rel, "its directory leads outside the download root through a symlink");
    }
    return dir;
  }

  private static void move(Path tmp, Path target) throws IOException {
    try {
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
    }
  }

  private static ArtifactException.Corrupted mismatch(
      ArtifactVersion version, ManifestEntry entry, String expected, String actual) {
    String source = entry.isReference() ? " (" + entry.ref() + ")" : "";
    String why =
        entry.isReference()
            ? "the referenced object changed since it was referenced"
            : "the stored body is corrupted";
    return new ArtifactException.Corrupted(
        "Cannot download "
            + version
            + ": entry '"
            + entry.path()
            + "'"
            + source
            + " has "
            + actual
            + ", expected "
            + expected
            + "; "
            + why);
  }

  // ---- verify --------------------------------------------------------------------------------

  /** Verifies {@code root} against the manifest of {@code version}. */
  public static VerifyReport verify(ArtifactReader registry, ArtifactVersion version, Path root)
      throws IOException {
    return verify(registry.manifest(version), root, defaultParallelism());
  }

  /** Verifies {@code root} against {@code manifest}, re-hashing with one thread per core. */
  public static VerifyReport verify(Manifest manifest, Path root) throws IOException {
    return verify(manifest, root, defaultParallelism());
  }

  /**
   * W&amp;B's {@code verify(root)}: see {@link VerifyReport}. Symlinks to files count as files;
   * symlinked directories are not entered (as Python's {@code os.walk}).
   */
  public static VerifyReport verify(Manifest manifest, Path root, int parallelism)
      throws IOException {
    checkParallelism(parallelism);
    Path base = root.toAbsolutePath().normalize();
    Map<String, ManifestEntry> entries = safeEntries(manifest, "the manifest");
    List<String> extra = new ArrayList<>();
    for (String rel : filesUnder(base)) {
      if (!entries.containsKey(rel)) {
        extra.add(rel);
      }
    }
    int references = 0;
    List<String> unverifiable = new ArrayList<>();
    ConcurrentLinkedQueue<String> missing = new ConcurrentLinkedQueue<>();
    ConcurrentLinkedQueue<VerifyReport.Mismatch> mismatches = new ConcurrentLinkedQueue<>();
    AtomicInteger verified = new AtomicInteger();
    List<Callable<Void>> tasks = new ArrayList<>();
    for (Map.Entry<String, ManifestEntry> e : entries.entrySet()) {
      ManifestEntry entry = e.getValue();
      String rel = e.getKey();
      if (entry.isReference()) {
        references++;
      } else if (!"MD5".equalsIgnoreCase(entry.digestAlgorithm())) {
        unverifiable.add(rel);
      } else {
        tasks.add(
            () -> {
              Path file = resolve(base, rel);
              if (!Files.isRegularFile(file)) {
                missing.add(rel);
                return null;
              }
              String actual;
              try {
                actual = Digests.digest(file).base64();
              } catch (NoSuchFileException gone) {
                missing.add(rel);
                return null;
              }
              if (actual.equals(entry.digest())) {
                verified.incrementAndGet();
              } else {
                mismatches.add(new VerifyReport.Mismatch(rel, entry.digest(), actual));
              }
              return null;
            });
      }
    }
    runAll(tasks, parallelism, "verify " + base);
    List<VerifyReport.Mismatch> sortedMismatches = new ArrayList<>(mismatches);
    sortedMismatches.sort((a, b) -> Digests.CODE_POINT_ORDER.compare(a.path(), b.path()));
    return new VerifyReport(
        base,
        verified.get(),
        references,
        sortedCodePoints(unverifiable),
        sortedCodePoints(missing),
        sortedCodePoints(extra),
        sortedMismatches);
  }

  // ---- shared --------------------------------------------------------------------------------

  /**
   * Entries by their re-validated path. A manifest whose path is unsafe, or whose paths collide
   * after normalisation, is corrupted: W&amp;B validates paths when entries are added.
   */
  private static Map<String, ManifestEntry> safeEntries(Manifest manifest, Object artifact) {
    Map<String, ManifestEntry> byPath = new HashMap<>();
    for (ManifestEntry e : manifest.entries()) {
      String rel;
      try {
        rel = EntryPaths.normalize(e.path(), artifact);
      } catch (ArtifactException.InvalidInput invalid) {
        throw unsafe(artifact, e.path(), invalid.getMessage());
      }
      if (byPath.put(rel, e) != null) {
        throw unsafe(
            artifact, e.path(), "another entry has the same normalised path '" + rel + "'");
      }
    }
    return byPath;
  }

  /** {@code base/rel}, refusing anything that does not stay strictly below {@code base}. */
  private static Path resolve(Path base, String rel) {
    Path target = base.resolve(rel).normalize();
    if (!target.startsWith(base) || target.equals(base)) {
      throw unsafe(base, rel, "it resolves outside the root");
    }
    return target;
  }

  private static ArtifactException.Corrupted unsafe(Object artifact, String path, String why) {
    return new ArtifactException.Corrupted(
        "Cannot write entry '"
            + path
            + "' of "
            + artifact
            + ": unsafe path ("
            + why
            + "); the manifest is corrupted or was not written by a W&B-compatible client");
  }

  /** Relative POSIX paths of the files under {@code base}; empty when it does not exist. */
  private static List<String> filesUnder(Path base) throws IOException {
    if (!Files.isDirectory(base)) {
      return List.of();
    }
    List<String> files = new ArrayList<>();
    try (Stream<Path> walk = Files.walk(base)) {
      walk.filter(p -> !p.equals(base) && !Files.isDirectory(p))
          .forEach(p -> files.add(relativePosix(base, p)));
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
    return files;
  }

  private static String relativePosix(Path root, Path file) {
    StringBuilder sb = new StringBuilder();
    for (Path part : root.relativize(file)) {
      if (sb.length() > 0) {
        sb.append('/');
      }
      sb.append(part);
    }
    return sb.toString();
  }

  private static List<String> sortedCodePoints(Collection<String> paths) {
    List<String> sorted = new ArrayList<>(new HashSet<>(paths));
    sorted.sort(Digests.CODE_POINT_ORDER);
    return sorted;
  }

  /** Runs the tasks on a bounded pool; the first failure cancels the rest and is rethrown. */
  private static <T> List<T> runAll(List<Callable<T>> tasks, int parallelism, String what)
      throws IOException {
    return Parallel.map(
        tasks,
        parallelism,
        "artifact-files",
        task -> {
          try {
            return task.call();
          } catch (IOException | RuntimeException e) {
            throw e;
          } catch (Exception e) {
            throw new IOException("Cannot " + what + ": " + e, e);
          }
        });
  }

  private static void checkParallelism(int parallelism) {
    if (parallelism < 1) {
      throw new ArtifactException.InvalidInput(
          "Invalid parallelism " + parallelism + ": it must be at least 1");
    }
  }

  private static int defaultParallelism() {
    return Math.max(1, Math.min(8, Runtime.getRuntime().availableProcessors()));
  }
}
