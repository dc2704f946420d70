package dev.artifacts.flink.sink;

import java.lang.reflect.Field;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.Set;
import org.apache.flink.api.dag.Transformation;
import org.apache.flink.runtime.util.EnvironmentInformation;
import org.apache.flink.streaming.api.transformations.PartitionTransformation;
import org.apache.flink.streaming.runtime.partitioner.RebalancePartitioner;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Works around FLINK-37870 on the Flink builds that have it (1.20.1 and 2.0.0): while expanding a
 * Sink V2 with a committer, Flink walks every ancestor of the sink writer (it means to stop at the
 * writer, but seeds its visited set wrongly) and calls {@code
 * getPartitioner().disableUnalignedCheckpoints()} on each exchange. The batch table planner leaves
 * the partitioner of an {@code Exchange(distribution=[any])} null ("let the stream graph choose
 * forward or rebalance"), so any batch {@code INSERT} whose plan has such an exchange (a self-join,
 * a join whose inputs conflict, …) failed with a {@code NullPointerException} while the job graph
 * was built.
 *
 * <p>The sink's pre-commit topology is added after every upstream transformation has been
 * translated into the stream graph, which has already captured each exchange's partitioner (null
 * included) in its virtual partition node. Setting a partitioner on those exchanges at that point
 * therefore changes nothing in the job; it only keeps Flink's walk from dereferencing null. The
 * value set is a {@link RebalancePartitioner}, which is also a valid choice for an exchange that
 * has no distribution requirement, should anything translate the transformation again.
 */
final class UnspecifiedExchanges {
  private static final Logger LOG = LoggerFactory.getLogger(UnspecifiedExchanges.class);
  private static final Set<String> AFFECTED_VERSIONS = Set.of("1.20.0", "1.20.1", "2.0.0");

  private UnspecifiedExchanges() {}

  /** Whether the running Flink walks past the sink writer (FLINK-37870). */
  static boolean affected() {
    return AFFECTED_VERSIONS.contains(EnvironmentInformation.getVersion());
  }

  /**
   * Gives every exchange upstream of {@code writerOutput} that has no partitioner a rebalance
   * partitioner; returns how many it changed.
   */
  static int fill(Transformation<?> writerOutput) {
    Field partitioner = partitionerField();
    Deque<Transformation<?>> pending = new ArrayDeque<>();
    Set<Integer> seen = new HashSet<>();
    pending.add(writerOutput);
    int filled = 0;
    while (!pending.isEmpty()) {
      Transformation<?> t = pending.poll();
      if (!seen.add(t.getId())) {
        continue;
      }
      if (t instanceof PartitionTransformation<?> exchange && exchange.getPartitioner() == null) {
        try {
          partitioner.set(exchange, new RebalancePartitioner<>());
          filled++;
        } catch (IllegalAccessException e) {
          throw new IllegalStateException(
              "Cannot work around FLINK-37870 on Flink "
                  + EnvironmentInformation.getVersion()
                  + ": upgrade Flink to 1.20.2+ or 2.0.1+",
              e);
        }
      }
      pending.addAll(t.getInputs());
    }
    if (filled > 0) {
      LOG.debug("Gave {} unspecified upstream exchanges a partitioner (FLINK-37870)", filled);
    }
    return filled;
  }

  private static Field partitionerField() {
    try {
      Field f = PartitionTransformation.class.getDeclaredField("partitioner");
      f.setAccessible(true);
      return f;
    } catch (ReflectiveOperationException | RuntimeException e) {
      throw new IllegalStateException(
          "Cannot work around FLINK-37870 on Flink "
              + EnvironmentInformation.getVersion()
              + ": upgrade Flink to 1.20.2+ or 2.0.1+",
          e);
    }
  }
}
