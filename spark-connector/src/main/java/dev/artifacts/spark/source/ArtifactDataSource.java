package dev.artifacts.spark.source;

import dev.artifacts.common.ArtifactException;
import dev.artifacts.common.name.ArtifactPath;
import dev.artifacts.common.options.ArtifactOptions;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.analysis.NoSuchTableException;
import org.apache.spark.sql.connector.catalog.Identifier;
import org.apache.spark.sql.connector.catalog.SupportsCatalogOptions;
import org.apache.spark.sql.connector.catalog.Table;
import org.apache.spark.sql.connector.catalog.TableCatalog;
import org.apache.spark.sql.connector.expressions.Transform;
import org.apache.spark.sql.sources.DataSourceRegister;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.util.CaseInsensitiveStringMap;

/**
 * {@code format("artifact")}: path-based reads and writes, resolved through an {@link
 * ArtifactCatalog} the way Iceberg's {@code IcebergSource} resolves paths through its catalogs.
 *
 * <p>As a {@link SupportsCatalogOptions}, this class only translates the options into a catalog
 * name, an identifier and a time-travel version; Spark then asks the catalog for the table:
 *
 * <ul>
 *   <li>the catalog is the path-based catalog of the registry URI ({@code registry} option, else
 *       {@code spark.artifact.registry}, else the default), registered on the session under a name
 *       derived from the URI when it is first used ({@link
 *       CatalogIdentifiers#registerPathCatalog});
 *   <li>the identifier is {@code [entity, project].name} of the path, its name extended with the
 *       view and the other options that shape the table ({@link CatalogIdentifiers.PathName});
 *   <li>a read's version is the {@code versionAsOf} option, the path's alias, a {@code
 *       timestampAsOf} selector, or {@code latest}: Spark loads the table with it once, and the
 *       catalog pins that table to the one version it resolves, so schema, partitioning and scan
 *       all see the same version even if the alias moves meanwhile.
 * </ul>
 *
 * <p>{@code df.write().format("artifact").save(path)} follows Spark's rules for such sources:
 * {@code ErrorIfExists} and {@code Ignore} run a create-as-select ({@code partitionBy} becomes the
 * partitioning of the new collection); {@code Append} and {@code Overwrite} write to the table the
 * catalog loads (a collection that does not exist yet loads as an empty table, so both create it).
 * Spark requires their {@code partitionBy} to equal the collection's partitioning, so a new
 * partitioning, or a partitioned collection created by an append or overwrite, needs {@code
 * ArtifactWriter} or {@code writeTo(...).partitionedBy(...).createOrReplace()}.
 */
public final class ArtifactDataSource implements SupportsCatalogOptions, DataSourceRegister {

  public static final String SHORT_NAME = "artifact";

  /**
   * How a {@code timestampAsOf} read travels to {@link ArtifactCatalog#loadTable(Identifier,
   * String)} as a time-travel version: Spark's own timestamp handling would read epoch digits as
   * seconds and ignore the formats {@link VersionResolver#parseTimestamp} accepts.
   */
  static final String TIMESTAMP_VERSION_PREFIX = "timestampAsOf=";

  @Override
  public String shortName() {
    return SHORT_NAME;
  }

  /** The collection (and view) a path names; see the class comment. */
  @Override
  public Identifier extractIdentifier(CaseInsensitiveStringMap options) {
    ArtifactPath path = PinnedRead.path(options);
    String name =
        CatalogIdentifiers.PathName.of(
                path.name(), PinnedRead.isManifestView(options, path), options.asCaseSensitiveMap())
            .encoded();
    return Identifier.of(new String[] {path.entity(), path.project()}, name);
  }

  /** The path-based catalog of the registry the options name, registered on first use. */
  @Override
  public String extractCatalog(CaseInsensitiveStringMap options) {
    SparkSession session = SparkSession.active();
    return CatalogIdentifiers.registerPathCatalog(session, SparkRegistries.uri(options, session));
  }

  /**
   * The version selector of a read (Spark asks only for reads): {@code versionAsOf}, the path's
   * alias, {@code timestampAsOf} (encoded, see {@link #TIMESTAMP_VERSION_PREFIX}) or {@code
   * latest}. Always present, so that a path read never loads the write-side table.
   *
   * @throws ArtifactException.InvalidInput naming the artifact when selectors conflict
   */
  @Override
  public Optional<String> extractTimeTravelVersion(CaseInsensitiveStringMap options) {
    ArtifactPath path = PinnedRead.path(options);
    Map<String, String> selector = VersionResolver.selector(path, options);
    String timestamp = selector.get(ArtifactOptions.TIMESTAMP_AS_OF);
    if (timestamp != null) {
      return Optional.of(TIMESTAMP_VERSION_PREFIX + timestamp);
    }
    return Optional.of(selector.get(ArtifactOptions.VERSION_AS_OF));
  }

  /** Never used: the selector travels as a version, see {@link #extractTimeTravelVersion}. */
  @Override
  public Optional<String> extractTimeTravelTimestamp(CaseInsensitiveStringMap options) {
    return Optional.empty();
  }

  // ---- TableProvider: for callers that ask the provider directly (Spark asks the catalog) ------

  /** The schema of the table the catalog loads for these options. */
  @Override
  public StructType inferSchema(CaseInsensitiveStringMap options) {
    return load(options).schema();
  }

  @Override
  public Transform[] inferPartitioning(CaseInsensitiveStringMap options) {
    Table table = load(options);
    // A collection that does not exist yet has no partitioning (the empty table refuses to say).
    return table instanceof ArtifactTable t && t.version() == null
        ? new Transform[0]
        : table.partitioning();
  }

  /**
   * The table the catalog loads for these options, like {@code IcebergSource.getTable}: the pinned
   * read table, or for a collection that does not exist yet the empty table a write creates (it
   * fails only when read). The schema and partitioning arguments are not used.
   */
  @Override
  public Table getTable(
      StructType schema, Transform[] partitioning, Map<String, String> properties) {
    return load(new CaseInsensitiveStringMap(properties));
  }

  /** True, so that Spark passes a write's schema instead of inferring one. */
  @Override
  public boolean supportsExternalMetadata() {
    return true;
  }

  private Table load(CaseInsensitiveStringMap options) {
    SparkSession session = SparkSession.active();
    String catalogName = extractCatalog(options);
    TableCatalog catalog =
        (TableCatalog) session.sessionState().catalogManager().catalog(catalogName);
    Identifier ident = extractIdentifier(options);
    try {
      if (catalog.tableExists(ident)) {
        return catalog.loadTable(ident, extractTimeTravelVersion(options).orElseThrow());
      }
      return catalog.loadTable(ident);
    } catch (NoSuchTableException e) {
      throw new ArtifactException.NotFound(e.getMessage());
    }
  }

  // ---- write helpers shared with the catalog tables ---------------------------------------------

  /**
   * Spark's key for the {@code partitionBy} columns of a V1 write (a JSON array); also passed on to
   * a truncating V2 write, see {@link ArtifactWrite}.
   */
  static final String PARTITION_COLUMNS_KEY = "__partition_columns";

  /** Internal write option: a create that must behave as an append (see {@link PathWrite}). */
  static final String APPEND_ON_CREATE_OPTION = "__artifact_append_on_create";

  /**
   * Refuses a write whose {@code path} option names an alias: the identifier Spark built from it
   * drops the alias, and writing to the collection instead would surprise.
   */
  static void checkWritePath(Map<String, String> writeOptions) {
    String path = writeOptions.get("path");
    if (path != null && !path.isBlank()) {
      PathWrite.writePath(path);
    }
  }
}
