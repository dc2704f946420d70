package dev.artifacts.spark.source;

import dev.artifacts.common.digest.DigestingOutputStream;
import dev.artifacts.common.digest.FileDigest;
import dev.artifacts.common.manifest.ManifestEntry;
import dev.artifacts.common.options.ArtifactOptions.Storage;
import dev.artifacts.common.reference.WrittenReferences;
import dev.artifacts.common.registry.ContentStore;
import dev.artifacts.common.registry.TaskUploads;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.mapreduce.TaskAttemptContext;
import org.apache.hadoop.mapreduce.TaskAttemptID;
import org.apache.hadoop.mapreduce.TaskType;
import org.apache.hadoop.mapreduce.task.TaskAttemptContextImpl;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.catalog.ExternalCatalogUtils;
import org.apache.spark.sql.catalyst.expressions.BoundReference;
import org.apache.spark.sql.catalyst.expressions.Cast;
import org.apache.spark.sql.catalyst.expressions.EvalMode;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.expressions.UnsafeProjection;
import org.apache.spark.sql.catalyst.expressions.UnsafeRow;
import org.apache.spark.sql.connector.metric.CustomTaskMetric;
import org.apache.spark.sql.connector.write.DataWriter;
import org.apache.spark.sql.connector.write.WriterCommitMessage;
import org.apache.spark.sql.execution.datasources.OutputWriter;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.unsafe.types.UTF8String;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.Option;
import scala.collection.JavaConverters;

/**
 * Writes one task attempt's rows with Spark's own format writer, hashing every byte on its way to
 * storage (see {@link HashingFileSystem}). Rows arrive sorted by the partition columns ({@link
 * ArtifactWrite} requires that ordering, as Spark's file writer does), so one file is open at a
 * time and a file is finished when the partition values change.
 *
 * <p>Physical names are unique per task attempt ({@code
 * part-<partition>-<taskId>-<attempt>-<operation>-<n>}), so concurrent speculative or retried
 * attempts never touch each other's files. {@link #commit} finishes the bodies and returns their
 * entries; {@link #abort} removes this attempt's files.
 *
 * <p>Bodies of {@code storage=files} go through the registry's {@link TaskUploads} for the upload
 * session the driver began: the embedded registry stores them in its content store; the W&amp;B
 * backend uploads them from this executor at {@link #commit}, so no data passes the driver.
 */
final class ArtifactDataWriter implements DataWriter<InternalRow> {
  private static final Logger LOG = LoggerFactory.getLogger(ArtifactDataWriter.class);

  private final ArtifactDataWriterFactory spec;
  private final int partitionId;
  private final long taskId;
  private final int attempt;
  private final TaskAttemptContext context;
  private final String extension;
  private final UnsafeProjection partitionKey;
  private final UnsafeProjection dataColumns;
  private final Cast[] partitionStrings;
  private final String[] partitionNames;
  private final TaskUploads uploads;
  private final List<OpenFile> files = new ArrayList<>();

  private UnsafeRow currentKey;
  private OutputWriter current;
  private OpenFile currentFile;
  private int counter;
  private long bytes;
  private long hashNanos;

  ArtifactDataWriter(ArtifactDataWriterFactory spec, int partitionId, long taskId, int attempt) {
    this.spec = spec;
    this.partitionId = partitionId;
    this.taskId = taskId;
    this.attempt = attempt;
    this.context = taskContext(spec.jobConf().value(), partitionId, attempt);
    this.extension = spec.outputs().getFileExtension(context);
    int[] ordinals = spec.partitionOrdinals();
    if (ordinals.length == 0) {
      partitionKey = null;
      dataColumns = null;
      partitionStrings = new Cast[0];
      partitionNames = new String[0];
    } else {
      StructField[] fields = spec.schema().fields();
      List<Expression> keys = new ArrayList<>();
      partitionStrings = new Cast[ordinals.length];
      partitionNames = new String[ordinals.length];
      boolean[] isPartition = new boolean[fields.length];
      for (int i = 0; i < ordinals.length; i++) {
        StructField f = fields[ordinals[i]];
        BoundReference ref = new BoundReference(ordinals[i], f.dataType(), true);
        keys.add(ref);
        // Spark's own partition path expression: Cast(col, string, session time zone).
        partitionStrings[i] =
            new Cast(ref, DataTypes.StringType, Option.apply(spec.timeZone()), EvalMode.LEGACY());
        partitionNames[i] = f.name();
        isPartition[ordinals[i]] = true;
      }
      List<Expression> data = new ArrayList<>();
      for (int i = 0; i < fields.length; i++) {
        if (!isPartition[i]) {
          data.add(new BoundReference(i, fields[i].dataType(), fields[i].nullable()));
        }
      }
      partitionKey = UnsafeProjection.create(seq(keys));
      dataColumns = UnsafeProjection.create(seq(data));
    }
    this.uploads =
        spec.storage() == Storage.FILES ? spec.registry().open().taskUploads(spec.uploads()) : null;
  }

