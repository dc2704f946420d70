package dev.artifacts.spark.source;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.execution.datasources.NoopCache$;
import org.apache.spark.sql.execution.datasources.PartitionPath;
import org.apache.spark.sql.execution.datasources.PartitionSpec;
import org.apache.spark.sql.execution.datasources.PartitioningAwareFileIndex;
import org.apache.spark.sql.types.StructType;
import scala.Option;
import scala.Tuple2;
import scala.collection.JavaConverters;
import scala.collection.Seq;
import scala.collection.mutable.LinkedHashMap;

/**
 * The listing Spark's file sources plan from, taken from a pinned version's manifest instead of a
 * directory walk (as Delta's {@code TahoeFileIndex} does with its log). Partitions are the
 * artifact's logical {@code col=value/} directories; their files are the <em>physical</em> paths
 * (content-addressed objects, referenced URIs), so Spark's readers open the bytes directly and
 * partition pruning, filter pushdown and vectorized Parquet work unchanged.
 *
 * <p>Pruning is Spark's own {@link PartitioningAwareFileIndex#listFiles}: it evaluates the
 * partition filters against {@link #partitionSpec()} and looks each surviving logical directory up
 * in {@link #leafDirToChildrenFiles()}, which maps it to physical files. Nothing is ever listed on
 * a file system, and {@link #refresh()} does nothing because a version never changes.
 *
 * <p>Coupled to Spark 3.5's internal {@code PartitioningAwareFileIndex} (constructor, the abstract
 * {@code leafFiles}/{@code leafDirToChildrenFiles}/{@code partitionSpec}, and {@code listFiles}'s
 * use of them); re-check on Spark upgrades.
 */
final class ArtifactFileIndex extends PartitioningAwareFileIndex {
  private final ReadPlan plan;
  private final PartitionSpec spec;
  private final scala.collection.immutable.Map<Path, FileStatus[]> byDir;
  private final List<FileStatus> all;

  ArtifactFileIndex(SparkSession session, ReadPlan plan, Map<String, String> options) {
    super(session, ReadPlan.scalaMap(options), Option.empty(), NoopCache$.MODULE$);
    this.plan = plan;
    List<PartitionPath> paths = new ArrayList<>();
    List<Tuple2<Path, FileStatus[]>> dirs = new ArrayList<>();
    List<FileStatus> files = new ArrayList<>();
    for (ReadPlan.Partition p : plan.partitions()) {
      FileStatus[] statuses = plan.statuses(p);
      paths.add(new PartitionPath(p.values(), p.logicalDir()));
      dirs.add(Tuple2.apply(p.logicalDir(), statuses));
      files.addAll(List.of(statuses));
    }
    this.spec =
        new PartitionSpec(plan.partitionSchema(), JavaConverters.asScalaBuffer(paths).toSeq());
    this.byDir =
        scala.collection.immutable.Map$.MODULE$
            .<Path, FileStatus[]>empty()
            .$plus$plus(JavaConverters.asScalaBuffer(dirs));
    this.all = List.copyOf(files);
  }

  ReadPlan plan() {
    return plan;
  }

  @Override
  public PartitionSpec partitionSpec() {
    return spec;
  }

  @Override
  public StructType partitionSchema() {
    return plan.partitionSchema();
  }

  @Override
  public LinkedHashMap<Path, FileStatus> leafFiles() {
    LinkedHashMap<Path, FileStatus> map = new LinkedHashMap<>();
    for (FileStatus f : all) {
      map.put(f.getPath(), f);
    }
    return map;
  }

  @Override
  public scala.collection.immutable.Map<Path, FileStatus[]> leafDirToChildrenFiles() {
    return byDir;
  }

  /** Overridden because the base class resolves root paths on a file system. */
  @Override
  public Seq<FileStatus> allFiles() {
    return JavaConverters.asScalaBuffer(new ArrayList<>(all)).toSeq();
  }

  @Override
  public Seq<Path> rootPaths() {
    return JavaConverters.asScalaBuffer(List.of(plan.root())).toSeq();
  }

  @Override
  public void refresh() {
    // A pinned version is immutable: there is nothing to re-list.
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ArtifactFileIndex other
        && other.plan.version().id().equals(plan.version().id())
        && other.plan.format().equals(plan.format());
  }

  @Override
  public int hashCode() {
    return plan.version().id().hashCode();
  }
}
