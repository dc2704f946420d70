package dev.artifacts.spark.log;

import dev.artifacts.common.ArtifactException;
import dev.artifacts.common.manifest.EntryBatch;
import dev.artifacts.common.manifest.ManifestEntry;
import dev.artifacts.common.options.ArtifactOptions;
import dev.artifacts.common.registry.CommitResult;
import dev.artifacts.common.registry.UploadSession;
import dev.artifacts.spark.source.OpenLineageDatasets;
import java.io.IOException;
import java.util.Map;
import java.util.Set;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.connector.catalog.SupportsWrite;
import org.apache.spark.sql.connector.catalog.Table;
import org.apache.spark.sql.connector.catalog.TableCapability;
import org.apache.spark.sql.connector.catalog.TableProvider;
import org.apache.spark.sql.connector.expressions.Transform;
import org.apache.spark.sql.connector.write.BatchWrite;
import org.apache.spark.sql.connector.write.DataWriter;
import org.apache.spark.sql.connector.write.DataWriterFactory;
import org.apache.spark.sql.connector.write.LogicalWriteInfo;
import org.apache.spark.sql.connector.write.PhysicalWriteInfo;
import org.apache.spark.sql.connector.write.Write;
import org.apache.spark.sql.connector.write.WriteBuilder;
import org.apache.spark.sql.connector.write.WriterCommitMessage;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.util.CaseInsensitiveStringMap;
import org.apache.spark.util.SerializableConfiguration;

/**
 * The artifact an existing-data logging operation commits, as a DSv2 table that {@link
 * SourceFiles}' rows are appended to: each task hashes its files as they arrive (copying them into
 * the registry, or referencing them in place) and sends back their manifest entries; the driver
 * adds them to the operation's draft, in partition order, and commits one version. The table names
 * the artifact as {@code format("artifact")} tables do (registry URI, {@code entity/project/name},
 * and the committed version once committed), so OpenLineage's listener reports the logged version
 * as the query's output.
 */
public final class LogFiles implements TableProvider {
  public LogFiles() {}

  @Override
  public StructType inferSchema(CaseInsensitiveStringMap options) {
    return SourceFiles.SCHEMA;
  }

  @Override
  public Table getTable(
      StructType schema, Transform[] partitioning, Map<String, String> properties) {
    return new VersionTable(LogJob.of(new CaseInsensitiveStringMap(properties)));
  }

  private static final class VersionTable implements SupportsWrite {
    private final LogJob job;

    VersionTable(LogJob job) {
      this.job = job;
    }

    @Override
    public String name() {
      return job.artifact.toString();
    }

    @Override
    public StructType schema() {
      return SourceFiles.SCHEMA;
    }

    /** Read again by OpenLineage for its completion event, when the version is committed. */
    @Override
    public Map<String, String> properties() {
      CommitResult result = job.result();
      return OpenLineageDatasets.artifact(
          job.registryUri, job.artifact, result == null ? null : result.version());
    }

    @Override
    public Set<TableCapability> capabilities() {
      return Set.of(TableCapability.BATCH_WRITE);
    }

    @Override
    public WriteBuilder newWriteBuilder(LogicalWriteInfo info) {
      return new WriteBuilder() {
        @Override
        public Write build() {
          return new Write() {
            @Override
            public String description() {
              return "LogFiles(" + job.artifact + ", " + job.storage + ")";
            }

            @Override
            public BatchWrite toBatch() {
              return new CommitDraft(job);
            }
          };
        }
      };
    }
  }

  /** The driver side: collects the tasks' entries into the draft and commits it. */
  private static final class CommitDraft implements BatchWrite {
    private final LogJob job;

    CommitDraft(LogJob job) {
      this.job = job;
    }

    @Override
    public DataWriterFactory createBatchWriterFactory(PhysicalWriteInfo info) {
      return new HasherFactory(
          job.root, job.rootUri, job.storage, job.registryUri, job.uploads, job.conf);
    }

    @Override
    public boolean useCommitCoordinator() {
      // Entries are only messages; Spark keeps one successful attempt's message per partition.
      return false;
    }

    @Override
    public void commit(WriterCommitMessage[] messages) {
      int files = 0;
      for (WriterCommitMessage message : messages) {
        EntryBatch batch = ((HashedFiles) message).entries();
        for (ManifestEntry entry : batch.entries()) {
          if (entry.isReference()) {
            job.draft.addEntry(entry);
          } else {
            job.draft.addStoredEntry(entry);
          }
        }
        files += batch.size();
      }
      try {
        job.committed(job.registry.commit(job.draft), files);
      } catch (RuntimeException e) {
        // Spark may wrap what the commit throws; ExistingData rethrows it as it was.
        job.commitFailed(e);
        throw e;
      }
    }

    @Override
    public void abort(WriterCommitMessage[] messages) {
      if (job.commitFailure() instanceof ArtifactException.CommitStateUnknown) {
        // A committed version may use the uploaded bodies.
        return;
      }
      if (job.uploads != null) {
        // Bodies already stored are content-addressed and possibly shared: left to gc.
        job.registry.abandonUpload(job.uploads);
      }
    }
  }

  /** Sent to the executors; the Hadoop configuration travels as a broadcast, once per executor. */
  private record HasherFactory(
      String root,
      String rootUri,
      ArtifactOptions.Storage storage,
      String registryUri,
      UploadSession uploads,
      Broadcast<SerializableConfiguration> conf)
      implements DataWriterFactory {
    @Override
    public DataWriter<InternalRow> createWriter(int partitionId, long taskId) {
      try {
        return new HashingWriter(
            new FileTasks.Hasher(root, rootUri, storage, registryUri, uploads, conf.value()));
      } catch (IOException e) {
        throw new java.io.UncheckedIOException("Cannot open " + root + " to log it", e);
      }
    }
  }

  private static final class HashingWriter implements DataWriter<InternalRow> {
    private final FileTasks.Hasher hasher;

    HashingWriter(FileTasks.Hasher hasher) {
      this.hasher = hasher;
    }

    @Override
    public void write(InternalRow row) throws IOException {
      hasher.add(row.getUTF8String(0).toString());
    }

    @Override
    public WriterCommitMessage commit() throws IOException {
      return new HashedFiles(hasher.finish());
    }

    @Override
    public void abort() {}

    @Override
    public void close() {
      hasher.close();
    }
  }

  /** One task's manifest entries. */
  private record HashedFiles(EntryBatch entries) implements WriterCommitMessage {}
}
