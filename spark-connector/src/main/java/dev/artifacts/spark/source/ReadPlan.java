package dev.artifacts.spark.source;

import dev.artifacts.common.ArtifactException;
import dev.artifacts.common.manifest.Manifest;
import dev.artifacts.common.manifest.ManifestEntry;
import dev.artifacts.common.options.ArtifactOptions;
import dev.artifacts.common.registry.ArtifactRegistry;
import dev.artifacts.common.registry.ArtifactVersion;
import dev.artifacts.common.registry.EntryFiles;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.connector.expressions.Expressions;
import org.apache.spark.sql.connector.expressions.Transform;
import org.apache.spark.sql.execution.datasources.FileFormat;
import org.apache.spark.sql.execution.datasources.PartitionPath;
import org.apache.spark.sql.execution.datasources.PartitionSpec;
import org.apache.spark.sql.execution.datasources.PartitioningUtils$;
import org.apache.spark.sql.execution.datasources.csv.CSVFileFormat;
import org.apache.spark.sql.execution.datasources.json.JsonFileFormat;
import org.apache.spark.sql.execution.datasources.orc.OrcFileFormat;
import org.apache.spark.sql.execution.datasources.parquet.ParquetFileFormat;
import org.apache.spark.sql.execution.datasources.text.TextFileFormat;
import org.apache.spark.sql.internal.SQLConf;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import scala.Option;
import scala.collection.JavaConverters;

/**
 * What a read of one pinned version needs, computed once on the driver from its manifest: the file
 * format, the data and partition schemas, and the data files grouped by logical partition directory
 * with their <em>physical</em> locations (content-addressed objects for stored entries, the
 * referenced URI for references, {@code s3://} read through {@code s3a://}).
 *
 * <p>Where the write side recorded {@code spark.format}, {@code spark.schema} and {@code
 * spark.partitionColumns} in the version's commit properties they are used; otherwise the format
 * comes from the entries' file extensions, the data schema from Spark's own inference for that
 * format over the physical files, and partition columns and types from {@code col=value/} logical
 * paths with Spark's partition parsing and type inference.
 *
 * <p>Which entries are data files and where their bytes are is {@link EntryFiles}' rule, the one
 * Flink's split planning applies too.
 */
final class ReadPlan {
  /** Commit property keys the Spark write path stores with each version. */
  static final String SCHEMA_PROPERTY = SparkCommitProperties.SCHEMA;

  static final String PARTITION_COLUMNS_PROPERTY = SparkCommitProperties.PARTITION_COLUMNS;
  static final String FORMAT_PROPERTY = SparkCommitProperties.FORMAT;

  private static final Set<String> LINE_FORMATS = Set.of("csv", "json", "text");
  private static final long BLOCK_SIZE = 128L << 20;

  /** One data file: where it is in the artifact and where its bytes are. */
  record DataFile(
      String logicalPath, String physicalUri, String digest, long size, boolean reference)
      implements Serializable {}

  /** The files of one logical partition directory. */
  record Partition(Path logicalDir, InternalRow values, List<DataFile> files) {}

  private final ArtifactVersion version;
  private final String format;
  private final StructType dataSchema;
  private final StructType partitionSchema;
  private final List<Partition> partitions;
  private final Path root;
  private final boolean verified;

  private ReadPlan(
      ArtifactVersion version,
      String format,
      StructType dataSchema,
      StructType partitionSchema,
      List<Partition> partitions,
      Path root,
      boolean verified) {
    this.version = version;
    this.format = format;
    this.dataSchema = dataSchema;
    this.partitionSchema = partitionSchema;
    this.partitions = List.copyOf(partitions);
    this.root = root;
    this.verified = verified;
  }

  /** Whether the files were re-hashed when this plan was made ({@code verify=true}). */
  boolean verified() {
    return verified;
  }

  ArtifactVersion version() {
    return version;
  }

  String format() {
    return format;
  }

  StructType dataSchema() {
    return dataSchema;
  }

  StructType partitionSchema() {
    return partitionSchema;
  }

  /** Data columns then partition columns, the order Spark's file sources use. */
  StructType schema() {
    List<StructField> fields = new ArrayList<>(List.of(dataSchema.fields()));
    fields.addAll(List.of(partitionSchema.fields()));
    return new StructType(fields.toArray(new StructField[0]));
  }

  Transform[] partitioning() {
    return java.util.Arrays.stream(partitionSchema.fieldNames())
        .map(Expressions::identity)
        .toArray(Transform[]::new);
  }

  List<Partition> partitions() {
    return partitions;
  }

  List<DataFile> files() {
    return partitions.stream().flatMap(p -> p.files().stream()).toList();
  }

  /** A synthetic, never opened root ({@code artifact:/entity/project/name/vN}) for plan output. */
  Path root() {
    return root;
  }

