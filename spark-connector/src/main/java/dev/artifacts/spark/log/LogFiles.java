package dev.artifacts.spark.log;

import dev.artifacts.common.ArtifactException;
import dev.artifacts.common.manifest.EntryBatch;
import dev.artifacts.common.manifest.ManifestEntry;
import dev.artifacts.common.name.ArtifactPath;
import dev.artifacts.common.options.ArtifactOptions;
import dev.artifacts.common.registry.ArtifactDraft;
import dev.artifacts.common.registry.ArtifactRegistry;
import dev.artifacts.common.registry.CommitResult;
import dev.artifacts.common.registry.UploadSession;
import dev.artifacts.spark.source.CommittedVersions;
import dev.artifacts.spark.source.OpenLineageDatasets;
import dev.artifacts.spark.source.SparkRegistries;
import java.io.IOException;
import java.util.Map;
import java.util.Set;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SparkSession;
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
    CaseInsensitiveStringMap options = new CaseInsensitiveStringMap(properties);
    ArtifactPath artifact = ArtifactPath.parse(required(options, ExistingData.ARTIFACT_OPTION));
    return new VersionTable(
        artifact,
        required(options, ArtifactOptions.REGISTRY),
        required(options, ExistingData.SOURCE_OPTION),
        ArtifactOptions.Storage.parse(options.get(ArtifactOptions.STORAGE), artifact),
        options.asCaseSensitiveMap());
  }

  /** An option only {@link ExistingData#log} sets; a user naming this format directly lacks it. */
  static String required(CaseInsensitiveStringMap options, String key) {
    String value = options.get(key);
    if (value == null) {
      throw new ArtifactException.InvalidInput(
          "Invalid use of "
              + SourceFiles.class.getName()
              + " or "
              + LogFiles.class.getName()
              + ": they are internal to ExistingData.log (option "
              + key
              + " is missing); log existing data with ExistingData.log or LogExistingData");
    }
    return value;
  }

  private static final class VersionTable implements SupportsWrite {
    private final ArtifactPath artifact;
    private final String registryUri;
    private final String source;
    private final ArtifactOptions.Storage storage;
    private final Map<String, String> options;

    /** Set by this query's commit: OpenLineage reads the properties again when the query ends. */
    private volatile CommitResult committed;

    VersionTable(
        ArtifactPath artifact,
        String registryUri,
        String source,
        ArtifactOptions.Storage storage,
        Map<String, String> options) {
      this.artifact = artifact;
      this.registryUri = registryUri;
      this.source = source;
      this.storage = storage;
      this.options = Map.copyOf(options);
    }

    @Override
    public String name() {
      return artifact.toString();
    }

    @Override
    public StructType schema() {
      return SourceFiles.SCHEMA;
    }

    @Override
    public Map<String, String> properties() {
      CommitResult result = committed;
      return OpenLineageDatasets.artifact(
          registryUri, artifact, result == null ? null : result.version());
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
          // Built on the driver while the query is planned, before any task: the draft checks its
          // labels and the collection's type here.
          CommitDraft commit = new CommitDraft(VersionTable.this, SparkSession.active());
          return new Write() {
            @Override
            public String description() {
              return "LogFiles(" + artifact + ", " + storage + ")";
            }

            @Override
            public BatchWrite toBatch() {
              return commit;
            }
          };
        }
      };
    }
  }

  /** The driver side: collects the tasks' entries into the draft and commits it. */
  private static final class CommitDraft implements BatchWrite {
    private final VersionTable table;
    private final SparkSession spark;
    private final ArtifactRegistry registry;
    private final ArtifactDraft draft;
    private final UploadSession uploads;
    private Broadcast<SerializableConfiguration> conf;
    private volatile boolean outcomeUnknown;

    CommitDraft(VersionTable table, SparkSession spark) {
      this.table = table;
      this.spark = spark;
      this.registry = SparkRegistries.open(table.registryUri, spark);
      this.draft = ExistingData.newDraft(spark, registry, table.artifact, table.options);
      draft.commitProperties(
          Map.of(
              CommittedVersions.WRITE_ID_PROPERTY,
              required(
                  new CaseInsensitiveStringMap(table.options), CommittedVersions.WRITE_ID_OPTION)));
      // Copies are stored by the tasks themselves (W&B: uploaded from the executors).
      this.uploads =
          table.storage == ArtifactOptions.Storage.FILES
              ? registry.beginUpload(table.artifact, draft.type())
              : null;
      draft.uploadSession(uploads);
    }

    @Override
    public DataWriterFactory createBatchWriterFactory(PhysicalWriteInfo info) {
      // Broadcast, as Spark's file scans do: deserialized once per executor, not once per task.
      conf =
          JavaSparkContext.fromSparkContext(spark.sparkContext())
              .broadcast(new SerializableConfiguration(spark.sessionState().newHadoopConf()));
      return new HasherFactory(
          ExistingData.hadoopPath(table.source).toString(),
          ExistingData.rootUri(table.source),
          table.storage,
          table.registryUri,
          uploads,
          conf);
    }

    @Override
    public boolean useCommitCoordinator() {
      // Entries are only messages; Spark keeps one successful attempt's message per partition.
      return false;
    }

    @Override
    public void commit(WriterCommitMessage[] messages) {
      try {
        for (WriterCommitMessage message : messages) {
          for (ManifestEntry entry : ((HashedFiles) message).entries().entries()) {
            if (entry.isReference()) {
              draft.addEntry(entry);
            } else {
              draft.addStoredEntry(entry);
            }
          }
        }
        table.committed = registry.commit(draft);
      } catch (ArtifactException.CommitStateUnknown e) {
        outcomeUnknown = true;
        throw e;
      } finally {
        destroyConf();
      }
    }

    @Override
    public void abort(WriterCommitMessage[] messages) {
      destroyConf();
      if (outcomeUnknown) {
        // A committed version may use the uploaded bodies.
        return;
      }
      if (uploads != null) {
        // Bodies already stored are content-addressed and possibly shared: left to gc.
        registry.abandonUpload(uploads);
      }
    }

    private void destroyConf() {
      if (conf != null) {
        // Not blocking: executors drop their copies when they get to it.
        conf.destroy();
        conf = null;
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
