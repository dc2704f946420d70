package dev.artifacts.flink.source;

import dev.artifacts.common.ArtifactException;
import dev.artifacts.common.manifest.ManifestEntry;
import dev.artifacts.common.registry.ArtifactRegistry;
import dev.artifacts.common.registry.ArtifactVersion;
import dev.artifacts.common.registry.EntryFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;
import org.apache.flink.core.fs.UnsupportedFileSystemSchemeException;

/**
 * Turns the data entries of a version into splits over the physical files, by {@link EntryFiles}'
 * rules (the ones Spark's scan planning applies): which entries are data ({@code _SUCCESS} and
 * hidden files are not), stored bodies at the registry's location for them ({@link
 * ArtifactRegistry#location}, which serves {@code wandbbody:} URIs through {@link
 * WandbBodyFileSystemFactory}), references at their URI. Runs in the enumerator.
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
   * Splits for the data entries of {@code manifest} that {@code include} accepts, in manifest
   * order. Split IDs are {@code plan:vN-ordinal[-chunk]}: the plan number keeps them unique when an
   * alias moves back to a version planned before, whose splits may still be read.
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
      if (!EntryFiles.isDataPath(entry.path()) || !include.test(entry)) {
        continue;
      }
      if (config.codecFromFileName()) {
        EntryFiles.checkCodec(version, entry, "Flink's stream format");
      }
      // Flink's S3 file system plugins register s3:// themselves: the URI stays as recorded.
      URI location = EntryFiles.locate(registry, version, entry).uri();
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
