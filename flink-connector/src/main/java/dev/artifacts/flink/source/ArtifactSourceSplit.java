package dev.artifacts.flink.source;

import dev.artifacts.common.name.PartitionPaths;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Objects;
import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.connector.file.src.FileSourceSplit;
import org.apache.flink.connector.file.src.util.CheckpointedPosition;
import org.apache.flink.core.fs.Path;

/**
 * One file of an artifact version (or a byte range of a large file of a splittable format), as
 * Flink's file formats read it: {@link #path()} is the physical location of the bytes (a stored
 * body in the registry, or a referenced object), {@link #logicalPath()} the entry's path in the
 * manifest. Since it is a {@link FileSourceSplit}, every {@code BulkFormat<T, FileSourceSplit>} and
 * {@code StreamFormat<T>} reads it.
 *
 * <p>Immutable; {@link #updateWithCheckpointedPosition} returns a new split.
 */
@PublicEvolving
public final class ArtifactSourceSplit extends FileSourceSplit {
  private static final long serialVersionUID = 1L;

  private final String logicalPath;
  private final int versionIndex;

  /**
   * @param id split ID, unique among the splits of one source
   * @param filePath physical location of the bytes
   * @param offset first byte of the range to read
   * @param length number of bytes of the range
   * @param modificationTime file modification time, or the version's commit time
   * @param fileSize size of the whole file
   * @param hostnames hosts holding the bytes, for locality; may be empty
   * @param readerPosition where a reader checkpointed its progress, or {@code null}
   * @param logicalPath the manifest entry's path, e.g. {@code day=2024-01-01/part-0.parquet}
   * @param versionIndex N of the version {@code vN} the split was planned from
   */
  public ArtifactSourceSplit(
      String id,
      Path filePath,
      long offset,
      long length,
      long modificationTime,
      long fileSize,
      String[] hostnames,
      CheckpointedPosition readerPosition,
      String logicalPath,
      int versionIndex) {
    super(id, filePath, offset, length, modificationTime, fileSize, hostnames, readerPosition);
    this.logicalPath = Objects.requireNonNull(logicalPath, "logicalPath is null");
    if (logicalPath.isEmpty()) {
      throw new IllegalArgumentException("Invalid split " + id + ": empty logical path");
    }
    if (versionIndex < 0) {
      throw new IllegalArgumentException("Invalid split " + id + ": version index " + versionIndex);
    }
    this.versionIndex = versionIndex;
  }

  /** The manifest entry path, e.g. {@code day=2024-01-01/part-0.parquet}. */
  public String logicalPath() {
    return logicalPath;
  }

  /** N of the version {@code vN} this split's file was read from. */
  public int versionIndex() {
    return versionIndex;
  }

  /**
   * Partition values from the {@code column=value} directories of {@link #logicalPath()}, outermost
   * first, unescaped as Spark and Hive do ({@code %2F} is {@code /}); {@code
   * __HIVE_DEFAULT_PARTITION__} gives a {@code null} value. A fresh map on every call.
   */
  public LinkedHashMap<String, String> partitionValues() {
    return PartitionPaths.values(logicalPath);
  }

  @Override
  public ArtifactSourceSplit updateWithCheckpointedPosition(CheckpointedPosition position) {
    return new ArtifactSourceSplit(
        splitId(),
        path(),
        offset(),
        length(),
        fileModificationTime(),
        fileSize(),
        hostnames(),
        position,
        logicalPath,
        versionIndex);
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof ArtifactSourceSplit that)) {
      return false;
    }
    return splitId().equals(that.splitId())
        && path().equals(that.path())
        && offset() == that.offset()
        && length() == that.length()
        && fileModificationTime() == that.fileModificationTime()
        && fileSize() == that.fileSize()
        && Arrays.equals(hostnames(), that.hostnames())
        && getReaderPosition().equals(that.getReaderPosition())
        && logicalPath.equals(that.logicalPath)
        && versionIndex == that.versionIndex;
  }

  @Override
  public int hashCode() {
    return Objects.hash(splitId(), path(), offset(), length(), logicalPath, versionIndex);
  }

  @Override
  public String toString() {
    return "ArtifactSourceSplit{"
        + splitId()
        + ", v"
        + versionIndex
        + " '"
        + logicalPath
        + "' -> "
        + path()
        + " ["
        + offset()
        + ", +"
        + length()
        + "]"
        + getReaderPosition().map(p -> " @" + p).orElse("")
        + "}";
  }
}