  static FileStatus status(DataFile f, long modificationTime) {
    return new FileStatus(
        f.size(), false, 1, BLOCK_SIZE, modificationTime, new Path(f.physicalUri()));
  }

  FileStatus[] statuses(Partition p) {
    long time = version.createdAt().toEpochMilli();
    return p.files().stream().map(f -> status(f, time)).toArray(FileStatus[]::new);
  }

  // ---- planning ------------------------------------------------------------------------------

  /**
   * Plans a read of {@code version}.
   *
   * @param userSchema a schema the caller fixed (catalog or {@code .schema(...)}), or null
   */
  static ReadPlan plan(
      SparkSession session,
      ArtifactRegistry registry,
      ArtifactVersion version,
      Map<String, String> options,
      StructType userSchema) {
    Manifest manifest = registry.manifest(version);
    List<ManifestEntry> data = EntryFiles.dataEntries(manifest.entries());
    Map<String, String> props = version.commitProperties();
    String format =
        EntryFiles.format(
            options.get(ArtifactOptions.FORMAT), props.get(FORMAT_PROPERTY), data, version.path());
    StructType declared = userSchema;
    if (declared == null && props.get(SCHEMA_PROPERTY) != null) {
      declared = parseSchema(props.get(SCHEMA_PROPERTY), version);
    }

    Path root =
        new Path(
            "artifact",
            null,
            "/"
                + version.entity()
                + "/"
                + version.project()
                + "/"
                + version.collection()
                + "/"
                + version.version());

    Map<Path, List<DataFile>> byDir = new LinkedHashMap<>();
    for (ManifestEntry e : data) {
      if (LINE_FORMATS.contains(format)) {
        EntryFiles.checkCodec(version, e, "Spark's " + format + " reader");
      }
      DataFile f = physical(EntryFiles.locate(registry, version, e), session);
      int slash = e.path().lastIndexOf('/');
      Path dir =
          slash < 0 ? root : new Path(root, new Path(null, null, e.path().substring(0, slash)));
      byDir.computeIfAbsent(dir, d -> new ArrayList<>()).add(f);
    }

    SQLConf conf = session.sessionState().conf();
    PartitionSpec spec;
    try {
      spec =
          PartitioningUtils$.MODULE$.parsePartitions(
              JavaConverters.asScalaBuffer(new ArrayList<>(byDir.keySet())).toSeq(),
              conf.partitionColumnTypeInferenceEnabled(),
              JavaConverters.asScalaSet(Set.of(root)).toSet(),
              Option.apply(declared),
              conf.caseSensitiveAnalysis(),
              conf.validatePartitionColumns(),
              conf.sessionLocalTimeZone());
    } catch (AssertionError | RuntimeException e) {
      throw new ArtifactException.InvalidInput(
          "Cannot read "
              + version.path()
              + ": its logical paths are not a consistent col=value/ partition layout ("
              + e.getMessage()
              + ")");
    }
    StructType partitionSchema = spec.partitionColumns();
    List<String> declaredPartitions =
        props.get(PARTITION_COLUMNS_PROPERTY) == null
            ? null
            : SparkCommitProperties.partitionColumns(version);
    checkDeclaredPartitionColumns(declaredPartitions, partitionSchema, data, version);
    if (data.isEmpty() && declared != null && declaredPartitions != null) {
      partitionSchema = select(declared, declaredPartitions, version);
    }

    List<Partition> partitions = new ArrayList<>();
    if (partitionSchema.isEmpty()) {
      partitions.add(
          new Partition(
              root, InternalRow.empty(), byDir.values().stream().flatMap(List::stream).toList()));
    } else {
      Map<Path, InternalRow> values = new LinkedHashMap<>();
      for (PartitionPath p : JavaConverters.seqAsJavaList(spec.partitions())) {
        values.put(p.path(), p.values());
      }
      for (Map.Entry<Path, List<DataFile>> dir : byDir.entrySet()) {
        InternalRow row = values.get(dir.getKey());
        if (row == null) {
          throw new ArtifactException.InvalidInput(
              "Cannot read "
                  + version.path()
                  + ": entry '"
                  + dir.getValue().get(0).logicalPath()
                  + "' is outside the partition directories ("
                  + String.join(", ", partitionSchema.fieldNames())
                  + "=…/); remove it or read with a format whose files are all partitioned");
        }
        partitions.add(new Partition(dir.getKey(), row, dir.getValue()));
      }
    }

    ReadPlan unverified =
        new ReadPlan(version, format, new StructType(), partitionSchema, partitions, root, false);
    boolean verify =
        ArtifactOptions.bool(
            ArtifactOptions.VERIFY, options.get(ArtifactOptions.VERIFY), false, version.path());
    if (verify) {
      // Before schema inference, which already opens files.
      EntryVerifier.verify(session, unverified);
    }

    StructType dataSchema;
    if (declared != null) {
      dataSchema = without(declared, partitionSchema, conf.caseSensitiveAnalysis());
    } else if (data.isEmpty()) {
      throw new ArtifactException.InvalidInput(
          "Cannot read "
              + version.path()
              + ": it has no data files and no recorded schema to infer one from");
    } else {
      long time = version.createdAt().toEpochMilli();
      List<FileStatus> all = new ArrayList<>();
      partitions.forEach(p -> p.files().forEach(f -> all.add(status(f, time))));
      Option<StructType> inferred =
          fileFormat(format)
              .inferSchema(session, scalaMap(options), JavaConverters.asScalaBuffer(all).toSeq());
      if (inferred.isEmpty()) {
        throw new ArtifactException.InvalidInput(
            "Cannot read "
                + version.path()
                + ": Spark could not infer a schema from its "
                + format
                + " files; pass .option(\"schema\", \"col TYPE, ...\") or write it with the artifact format");
      }
      dataSchema = without(inferred.get(), partitionSchema, conf.caseSensitiveAnalysis());
    }
    return new ReadPlan(version, format, dataSchema, partitionSchema, partitions, root, verify);
  }

