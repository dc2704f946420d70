package dev.artifacts.spark.source;

import dev.artifacts.common.name.ArtifactPath;
import dev.artifacts.common.registry.ArtifactRegistry;
import dev.artifacts.common.registry.ArtifactVersion;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.analysis.NoSuchNamespaceException;
import org.apache.spark.sql.catalyst.analysis.NoSuchTableException;
import org.apache.spark.sql.catalyst.analysis.TableAlreadyExistsException;
import org.apache.spark.sql.connector.catalog.Identifier;
import org.apache.spark.sql.connector.catalog.NamespaceChange;
import org.apache.spark.sql.connector.catalog.StagedTable;
import org.apache.spark.sql.connector.catalog.StagingTableCatalog;
import org.apache.spark.sql.connector.catalog.SupportsNamespaces;
import org.apache.spark.sql.connector.catalog.Table;
import org.apache.spark.sql.connector.catalog.TableCapability;
import org.apache.spark.sql.connector.catalog.TableChange;
import org.apache.spark.sql.connector.catalog.TableWritePrivilege;
import org.apache.spark.sql.connector.expressions.Transform;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.util.CaseInsensitiveStringMap;

/**
 * A Spark catalog over one registry: {@code spark.sql.catalog.art =
 * dev.artifacts.spark.source.ArtifactCatalog} with {@code spark.sql.catalog.art.registry = <uri>}.
 * Tables are collections; namespaces are {@code [project]} (entity from the {@code entity} catalog
 * option, else {@code WANDB_ENTITY}, else the login name), {@code [entity, project]}, or none
 * (project from the {@code project} catalog option). {@code SELECT … FROM art.project.collection
 * VERSION AS OF 'v2'} reads a version or alias; {@code TIMESTAMP AS OF} the newest version
 * committed by then; {@code art.project.`collection$history`} lists the versions. {@code CREATE
 * TABLE} (with or without {@code AS SELECT}), {@code INSERT INTO} and {@code INSERT OVERWRITE}
 * commit versions.
 *
 * <p>It is a {@link StagingTableCatalog} so that create/replace-as-select is atomic: nothing is
 * created before the write commits, and a failed write never drops a collection.
 */
public final class ArtifactCatalog implements StagingTableCatalog, SupportsNamespaces {
  private String name;

  /** Whether this is the catalog of path-based reads and writes (see {@link #loadTable}). */
  private boolean pathBased;

  @Override
  public void initialize(String name, CaseInsensitiveStringMap options) {
    this.name = name;
    this.registryUri = SparkRegistries.uri(options, org.apache.spark.sql.SparkSession.active());
    this.identifiers = new CatalogIdentifiers(name, options);
    this.pathBased = options.getBoolean(CatalogIdentifiers.PATH_BASED, false);
  }

  @Override
  public String name() {
    return name;
  }

  // ---- read side -----------------------------------------------------------------------------

  /** The collections of a project, sorted by name. */
  @Override
  public Identifier[] listTables(String[] namespace) {
    String[] ep = identifiers.project(namespace);
    return registry().collections(ep[0], ep[1], null).stream()
        .map(c -> Identifier.of(namespace, c.name()))
        .toArray(Identifier[]::new);
  }

  /**
   * The latest version of a collection, readable and writable; {@code name$history} lists the
   * versions, {@code name$manifest} the entries of the latest version.
   *
   * <p>In the path-based catalog ({@link ArtifactDataSource}), Spark loads a table without a
   * version only for {@code df.write().mode(Append|Overwrite).save(path)} (a path read always names
   * a version), so there this returns the table to write to, and for a collection that does not
   * exist yet an empty one that the write creates.
   *
   * @throws NoSuchTableException if the collection does not exist (not in the path-based catalog)
   */
  @Override
  public Table loadTable(Identifier ident) throws NoSuchTableException {
    if (ident.name().endsWith(ArtifactHistoryTable.SUFFIX)) {
      return history(ident);
    }
    if (pathBased) {
      return pathWriteTable(ident);
    }
    if (CatalogIdentifiers.PathName.parse(ident.name()).manifest()) {
      return loadTable(ident, ArtifactPath.LATEST);
    }
    return pinned(ident, Map.of(), ArtifactTable.READ_WRITE_CAPABILITIES);
  }

