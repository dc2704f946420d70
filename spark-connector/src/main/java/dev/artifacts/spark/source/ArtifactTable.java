package dev.artifacts.spark.source;

import dev.artifacts.common.name.ArtifactPath;
import dev.artifacts.common.registry.ArtifactVersion;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.connector.catalog.SupportsRead;
import org.apache.spark.sql.connector.catalog.SupportsWrite;
import org.apache.spark.sql.connector.catalog.TableCapability;
import org.apache.spark.sql.connector.expressions.Transform;
import org.apache.spark.sql.connector.read.ScanBuilder;
import org.apache.spark.sql.connector.write.LogicalWriteInfo;
import org.apache.spark.sql.connector.write.WriteBuilder;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.util.CaseInsensitiveStringMap;

/**
 * A collection as a Spark table, pinned to one resolved version for reading ({@code version} is
 * null for a collection that does not exist yet and is only being written).
 */
final class ArtifactTable implements SupportsRead, SupportsWrite {
  private final String registryUri;
  private final ArtifactPath collection;
  private final ArtifactVersion version;
  private final StructType schema;
  private final Transform[] partitioning;
  private final Map<String, String> options;
  private final Set<TableCapability> capabilities;

  ArtifactTable(
      String registryUri,
      ArtifactPath collection,
      ArtifactVersion version,
      StructType schema,
      Transform[] partitioning,
      Map<String, String> options,
      Set<TableCapability> capabilities) {
    this.registryUri = registryUri;
    this.collection = collection;
    this.version = version;
    this.schema = schema;
    this.partitioning = partitioning;
    this.options = Map.copyOf(options);
    this.capabilities = Set.copyOf(capabilities);
  }

  @Override
  public String name() {
    return version == null ? collection.toString() : version.path().toString();
  }

  @Override
  public StructType schema() {
    return schema;
  }

  /**
   * The partitioning. For the empty table of a collection that does not exist yet, which a
   * path-based append or overwrite writes to, Spark asks only to compare it with the write's {@code
   * partitionBy} columns (and would fail with a bare "partitioning does not match"): that fails
   * here instead, saying how to create a partitioned collection.
   */
  @Override
  public Transform[] partitioning() {
    if (newCollectionWrite) {
      throw new dev.artifacts.common.ArtifactException.InvalidInput(
          "Cannot write "
              + collection
              + " with partitionBy and mode append or overwrite: the collection does not exist yet,"
              + " and Spark binds a path-based append or overwrite to the partitioning of an"
              + " existing collection; create it with mode errorifexists (the default) or"
              + " ArtifactWriter.write(df, path, options, mode, partitionColumns...)");
    }
    return partitioning.clone();
  }

  /** Whether this is the empty table a path-based write to a new collection loads. */
  private volatile boolean newCollectionWrite;

  /** Marks the table a path-based append or overwrite of a new collection writes to. */
  ArtifactTable forNewCollectionWrite() {
    this.writeSide = true;
    this.newCollectionWrite = true;
    return this;
  }

  /**
   * The table options plus the OpenLineage dataset keys ({@link
   * ReadLineage#openLineageProperties}), so OpenLineage's Spark listener names the dataset with no
   * extra code. The version is the pinned one for a read; for a write it is the version the write
   * committed, once it has (OpenLineage reads the properties again for its completion event).
   */
  @Override
  public Map<String, String> properties() {
    Map<String, String> props = new java.util.LinkedHashMap<>(options);
    ArtifactVersion reported = committed != null ? committed : writeSide ? null : version;
    props.putAll(ReadLineage.openLineageProperties(registryUri, collection, reported));
    if (reported != null) {
      props.putAll(versionProperties(reported));
    }
    return java.util.Collections.unmodifiableMap(props);
  }

  /** What {@code SHOW TBLPROPERTIES} shows of a version, under {@code artifact.}. */
  static Map<String, String> versionProperties(ArtifactVersion v) {
    Map<String, String> props = new java.util.LinkedHashMap<>();
    props.put("artifact.version", v.version());
    props.put("artifact.type", v.type());
    props.put("artifact.aliases", String.join(",", v.aliases()));
    props.put("artifact.tags", String.join(",", v.tags()));
    props.put("artifact.digest", v.digest());
    props.put("artifact.file-count", Long.toString(v.fileCount()));
    props.put("artifact.size", Long.toString(v.size()));
    props.put("artifact.created-at", v.createdAt().toString());
    if (v.description() != null) {
      props.put("artifact.description", v.description());
    }
    return props;
  }

  /** Set by a write through this table when it commits; see {@link #properties()}. */
  private volatile ArtifactVersion committed;

  /** Whether the table was loaded to be written (its pinned version is not what it outputs). */
  private volatile boolean writeSide;

  /** Marks a table loaded as the target of a write (catalog {@code INSERT}, {@code writeTo}). */
  ArtifactTable forWrite() {
    this.writeSide = true;
    return this;
  }

