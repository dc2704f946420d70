package dev.artifacts.common.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Locates W&amp;B's test vectors ({@code shared/wandb-vectors}, outside the project so there is one
 * source of truth): the {@code wandb.vectors.dir} system property set by the build, else the first
 * {@code shared/wandb-vectors} found walking up from the working directory, else {@code
 * /work/shared/wandb-vectors}. Tests fail, never skip, when the vectors are missing.
 */
public final class Vectors {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static volatile JsonNode expected;

  private Vectors() {}

  public static Path dir() {
    String prop = System.getProperty("wandb.vectors.dir");
    if (prop != null && Files.isRegularFile(Path.of(prop, "expected.json"))) {
      return Path.of(prop).toAbsolutePath().normalize();
    }
    for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
      Path candidate = p.resolve("shared").resolve("wandb-vectors");
      if (Files.isRegularFile(candidate.resolve("expected.json"))) {
        return candidate;
      }
    }
    Path fallback = Path.of("/work/shared/wandb-vectors");
    if (Files.isRegularFile(fallback.resolve("expected.json"))) {
      return fallback;
    }
    throw new IllegalStateException(
        "W&B test vectors not found: set -Dwandb.vectors.dir or keep shared/wandb-vectors next to"
            + " the project");
  }

  /** The sample files ({@code files/}). */
  public static Path files() {
    return dir().resolve("files");
  }

  /** Resolves a {@code /}-separated vector key under {@code files/}. */
  public static Path file(String key) {
    Path p = files();
    for (String part : key.split("/")) {
      p = p.resolve(part);
    }
    return p;
  }

  public static JsonNode expected() {
    JsonNode e = expected;
    if (e == null) {
      try {
        expected = e = MAPPER.readTree(dir().resolve("expected.json").toFile());
      } catch (IOException ex) {
        throw new UncheckedIOException(ex);
      }
    }
    return e;
  }

  public static byte[] bytes(String name) {
    try {
      return Files.readAllBytes(dir().resolve(name));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
