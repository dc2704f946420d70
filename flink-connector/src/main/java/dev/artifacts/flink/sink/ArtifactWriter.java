package dev.artifacts.flink.sink;

import dev.artifacts.common.options.ArtifactOptions;
import dev.artifacts.common.registry.ArtifactRegistry;
import dev.artifacts.common.registry.ContentStore;
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
 */
final class ArtifactWriter<IN> implements CommittingSinkWriter<IN, ArtifactWriteResult> {
  private static final Logger LOG = LoggerFactory.getLogger(ArtifactWriter.class);

  private final SinkConfig<IN> config;
  private final ArtifactRegistry registry;
  private final ContentStore store;
  private final String prefix;
  private final Map<String, PartFile<IN>> open = new HashMap<>();
  private final Counter filesOut;
  private long checkpoint;
  private long counter;

  ArtifactWriter(SinkConfig<IN> config, WriterInitContext context) {
    this.config = config;
    this.registry =
        config.storage() == ArtifactOptions.Storage.FILES ? config.registry().open() : null;
    this.store = registry == null ? null : registry.contentStore(config.entity(), config.project());
    String job = context.getJobInfo().getJobId().toString();
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
    return config.storage() == ArtifactOptions.Storage.FILES
        ? PartFile.stored(path, store, config)
        : PartFile.referenced(path, config.location(), config);
  }

  @Override
  public void flush(boolean endOfInput) {
    // Files are finished in prepareCommit, which Flink calls right after this.
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
    if (registry != null) {
      registry.close();
    }
  }
}
