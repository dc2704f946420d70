package dev.artifacts.spark.source;

import dev.artifacts.common.ArtifactException;
import dev.artifacts.common.name.ArtifactPath;
import dev.artifacts.common.options.ArtifactOptions;
import dev.artifacts.common.registry.ArtifactRegistry;
import dev.artifacts.common.registry.CollectionInfo;
import dev.artifacts.common.registry.UploadSession;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.apache.hadoop.mapreduce.Job;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.connector.distributions.Distribution;
import org.apache.spark.sql.connector.distributions.Distributions;
import org.apache.spark.sql.connector.expressions.Expressions;
import org.apache.spark.sql.connector.expressions.SortDirection;
import org.apache.spark.sql.connector.expressions.SortOrder;
import org.apache.spark.sql.connector.metric.CustomMetric;
import org.apache.spark.sql.connector.write.BatchWrite;
import org.apache.spark.sql.connector.write.LogicalWriteInfo;
import org.apache.spark.sql.connector.write.RequiresDistributionAndOrdering;
import org.apache.spark.sql.execution.datasources.DataSourceUtils;
import org.apache.spark.sql.execution.datasources.FileFormat;
import org.apache.spark.sql.execution.datasources.OutputWriterFactory;
import org.apache.spark.sql.execution.datasources.csv.CSVFileFormat;
import org.apache.spark.sql.execution.datasources.json.JsonFileFormat;
import org.apache.spark.sql.execution.datasources.orc.OrcFileFormat;
import org.apache.spark.sql.execution.datasources.parquet.ParquetFileFormat;
import org.apache.spark.sql.execution.datasources.text.TextFileFormat;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.util.SerializableConfiguration;
import scala.collection.JavaConverters;

/**
 * One logical write: options checked, partition columns resolved, the format writer prepared.
 *
 * <p>Rows are required to be sorted by the partition columns within each task, with no
 * redistribution: that is what Spark's own file writer does ({@code FileFormatWriter}), so a
 * partitioned write costs the same local sort as {@code format("parquet")}, no shuffle, and each
 * task keeps exactly one file open. Clustering by partition (a shuffle) would cut the number of
 * files but makes every write pay for an exchange; users who want it repartition themselves.
 */
final class ArtifactWrite implements RequiresDistributionAndOrdering {
  private final WriteTarget target;
  private final ArtifactWriteBuilder.Mode mode;
  private final WriteOptions options;
  private final Map<String, String> rawOptions;
  private final StructType schema;
  private final int[] partitionOrdinals;
  private final List<String> partitionColumns;
  private final String format;
  private final String queryId;
  private final java.util.function.Consumer<dev.artifacts.common.registry.ArtifactVersion> onCommit;

