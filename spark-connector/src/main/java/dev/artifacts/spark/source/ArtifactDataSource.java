package dev.artifacts.spark.source;

import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SQLContext;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.connector.catalog.Table;
import org.apache.spark.sql.connector.catalog.TableProvider;
import org.apache.spark.sql.connector.expressions.Transform;
import org.apache.spark.sql.sources.BaseRelation;
import org.apache.spark.sql.sources.CreatableRelationProvider;
import org.apache.spark.sql.sources.DataSourceRegister;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.util.CaseInsensitiveStringMap;
import scala.collection.immutable.Map$;

/**
 * {@code format("artifact")}.
 *
 * <p>Reads are DataSource V2: {@link TableProvider} resolves {@code entity/project/name[:alias]}
 * (or {@code versionAsOf}/{@code timestampAsOf}) once and returns a table pinned to that version.
 *
 * <p>Writes enter through {@link CreatableRelationProvider}, because for a path-based source that
 * is the only way Spark 3.5 hands over every {@link SaveMode} and the {@code partitionBy} columns
 * of a new collection; the save mode is then translated into DataFrameWriterV2 operations on the
 * registry's {@link ArtifactCatalog}, which run on the DSv2 {@code BatchWrite}: tasks hash while
 * writing, the driver commits one manifest.
 */
public final class ArtifactDataSource
    implements TableProvider, CreatableRelationProvider, DataSourceRegister {

  public static final String SHORT_NAME = "artifact";

  @Override
  public String shortName() {
    return SHORT_NAME;
  }

  // ---- read (TableProvider) ------------------------------------------------------------------

  /**
   * Resolves the path and time-travel options to one version and infers its schema; the resolved
   * version is handed to {@link #getTable} (see {@link PinnedRead}) so both see the same version.
   *
   * @throws dev.artifacts.common.ArtifactException naming the artifact when the collection, version
   *     or alias does not exist or the files cannot be read as one format
   */
  @Override
  public StructType inferSchema(CaseInsensitiveStringMap options) {
    return PinnedRead.resolveAndHold(options).schema();
  }

  /** Identity transforms of the partition columns of the version {@link #inferSchema} pinned. */
  @Override
  public Transform[] inferPartitioning(CaseInsensitiveStringMap options) {
    return PinnedRead.peek(options)
        .orElseGet(() -> PinnedRead.resolveAndHold(options))
        .partitioning()
        .clone();
  }

  /**
   * A read-only table ({@code BATCH_READ} only, so {@code df.write} falls back to {@link
   * #createRelation}) pinned to the version {@link #inferSchema} resolved on this thread. Without a
   * preceding inference (a user-given schema, or Spark asking during a write) the version is
   * resolved here, and a collection that does not exist yet gives a table that fails only when
   * read.
   */
  @Override
  public Table getTable(
      StructType schema, Transform[] partitioning, Map<String, String> properties) {
    CaseInsensitiveStringMap options = new CaseInsensitiveStringMap(properties);
    java.util.Optional<PinnedRead> held = PinnedRead.take(options);
    if (held.isPresent()) {
      PinnedRead read = held.get();
      // With a user-given schema the held plan (inferred) does not apply; the table re-plans the
      // same pinned version with that schema.
      ReadPlan plan = read.schema().equals(schema) ? read.plan() : null;
      return new ArtifactTable(
          read.registryUri(),
          read.collection(),
          read.version(),
          schema,
          partitioning,
          properties,
          ArtifactTable.READ_CAPABILITIES,
          plan);
    }
    org.apache.spark.sql.SparkSession session = org.apache.spark.sql.SparkSession.active();
    dev.artifacts.common.name.ArtifactPath path = PinnedRead.path(options);
    String uri = SparkRegistries.uri(options, session);
    dev.artifacts.common.registry.ArtifactVersion version = null;
    String unreadable = null;
    try {
      version =
          VersionResolver.resolveIfExists(
                  SparkRegistries.open(uri, session), path, options, PinnedRead.zone(session))
              .orElse(null);
    } catch (dev.artifacts.common.ArtifactException.NotFound e) {
      // A write may name an alias that does not exist yet; only a read of this table fails.
      unreadable = e.getMessage();
    }
    return new ArtifactTable(
            uri,
            path.withAlias(null),
            version,
            schema,
            partitioning,
            properties,
            ArtifactTable.READ_CAPABILITIES)
        .unreadable(unreadable);
  }

  /**
   * True, so that a write hands its DataFrame's schema to {@link #getTable} instead of making Spark
   * infer the schema of a collection that may not exist yet, and so reads accept {@code
   * .schema(...)}.
   */
  @Override
  public boolean supportsExternalMetadata() {
    return true;
  }

  // ---- write (CreatableRelationProvider) -----------------------------------------------------

  @Override
  public BaseRelation createRelation(
      SQLContext sqlContext,
      SaveMode mode,
      scala.collection.immutable.Map<String, String> parameters,
      Dataset<Row> data) {
    throw new UnsupportedOperationException("write path: not built yet");
  }

  static scala.collection.immutable.Map<String, String> emptyScalaMap() {
    return Map$.MODULE$.empty();
  }
}