  @Override
  public Set<TableCapability> capabilities() {
    return capabilities;
  }

  /**
   * Scans the pinned version: {@code view=manifest} gives one row per entry, otherwise Spark's own
   * file scan for the version's format over an {@link ArtifactFileIndex}. Read options are the
   * table options overlaid with {@code readOptions}. Fails for a collection that does not exist.
   */
  @Override
  public ScanBuilder newScanBuilder(CaseInsensitiveStringMap readOptions) {
    if (version == null) {
      throw new dev.artifacts.common.ArtifactException.NotFound(
          unreadableReason != null
              ? unreadableReason
              : "Cannot read " + collection.collectionPath() + ": no such collection");
    }
    Map<String, String> merged = new java.util.HashMap<>(options);
    merged.putAll(readOptions.asCaseSensitiveMap());
    CaseInsensitiveStringMap scanOptions = new CaseInsensitiveStringMap(merged);
    org.apache.spark.sql.SparkSession session = org.apache.spark.sql.SparkSession.active();
    dev.artifacts.common.registry.ArtifactRegistry registry =
        SparkRegistries.open(registryUri, session);
    if (PinnedRead.isManifestView(scanOptions, version.path())) {
      ReadLineage.recordInput(registry, version, session, scanOptions);
      return new ManifestScanBuilder(
          version.path().toString(), registry.manifest(version).entries());
    }
    ReadPlan plan = readPlan(session, registry);
    boolean verify =
        dev.artifacts.common.options.ArtifactOptions.bool(
            dev.artifacts.common.options.ArtifactOptions.VERIFY,
            scanOptions.get(dev.artifacts.common.options.ArtifactOptions.VERIFY),
            false,
            version.path());
    return new ArtifactScanBuilder(
        session,
        new ArtifactFileIndex(session, plan, scanOptions),
        scanOptions,
        () -> {
          if (verify && !plan.verified()) {
            EntryVerifier.verify(session, plan);
          }
          ReadLineage.recordInput(registry, version, session, scanOptions);
        });
  }

  @Override
  public WriteBuilder newWriteBuilder(LogicalWriteInfo info) {
    ArtifactDataSource.checkWritePath(info.options());
    // Appends by default; truncate() and overwriteDynamicPartitions() switch the mode.
    WriteTarget target =
        new WriteTarget(
            registryUri,
            collection,
            WriteTarget.partitionColumns(partitioning, collection),
            version);
    return new ArtifactWriteBuilder(
        target, info, ArtifactWriteBuilder.Mode.APPEND, v -> committed = v);
  }

  String registryUri() {
    return registryUri;
  }

  ArtifactPath collection() {
    return collection;
  }

  /** The pinned version, or null for a collection that is only being written. */
  ArtifactVersion version() {
    return version;
  }

  Map<String, String> options() {
    return options;
  }

  // ---- read path helpers ---------------------------------------------------------------------

  /** What tables pinned to a selected version ({@code VERSION AS OF}, path reads) declare. */
  static final Set<TableCapability> READ_CAPABILITIES = Set.of(TableCapability.BATCH_READ);

  /** What catalog tables declare: reading plus the write path's capabilities. */
  static final Set<TableCapability> READ_WRITE_CAPABILITIES =
      Set.of(
          TableCapability.BATCH_READ,
          TableCapability.BATCH_WRITE,
          TableCapability.TRUNCATE,
          TableCapability.OVERWRITE_DYNAMIC,
          TableCapability.ACCEPT_ANY_SCHEMA);

  /** Why a table without a version cannot be read, when it is not simply a missing collection. */
  private volatile String unreadableReason;

  /** Marks a table built without a version (for a write) with why reading it would fail. */
  ArtifactTable unreadable(String reason) {
    this.unreadableReason = reason;
    return this;
  }

  /** Planned when the table was resolved, or on the first scan; null until then. */
  private volatile ReadPlan readPlan;

  /** A table whose read plan was already computed for {@code version} (by schema inference). */
  ArtifactTable(
      String registryUri,
      ArtifactPath collection,
      ArtifactVersion version,
      StructType schema,
      Transform[] partitioning,
      Map<String, String> options,
      Set<TableCapability> capabilities,
      ReadPlan readPlan) {
    this(registryUri, collection, version, schema, partitioning, options, capabilities);
    this.readPlan = readPlan;
  }

  /**
   * The plan of the pinned version; planned here with the table's schema as a fixed schema when the
   * table was built without one (a user-given schema, or a table from the write side).
   */
  private ReadPlan readPlan(
      org.apache.spark.sql.SparkSession session,
      dev.artifacts.common.registry.ArtifactRegistry registry) {
    ReadPlan plan = readPlan;
    if (plan == null) {
      plan = ReadPlan.plan(session, registry, version, options, schema);
      readPlan = plan;
    }
    return plan;
  }
}
