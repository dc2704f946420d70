package dev.artifacts.flink.sink;

import dev.artifacts.common.manifest.ManifestEntry;
import dev.artifacts.common.registry.ArtifactRegistry;
import dev.artifacts.common.registry.ContentStore;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeutils.base.array.BytePrimitiveArraySerializer;
import org.apache.flink.core.io.SimpleVersionedSerialization;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.streaming.api.connector.sink2.CommittableMessage;
import org.apache.flink.streaming.api.connector.sink2.CommittableSummary;
import org.apache.flink.streaming.api.connector.sink2.CommittableWithLineage;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pre-commit step, parallelism 1: collects the write results of all writer subtasks for one
 * checkpoint (with aligned checkpoints they all arrive before the barrier), stages them as one
 * partial manifest in the registry, and emits one small {@link ArtifactCommittable}. A checkpoint
 * without data emits nothing, so it creates no version.
 *
 * <p>The staged manifest goes to the registry's content store when that store is shared (the
 * embedded registry). The W&amp;B backend's store is this machine's W&amp;B cache, and the
 * committer is a separate task with the job's parallelism that may run on another task manager, so
 * there the manifest travels inside the committable ({@link ArtifactCommittable#inlineManifest()}).
 *
 * <p>With {@link VersionPolicy#END_OF_INPUT} the committables are kept in this operator's state
 * until the input ends, then merged into one partial manifest and emitted as the end-of-input
 * committable.
 */
final class ArtifactWriteAggregator
    extends AbstractStreamOperator<CommittableMessage<ArtifactCommittable>>
    implements OneInputStreamOperator<
        CommittableMessage<ArtifactWriteResult>, CommittableMessage<ArtifactCommittable>> {
  private static final Logger LOG = LoggerFactory.getLogger(ArtifactWriteAggregator.class);
  private static final long serialVersionUID = 1L;

  private final SinkConfig<?> config;
  private transient List<ManifestEntry> results;
  private transient List<ArtifactCommittable> pending;
  private transient ListState<byte[]> pendingState;
  private transient ArtifactRegistry registry;
  private transient ContentStore store;

  ArtifactWriteAggregator(SinkConfig<?> config) {
    this.config = config;
  }

  @Override
  public void initializeState(StateInitializationContext context) throws Exception {
    super.initializeState(context);
    results = new ArrayList<>();
    pending = new ArrayList<>();
    pendingState =
        context
            .getOperatorStateStore()
            .getListState(
                new ListStateDescriptor<>(
                    "artifact-sink-pending-committables", BytePrimitiveArraySerializer.INSTANCE));
    ArtifactCommittableSerializer serializer = new ArtifactCommittableSerializer();
    for (byte[] bytes : pendingState.get()) {
      pending.add(SimpleVersionedSerialization.readVersionAndDeSerialize(serializer, bytes));
    }
  }

  @Override
  public void open() throws Exception {
    super.open();
    if (getRuntimeContext().getTaskInfo().getIndexOfThisSubtask() != 0) {
      throw new IllegalStateException(
          "Cannot run the aggregator of " + config.artifact() + " with parallelism above 1");
    }
    registry = config.registry().open();
    store = registry.contentStore(config.entity(), config.project());
  }

  @Override
  public void processElement(StreamRecord<CommittableMessage<ArtifactWriteResult>> element) {
    if (element.getValue() instanceof CommittableWithLineage<ArtifactWriteResult> message) {
      results.add(message.getCommittable().entry());
    }
  }

  @Override
  public void prepareSnapshotPreBarrier(long checkpointId) throws Exception {
    super.prepareSnapshotPreBarrier(checkpointId);
    if (results.isEmpty()) {
      return;
    }
    ArtifactCommittable committable = stage(results, checkpointId);
    results.clear();
    if (config.policy() == VersionPolicy.PER_CHECKPOINT) {
      emit(committable);
    } else {
      pending.add(committable);
    }
  }

  @Override
  public void snapshotState(StateSnapshotContext context) throws Exception {
    super.snapshotState(context);
    List<byte[]> serialized = new ArrayList<>(pending.size());
    ArtifactCommittableSerializer serializer = new ArtifactCommittableSerializer();
    for (ArtifactCommittable c : pending) {
      serialized.add(SimpleVersionedSerialization.writeVersionAndSerialize(serializer, c));
    }
    pendingState.update(serialized);
  }

  /** End of input (batch, or a bounded stream): emits what is left as the final committable. */
  @Override
  public void finish() throws Exception {
    if (config.policy() == VersionPolicy.PER_CHECKPOINT) {
      prepareSnapshotPreBarrier(CommittableMessage.EOI);
    } else if (!pending.isEmpty() || !results.isEmpty()) {
      // Later checkpoints' entries win on a path clash, as they would for versions in sequence.
      Map<String, ManifestEntry> merged = new LinkedHashMap<>();
      for (ArtifactCommittable c : pending) {
        for (ManifestEntry e : StagedManifests.read(store, config.artifact(), c)) {
          merged.put(e.path(), e);
        }
      }
      for (ManifestEntry e : results) {
        merged.put(e.path(), e);
      }
      LOG.info(
          "Merging {} staged checkpoints and {} new files of {} into the end-of-input version",
          pending.size(),
          results.size(),
          config.artifact());
      ArtifactCommittable committable = stage(merged.values(), CommittableMessage.EOI);
      pending.clear();
      results.clear();
      emit(committable);
    }
    super.finish();
  }

  private ArtifactCommittable stage(java.util.Collection<ManifestEntry> entries, long checkpointId)
      throws IOException {
    ArtifactCommittable c =
        StagedManifests.stage(
            store,
            config.artifact(),
            entries,
            getRuntimeContext().getJobInfo().getJobId().toString(),
            getRuntimeContext().getOperatorUniqueID(),
            checkpointId);
    LOG.info(
        "Staged {} files ({} bytes) of {} for checkpoint {} as {}",
        c.entryCount(),
        c.totalSize(),
        config.artifact(),
        checkpointId == CommittableMessage.EOI ? "end-of-input" : checkpointId,
        c.stagedManifestLocation());
    return c;
  }

  private void emit(ArtifactCommittable committable) {
    long checkpointId = committable.checkpointId();
    output.collect(new StreamRecord<>(new CommittableSummary<>(0, 1, checkpointId, 1, 1, 0)));
    output.collect(new StreamRecord<>(new CommittableWithLineage<>(committable, checkpointId, 0)));
  }

  @Override
  public void close() throws Exception {
    try {
      if (registry != null) {
        registry.close();
      }
    } finally {
      super.close();
    }
  }
}
