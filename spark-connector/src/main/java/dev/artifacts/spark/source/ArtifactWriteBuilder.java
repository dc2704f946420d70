package dev.artifacts.spark.source;

import org.apache.spark.sql.connector.write.LogicalWriteInfo;
import org.apache.spark.sql.connector.write.SupportsDynamicOverwrite;
import org.apache.spark.sql.connector.write.SupportsTruncate;
import org.apache.spark.sql.connector.write.Write;
import org.apache.spark.sql.connector.write.WriteBuilder;

/**
 * Chooses what the new version holds: the latest version plus the written files (append, the
 * default), exactly the written files ({@link #truncate}, and every create/replace-as-select), or
 * the latest version with the written partitions replaced ({@link #overwriteDynamicPartitions}).
 */
final class ArtifactWriteBuilder implements SupportsTruncate, SupportsDynamicOverwrite {
  /** What the committed version holds. */
  enum Mode {
    /** Exactly the written files. */
    REPLACE,
    /** The latest version at commit time plus the written files. */
    APPEND,
    /** The latest version at commit time with the written partitions replaced. */
    DYNAMIC_OVERWRITE
  }

  private final WriteTarget target;
  private final LogicalWriteInfo info;
  private final java.util.function.Consumer<dev.artifacts.common.registry.ArtifactVersion> onCommit;
  private Mode mode;

  /**
   * @param onCommit told the version the write committed (the table reports it to lineage listeners
   *     as the output's version)
   */
  ArtifactWriteBuilder(
      WriteTarget target,
      LogicalWriteInfo info,
      Mode mode,
      java.util.function.Consumer<dev.artifacts.common.registry.ArtifactVersion> onCommit) {
    this.target = target;
    this.info = info;
    this.mode = mode;
    this.onCommit = java.util.Objects.requireNonNull(onCommit, "onCommit is null");
  }

  /**
   * Replaces the collection, or only the written partitions when the write asks for {@code
   * partitionOverwriteMode=dynamic} (option or session conf) on an existing partitioned collection:
   * {@code df.write().mode(Overwrite).save(path)} always arrives here as a truncate, because Spark
   * plans path-based overwrites that way whatever the mode.
   */
  @Override
  public WriteBuilder truncate() {
    boolean dynamic =
        target.latest() != null
            && !target.partitionColumns().isEmpty()
            && WriteOptions.parse(
                    target.collection(),
                    info.options().asCaseSensitiveMap(),
                    org.apache.spark.sql.SparkSession.active())
                .dynamicOverwrite();
    mode = dynamic ? Mode.DYNAMIC_OVERWRITE : Mode.REPLACE;
    return this;
  }

  @Override
  public WriteBuilder overwriteDynamicPartitions() {
    mode = Mode.DYNAMIC_OVERWRITE;
    return this;
  }

  @Override
  public Write build() {
    return new ArtifactWrite(target, info, mode, onCommit);
  }
}