  ArtifactWrite(
      WriteTarget target,
      LogicalWriteInfo info,
      ArtifactWriteBuilder.Mode mode,
      java.util.function.Consumer<dev.artifacts.common.registry.ArtifactVersion> onCommit) {
    this.target = target;
    this.onCommit = onCommit;
    this.mode = mode;
    this.rawOptions = Map.copyOf(info.options().asCaseSensitiveMap());
    this.queryId = info.queryId();
    ArtifactPath collection = target.collection();
    SparkSession session = SparkSession.active();
    this.options = WriteOptions.parse(collection, rawOptions, session);
    this.schema = info.schema();

    List<String> names = Arrays.asList(schema.fieldNames());
    List<String> requested = target.partitionColumns();
    String overridden = rawOptions.get(ArtifactDataSource.PARTITION_COLUMNS_KEY);
    if (mode == ArtifactWriteBuilder.Mode.REPLACE && overridden != null) {
      // A save(Overwrite) replaces the collection with a new partitioning, like a V1 file source.
      requested =
          JavaConverters.seqAsJavaList(DataSourceUtils.decodePartitioningColumns(overridden));
    }
    partitionOrdinals = new int[requested.size()];
    List<String> resolved = new ArrayList<>();
    for (int i = 0; i < partitionOrdinals.length; i++) {
      String column = requested.get(i);
      int ordinal = indexOfIgnoreCase(names, column);
      if (ordinal < 0) {
        throw new ArtifactException.InvalidInput(
            "Cannot write "
                + collection
                + ": partition column '"
                + column
                + "' is not in the data (columns: "
                + String.join(", ", names)
                + ")");
      }
      partitionOrdinals[i] = ordinal;
      resolved.add(names.get(ordinal));
    }
    this.partitionColumns = List.copyOf(resolved);
    if (!names.isEmpty() && partitionOrdinals.length == names.size()) {
      throw new ArtifactException.InvalidInput(
          "Cannot write "
              + collection
              + ": every column is a partition column ("
              + String.join(", ", names)
              + "); keep at least one data column");
    }

    boolean onLatest = mode != ArtifactWriteBuilder.Mode.REPLACE && target.latest() != null;
    String existingFormat = onLatest ? target.existingFormat() : null;
    if (existingFormat != null
        && options.formatGiven()
        && !existingFormat.equals(options.format())) {
      throw ArtifactOptions.invalid(
          collection,
          ArtifactOptions.FORMAT,
          options.format(),
          "the latest version holds "
              + existingFormat
              + " files and one version cannot mix formats; write "
              + existingFormat
              + " or overwrite the collection");
    }
    // A replace without an explicit format keeps the collection's (INSERT OVERWRITE of a table
    // created with OPTIONS ('format' = 'csv') stays CSV); an explicit one may change it.
    String keptFormat =
        !options.formatGiven() && target.latest() != null ? target.existingFormat() : null;
    this.format =
        existingFormat != null
            ? existingFormat
            : keptFormat != null ? keptFormat : options.format();
    StructType existing = onLatest ? target.existingSchema() : null;
    if (existing != null && !sameColumns(existing, schema)) {
      throw new ArtifactException.InvalidInput(
          "Cannot "
              + (mode == ArtifactWriteBuilder.Mode.APPEND
                  ? "append to "
                  : "overwrite partitions of ")
              + collection
              + ": the data's columns "
              + schema.simpleString()
              + " differ from the latest version's "
              + existing.simpleString()
              + "; select the same columns or overwrite the collection");
    }
    checkType(session);
  }

  /** Fails now, not after the tasks ran, if the collection exists with another type. */
  private void checkType(SparkSession session) {
    if (options.type() == null) {
      return;
    }
    Optional<CollectionInfo> existing =
        SparkRegistries.open(target.registryUri(), session).collection(target.collection());
    if (existing.isPresent() && !existing.get().type().equals(options.type())) {
      throw ArtifactOptions.invalid(
          target.collection(),
          ArtifactOptions.TYPE,
          options.type(),
          "the collection has type '"
              + existing.get().type()
              + "'; use type '"
              + existing.get().type()
              + "' or another name");
    }
  }

  @Override
  public String description() {
    return "ArtifactWrite(" + target.collection() + ", " + mode + ", " + format + ")";
  }

  @Override
  public Distribution requiredDistribution() {
    return Distributions.unspecified();
  }

  @Override
  public SortOrder[] requiredOrdering() {
    SortOrder[] ordering = new SortOrder[partitionColumns.size()];
    for (int i = 0; i < ordering.length; i++) {
      ordering[i] =
          Expressions.sort(Expressions.column(partitionColumns.get(i)), SortDirection.ASCENDING);
    }
    return ordering;
  }

  @Override
  public CustomMetric[] supportedCustomMetrics() {
    return WriteMetrics.supported();
  }

