package dev.artifacts.spark.log;

import dev.artifacts.common.name.ArtifactPath;
import dev.artifacts.common.options.ArtifactOptions;
import dev.artifacts.common.registry.ArtifactDraft;
import dev.artifacts.common.registry.ArtifactRegistry;
import dev.artifacts.common.registry.CommitResult;
import dev.artifacts.common.registry.UploadSession;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.util.SerializableConfiguration;

/**
 * One existing-data logging operation, on the driver, between {@link ExistingData} (which lists and
 * prepares the draft) and the SQL query that hashes and commits ({@link SourceFiles} reads its
 * slices, {@link LogFiles} commits its draft). Spark builds both tables from string options, so the
 * query finds the operation by the id in {@link #OPTION}. Not a user API.
 */
final class LogJob {
  /** Internal option of both tables: the id of the operation. */
  static final String OPTION = "__artifact_log_job";

  private static final Map<String, LogJob> OPEN = new ConcurrentHashMap<>();

  final String id;

  /** The source as Hadoop lists it, and the URI prefix of its references. */
  final String root;

  final String rootUri;

  /** The qualified source location (for naming it as a lineage dataset). */
  final URI location;

  final ArtifactPath artifact;
  final ArtifactOptions.Storage storage;
  final String registryUri;
  final ArtifactRegistry registry;
  final ArtifactDraft draft;
  final UploadSession uploads;
  final List<FileBatch> slices;
  final Broadcast<SerializableConfiguration> conf;

  private volatile CommitResult result;
  private volatile int fileCount;
  private volatile RuntimeException commitFailure;

  LogJob(
      String id,
      String root,
      String rootUri,
      URI location,
      ArtifactPath artifact,
      ArtifactOptions.Storage storage,
      String registryUri,
      ArtifactRegistry registry,
      ArtifactDraft draft,
      UploadSession uploads,
      List<FileBatch> slices,
      Broadcast<SerializableConfiguration> conf) {
    this.id = Objects.requireNonNull(id, "id is null");
    this.root = root;
    this.rootUri = rootUri;
    this.location = location;
    this.artifact = artifact;
    this.storage = storage;
    this.registryUri = registryUri;
    this.registry = registry;
    this.draft = draft;
    this.uploads = uploads;
    this.slices = List.copyOf(slices);
    this.conf = conf;
  }

  void open() {
    OPEN.put(id, this);
  }

  void close() {
    OPEN.remove(id);
  }

  /** The open operation named by the tables' {@link #OPTION}. */
  static LogJob of(Map<String, String> options) {
    String id = options.get(OPTION);
    LogJob job = id == null ? null : OPEN.get(id);
    if (job == null) {
      // Only ExistingData builds these tables; a user naming the format directly gets this.
      throw new IllegalStateException(
          "Invalid use of "
              + SourceFiles.class.getName()
              + " or "
              + LogFiles.class.getName()
              + ": they are internal to ExistingData.log (no open logging operation '"
              + id
              + "')");
    }
    return job;
  }

  void committed(CommitResult result, int fileCount) {
    this.fileCount = fileCount;
    this.result = result;
  }

  void commitFailed(RuntimeException failure) {
    this.commitFailure = failure;
  }

  /** What the registry's commit threw, or null. */
  RuntimeException commitFailure() {
    return commitFailure;
  }

  /** The commit's result, or null before the commit. */
  CommitResult result() {
    return result;
  }

  int fileCount() {
    return fileCount;
  }
}
