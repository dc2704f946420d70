package dev.artifacts.common.reference;

import dev.artifacts.common.ArtifactException;
import dev.artifacts.common.concurrent.Parallel;
import dev.artifacts.common.digest.Digests;
import dev.artifacts.common.digest.FileDigest;
import dev.artifacts.common.manifest.ManifestEntry;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.FileVisitOption;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * {@code file://} references, as W&amp;B's {@code LocalFileHandler}: content MD5 (or, with {@code
 * checksum=False}, the MD5 of the resolved Python file URI), sizes always recorded, directories
 * walked with symlinks followed, {@code ref} = the given URI joined with the relative path.
 */
final class LocalFileHandler implements SchemeHandler {

  @Override
  public List<ManifestEntry> resolve(String uri, String name, boolean checksum, long maxObjects)
      throws IOException {
    Path local = FileUris.toPath(uri);
    if (Files.isRegularFile(local)) {
      String path = name != null ? name : local.getFileName().toString();
      return List.of(entry(local, path, uri, checksum));
    }
    if (!Files.isDirectory(local)) {
      throw new ArtifactException.NotFound(
          "Cannot reference " + uri + ": " + local + " is not an existing file or directory");
    }
    // Sorted so that entries, and which object trips maxObjects, do not depend on the filesystem.
    List<Path> files = new ArrayList<>();
    try (Stream<Path> walk = Files.walk(local, FileVisitOption.FOLLOW_LINKS)) {
      Iterator<Path> it = walk.filter(Files::isRegularFile).iterator();
      while (it.hasNext()) {
        files.add(it.next());
        if (files.size() > maxObjects) {
          throw SchemeHandler.tooMany(uri, maxObjects);
        }
      }
    }
    files.sort(null);
    String base = SchemeHandler.withoutQueryAndFragment(uri);
    // Hashing is CPU-bound: one thread per core, results in the sorted order.
    return Parallel.map(
        files,
        Parallel.defaultThreads(),
        "artifact-reference-hash",
        file -> {
          String rel = relativePosix(local, file);
          return entry(
              file, SchemeHandler.join(name, rel), SchemeHandler.join(base, rel), checksum);
        });
  }

  private static ManifestEntry entry(Path file, String path, String ref, boolean checksum)
      throws IOException {
    if (checksum) {
      FileDigest d = Digests.digest(file);
      return ManifestEntry.reference(path, d.base64(), ref, d.size(), Map.of());
    }
    return ManifestEntry.reference(
        path, FileUris.checksumFalseDigest(file), ref, Files.size(file), Map.of());
  }

  @Override
  public InputStream open(ManifestEntry entry) throws IOException {
    Path local = FileUris.toPath(entry.ref());
    try {
      return Files.newInputStream(local);
    } catch (NoSuchFileException e) {
      throw new ArtifactException.NotFound(
          "Cannot open "
              + entry.ref()
              + " for entry '"
              + entry.path()
              + "': the file no longer exists");
    }
  }

  static String relativePosix(Path root, Path file) {
    StringBuilder sb = new StringBuilder();
    for (Path part : root.relativize(file)) {
      if (sb.length() > 0) {
        sb.append('/');
      }
      sb.append(part);
    }
    return sb.toString();
  }
}