  @Override
  public BatchWrite toBatch() {
    SparkSession session = SparkSession.active();
    String operationId = UUID.randomUUID().toString().replace("-", "").substring(0, 16);
    StructType dataSchema = dataSchema();
    FileFormat fileFormat = fileFormat(format);
    DataSourceUtils.verifySchema(fileFormat, dataSchema);
    Job job;
    try {
      job = Job.getInstance(session.sessionState().newHadoopConf());
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot set up the write of " + target.collection(), e);
    }
    HashingFileSystem.install(job.getConfiguration());
    OutputWriterFactory outputs =
        fileFormat.prepareWrite(session, job, scalaMap(rawOptions), dataSchema);
    SparkRegistries.Handle handle = SparkRegistries.Handle.of(target.registryUri(), session);
    // Begun here, on the driver, before any task runs: tasks store (W&B: upload) their own bodies.
    UploadSession uploads =
        options.storage() == ArtifactOptions.Storage.FILES
            ? handle.open().beginUpload(target.collection(), writeType(handle.open()))
            : null;
    ArtifactDataWriterFactory factory =
        new ArtifactDataWriterFactory(
            handle,
            target.collection().entity(),
            target.collection().project(),
            operationId,
            schema,
            partitionOrdinals,
            dataSchema,
            outputs,
            new SerializableConfiguration(job.getConfiguration()),
            options.storage(),
            options.location(),
            mode == ArtifactWriteBuilder.Mode.APPEND,
            session.sessionState().conf().sessionLocalTimeZone(),
            uploads);
    return new ArtifactBatchWrite(
        handle,
        target,
        mode,
        options,
        factory,
        commitProperties(operationId),
        RunInfos.current(session, options.runName()),
        onCommit);
  }

  /** What the version records about this write; see {@link CommittedVersions#find}. */
  private Map<String, String> commitProperties(String operationId) {
    Map<String, String> properties =
        new java.util.HashMap<>(
            SparkCommitProperties.of(
                schema,
                partitionColumns,
                format,
                options.storage().name().toLowerCase(java.util.Locale.ROOT),
                operationId));
    properties.putAll(CommittedVersions.writeIdProperty(rawOptions));
    return properties;
  }

  /** The type the version gets: the option, else the collection's, else the default. */
  private String writeType(ArtifactRegistry registry) {
    if (options.type() != null) {
      return options.type();
    }
    return registry
        .collection(target.collection())
        .map(CollectionInfo::type)
        .orElse(ArtifactOptions.DEFAULT_TYPE);
  }

  private StructType dataSchema() {
    List<StructField> fields = new ArrayList<>();
    StructField[] all = schema.fields();
    outer:
    for (int i = 0; i < all.length; i++) {
      for (int p : partitionOrdinals) {
        if (p == i) {
          continue outer;
        }
      }
      fields.add(all[i]);
    }
    return new StructType(fields.toArray(new StructField[0]));
  }

  static FileFormat fileFormat(String format) {
    return switch (format) {
      case "parquet" -> new ParquetFileFormat();
      case "csv" -> new CSVFileFormat();
      case "json" -> new JsonFileFormat();
      case "orc" -> new OrcFileFormat();
      case "text" -> new TextFileFormat();
      default -> throw new IllegalArgumentException("Invalid format '" + format + "'");
    };
  }

  private static boolean sameColumns(StructType a, StructType b) {
    if (a.fields().length != b.fields().length) {
      return false;
    }
    for (int i = 0; i < a.fields().length; i++) {
      if (!a.fields()[i].name().equalsIgnoreCase(b.fields()[i].name())
          || !DataType.equalsIgnoreCaseAndNullability(
              a.fields()[i].dataType(), b.fields()[i].dataType())) {
        return false;
      }
    }
    return true;
  }

  private static int indexOfIgnoreCase(List<String> names, String name) {
    for (int i = 0; i < names.size(); i++) {
      if (names.get(i).equalsIgnoreCase(name)) {
        return i;
      }
    }
    return -1;
  }

  static scala.collection.immutable.Map<String, String> scalaMap(Map<String, String> map) {
    return JavaConverters.mapAsScalaMap(map)
        .toMap(scala.Predef.<scala.Tuple2<String, String>>$conforms());
  }
}
