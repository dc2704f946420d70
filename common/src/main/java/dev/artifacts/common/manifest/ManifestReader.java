package dev.artifacts.common.manifest;

import dev.artifacts.common.ArtifactException;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Reads manifest v1 JSON in both writer shapes (the Python writer's indented, {@code \\uXXXX}
 * escaped form and wandb-core's compact form), in any key order, ignoring unknown members. Entries
 * are streamed to a consumer, so a manifest of millions of entries needs no document tree. Every
 * structural problem is reported as {@link ArtifactException.Corrupted} naming the source.
 */
public final class ManifestReader {
  /** Top-level members other than {@code contents}. */
  public record Header(String storageLayout, String storageRegion) {}

  private ManifestReader() {}

  /** Parses a whole manifest into memory. {@code source} names it in error messages. */
  public static Manifest read(InputStream in, String source) {
    List<ManifestEntry> entries = new ArrayList<>();
    Header header = stream(in, source, entries::add);
    try {
      return Manifest.of(header.storageLayout(), header.storageRegion(), entries);
    } catch (IllegalArgumentException e) {
      throw new ArtifactException.Corrupted("Corrupted manifest " + source + ": " + e.getMessage());
    }
  }

  public static Manifest read(byte[] json, String source) {
    return read(new ByteArrayInputStream(json), source);
  }

  /**
   * Streams the entries of a manifest, in file order, to {@code sink}. Entries already handed to
   * the sink stay delivered when a later part of the file turns out to be corrupted, so a sink that
   * must not see a partial manifest buffers until this method returns. Duplicate paths are detected
   * only when they are adjacent (always the case for files written in code point order, as this
   * project and wandb-core write them); {@link #read} detects all of them.
   */
  public static Header stream(InputStream in, String source, Consumer<ManifestEntry> sink) {
    try (ManifestEntryIterator entries = ManifestEntryIterator.open(in, source)) {
      while (entries.hasNext()) {
        sink.accept(entries.next());
      }
      return entries.header();
    }
  }
}
