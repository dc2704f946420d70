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

  @Override
  public StructType inferSchema(CaseInsensitiveStringMap options) {
    throw new UnsupportedOperationException("read path: not built yet");
  }

  @Override
  public Transform[] inferPartitioning(CaseInsensitiveStringMap options) {
    throw new UnsupportedOperationException("read path: not built yet");
  }

  @Override
  public Table getTable(
      StructType schema, Transform[] partitioning, Map<String, String> properties) {
    throw new UnsupportedOperationException("read path: not built yet");
  }

  @Override
  public boolean supportsExternalMetadata() {
    return false;
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
