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

/** Shared helpers for registry tests on a real local filesystem. */
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
}
