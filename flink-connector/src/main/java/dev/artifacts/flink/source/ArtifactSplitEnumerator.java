package dev.artifacts.flink.source;

import dev.artifacts.common.manifest.Manifest;
import dev.artifacts.common.manifest.ManifestEntry;
import dev.artifacts.common.registry.ArtifactRegistry;
import dev.artifacts.common.registry.ArtifactVersion;
import dev.artifacts.common.registry.RunInfo;
import dev.artifacts.flink.FlinkRuns;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.flink.api.connector.source.SplitEnumerator;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.util.FlinkRuntimeException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Resolves the artifact once, turns the version's files into splits and hands them out one at a
 * time to readers that ask. In continuous mode it polls the alias every monitor interval and, when
 * it points at another version, plans only the entries whose path and digest were not in the last
 * version read.
 *
 * <p>Registry I/O runs in the coordinator's worker thread ({@code callAsync}); results are applied
 * in the coordinator thread, which owns all mutable fields. A result planned against a version that
 * is no longer the last one read (two polls overlapped) is dropped, so nothing is planned twice.
 */
final class ArtifactSplitEnumerator
    implements SplitEnumerator<ArtifactSourceSplit, ArtifactEnumeratorState> {
  private static final Logger LOG = LoggerFactory.getLogger(ArtifactSplitEnumerator.class);

  private final SplitEnumeratorContext<ArtifactSourceSplit> context;
  private final SourceConfig<?> config;
  private final ArrayDeque<ArtifactSourceSplit> pending;
  private final Set<Integer> awaitingSplit = new LinkedHashSet<>();
  private final Counter versionsRead;
  private final Counter filesAssigned;

  /** The last version planned; read by the worker thread, replaced by the coordinator thread. */
  private volatile LastRead lastRead;

  private ArtifactRegistry registry;
  private SplitPlanner planner;
  private RunInfo run;

  /**
   * The version whose entries were planned as plan number {@code plan}, with the keys ({@code path
   * NUL digest}) of its entries once known; {@code null} keys after a restore until the manifest is
   * read again.
   */
  private record LastRead(int versionIndex, int plan, Set<String> keys) {}

  /** What one planning step found; {@code base} is the {@link LastRead} it was planned against. */
  private record Planned(
      LastRead base, ArtifactVersion version, LastRead next, List<ArtifactSourceSplit> splits) {}

  ArtifactSplitEnumerator(
      SplitEnumeratorContext<ArtifactSourceSplit> context,
      SourceConfig<?> config,
      ArtifactEnumeratorState state) {
    this.context = context;
    this.config = config;
    this.pending = new ArrayDeque<>(state.pendingSplits());
    this.lastRead =
        state.hasResolved()
            ? new LastRead(state.lastVersionIndex(), state.plans() - 1, null)
            : null;
    this.versionsRead = context.metricGroup().counter("versionsRead");
    this.filesAssigned = context.metricGroup().counter("splitsAssigned");
    context.metricGroup().gauge("lastVersionRead", this::lastVersionIndex);
  }

  @Override
  public void start() {
    registry = config.openRegistry();
    planner = new SplitPlanner(registry, config);
    run = run(context.metricGroup().getAllVariables(), config.runName());
    LastRead restored = lastRead;
    if (restored != null) {
      LOG.info(
          "Restored the source of {} at v{} with {} unassigned splits",
          config.target(),
          restored.versionIndex(),
          pending.size());
      if (run != null) {
        // A job restored from a savepoint has a new ID: it uses the version too.
        context.callAsync(() -> recordUse(restored.versionIndex()), this::lineageRecorded);
      }
    }
    if (config.continuous()) {
      long interval = config.monitorInterval().toMillis();
      context.callAsync(this::planNext, this::apply, 0, interval);
    } else if (restored == null) {
      context.callAsync(this::planNext, this::apply);
    }
  }

  private Void recordUse(int versionIndex) {
    registry.recordUse(run, registry.resolve(config.artifact().withAlias("v" + versionIndex)));
    return null;
  }

  private void lineageRecorded(Void ignored, Throwable error) {
    if (error != null) {
      // Lineage is not worth failing a restored job for; reading reports a missing version.
      LOG.warn("Cannot record that run {} used {}", run.id(), config.target(), error);
    }
  }

  /**
   * The job's lineage run. The enumerator context does not expose the job, but the metric group it
   * belongs to is scoped by job ID and name.
   */
  static RunInfo run(Map<String, String> metricVariables, String runName) {
    String jobId = metricVariables.get("<job_id>");
    if (jobId == null || jobId.isEmpty()) {
      LOG.warn(
          "The enumerator's metric group names no job (variables {}): versions read are not"
              + " recorded as inputs of this job",
          metricVariables.keySet());
      return null;
    }
    return FlinkRuns.of(jobId, metricVariables.get("<job_name>"), runName);
  }

  /** Worker thread: resolves the artifact and plans the files of a version not read yet. */
  private Planned planNext() throws IOException {
    LastRead base = lastRead;
    ArtifactVersion version;
    if (base == null) {
      version = registry.resolve(config.target()); // throws NotFound naming the artifact
    } else {
      Optional<ArtifactVersion> found = registry.find(config.target());
      if (found.isEmpty()) {
        LOG.warn(
            "{} no longer resolves; still reading from v{}", config.target(), base.versionIndex());
        return null;
      }
      version = found.get();
      if (version.versionIndex() == base.versionIndex()) {
        return null;
      }
    }
    Manifest manifest = registry.manifest(version);
    List<ManifestEntry> entries = manifest.entries();
    Set<String> readBefore = base == null ? Set.of() : keysOf(base);
    int plan = base == null ? 0 : base.plan() + 1;
    List<ArtifactSourceSplit> splits =
        planner.plan(plan, version, entries, e -> !readBefore.contains(key(e)));
    Set<String> keys = new HashSet<>(entries.size() * 2);
    entries.forEach(e -> keys.add(key(e)));
    if (run != null) {
      registry.recordUse(run, version);
    }
    return new Planned(base, version, new LastRead(version.versionIndex(), plan, keys), splits);
  }

  private Set<String> keysOf(LastRead read) {
    if (read.keys() != null) {
      return read.keys();
    }
    // After a restore: the last version read is immutable, read its manifest again.
    ArtifactVersion previous =
        registry.resolve(config.artifact().withAlias("v" + read.versionIndex()));
    Set<String> keys = new HashSet<>();
    registry.manifest(previous).entries().forEach(e -> keys.add(key(e)));
    return keys;
  }

  private static String key(ManifestEntry e) {
    // Entry paths cannot contain NUL (EntryPaths), so the key is unambiguous.
    return e.path() + '\0' + e.digest();
  }

  /**
   * Coordinator thread: takes a planning result. Errors fail the job naming the artifact, except an
   * I/O error of a continuous source that already reads: the next poll retries (as Flink's
   * continuous file enumerator does), so a registry hiccup does not restart the job.
   */
  private void apply(Planned planned, Throwable error) {
    if (error != null && config.continuous() && lastRead != null && isIo(error)) {
      LOG.error(
          "Cannot check {} for a new version; retrying in {}",
          config.target(),
          config.monitorInterval(),
          error);
      return;
    }
    if (error != null) {
      throw new FlinkRuntimeException(
          "Cannot read "
              + config.target()
              + " from "
              + config.registryUri()
              + ": "
              + error.getMessage(),
          error);
    }
    if (planned == null) {
      return;
    }
    if (planned.base() != lastRead) {
      LOG.debug("Dropping a plan of {} made against an older version", planned.version());
      return;
    }
    lastRead = planned.next();
    versionsRead.inc();
    pending.addAll(planned.splits());
    LOG.info(
        "Reading {} ({} files, {}): {} splits",
        planned.version(),
        planned.version().fileCount(),
        planned.base() == null ? "all" : "only new since v" + planned.base().versionIndex(),
        planned.splits().size());
    assignPending();
  }

  private static boolean isIo(Throwable error) {
    return error instanceof IOException || error instanceof UncheckedIOException;
  }

  @Override
  public void handleSplitRequest(int subtaskId, String requesterHostname) {
    awaitingSplit.add(subtaskId);
    assignPending();
  }

  @Override
  public void addSplitsBack(List<ArtifactSourceSplit> splits, int subtaskId) {
    // Splits of a failed reader since the last checkpoint: read them again, first.
    List<ArtifactSourceSplit> reversed = new ArrayList<>(splits);
    Collections.reverse(reversed);
    reversed.forEach(pending::addFirst);
  }

  @Override
  public void addReader(int subtaskId) {
    // Readers ask for splits themselves.
  }

  private void assignPending() {
    Iterator<Integer> it = awaitingSplit.iterator();
    while (it.hasNext()) {
      int subtask = it.next();
      if (!context.registeredReaders().containsKey(subtask)) {
        it.remove(); // the reader failed after asking
        continue;
      }
      ArtifactSourceSplit split = pending.poll();
      if (split != null) {
        context.assignSplit(split, subtask);
        filesAssigned.inc();
        it.remove();
      } else if (!config.continuous() && lastRead != null) {
        context.signalNoMoreSplits(subtask);
        it.remove();
      } else {
        return; // wait for the next version (or the first plan)
      }
    }
  }

  @Override
  public ArtifactEnumeratorState snapshotState(long checkpointId) {
    LastRead read = lastRead;
    return read == null
        ? ArtifactEnumeratorState.initial()
        : new ArtifactEnumeratorState(
            read.versionIndex(), read.plan() + 1, new ArrayList<>(pending));
  }

  private int lastVersionIndex() {
    LastRead read = lastRead;
    return read == null ? ArtifactEnumeratorState.NONE : read.versionIndex();
  }

  @Override
  public void close() throws IOException {
    if (registry != null) {
      registry.close();
    }
  }

  /** The splits planned and not assigned, in assignment order; for tests. */
  Collection<ArtifactSourceSplit> pendingSplits() {
    return List.copyOf(pending);
  }
}
