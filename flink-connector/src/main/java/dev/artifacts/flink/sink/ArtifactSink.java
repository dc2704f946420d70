package dev.artifacts.flink.sink;

import dev.artifacts.common.registry.RunInfo;
import dev.artifacts.flink.FlinkRuns;
import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.sink2.Committer;
import org.apache.flink.api.connector.sink2.CommitterInitContext;
import org.apache.flink.api.connector.sink2.CommittingSinkWriter;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SupportsCommitter;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.apache.flink.streaming.api.connector.sink2.CommittableMessage;
import org.apache.flink.streaming.api.connector.sink2.CommittableMessageTypeInfo;
import org.apache.flink.streaming.api.connector.sink2.SupportsPreCommitTopology;
import org.apache.flink.streaming.api.datastream.DataStream;

/**
 * A Flink sink that writes records as files of a W&amp;B-style artifact and commits them as new
 * artifact versions, exactly once. Build one with {@link #builder()}:
 *
 * <pre>{@code
 * stream.sinkTo(
 *         ArtifactSink.<Event>builder()
 *             .setRegistry("s3a://bucket/registry")
 *             .setArtifact("acme/etl/events")
 *             .setRowFormat(new SimpleStringEncoder<>(), "jsonl")
 *             .setPartitioner(ArtifactPartitioner.of("day", Event::day))
 *             .setAliases(List.of("streaming"))
 *             .build())
 *     .uid("events-artifact-sink");
 * }</pre>
 *
 * <h2>Topology</h2>
 *
 * <pre>
 *  records ──▶ ArtifactWriter (parallelism p)      part files, hashed while written; rolled at
 *              │  ArtifactWriteResult = entry       every checkpoint and at end of input
 *              ▼  (global)
 *        ArtifactWriteAggregator (parallelism 1)    sorts one checkpoint's entries, stages them
 *              │  ArtifactCommittable               as a partial manifest in the registry
 *              ▼  (global)
 *        ArtifactCommitter (subtask 0 does it all)  on checkpoint completion: append the staged
 *                                                   entries to the latest version, commit
 * </pre>
 *
 * <h2>Guarantees</h2>
 *
 * <ul>
 *   <li><b>Exactly once, with checkpointing</b> (or in batch execution): each record is in exactly
 *       one committed version's new files. Files become visible only through a commit, which
 *       happens after the checkpoint that contains them completes ({@link
 *       VersionPolicy#PER_CHECKPOINT}: one version per checkpoint that wrote data; checkpoints
 *       without data commit nothing) or at end of input ({@link VersionPolicy#END_OF_INPUT}: one
 *       version). Each version appends to the previous one, so the latest version holds everything
 *       written so far.
 *   <li><b>Failure between commit and notification.</b> Every version records {@code flink.job-id},
 *       {@code flink.operator-id} and {@code flink.checkpoint-id}. If the job fails after a version
 *       was committed but before Flink recorded that (the committable is still in the restored
 *       state), the committer finds the checkpoint in the registry and skips it. If a commit's
 *       outcome is unknown, the committer retries after reading the registry again; files are never
 *       deleted after such a failure.
 *   <li><b>Restore from a savepoint</b> into a new job: committables restored from the old job keep
 *       its job ID, so they are checked against what the old job committed.
 *   <li><b>Without checkpointing</b> in streaming execution nothing is committed until the input
 *       ends.
 * </ul>
 *
 * <h2>Assumptions</h2>
 *
 * <ul>
 *   <li>The sources replay deterministically after a restore (as Flink's exactly-once sources do),
 *       and checkpoints are aligned (the default for exactly-once mode).
 *   <li>This sink is the only writer appending to the artifact: the registry commits atomically,
 *       but a version committed by someone else between reading the latest version and committing
 *       is not merged into the next one (its entries are absent from later versions).
 *   <li>Registry garbage collection runs with a grace period longer than any job downtime:
 *       uncommitted bodies and staged partial manifests are unreferenced until their commit.
 *   <li>The sink's operators keep their IDs across restores: set a {@code uid} on the sink.
 * </ul>
 *
 * <p>Part files of failed attempts are never committed; with {@code storage=files} they are
 * unreferenced bodies removed by registry gc, with {@code storage=reference} they stay at the
 * location as orphans.
 */
