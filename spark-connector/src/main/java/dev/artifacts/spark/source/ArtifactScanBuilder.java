package dev.artifacts.spark.source;

import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.connector.expressions.filter.Predicate;
import org.apache.spark.sql.connector.read.Scan;
import org.apache.spark.sql.execution.datasources.v2.FileScanBuilder;
import org.apache.spark.sql.execution.datasources.v2.csv.CSVScanBuilder;
import org.apache.spark.sql.execution.datasources.v2.json.JsonScanBuilder;
import org.apache.spark.sql.execution.datasources.v2.orc.OrcScanBuilder;
import org.apache.spark.sql.execution.datasources.v2.parquet.ParquetScanBuilder;
import org.apache.spark.sql.execution.datasources.v2.text.TextScanBuilder;
import org.apache.spark.sql.sources.Filter;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.util.CaseInsensitiveStringMap;
import scala.collection.Seq;

/**
 * Scans a pinned version with Spark's own V2 file scan for its format ({@code ParquetScanBuilder},
 * {@code CSVScanBuilder}, …) over an {@link ArtifactFileIndex}, exactly as Spark's {@code
 * FileTable}s do, so column pruning, partition pruning and filter pushdown behave as on plain
 * files.
 *
 * <p>It extends {@link FileScanBuilder} rather than only implementing the connector interfaces
 * because Spark 3.5's {@code PushDownUtils.pushFilters} pushes catalyst filters (including the
 * partition filters that drive pruning) only into a {@code FileScanBuilder}. Every push-down call
 * is forwarded to the format's builder; {@link #build()} first runs the read's preparation (the
 * optional re-hash, the lineage record) once per scan build. Coupled to Spark 3.5 internals.
 *
 * <p>Aggregate push-down ({@code SupportsPushDownAggregates}, off by default in Spark) is not
 * forwarded.
 */
final class ArtifactScanBuilder extends FileScanBuilder {
  private final FileScanBuilder delegate;
  private final Runnable beforeBuild;

  ArtifactScanBuilder(
      SparkSession session,
      ArtifactFileIndex index,
      CaseInsensitiveStringMap options,
      Runnable beforeBuild) {
    super(session, index, index.plan().dataSchema());
    this.delegate = formatBuilder(session, index, options);
    this.beforeBuild = beforeBuild;
  }

  private static FileScanBuilder formatBuilder(
      SparkSession session, ArtifactFileIndex index, CaseInsensitiveStringMap options) {
    ReadPlan plan = index.plan();
    StructType schema = plan.schema();
    StructType data = plan.dataSchema();
    return switch (plan.format()) {
      case "parquet" -> new ParquetScanBuilder(session, index, schema, data, options);
      case "csv" -> new CSVScanBuilder(session, index, schema, data, options);
      case "json" -> new JsonScanBuilder(session, index, schema, data, options);
      case "orc" -> new OrcScanBuilder(session, index, schema, data, options);
      case "text" -> new TextScanBuilder(session, index, schema, data, options);
      default -> throw new IllegalArgumentException("Unsupported format " + plan.format());
    };
  }

  @Override
  public void pruneColumns(StructType requiredSchema) {
    delegate.pruneColumns(requiredSchema);
  }

  @Override
  public Seq<Expression> pushFilters(Seq<Expression> filters) {
    return delegate.pushFilters(filters);
  }

  @Override
  public Predicate[] pushedFilters() {
    return delegate.pushedFilters();
  }

  @Override
  public Filter[] pushDataFilters(Filter[] dataFilters) {
    return delegate.pushDataFilters(dataFilters);
  }

  @Override
  public StructType readDataSchema() {
    return delegate.readDataSchema();
  }

  @Override
  public StructType readPartitionSchema() {
    return delegate.readPartitionSchema();
  }

  @Override
  public Scan build() {
    beforeBuild.run();
    return delegate.build();
  }
}