  @Override
  public void write(InternalRow row) throws IOException {
    if (partitionKey == null) {
      if (current == null) {
        open("");
      }
      current.write(row);
      return;
    }
    UnsafeRow key = partitionKey.apply(row);
    if (currentKey == null || !currentKey.equals(key)) {
      closeCurrent();
      currentKey = key.copy();
      open(partitionDir(row));
    }
    current.write(dataColumns.apply(row));
  }

  @Override
  public WriterCommitMessage commit() throws IOException {
    closeCurrent();
    List<TaskCommit.WrittenFile> written = new ArrayList<>(files.size());
    for (OpenFile f : files) {
      written.add(f.finish());
    }
    if (uploads != null) {
      // Makes the bodies durable in the registry (W&B: announced and uploaded from here).
      Map<String, String> births = new HashMap<>();
      for (ManifestEntry e : uploads.finish()) {
        if (e.birthArtifactId() != null) {
          births.put(e.path(), e.birthArtifactId());
        }
      }
      written.replaceAll(w -> w.withBirthArtifactId(births.get(w.path())));
    }
    return new TaskCommit(partitionId, taskId, written);
  }

  @Override
  public void abort() {
    if (current != null) {
      try {
        current.close();
      } catch (RuntimeException e) {
        LOG.debug("Closing {} on abort failed", currentFile.logicalPath, e);
      }
      current = null;
    }
    for (OpenFile f : files) {
      f.discard();
    }
    if (uploads != null) {
      uploads.close();
    }
  }

  @Override
  public void close() {
    for (OpenFile f : files) {
      HashingFileSystem.unregister(f.uniqueName);
    }
  }

  @Override
  public CustomTaskMetric[] currentMetricsValues() {
    return WriteMetrics.values(files.size(), bytes, hashNanos);
  }

  // ---- files ---------------------------------------------------------------------------------

  private void open(String partitionDir) {
    int n = counter++;
    String uniqueName =
        String.format(
                Locale.ROOT,
                "part-%05d-%d-%d-%s-%03d",
                partitionId,
                taskId,
                attempt,
                spec.operationId(),
                n)
            + extension;
    String logicalName =
        spec.uniqueLogicalNames()
            ? uniqueName
            : String.format(Locale.ROOT, "part-%05d-%03d", partitionId, n) + extension;
    String logicalPath = partitionDir.isEmpty() ? logicalName : partitionDir + "/" + logicalName;
    OpenFile file = new OpenFile(logicalPath, partitionDir, uniqueName);
    HashingFileSystem.register(uniqueName, file);
    files.add(file);
    currentFile = file;
    current =
        spec.outputs()
            .newInstance(
                HashingFileSystem.path(spec.operationId(), partitionDir, uniqueName),
                spec.dataSchema(),
                context);
  }

  private void closeCurrent() {
    if (current != null) {
      current.close();
      current = null;
      HashingFileSystem.unregister(currentFile.uniqueName);
    }
  }

