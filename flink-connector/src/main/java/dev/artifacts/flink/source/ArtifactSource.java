package dev.artifacts.flink.source;

import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.source.Boundedness;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.api.connector.source.SourceReader;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.api.connector.source.SplitEnumerator;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;
import org.apache.flink.api.java.typeutils.ResultTypeQueryable;
import org.apache.flink.connector.file.src.FileSourceSplit;
import org.apache.flink.connector.file.src.impl.FileSourceReader;
import org.apache.flink.connector.file.src.impl.StreamFormatAdapter;
import org.apache.flink.connector.file.src.reader.BulkFormat;
import org.apache.flink.connector.file.src.reader.StreamFormat;
import org.apache.flink.core.io.SimpleVersionedSerializer;

/**
 * A FLIP-27 source that reads the files of a W&amp;B-style artifact version with Flink's file
 * formats ({@link StreamFormat}s such as {@code TextLineInputFormat}, {@link BulkFormat}s such as
 * Parquet's):
 *
 * <pre>{@code
 * ArtifactSource<String> source =
 *     ArtifactSource.forRecordStreamFormat(new TextLineInputFormat())
 *         .setRegistry("s3a://bucket/registry")
 *         .setArtifact("acme/etl/events:prod")
 *         .monitorContinuously(Duration.ofSeconds(10)) // optional
 *         .build();
 * env.fromSource(source, WatermarkStrategy.noWatermarks(), "events");
 * }</pre>
 *
 * <h2>Topology</h2>
 *
 * <pre>
 *  ArtifactSplitEnumerator (JobManager)     resolves the alias once, reads the manifest, plans one
 *        │  ArtifactSourceSplit             split per file (byte ranges for large files of
 *        │  (on request, one at a time)     splittable formats); continuous: polls the alias
 *        ▼
 *  FileSourceReader (parallelism p)         Flink's file source reader with the given format,
 *                                           reading the stored body or the referenced object
 * </pre>
 *
 * <h2>Guarantees</h2>
 *
 * <ul>
 *   <li><b>Bounded</b> (default): reads exactly the files of one version, resolved once when the
 *       job starts: {@code name:vN}, {@code name:alias}, or {@code latest} when no alias is given.
 *       The resolved version is checkpointed, so a restored job keeps reading that version even if
 *       the alias has moved since.
 *   <li><b>Continuous</b> ({@link ArtifactSourceBuilder#monitorContinuously}): reads the version
 *       the alias points at first, then every monitor interval checks the alias again and, when it
 *       points at another version, reads only the entries whose path and digest were not in the
 *       last version read (new files, and files rewritten with other content). Removed files are
 *       not retracted. Versions committed and superseded between two checks are not read on their
 *       own: their new files are read if the newer version still has them.
 *   <li><b>Exactly once</b> with checkpointing: the enumerator checkpoints the last version read
 *       and the splits not yet assigned; readers checkpoint their position in their splits (Flink's
 *       file source reader), so a restore neither loses nor repeats records.
 *   <li><b>Lineage</b>: each version read is recorded as used by the job's run (job ID, and the job
 *       name or {@link ArtifactSourceBuilder#setRunName}).
 * </ul>
 *
 * <p>The enumerator keeps the path and digest of every entry of the last version read in memory
 * (about 100 bytes per entry) and checkpoints only the version number and the unassigned splits;
 * after a restore it reads that version's manifest again. Its metric group has {@code
 * versionsRead}, {@code splitsAssigned} and {@code lastVersionRead}; the readers report Flink's
 * usual source reader metrics.
 *
 * <h2>Where bytes are read</h2>
 *
 * <p>Stored entries are read from the registry's content store ({@code objects/md5/..} under the
 * registry root), reference entries from their URI, both through Flink's file systems: {@code
 * file://} and {@code hdfs://} work out of the box (HDFS with Hadoop on the classpath), {@code
 * s3://} and {@code s3a://} need the {@code flink-s3-fs-hadoop} (or presto) plugin, {@code gs://}
 * the {@code flink-gs-fs-hadoop} plugin. A reference is read as the object is now: an S3 {@code
 * versionID} recorded in the manifest is not used. On the W&amp;B server backend, stored entries
 * are read through {@code wandbbody:} URIs ({@link
 * dev.artifacts.common.registry.ArtifactRegistry#location}): the task reading a split downloads the
 * body into its machine's W&amp;B cache, with {@code WANDB_API_KEY} (or {@code ~/.netrc}) from the
 * task manager's environment. References to other artifacts ({@code wandb-artifact://}) and
 * compressed text files stored by digest fail with an error naming the artifact (stream formats
 * pick the codec from the file name, and a stored body's name is its digest).
 *
 * @param <T> the type of records the format produces
 */
