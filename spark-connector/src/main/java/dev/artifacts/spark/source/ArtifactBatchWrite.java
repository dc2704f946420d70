package dev.artifacts.spark.source;

import dev.artifacts.common.ArtifactException;
import dev.artifacts.common.options.ArtifactOptions.Storage;
import dev.artifacts.common.registry.ArtifactDraft;
import dev.artifacts.common.registry.ArtifactRegistry;
import dev.artifacts.common.registry.CommitResult;
import dev.artifacts.common.registry.RunInfo;
import dev.artifacts.common.registry.WriteDrafts;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.connector.write.BatchWrite;
import org.apache.spark.sql.connector.write.DataWriterFactory;
import org.apache.spark.sql.connector.write.PhysicalWriteInfo;
import org.apache.spark.sql.connector.write.WriterCommitMessage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The driver side of a write: collects the tasks' entries and commits one version.
 *
 * <pre>
 *   task attempts ──(write + hash, TaskCommit = entries)──▶ driver: draft ─▶ registry.commit
 * </pre>
 *
 * <p>No commit coordinator: physical files are unique per task attempt, and Spark keeps exactly one
 * successful attempt's message per partition, so duplicate attempts are harmless (Iceberg's
 * approach). {@link #abort} deletes reference files the tasks wrote, except after a commit whose
 * outcome is unknown ({@link ArtifactException.CommitStateUnknown}): a committed version may
 * reference them. Bodies of {@code storage=files} are content-addressed and possibly shared with
 * other versions, so an aborted write leaves them to the registry's {@code gc}; its staging files
 * are already gone (each task attempt promoted or aborted its own).
 */
final class ArtifactBatchWrite implements BatchWrite {
  private static final Logger LOG = LoggerFactory.getLogger(ArtifactBatchWrite.class);

  private final SparkRegistries.Handle registry;
  private final WriteTarget target;
  private final ArtifactWriteBuilder.Mode mode;
  private final WriteOptions options;
  private final ArtifactDataWriterFactory factory;
  private final Map<String, String> commitProperties;
  private final RunInfo run;
  private final java.util.function.Consumer<dev.artifacts.common.registry.ArtifactVersion> onCommit;
  private volatile boolean outcomeUnknown;

  ArtifactBatchWrite(
      SparkRegistries.Handle registry,
      WriteTarget target,
      ArtifactWriteBuilder.Mode mode,
      WriteOptions options,
      ArtifactDataWriterFactory factory,
      Map<String, String> commitProperties,
      RunInfo run,
      java.util.function.Consumer<dev.artifacts.common.registry.ArtifactVersion> onCommit) {
    this.registry = registry;
    this.target = target;
    this.mode = mode;
    this.options = options;
    this.factory = factory;
    this.commitProperties = Map.copyOf(commitProperties);
    this.run = run;
    this.onCommit = onCommit;
  }

  @Override
  public DataWriterFactory createBatchWriterFactory(PhysicalWriteInfo info) {
    return factory;
  }

  @Override
  public boolean useCommitCoordinator() {
    return false;
  }

  @Override
  public void commit(WriterCommitMessage[] messages) {
    long start = System.nanoTime();
    List<TaskCommit.WrittenFile> files = files(messages);
    ArtifactRegistry reg = registry.open();
    ArtifactDraft draft = draft(reg, files);
    WriteDrafts.addWritten(draft, files.stream().map(TaskCommit.WrittenFile::toEntry).toList());
    WriteDrafts.applySettings(draft, options.settings(), run, commitProperties, factory.uploads());

    CommitResult result;
    try {
      result = reg.commit(draft);
    } catch (ArtifactException.CommitStateUnknown e) {
      outcomeUnknown = true;
      throw e;
    }
    onCommit.accept(result.version());
    long bytes = files.stream().mapToLong(TaskCommit.WrittenFile::size).sum();
    long millis = (System.nanoTime() - start) / 1_000_000;
    if (result.created()) {
      LOG.info(
          "Committed {} ({} files, {} bytes) in {} ms",
          result.version(),
          files.size(),
          bytes,
          millis);
    } else {
      LOG.info(
          "Committed nothing new: the written data equals {} ({} files, {} bytes), in {} ms",
          result.version(),
          files.size(),
          bytes,
          millis);
    }
    if (factory.storage() == Storage.REFERENCE) {
      // A deduplicated commit references the earlier version's files, not these.
      Set<String> kept = new HashSet<>();
      if (result.created()) {
        files.forEach(f -> kept.add(new Path(f.location()).getName()));
      }
      cleanReferenceFiles(files, kept);
    }
  }

  private ArtifactDraft draft(ArtifactRegistry reg, List<TaskCommit.WrittenFile> files) {
    boolean replaceAll =
        mode == ArtifactWriteBuilder.Mode.REPLACE
            || (mode == ArtifactWriteBuilder.Mode.DYNAMIC_OVERWRITE
                && target.partitionColumns().isEmpty());
    ArtifactDraft draft =
        WriteDrafts.start(
            reg,
            options.settings(),
            replaceAll ? WriteDrafts.Base.REPLACE : WriteDrafts.Base.APPEND);
    if (mode == ArtifactWriteBuilder.Mode.DYNAMIC_OVERWRITE && !replaceAll) {
      // Replace only the partitions written, in the latest version at the commit point.
      Set<String> partitions = new LinkedHashSet<>();
      files.forEach(f -> partitions.add(f.partitionDir()));
      for (String dir : partitions) {
        try {
          draft.remove(dir);
        } catch (ArtifactException.NotFound e) {
          // A new partition: nothing to replace.
        }
      }
    }
    return draft;
  }

  @Override
  public void abort(WriterCommitMessage[] messages) {
    if (outcomeUnknown) {
      LOG.warn(
          "Keeping the files written for {}: the commit outcome is unknown and a committed version"
              + " may reference them",
          target.collection());
      return;
    }
    if (factory.storage() == Storage.REFERENCE) {
      cleanReferenceFiles(files(messages), Set.of());
    } else if (factory.uploads() != null) {
      registry.open().abandonUpload(factory.uploads());
    }
  }

  /**
   * Deletes this operation's reference files except those named in {@code kept} (physical names are
   * unique per operation, task attempt and file): those of successful attempts listed in {@code
   * written}, and strays of attempts whose messages Spark dropped (a speculative duplicate that
   * finished second), found by the operation id in their names.
   */
  private void cleanReferenceFiles(List<TaskCommit.WrittenFile> written, Set<String> kept) {
    Configuration conf = registry.conf().value();
    Set<String> dirs = new LinkedHashSet<>();
    dirs.add("");
    for (TaskCommit.WrittenFile f : written) {
      dirs.add(f.partitionDir());
      if (!kept.contains(new Path(f.location()).getName())) {
        delete(new Path(f.location()), conf);
      }
    }
    String marker = "-" + factory.operationId() + "-";
    String base = factory.location().endsWith("/") ? factory.location() : factory.location() + "/";
    for (String dir : dirs) {
      Path p = new Path(base + dir);
      try {
        FileSystem fs = p.getFileSystem(conf);
        for (FileStatus s : fs.listStatus(p)) {
          if (s.isFile()
              && s.getPath().getName().contains(marker)
              && !kept.contains(s.getPath().getName())) {
            delete(s.getPath(), conf);
          }
        }
      } catch (FileNotFoundException e) {
        // Nothing was written there.
      } catch (IOException e) {
        LOG.warn("Cannot list {} to remove stray files of {}", p, target.collection(), e);
      }
    }
  }

  private static void delete(Path path, Configuration conf) {
    try {
      path.getFileSystem(conf).delete(path, false);
    } catch (IOException e) {
      LOG.warn("Cannot delete {}", path, e);
    }
  }

  private static List<TaskCommit.WrittenFile> files(WriterCommitMessage[] messages) {
    List<TaskCommit.WrittenFile> files = new ArrayList<>();
    if (messages == null) {
      return files;
    }
    for (WriterCommitMessage m : messages) {
      if (m instanceof TaskCommit t) {
        files.addAll(t.files());
      }
    }
    return files;
  }

  @Override
  public String toString() {
    return "ArtifactBatchWrite(" + target.collection() + ", " + mode + ")";
  }
}