  /** The table a path-based append or overwrite writes to; see {@link #loadTable(Identifier)}. */
  private Table pathWriteTable(Identifier ident) throws NoSuchTableException {
    if (tableExists(ident)) {
      return loadTable(ident, Set.of());
    }
    // A new collection: any schema, no partitioning, appended onto whatever is latest at commit
    // (another writer may create the collection meanwhile).
    return new ArtifactTable(
            writeRegistryUri(),
            writeCollection(ident),
            null,
            new StructType(),
            new Transform[0],
            Map.of(),
            WRITE_CAPABILITIES_ANY_SCHEMA)
        .forNewCollectionWrite()
        .unreadable(
            "Cannot read " + writeCollection(ident).collectionPath() + ": no such collection");
  }

  /** {@code name$history}: the versions of collection {@code name}, newest first. */
  private Table history(Identifier ident) throws NoSuchTableException {
    String name = ident.name();
    Identifier collectionIdent =
        Identifier.of(
            ident.namespace(),
            name.substring(0, name.length() - ArtifactHistoryTable.SUFFIX.length()));
    ArtifactPath collection = identifiers.collection(collectionIdent);
    ArtifactRegistry registry = registry();
    if (registry.collection(collection).isEmpty()) {
      throw new NoSuchTableException(
          "Cannot read the history of "
              + collection.collectionPath()
              + ": no such collection in registry "
              + registryUri
              + " (catalog "
              + this.name
              + ")",
          scala.Option.empty());
    }
    return new ArtifactHistoryTable(
        collection,
        registry.versions(
            collection,
            dev.artifacts.common.registry.VersionQuery.all()
                .withOrder(dev.artifacts.common.registry.VersionQuery.Order.VERSION_DESC)));
  }

  /**
   * {@code VERSION AS OF 'vN' | 'alias'}: that version, read only. A path-based read arrives here
   * too, with {@code latest} when it names no version, and a {@code timestampAsOf} read with its
   * timestamp encoded ({@link ArtifactDataSource#TIMESTAMP_VERSION_PREFIX}).
   */
  @Override
  public Table loadTable(Identifier ident, String version) throws NoSuchTableException {
    Map<String, String> selector =
        version.startsWith(ArtifactDataSource.TIMESTAMP_VERSION_PREFIX)
            ? Map.of(
                dev.artifacts.common.options.ArtifactOptions.TIMESTAMP_AS_OF,
                version.substring(ArtifactDataSource.TIMESTAMP_VERSION_PREFIX.length()))
            : Map.of(dev.artifacts.common.options.ArtifactOptions.VERSION_AS_OF, version);
    return pinned(ident, selector, ArtifactTable.READ_CAPABILITIES);
  }

  /** {@code TIMESTAMP AS OF}: the newest version created at or before it, read only. */
  @Override
  public Table loadTable(Identifier ident, long timestamp) throws NoSuchTableException {
    // Spark passes microseconds since the epoch; keep them all (versions carry sub-ms times).
    String instant =
        java.time.Instant.EPOCH.plus(timestamp, java.time.temporal.ChronoUnit.MICROS).toString();
    return pinned(
        ident,
        Map.of(dev.artifacts.common.options.ArtifactOptions.TIMESTAMP_AS_OF, instant),
        ArtifactTable.READ_CAPABILITIES);
  }

  /**
   * Projects cannot be enumerated through the registry SPI (it has no project listing), so the
   * catalog lists none; {@code SHOW TABLES IN art.project} works for any project.
   */
  @Override
  public String[][] listNamespaces() {
    return new String[0][];
  }

  /** Projects have no sub-namespaces; an entity's projects cannot be listed (see above). */
  @Override
  public String[][] listNamespaces(String[] namespace) throws NoSuchNamespaceException {
    if (namespace.length == 2 || (namespace.length == 1 && projectExists(namespace))) {
      loadNamespaceMetadata(namespace);
    }
    return new String[0][];
  }

  /**
   * {@code entity} and {@code project} of a project that has at least one collection.
   *
   * @throws NoSuchNamespaceException if the project has no collections
   */
  @Override
  public Map<String, String> loadNamespaceMetadata(String[] namespace)
      throws NoSuchNamespaceException {
    if (!projectExists(namespace)) {
      throw new NoSuchNamespaceException(namespace);
    }
    String[] ep = identifiers.project(namespace);
    return Map.of(CatalogIdentifiers.ENTITY, ep[0], "project", ep[1]);
  }

  // ---- write side ----------------------------------------------------------------------------

  @Override
  public boolean tableExists(Identifier ident) {
    return writeRegistry().find(writeCollection(withoutViewSuffix(ident))).isPresent();
  }