  static FileFormat fileFormat(String format) {
    return switch (format) {
      case "parquet" -> new ParquetFileFormat();
      case "csv" -> new CSVFileFormat();
      case "json" -> new JsonFileFormat();
      case "orc" -> new OrcFileFormat();
      case "text" -> new TextFileFormat();
      default -> throw new IllegalArgumentException("Unsupported format " + format);
    };
  }

  static scala.collection.immutable.Map<String, String> scalaMap(Map<String, String> map) {
    return scala.collection.immutable.Map$.MODULE$
        .<String, String>empty()
        .$plus$plus(JavaConverters.mapAsScalaMap(map));
  }

  /** The data file at the physical location; {@code s3://} references are read through S3A. */
  private static DataFile physical(EntryFiles.PhysicalFile file, SparkSession session) {
    ManifestEntry e = file.entry();
    URI uri = file.isReference() ? file.hadoopUri() : file.uri();
    return new DataFile(
        e.path(), uri.toString(), e.digest(), sizeOf(e, uri, session), file.isReference());
  }

  /** The manifest size when known; W&amp;B omits it for some references, so stat those. */
  private static long sizeOf(ManifestEntry e, URI location, SparkSession session) {
    if (e.size() != null) {
      return e.size();
    }
    try {
      Path p = new Path(location);
      return p.getFileSystem(session.sessionState().newHadoopConf()).getFileStatus(p).getLen();
    } catch (IOException ex) {
      throw new UncheckedIOException("Cannot stat " + location + " (entry '" + e.path() + "')", ex);
    }
  }

  private static void checkDeclaredPartitionColumns(
      List<String> want, StructType parsed, List<ManifestEntry> data, ArtifactVersion version) {
    if (want == null || data.isEmpty()) {
      return;
    }
    List<String> have = List.of(parsed.fieldNames());
    if (!want.stream()
        .map(s -> s.toLowerCase(Locale.ROOT))
        .toList()
        .equals(have.stream().map(s -> s.toLowerCase(Locale.ROOT)).toList())) {
      throw new ArtifactException.Corrupted(
          "Cannot read "
              + version.path()
              + ": its commit records partition columns "
              + want
              + " but its paths have "
              + have);
    }
  }

  private static StructType parseSchema(String json, ArtifactVersion version) {
    try {
      DataType type = DataType.fromJson(json);
      if (type instanceof StructType struct) {
        return struct;
      }
    } catch (RuntimeException e) {
      // Reported below with the artifact name.
    }
    throw new ArtifactException.Corrupted(
        "Cannot read "
            + version.path()
            + ": commit property "
            + SCHEMA_PROPERTY
            + " is not a Spark schema: "
            + json);
  }

  private static StructType select(StructType schema, List<String> names, ArtifactVersion version) {
    List<StructField> out = new ArrayList<>();
    for (String n : names) {
      StructField f =
          java.util.Arrays.stream(schema.fields())
              .filter(x -> x.name().equalsIgnoreCase(n))
              .findFirst()
              .orElseThrow(
                  () ->
                      new ArtifactException.Corrupted(
                          "Cannot read "
                              + version.path()
                              + ": partition column '"
                              + n
                              + "' is not in its schema"));
      out.add(f);
    }
    return new StructType(out.toArray(new StructField[0]));
  }

  private static StructType without(StructType schema, StructType remove, boolean caseSensitive) {
    Set<String> names = new LinkedHashSet<>();
    for (String n : remove.fieldNames()) {
      names.add(caseSensitive ? n : n.toLowerCase(Locale.ROOT));
    }
    return new StructType(
        java.util.Arrays.stream(schema.fields())
            .filter(
                f -> !names.contains(caseSensitive ? f.name() : f.name().toLowerCase(Locale.ROOT)))
            .toArray(StructField[]::new));
  }
}
