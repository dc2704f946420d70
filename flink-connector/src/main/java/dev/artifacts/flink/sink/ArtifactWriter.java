package dev.artifacts.flink.sink;

import dev.artifacts.common.options.ArtifactOptions;
import dev.artifacts.common.registry.ArtifactRegistry;
import dev.artifacts.common.registry.TaskUploads;
import dev.artifacts.common.registry.UploadSession;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.connector.sink2.CommittingSinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.metrics.Counter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes records into part files, one open file per partition, and rolls every file at each
 * checkpoint (and at end of input), so no file outlives a checkpoint and the writer needs no state:
 * records after the last checkpoint are replayed by the source after a failure.
 *
 * <p>Part file names are unique per job, subtask, attempt and checkpoint: {@code
 * [col=value/]part-<job>-<subtask>-<attempt>-<checkpoint>-<n>.<ext>}. A replay after a failure
 * therefore writes new names, and a version never contains two files with the same data.
 *
 * <p>Bodies ({@code storage=files}) go through the registry's {@link TaskUploads}: with the W&amp;B
 * backend this subtask announces and uploads its own files at {@link #prepareCommit}, into the
 * pending artifact keyed by job and checkpoint ({@link #uploadKey}) that the committer later
 * finishes, so no file body passes the aggregator or the committer.
 */
final class ArtifactWriter<IN> implements CommittingSinkWriter<IN, ArtifactWriteResult> {
  private static final Logger LOG = LoggerFactory.getLogger(ArtifactWriter.class);

  private final SinkConfig<IN> config;
  private final ArtifactRegistry registry;
  private final String jobId;
  private final String prefix;
  private TaskUploads uploads;
  private boolean endOfInput;
  private final Map<String, PartFile<IN>> open = new HashMap<>();
  private final Counter filesOut;
  private long checkpoint;
  private long counter;

  ArtifactWriter(SinkConfig<IN> config, WriterInitContext context) {
    this.config = config;
    this.registry =
        config.storage() == ArtifactOptions.Storage.FILES ? config.registry().open() : null;
    String job = context.getJobInfo().getJobId().toString();
    this.jobId = job;
    this.prefix =
        "part-"
            + job.substring(0, Math.min(8, job.length()))
            + "-"
            + context.getTaskInfo().getIndexOfThisSubtask()
            + "-"
            + context.getTaskInfo().getAttemptNumber()
            + "-";
    // The checkpoint the next files most likely belong to: it only has to make names unique
    // together with the attempt number, so a declined checkpoint that skips an ID is harmless.
    this.checkpoint = context.getRestoredCheckpointId().orElse(0L) + 1;
    this.filesOut = context.metricGroup().counter("artifactPartFilesWritten");
  }

  @Override
  public void write(IN element, Context context) throws IOException, InterruptedException {
    String partition;
    try {
      partition = config.partitioner() == null ? "" : config.partitioner().partitionPath(element);
    } catch (Exception e) {
      throw new IOException(
          "Cannot write to " + config.artifact() + ": the partitioner failed on a record", e);
    }
    PartFile<IN> file = open.get(partition);
    if (file == null) {
      file = newFile(partition);
      open.put(partition, file);
    }
    file.write(element);
  }

  private PartFile<IN> newFile(String partition) throws IOException {
    String name = prefix + checkpoint + "-" + counter++ + "." + config.extension();
    String path = partition.isEmpty() ? name : partition + "/" + name;
    if (config.storage() != ArtifactOptions.Storage.FILES) {
      return PartFile.referenced(path, config.location(), config);
    }
    if (uploads == null) {
      // With one version at the end, every checkpoint's files belong to the end-of-input commit.
      boolean last = endOfInput || config.policy() == VersionPolicy.END_OF_INPUT;
      UploadSession session =
          registry.beginUpload(
              config.artifact(), config.type(), uploadKey(jobId, last ? EOI : checkpoint));
      uploads = registry.taskUploads(session);
    }
    return PartFile.stored(path, uploads, config);
  }

  /** {@link org.apache.flink.streaming.api.connector.sink2.CommittableMessage#EOI}. */
  private static final long EOI = Long.MAX_VALUE;

  /**
   * The key under which the writers of one checkpoint and its committer meet on one pending version
   * ({@link ArtifactRegistry#beginUpload(dev.artifacts.common.name.ArtifactPath, String, String)}).
   * Writers only guess the checkpoint ID; when the guess is wrong (a declined checkpoint, or a
   * bounded job with a version per checkpoint, whose only commit is end of input) their uploads
   * stay valid: the committer finishes another pending version and the writers' one stays pending,
   * invisible to readers.
   */
  static String uploadKey(String jobId, long checkpointId) {
    return "flink/" + jobId + "/" + checkpointId;
  }

  @Override
  public void flush(boolean endOfInput) {
    // Files are finished in prepareCommit, which Flink calls right after this.
    this.endOfInput |= endOfInput;
  }

  @Override
  public Collection<ArtifactWriteResult> prepareCommit() throws IOException {
    List<ArtifactWriteResult> results = new ArrayList<>(open.size());
    try {
      for (PartFile<IN> file : open.values()) {
        results.add(new ArtifactWriteResult(file.finish()));
        filesOut.inc();
      }
    } finally {
      // On failure the remaining files are aborted by close(); the job restarts from the last
      // checkpoint and the finished ones become unreferenced bodies (or orphan files) for gc.
      if (results.size() == open.size()) {
        open.clear();
      }
    }
    if (uploads != null) {
      // The bodies reach the registry here (W&B: announced and uploaded by this subtask). The
      // birth artifacts it assigns are not passed on: the committer announces every file again
      // and gets them from the server (write results stay at serializer version 1).
      uploads.finish();
      uploads.close();
      uploads = null;
    }
    if (!results.isEmpty()) {
      LOG.debug(
          "Rolled {} part files of {} for checkpoint {}",
          results.size(),
          config.artifact(),
          checkpoint);
    }
    checkpoint++;
    counter = 0;
    return results;
  }

  @Override
  public void close() throws Exception {
    for (PartFile<IN> file : open.values()) {
      file.abort();
    }
    open.clear();
    if (uploads != null) {
      uploads.close();
    }
    if (registry != null) {
      registry.close();
    }
  }
}