@PublicEvolving
public final class ArtifactSource<T>
    implements Source<T, ArtifactSourceSplit, ArtifactEnumeratorState>,
        ResultTypeQueryable<T>,
        org.apache.flink.streaming.api.lineage.LineageVertexProvider {
  private static final long serialVersionUID = 1L;

  private final SourceConfig<T> config;

  ArtifactSource(SourceConfig<T> config) {
    this.config = config;
  }

  /** A builder of a source reading files with a bulk format (Parquet, ORC, ...). */
  public static <T> ArtifactSourceBuilder<T> forBulkFormat(BulkFormat<T, FileSourceSplit> format) {
    return new ArtifactSourceBuilder<>(format, false);
  }

  /** A builder of a source reading files record by record (text lines, CSV, ...). */
  public static <T> ArtifactSourceBuilder<T> forRecordStreamFormat(StreamFormat<T> format) {
    return new ArtifactSourceBuilder<>(new StreamFormatAdapter<>(format), true);
  }

  @Override
  public Boundedness getBoundedness() {
    return config.continuous() ? Boundedness.CONTINUOUS_UNBOUNDED : Boundedness.BOUNDED;
  }

  @Override
  public SourceReader<T, ArtifactSourceSplit> createReader(SourceReaderContext readerContext) {
    return new FileSourceReader<>(readerContext, readerFormat(), readerContext.getConfiguration());
  }

  /**
   * The format as a reader of {@link ArtifactSourceSplit}s. The split type is only ever passed in
   * to the format, so a format of any {@link FileSourceSplit} reads our subclass.
   */
  @SuppressWarnings({"unchecked", "rawtypes"})
  private BulkFormat<T, ArtifactSourceSplit> readerFormat() {
    return (BulkFormat) config.format();
  }

  @Override
  public SplitEnumerator<ArtifactSourceSplit, ArtifactEnumeratorState> createEnumerator(
      SplitEnumeratorContext<ArtifactSourceSplit> enumContext) {
    return new ArtifactSplitEnumerator(enumContext, config, ArtifactEnumeratorState.initial());
  }

  @Override
  public SplitEnumerator<ArtifactSourceSplit, ArtifactEnumeratorState> restoreEnumerator(
      SplitEnumeratorContext<ArtifactSourceSplit> enumContext, ArtifactEnumeratorState checkpoint) {
    return new ArtifactSplitEnumerator(enumContext, config, checkpoint);
  }

  @Override
  public SimpleVersionedSerializer<ArtifactSourceSplit> getSplitSerializer() {
    return ArtifactSourceSplitSerializer.INSTANCE;
  }

  @Override
  public SimpleVersionedSerializer<ArtifactEnumeratorState> getEnumeratorCheckpointSerializer() {
    return new ArtifactEnumeratorStateSerializer();
  }

  @Override
  public TypeInformation<T> getProducedType() {
    return config.format().getProducedType();
  }

  /**
   * The collection read, as a lineage dataset (see {@link dev.artifacts.flink.ArtifactLineage}):
   * lineage listeners see the artifact without knowing this connector.
   */
  @Override
  public org.apache.flink.streaming.api.lineage.SourceLineageVertex getLineageVertex() {
    return dev.artifacts.flink.ArtifactLineage.source(
        config.registryUri(), config.artifact(), getBoundedness());
  }

  SourceConfig<T> config() {
    return config;
  }
}
