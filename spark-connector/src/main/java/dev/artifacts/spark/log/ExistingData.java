package dev.artifacts.spark.log;

import dev.artifacts.common.ArtifactException;
import dev.artifacts.common.concurrent.Parallel;
import dev.artifacts.common.name.ArtifactPath;
import dev.artifacts.common.options.ArtifactOptions;
import dev.artifacts.common.reference.FileUris;
import dev.artifacts.common.registry.ArtifactDraft;
import dev.artifacts.common.registry.ArtifactRegistry;
import dev.artifacts.common.registry.CommitResult;
import dev.artifacts.spark.source.CommittedVersions;
import dev.artifacts.spark.source.RunInfos;
import dev.artifacts.spark.source.SparkRegistries;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.util.SerializableConfiguration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs data that already exists (a directory or bucket prefix) as one artifact version, with the
 * work spread over the executors: the driver lists the top level of the source; its subdirectories
 * are listed recursively by a driver thread pool when few, by a Spark job when many; executors then
 * hash the files (copying them into the registry, or referencing them in place) and send back
 * manifest entries; the driver commits one version. The hashing and the commit run as one Spark SQL
 * query ({@link SourceFiles} appended to {@link LogFiles}), so lineage listeners such as
 * OpenLineage's see the source location as its input and the logged version as its output.
 *
 * <p>Entries keep every file, as W&amp;B's {@code add_dir} does (including {@code _SUCCESS}
 * markers); their paths are relative to the source. With {@code storage=reference}, digests follow
 * W&amp;B's rule for the scheme: the ETag for {@code s3a://} and {@code s3://} (written as {@code
 * s3://}), content MD5 for {@code file:} and other Hadoop filesystems.
 */
public final class ExistingData {
  private static final Logger LOG = LoggerFactory.getLogger(ExistingData.class);

  /** Listing waits on the filesystem, not the CPU: more threads than cores pay off. */
  private static final int LISTING_THREADS = 8;

  private ExistingData() {}

  /**
   * Logs every file under {@code source} as a new version of {@code artifact}.
   *
   * @param artifact {@code entity/project/name} (no alias)
   * @param options keys from {@link ArtifactOptions}: registry, type, aliases, tags, description,
   *     metadata, storage ({@code files} or {@code reference}), run
   */
  public static CommitResult log(
      SparkSession spark, String source, String artifact, Map<String, String> options) {
    ArtifactPath path = ArtifactPath.parse(artifact);
    if (path.alias() != null) {
      throw new ArtifactException.InvalidInput(
          "Invalid artifact '"
              + artifact
              + "': name the collection without ':"
              + path.alias()
              + "'");
    }
    ArtifactOptions.Storage storage =
        ArtifactOptions.Storage.parse(options.get(ArtifactOptions.STORAGE), path);
    String registryUri = SparkRegistries.uri(options, spark);
    ArtifactRegistry registry = SparkRegistries.open(registryUri, spark);
    // Labels and the collection's type are checked before anything is listed or hashed.
    newDraft(spark, registry, path, options);
    requireExists(hadoopPath(source), spark, path);

    long start = System.nanoTime();
    String writeId = CommittedVersions.newWriteId();
    Map<String, String> query = new LinkedHashMap<>(options);
    query.put(ArtifactOptions.STORAGE, storage.name().toLowerCase(java.util.Locale.ROOT));
    query.put(ArtifactOptions.REGISTRY, registryUri);
    query.put(SOURCE_OPTION, source);
    query.put(ARTIFACT_OPTION, path.toString());
    query.put(CommittedVersions.WRITE_ID_OPTION, writeId);
    // A SQL query (source files appended to the artifact) rather than an RDD job, so that lineage
    // listeners see its plan: OpenLineage names the source location as the input and the committed
    // version as the output. Both tables are built by Spark from these options alone.
    spark
        .read()
        .format(SourceFiles.class.getName())
        .options(query)
        .load()
        .write()
        .format(LogFiles.class.getName())
        .options(query)
        .mode(SaveMode.Append)
        .save();
    CommitResult result =
        CommittedVersions.find(registry, path, writeId)
            .map(v -> new CommitResult(v, true))
            // No version carries this write: the files equal the latest version's (deduplicated).
            .or(() -> registry.find(path).map(v -> new CommitResult(v, false)))
            .orElseThrow(
                () ->
                    new IllegalStateException(
                        "Cannot log "
                            + source
                            + " as "
                            + path
                            + ": the logging query committed no version"));
    LOG.info(
        "Logged {} as {} ({} files, {}) in {} ms",
        source,
        result.version(),
        result.version().fileCount(),
        storage == ArtifactOptions.Storage.REFERENCE ? "referenced" : "copied",
        (System.nanoTime() - start) / 1_000_000);
    return result;
  }

  /** Internal option of both tables: the location to log, as the caller gave it. */
  static final String SOURCE_OPTION = "__artifact_log_source";

  /** Internal option of both tables: the collection to log into. */
  static final String ARTIFACT_OPTION = "__artifact_log_collection";

  /** The draft of one logging operation, labelled from the caller's options. */
  static ArtifactDraft newDraft(
      SparkSession spark,
      ArtifactRegistry registry,
      ArtifactPath path,
      Map<String, String> options) {
    ArtifactDraft draft =
        registry.newDraft(
            path, options.getOrDefault(ArtifactOptions.TYPE, ArtifactOptions.DEFAULT_TYPE));
    return draft
        .aliases(ArtifactOptions.list(options.get(ArtifactOptions.ALIASES)))
        .tags(ArtifactOptions.list(options.get(ArtifactOptions.TAGS)))
        .metadata(ArtifactOptions.metadata(options.get(ArtifactOptions.METADATA), path))
        .description(options.get(ArtifactOptions.DESCRIPTION))
        .run(RunInfos.current(spark, options.get(ArtifactOptions.RUN)));
  }

