package dev.artifacts.flink.source;

import dev.artifacts.common.ArtifactException;
import dev.artifacts.common.manifest.ManifestEntry;
import dev.artifacts.common.reference.References;
import dev.artifacts.common.registry.ArtifactRegistry;
import dev.artifacts.common.registry.ArtifactVersion;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.apache.flink.connector.file.src.compression.StandardDeCompressors;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;
import org.apache.flink.core.fs.UnsupportedFileSystemSchemeException;

/**
 * Turns manifest entries of a version into splits over the physical files: stored bodies at the
 * registry's location for them ({@link ArtifactRegistry#location}), references at their URI. Runs
 * in the enumerator.
 */
final class SplitPlanner {
  private static final String[] NO_HOSTS = new String[0];

  private final ArtifactRegistry registry;
  private final SourceConfig<?> config;

  /** File systems already checked, by scheme and authority: one lookup each, not one per file. */
  private final Map<String, FileSystem> fileSystems = new HashMap<>();

  SplitPlanner(ArtifactRegistry registry, SourceConfig<?> config) {
    this.registry = registry;
    this.config = config;
  }

  /**
   * Splits for the entries of {@code manifest} that {@code include} accepts, in manifest order.
   * Split IDs are {@code plan:vN-ordinal[-chunk]}: the plan number keeps them unique when an alias
   * moves back to a version planned before, whose splits may still be read.
   */
  List<ArtifactSourceSplit> plan(
      int plan,
      ArtifactVersion version,
      List<ManifestEntry> manifest,
      Predicate<ManifestEntry> include) {
    boolean splittable = config.format().isSplittable();
    long modificationTime = version.createdAt().toEpochMilli();
    List<ArtifactSourceSplit> splits = new ArrayList<>();
    for (int ordinal = 0; ordinal < manifest.size(); ordinal++) {
      ManifestEntry entry = manifest.get(ordinal);
      if (!include.test(entry)) {
        continue;
      }
      URI location;
      if (entry.isReference()) {
        location = referenceLocation(version, entry);
      } else {
        checkCodec(version, entry);
        location = storedLocation(version, entry);
      }
      Path path = new Path(location);
      FileSystem fs = fileSystem(version, entry, location);
      long size = entry.size() != null ? entry.size() : stat(version, entry, fs, path);
      String idPrefix = plan + ":v" + version.versionIndex() + "-" + ordinal;
      if (!splittable || size <= config.splitSize()) {
        splits.add(split(idPrefix, path, 0, size, modificationTime, size, entry, version));
        continue;
      }
      int chunk = 0;
      for (long offset = 0; offset < size; offset += config.splitSize(), chunk++) {
        long length = Math.min(config.splitSize(), size - offset);
        splits.add(
            split(
                idPrefix + "-" + chunk,
                path,
                offset,
                length,
                modificationTime,
                size,
                entry,
                version));
      }
    }
    return splits;
  }

  private static ArtifactSourceSplit split(
      String id,
      Path path,
      long offset,
      long length,
      long modificationTime,
      long size,
      ManifestEntry entry,
      ArtifactVersion version) {
    return new ArtifactSourceSplit(
        id,
        path,
        offset,
        length,
        modificationTime,
        size,
        NO_HOSTS,
        null,
        entry.path(),
        version.versionIndex());
  }

  /**
   * Where the registry keeps the body: the content store of the collection that owns the bytes (the
   * source collection for a link), or a {@code wandbbody:} URI of the W&amp;B backend, which Flink
   * opens through {@link WandbBodyFileSystemFactory} and which downloads into the task's local
   * W&amp;B cache.
   */
  private URI storedLocation(ArtifactVersion version, ManifestEntry entry) {
    return registry
        .location(version, entry)
        .orElseThrow(
            () ->
                new ArtifactException.InvalidInput(
                    "Cannot read "
                        + version.path()
                        + " with Flink's file formats: registry "
                        + registry.uri()
                        + " has no file system location for stored entry '"
                        + entry.path()
                        + "' (digest algorithm "
                        + entry.digestAlgorithm()
                        + "); read it from an embedded filesystem registry or log it with"
                        + " reference storage"));
  }

  /**
   * The referenced object's URI as Flink's file systems name it. {@code s3://} stays as it is:
   * Flink's S3 file system plugins register both {@code s3} and {@code s3a}.
   */
  private static URI referenceLocation(ArtifactVersion version, ManifestEntry entry) {
    String scheme = References.scheme(entry.ref());
    if (scheme != null && scheme.startsWith("wandb-")) {
      throw new ArtifactException.InvalidInput(
          "Cannot read "
              + version.path()
              + ": entry '"
              + entry.path()
              + "' references another artifact ("
              + entry.ref()
              + "); read that artifact instead");
    }
    try {
      return new URI(entry.ref());
    } catch (URISyntaxException e) {
      throw new ArtifactException.InvalidInput(
          "Cannot read "
              + version.path()
              + ": entry '"
              + entry.path()
              + "' has an invalid reference '"
              + entry.ref()
              + "'");
    }
  }

  /**
   * Flink's stream formats choose a decompressor from the file's name; a stored body is named by
   * its digest, so a compressed text file would be read as compressed bytes. Fail instead.
   */
  private void checkCodec(ArtifactVersion version, ManifestEntry entry) {
    if (config.codecFromFileName()
        && StandardDeCompressors.getDecompressorForFileName(entry.path()) != null) {
      throw new ArtifactException.InvalidInput(
          "Cannot read "
              + version.path()
              + ": entry '"
              + entry.path()
              + "' is a compressed file stored by content digest, where Flink's stream formats"
              + " cannot tell its codec from the name; write it uncompressed, with a bulk"
              + " format that decompresses itself, or with reference storage");
    }
  }

  private FileSystem fileSystem(ArtifactVersion version, ManifestEntry entry, URI location) {
    String key = location.getScheme() + "://" + location.getAuthority();
    FileSystem known = fileSystems.get(key);
    if (known != null) {
      return known;
    }
    try {
      FileSystem fs = FileSystem.get(location);
      fileSystems.put(key, fs);
      return fs;
    } catch (UnsupportedFileSystemSchemeException e) {
      throw new ArtifactException.InvalidInput(
          "Cannot read "
              + version.path()
              + ": entry '"
              + entry.path()
              + "' is at "
              + location
              + " but Flink has no file system for scheme '"
              + location.getScheme()
              + "' ("
              + e.getMessage()
              + "); add the Flink file system plugin for it, e.g. flink-s3-fs-hadoop for s3://");
    } catch (IOException e) {
      throw new UncheckedIOException(
          "Cannot read " + version.path() + ": cannot open the file system of " + location, e);
    }
  }

  /** W&amp;B omits the size of some references; ask the file system. */
  private static long stat(ArtifactVersion version, ManifestEntry entry, FileSystem fs, Path path) {
    try {
      return fs.getFileStatus(path).getLen();
    } catch (IOException e) {
      throw new UncheckedIOException(
          "Cannot read "
              + version.path()
              + ": cannot get the size of entry '"
              + entry.path()
              + "' at "
              + path,
          e);
    }
  }
}