  /**
   * The collection's own identifier: without {@code $history}, and without the view and options of
   * a path-based name ({@link CatalogIdentifiers.PathName}).
   */
  private static Identifier withoutViewSuffix(Identifier ident) {
    String name = ident.name();
    if (name.endsWith(ArtifactHistoryTable.SUFFIX)) {
      return Identifier.of(
          ident.namespace(),
          name.substring(0, name.length() - ArtifactHistoryTable.SUFFIX.length()));
    }
    return Identifier.of(ident.namespace(), CatalogIdentifiers.PathName.parse(name).collection());
  }

  /**
   * The table an append or overwrite writes to: the collection at its latest version, with the
   * schema, partition columns and format the last Spark write recorded. Spark calls this (not
   * {@link #loadTable(Identifier)}) for {@code writeTo(...).append()/overwrite/overwritePartitions}
   * and {@code INSERT}.
   */
  @Override
  public Table loadTable(Identifier ident, Set<TableWritePrivilege> writePrivileges)
      throws NoSuchTableException {
    ArtifactPath collection = writeCollection(ident);
    ArtifactVersion latest =
        writeRegistry().find(collection).orElseThrow(() -> new NoSuchTableException(ident));
    StructType schema = SparkCommitProperties.schema(latest);
    // With a recorded schema Spark aligns the query to it (by position for INSERT, by name for
    // writeTo().append()); nullable, so that appending nullable data is not refused. Without one
    // (a version logged by another tool) any schema is accepted.
    return new ArtifactTable(
            writeRegistryUri(),
            collection,
            latest,
            schema == null ? new StructType() : schema.asNullable(),
            WriteTarget.transforms(SparkCommitProperties.partitionColumns(latest)),
            Map.of(),
            schema == null ? WRITE_CAPABILITIES_ANY_SCHEMA : WRITE_CAPABILITIES)
        .forWrite();
  }

  /**
   * {@code CREATE TABLE … USING artifact} without data: a collection exists through its versions,
   * so this commits an empty {@code v0} that records the schema, partition columns and format (as a
   * Spark write records them), and the first {@code INSERT INTO} appends {@code v1}. Write options
   * ({@code format}, {@code type}, {@code aliases}, {@code tags}, {@code metadata}) come from
   * {@code OPTIONS (...)} or {@code TBLPROPERTIES (...)}; {@code COMMENT} becomes the description.
   */
  @Override
  public Table createTable(
      Identifier ident, StructType schema, Transform[] partitions, Map<String, String> properties)
      throws TableAlreadyExistsException {
    ArtifactPath collection = writeCollection(ident);
    ArtifactRegistry registry = writeRegistry();
    if (registry.find(collection).isPresent()) {
      throw new TableAlreadyExistsException(ident);
    }
    SparkSession session = SparkSession.active();
    Map<String, String> options = writeOptions(collection, properties);
    WriteOptions parsed = WriteOptions.parse(collection, options, session);
    java.util.List<String> columns = WriteTarget.partitionColumns(partitions, collection);
    dev.artifacts.common.registry.ArtifactDraft draft =
        registry.newDraft(
            collection,
            parsed.type() != null
                ? parsed.type()
                : dev.artifacts.common.options.ArtifactOptions.DEFAULT_TYPE);
    draft.aliases(parsed.aliases());
    if (!parsed.tags().isEmpty()) {
      draft.tags(parsed.tags());
    }
    String description =
        parsed.description() != null
            ? parsed.description()
            : properties.get(org.apache.spark.sql.connector.catalog.TableCatalog.PROP_COMMENT);
    if (description != null) {
      draft.description(description);
    }
    if (parsed.metadata() != null) {
      draft.metadata(parsed.metadataMap());
    }
    draft.run(RunInfos.current(session, parsed.runName()));
    draft.commitProperties(
        SparkCommitProperties.of(
            schema,
            columns,
            parsed.format(),
            parsed.storage().name().toLowerCase(java.util.Locale.ROOT),
            java.util.UUID.randomUUID().toString().replace("-", "").substring(0, 16)));
    registry.commit(draft);
    try {
      return loadTable(ident);
    } catch (NoSuchTableException e) {
      throw new IllegalStateException("Cannot load " + collection + " just created", e);
    }
  }