@PublicEvolving
public final class ArtifactSink<IN>
    implements Sink<IN>,
        SupportsCommitter<ArtifactCommittable>,
        SupportsPreCommitTopology<ArtifactWriteResult, ArtifactCommittable>,
        org.apache.flink.streaming.api.lineage.LineageVertexProvider {
  private static final long serialVersionUID = 1L;

  private final SinkConfig<IN> config;

  ArtifactSink(SinkConfig<IN> config) {
    this.config = config;
  }

  /**
   * The collection written, as a lineage dataset (see {@link dev.artifacts.flink.ArtifactLineage}):
   * lineage listeners see the artifact without knowing this connector.
   */
  @Override
  public org.apache.flink.streaming.api.lineage.LineageVertex getLineageVertex() {
    return dev.artifacts.flink.ArtifactLineage.sink(
        config.registryUri(), config.artifact(), config.type(), config.aliases());
  }

  /** A builder; the sink is validated by {@link ArtifactSinkBuilder#build()}. */
  public static <IN> ArtifactSinkBuilder<IN> builder() {
    return new ArtifactSinkBuilder<>();
  }

  /**
   * @deprecated Flink 1.20 still declares this method; it calls {@link
   *     #createWriter(WriterInitContext)} instead.
   */
  @Override
  @Deprecated
  public CommittingSinkWriter<IN, ArtifactWriteResult> createWriter(InitContext context) {
    throw new UnsupportedOperationException(
        "Cannot create a writer for " + config.artifact() + " from the legacy InitContext");
  }

  @Override
  public CommittingSinkWriter<IN, ArtifactWriteResult> createWriter(WriterInitContext context) {
    return new ArtifactWriter<>(config, context);
  }

  @Override
  public Committer<ArtifactCommittable> createCommitter(CommitterInitContext context) {
    String jobId = context.getJobInfo().getJobId().toString();
    String jobName = context.getJobInfo().getJobName();
    RunInfo run = FlinkRuns.of(jobId, jobName, config.runName());
    return new ArtifactCommitter(config, run, new CommitterMetrics(context.metricGroup()));
  }

  @Override
  public SimpleVersionedSerializer<ArtifactCommittable> getCommittableSerializer() {
    return new ArtifactCommittableSerializer();
  }

  @Override
  public DataStream<CommittableMessage<ArtifactCommittable>> addPreCommitTopology(
      DataStream<CommittableMessage<ArtifactWriteResult>> writeResults) {
    TypeInformation<CommittableMessage<ArtifactCommittable>> type =
        CommittableMessageTypeInfo.of(ArtifactCommittableSerializer::new);
    // No uid here: Flink derives the aggregator's from the uid the user sets on the sink, which
    // keeps its state and its operator ID (recorded in every version) stable across restores.
    // global(): one aggregator sees every writer's results; the second global() sends the
    // committables to committer subtask 0, so one subtask commits (Flink 1.20 cannot give the
    // committer its own parallelism).
    if (UnspecifiedExchanges.affected()) {
      UnspecifiedExchanges.fill(writeResults.getTransformation());
    }
    return writeResults
        .global()
        .transform(
            "Artifact aggregator: " + config.artifact(), type, new ArtifactWriteAggregator(config))
        .setParallelism(1)
        .setMaxParallelism(1)
        .global();
  }

  @Override
  public SimpleVersionedSerializer<ArtifactWriteResult> getWriteResultSerializer() {
    return new ArtifactWriteResultSerializer();
  }

  SinkConfig<IN> config() {
    return config;
  }
}