  private static void requireExists(Path root, SparkSession spark, ArtifactPath artifact) {
    try {
      root.getFileSystem(spark.sessionState().newHadoopConf()).getFileStatus(root);
    } catch (java.io.FileNotFoundException e) {
      throw new ArtifactException.NotFound(
          "Cannot log " + root + " as " + artifact + ": it does not exist");
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot list " + root + " for " + artifact, e);
    }
  }

  /**
   * The files under {@code source}, balanced by size into one slice per task, so no core waits on
   * an unlucky listing partition at the end. Runs on the driver when {@link SourceFiles} plans its
   * partitions.
   */
  static List<FileBatch> slices(SparkSession spark, String source, ArtifactPath artifact) {
    SerializableConfiguration conf =
        new SerializableConfiguration(spark.sessionState().newHadoopConf());
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    int parallelism = Math.max(2, jsc.defaultParallelism());
    Listing listing = listTop(hadoopPath(source), conf, artifact);
    // Broadcast, as Spark's file scans do: serialized once, and deserialized once per executor
    // instead of once per task (a Hadoop configuration is about 100 KB of properties).
    Broadcast<SerializableConfiguration> sharedConf = jsc.broadcast(conf);
    try {
      int threshold = spark.sessionState().conf().parallelPartitionDiscoveryThreshold();
      List<ListedFile> all = listAll(jsc, listing, parallelism, threshold, sharedConf, artifact);
      return HashSlices.balance(all, jsc.defaultParallelism()).stream().map(FileBatch::of).toList();
    } finally {
      // Not blocking: executors drop their copies when they get to it.
      sharedConf.destroy();
    }
  }

  /** {@code s3://} is listed through S3A, as the rest of the project does. */
  static Path hadoopPath(String source) {
    URI uri = URI.create(source);
    if ("s3".equals(uri.getScheme())) {
      return new Path("s3a" + source.substring(2));
    }
    return new Path(source);
  }

  /**
   * The URI prefix refs are written with: {@code s3a://} becomes {@code s3://} and a plain local
   * path becomes a {@code file://} URI encoded as Python's {@code as_uri()} does, as in W&amp;B.
   */
  static String rootUri(String source) {
    String s = source.endsWith("/") ? source.substring(0, source.length() - 1) : source;
    if (URI.create(s.replace(" ", "%20")).getScheme() == null) {
      return FileUris.pythonUri(java.nio.file.Path.of(s).toAbsolutePath().normalize().toString());
    }
    return s.startsWith("s3a://") ? "s3://" + s.substring("s3a://".length()) : s;
  }

  private record Listing(List<ListedFile> files, List<String> directories) {}

  /**
   * Every file under the source. As Spark's own file index does, a few subdirectories are listed on
   * the driver by a thread pool (a Spark job costs more than listing them); more than {@code
   * spark.sql.sources.parallelPartitionDiscovery.threshold} are listed by a Spark job. Either way
   * the list comes back to the driver (the entries do anyway) and is then re-sliced evenly, so
   * every core hashes until the end instead of waiting on an unlucky listing partition.
   */
  private static List<ListedFile> listAll(
      JavaSparkContext jsc,
      Listing listing,
      int parallelism,
      int threshold,
      Broadcast<SerializableConfiguration> sharedConf,
      ArtifactPath artifact) {
    List<ListedFile> all = new ArrayList<>(listing.files());
    List<String> dirs = listing.directories();
    if (dirs.isEmpty()) {
      return all;
    }
    if (dirs.size() <= threshold) {
      SerializableConfiguration conf = sharedConf.value();
      try {
        for (List<ListedFile> files :
            Parallel.map(
                dirs, LISTING_THREADS, "artifact-list", d -> FileTasks.listRecursively(d, conf))) {
          all.addAll(files);
        }
      } catch (IOException e) {
        throw new UncheckedIOException("Cannot list the files to log as " + artifact, e);
      }
      return all;
    }
    for (FileBatch listed :
        jsc.parallelize(dirs, Math.min(dirs.size(), parallelism * 4))
            .mapPartitions(
                partition -> {
                  List<ListedFile> files = new ArrayList<>();
                  while (partition.hasNext()) {
                    files.addAll(FileTasks.listRecursively(partition.next(), sharedConf.value()));
                  }
                  return List.of(FileBatch.of(files)).iterator();
                })
            .collect()) {
      all.addAll(listed.files());
    }
    return all;
  }

  /** One non-recursive listing on the driver; everything deeper is listed by tasks. */
  private static Listing listTop(Path root, SerializableConfiguration conf, ArtifactPath artifact) {
    try {
      FileSystem fs = root.getFileSystem(conf.value());
      FileStatus status = fs.getFileStatus(root);
      List<ListedFile> files = new ArrayList<>();
      List<String> dirs = new ArrayList<>();
      if (status.isFile()) {
        files.add(new ListedFile(status.getPath().toString(), status.getLen()));
      } else {
        for (FileStatus s : fs.listStatus(root)) {
          if (s.isDirectory()) {
            dirs.add(s.getPath().toString());
          } else {
            files.add(new ListedFile(s.getPath().toString(), s.getLen()));
          }
        }
      }
      return new Listing(files, dirs);
    } catch (java.io.FileNotFoundException e) {
      throw new ArtifactException.NotFound(
          "Cannot log " + root + " as " + artifact + ": it does not exist");
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot list " + root + " for " + artifact, e);
    }
  }
}