  /**
   * The write options of a {@code CREATE TABLE}: {@code OPTIONS} (Spark prefixes them with {@code
   * option.}) over {@code TBLPROPERTIES}, without Spark's reserved properties. A provider other
   * than {@code artifact} is refused: this catalog only holds artifacts.
   */
  private static Map<String, String> writeOptions(
      ArtifactPath collection, Map<String, String> properties) {
    String provider =
        properties.get(org.apache.spark.sql.connector.catalog.TableCatalog.PROP_PROVIDER);
    if (provider != null && !provider.equalsIgnoreCase("artifact")) {
      throw new dev.artifacts.common.ArtifactException.InvalidInput(
          "Invalid provider '"
              + provider
              + "' for "
              + collection
              + ": an artifact catalog holds only artifacts; write USING artifact and choose the"
              + " file format with OPTIONS ('format' = '"
              + provider
              + "')");
    }
    Map<String, String> options = new java.util.HashMap<>();
    for (Map.Entry<String, String> e : properties.entrySet()) {
      String key = e.getKey();
      if (key.startsWith(org.apache.spark.sql.connector.catalog.TableCatalog.OPTION_PREFIX)) {
        continue;
      }
      if (!org.apache.spark.sql.connector.catalog.CatalogV2Util.TABLE_RESERVED_PROPERTIES()
          .contains(key)) {
        options.put(key, e.getValue());
      }
    }
    for (Map.Entry<String, String> e : properties.entrySet()) {
      if (e.getKey()
          .startsWith(org.apache.spark.sql.connector.catalog.TableCatalog.OPTION_PREFIX)) {
        options.put(
            e.getKey()
                .substring(
                    org.apache.spark.sql.connector.catalog.TableCatalog.OPTION_PREFIX.length()),
            e.getValue());
      }
    }
    return options;
  }

  @Override
  public StagedTable stageCreate(
      Identifier ident, StructType schema, Transform[] partitions, Map<String, String> properties)
      throws TableAlreadyExistsException {
    if (tableExists(ident)) {
      throw new TableAlreadyExistsException(ident);
    }
    return staged(ident, schema, partitions, properties);
  }

  @Override
  public StagedTable stageReplace(
      Identifier ident, StructType schema, Transform[] partitions, Map<String, String> properties)
      throws NoSuchTableException {
    if (!tableExists(ident)) {
      throw new NoSuchTableException(ident);
    }
    return staged(ident, schema, partitions, properties);
  }

  @Override
  public StagedTable stageCreateOrReplace(
      Identifier ident, StructType schema, Transform[] partitions, Map<String, String> properties) {
    return staged(ident, schema, partitions, properties);
  }

  /**
   * Refused. Dropping a collection deletes every version and its lineage, which no SQL statement
   * should do as a side effect (Spark drops tables after failed non-atomic CTAS, and scripts run
   * {@code DROP TABLE IF EXISTS} casually); delete collections with the registry API or the CLI.
   */
  @Override
  public boolean dropTable(Identifier ident) {
    throw new UnsupportedOperationException(
        "Cannot drop "
            + writeCollection(ident)
            + ": dropping would delete every version of the collection; delete it with the"
            + " registry API or the CLI (artifact delete) instead");
  }

  // ---- not supported -------------------------------------------------------------------------

  @Override
  public Table alterTable(Identifier ident, TableChange... changes) {
    throw new UnsupportedOperationException(
        "Cannot alter " + ident + ": artifact versions are immutable; write a new version");
  }

  @Override
  public void renameTable(Identifier oldIdent, Identifier newIdent) {
    throw new UnsupportedOperationException("Cannot rename " + oldIdent + ": not supported");
  }

  @Override
  public void createNamespace(String[] namespace, Map<String, String> metadata) {
    throw new UnsupportedOperationException("Projects are created by their first artifact");
  }

  @Override
  public void alterNamespace(String[] namespace, NamespaceChange... changes) {
    throw new UnsupportedOperationException("Cannot alter a project");
  }

  @Override
  public boolean dropNamespace(String[] namespace, boolean cascade) {
    throw new UnsupportedOperationException("Cannot drop a project; delete its collections");
  }

  // ---- read path helpers ---------------------------------------------------------------------

  private String registryUri;
  private CatalogIdentifiers identifiers;

  private dev.artifacts.common.registry.ArtifactRegistry registry() {
    return SparkRegistries.open(registryUri, org.apache.spark.sql.SparkSession.active());
  }

  private boolean projectExists(String[] namespace) {
    String[] ep = identifiers.project(namespace);
    return !registry().collections(ep[0], ep[1], null).isEmpty();
  }

