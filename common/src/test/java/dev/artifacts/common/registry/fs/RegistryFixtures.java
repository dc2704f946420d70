package dev.artifacts.common.registry.fs;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.artifacts.common.digest.Digests;
import dev.artifacts.common.reference.ReferenceResolver;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.RemoteIterator;

/**
 * Shared helpers for registry tests on a real local filesystem, and their counterparts for any
 * Hadoop filesystem (used on {@code s3a://}).
 */
final class RegistryFixtures {
  private RegistryFixtures() {}

  static FileSystemRegistry open(Path root, ReferenceResolver refs) {
    return FileSystemRegistry.open(root.toString(), new Configuration(), refs);
  }

  static Path write(Path dir, String name, String text) throws IOException {
    Path file = dir.resolve(name);
    Files.createDirectories(file.getParent());
    Files.writeString(file, text, UTF_8);
    return file;
  }

  /** Every file under {@code root} with the MD5 of its bytes, to prove nothing changed. */
  static Map<String, String> tree(Path root) {
    Map<String, String> out = new TreeMap<>();
    if (!Files.exists(root)) {
      return out;
    }
    try (Stream<Path> walk = Files.walk(root)) {
      walk.filter(Files::isRegularFile)
          .forEach(
              f -> {
                try {
                  out.put(root.relativize(f).toString(), Digests.md5Base64(Files.readAllBytes(f)));
                } catch (IOException e) {
                  throw new UncheckedIOException(e);
                }
              });
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out;
  }

  static long countFiles(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return 0;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      return walk.filter(Files::isRegularFile).count();
    }
  }

  /**
   * Every file under {@code root} on a Hadoop filesystem (relative path) with the MD5 of its bytes;
   * directory markers are not files and are left out. Empty if {@code root} does not exist.
   */
  static Map<String, String> tree(FileSystem fs, org.apache.hadoop.fs.Path root)
      throws IOException {
    Map<String, String> out = new TreeMap<>();
    if (!fs.exists(root)) {
      return out;
    }
    String base = fs.makeQualified(root).toUri().getPath();
    String prefix = base.endsWith("/") ? base : base + "/";
    RemoteIterator<LocatedFileStatus> it = fs.listFiles(root, true);
    while (it.hasNext()) {
      LocatedFileStatus f = it.next();
      String path = f.getPath().toUri().getPath();
      try (java.io.InputStream in = fs.open(f.getPath())) {
        out.put(path.substring(prefix.length()), Digests.md5Base64(in.readAllBytes()));
      }
    }
    return out;
  }

  static long countFiles(FileSystem fs, org.apache.hadoop.fs.Path dir) throws IOException {
    return tree(fs, dir).size();
  }
}