  /** {@code a=1/b=x%2Fy}: Spark's escaping and its {@code __HIVE_DEFAULT_PARTITION__} for null. */
  private String partitionDir(InternalRow row) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < partitionStrings.length; i++) {
      if (i > 0) {
        sb.append('/');
      }
      Object value = partitionStrings[i].eval(row);
      sb.append(
          ExternalCatalogUtils.getPartitionPathString(
              partitionNames[i], value == null ? null : ((UTF8String) value).toString()));
    }
    return sb.toString();
  }

  /** One file of this attempt: where its bytes go and what they hashed to. */
  private final class OpenFile implements HashingFileSystem.Target {
    final String logicalPath;
    final String partitionDir;
    final String uniqueName;
    ContentStore.BodyWriter body;
    Path target;
    FileSystem targetFs;
    DigestingOutputStream digesting;
    boolean finished;

    OpenFile(String logicalPath, String partitionDir, String uniqueName) {
      this.logicalPath = logicalPath;
      this.partitionDir = partitionDir;
      this.uniqueName = uniqueName;
    }

    @Override
    public OutputStream open() throws IOException {
      if (body != null || digesting != null) {
        throw new IOException("Cannot create " + logicalPath + " twice in one task attempt");
      }
      OutputStream out;
      if (spec.storage() == Storage.FILES) {
        // The content store hashes while writing and promotes the body under its digest.
        body = uploads.newBody(logicalPath);
        out = body.stream();
      } else {
        String dir = partitionDir.isEmpty() ? "" : partitionDir + "/";
        target =
            new Path(
                spec.location() + (spec.location().endsWith("/") ? "" : "/") + dir + uniqueName);
        targetFs = target.getFileSystem(spec.jobConf().value());
        digesting = new DigestingOutputStream(targetFs.create(target, false));
        out = digesting;
      }
      return new Metered(out);
    }

    TaskCommit.WrittenFile finish() throws IOException {
      if (body != null) {
        FileDigest d = body.commit();
        finished = true;
        return new TaskCommit.WrittenFile(
            logicalPath, partitionDir, d.base64(), d.size(), null, null, null, null);
      }
      if (digesting == null) {
        throw new IOException(
            "Cannot commit " + logicalPath + ": the format writer never opened it");
      }
      FileDigest d = digesting.digest();
      // W&B's S3 digest is the ETag, which S3A reports right after the upload.
      String etag =
          WrittenReferences.needsEtag(target.toUri())
              ? WrittenReferences.etagOf(targetFs.getFileStatus(target))
              : null;
      ManifestEntry entry = WrittenReferences.entry(logicalPath, target.toUri(), d, etag);
      return new TaskCommit.WrittenFile(
          logicalPath,
          partitionDir,
          entry.digest(),
          d.size(),
          entry.ref(),
          (String) entry.extra().get("etag"),
          target.toString(),
          null);
    }

    void discard() {
      HashingFileSystem.unregister(uniqueName);
      if (body != null) {
        if (!finished) {
          body.abort();
        }
        // A finished body is content-addressed and may be shared with other versions: gc
        // removes it if nothing references it.
      } else if (target != null) {
        try {
          targetFs.delete(target, false);
        } catch (IOException e) {
          LOG.warn("Cannot delete {} of an aborted task attempt", target, e);
        }
      }
    }
  }

  /** Counts bytes and the time spent below this stream: the hashing (and the I/O under it). */
  private final class Metered extends FilterOutputStream {
    Metered(OutputStream out) {
      super(out);
    }

    @Override
    public void write(int b) throws IOException {
      long t = System.nanoTime();
      out.write(b);
      hashNanos += System.nanoTime() - t;
      bytes++;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      long t = System.nanoTime();
      out.write(b, off, len);
      hashNanos += System.nanoTime() - t;
      bytes += len;
    }
  }

  private static TaskAttemptContext taskContext(
      Configuration jobConf, int partitionId, int attempt) {
    Configuration conf = new Configuration(jobConf);
    TaskAttemptID id = new TaskAttemptID("artifact", 0, TaskType.MAP, partitionId, attempt);
    // What Spark's file writer sets, for format writers that read them.
    conf.set("mapreduce.job.id", id.getJobID().toString());
    conf.set("mapreduce.task.id", id.getTaskID().toString());
    conf.set("mapreduce.task.attempt.id", id.toString());
    conf.setBoolean("mapreduce.task.ismap", true);
    conf.setInt("mapreduce.task.partition", 0);
    return new TaskAttemptContextImpl(conf, id);
  }

  private static scala.collection.Seq<Expression> seq(List<Expression> list) {
    return JavaConverters.asScalaBuffer(list).toSeq();
  }
}