  /** Resolves once and plans: the table is pinned to one version. */
  private ArtifactTable pinned(
      Identifier ident,
      Map<String, String> timeTravel,
      java.util.Set<org.apache.spark.sql.connector.catalog.TableCapability> capabilities)
      throws NoSuchTableException {
    org.apache.spark.sql.SparkSession session = org.apache.spark.sql.SparkSession.active();
    CatalogIdentifiers.PathName pathName = CatalogIdentifiers.PathName.parse(ident.name());
    dev.artifacts.common.name.ArtifactPath collection =
        identifiers.collection(withoutViewSuffix(ident));
    dev.artifacts.common.registry.ArtifactRegistry registry = registry();
    java.util.Optional<dev.artifacts.common.registry.ArtifactVersion> version =
        VersionResolver.resolveIfExists(registry, collection, timeTravel, PinnedRead.zone(session));
    if (version.isEmpty()) {
      throw new NoSuchTableException(
          "Cannot read "
              + collection.collectionPath()
              + ": no such collection in registry "
              + registryUri
              + " (catalog "
              + name
              + ")",
          scala.Option.empty());
    }
    Map<String, String> options = new java.util.HashMap<>(pathName.options());
    options.putAll(timeTravel);
    options.put(dev.artifacts.common.options.ArtifactOptions.REGISTRY, registryUri);
    if (pathName.manifest()) {
      options.put(dev.artifacts.common.options.ArtifactOptions.VIEW, "manifest");
    }
    PinnedRead read =
        PinnedRead.of(
            session,
            registryUri,
            registry,
            collection,
            version.get(),
            options,
            readSchema(pathName, collection));
    return new ArtifactTable(
        registryUri,
        collection,
        version.get(),
        read.schema(),
        read.partitioning(),
        options,
        capabilities,
        read.plan());
  }

  /**
   * Read option naming the schema of a path-based read as DDL ({@code id BIGINT, name STRING}):
   * what {@code .schema(...)} does for file sources, which Spark refuses for a source resolved
   * through a catalog.
   */
  static final String READ_SCHEMA_OPTION = "schema";

  /** The {@link #READ_SCHEMA_OPTION} of a path-based read, or null. */
  private static StructType readSchema(
      CatalogIdentifiers.PathName pathName, ArtifactPath collection) {
    String ddl = new CaseInsensitiveStringMap(pathName.options()).get(READ_SCHEMA_OPTION);
    if (ddl == null || ddl.isBlank()) {
      return null;
    }
    try {
      return StructType.fromDDL(ddl);
    } catch (Exception e) { // Spark's ParseException is a checked AnalysisException
      throw dev.artifacts.common.options.ArtifactOptions.invalid(
          collection,
          READ_SCHEMA_OPTION,
          ddl,
          "expected a DDL schema such as 'id BIGINT, name STRING' (" + e.getMessage() + ")");
    }
  }

  // ---- write-side helpers ---------------------------------------------------------------------

  private static final Set<TableCapability> WRITE_CAPABILITIES =
      Set.of(
          TableCapability.BATCH_WRITE, TableCapability.TRUNCATE, TableCapability.OVERWRITE_DYNAMIC);

  private static final Set<TableCapability> WRITE_CAPABILITIES_ANY_SCHEMA =
      Set.of(
          TableCapability.BATCH_WRITE,
          TableCapability.TRUNCATE,
          TableCapability.OVERWRITE_DYNAMIC,
          TableCapability.ACCEPT_ANY_SCHEMA);

  private StagedTable staged(
      Identifier ident, StructType schema, Transform[] partitions, Map<String, String> properties) {
    ArtifactPath collection = writeCollection(ident);
    writeOptions(collection, properties); // refuses a provider other than artifact
    WriteTarget target =
        new WriteTarget(
            writeRegistryUri(),
            collection,
            WriteTarget.partitionColumns(partitions, collection),
            null);
    return new ArtifactStagedTable(target, schema, partitions, properties);
  }

  private String writeRegistryUri() {
    return CatalogIdentifiers.registryUri(SparkSession.active(), name);
  }

  private ArtifactRegistry writeRegistry() {
    return SparkRegistries.open(writeRegistryUri(), SparkSession.active());
  }

  private ArtifactPath writeCollection(Identifier ident) {
    if (pathBased) {
      // A path-based write's identifier carries its options too; the collection is the name.
      ident =
          Identifier.of(
              ident.namespace(), CatalogIdentifiers.PathName.parse(ident.name()).collection());
    }
    return CatalogIdentifiers.collection(
        ident,
        CatalogIdentifiers.defaultEntity(SparkSession.active(), name),
        CatalogIdentifiers.defaultProject(SparkSession.active(), name));
  }
}
