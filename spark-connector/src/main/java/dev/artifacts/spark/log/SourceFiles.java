package dev.artifacts.spark.log;

import dev.artifacts.common.name.ArtifactPath;
import dev.artifacts.spark.source.OpenLineageDatasets;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.connector.catalog.SupportsRead;
import org.apache.spark.sql.connector.catalog.Table;
import org.apache.spark.sql.connector.catalog.TableCapability;
import org.apache.spark.sql.connector.catalog.TableProvider;
import org.apache.spark.sql.connector.expressions.Transform;
import org.apache.spark.sql.connector.read.Batch;
import org.apache.spark.sql.connector.read.InputPartition;
import org.apache.spark.sql.connector.read.PartitionReader;
import org.apache.spark.sql.connector.read.PartitionReaderFactory;
import org.apache.spark.sql.connector.read.Scan;
import org.apache.spark.sql.connector.read.ScanBuilder;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.util.CaseInsensitiveStringMap;
import org.apache.spark.unsafe.types.UTF8String;

/**
 * The files of an existing-data logging operation as a DSv2 table of {@code (path, size)} rows: one
 * input partition per hashing slice that {@link ExistingData} listed and balanced, so the query
 * keeps the listing, slicing and task count of the driver's plan. Only names are read here (the
 * writing tasks open the files themselves). The table names the source location as an OpenLineage
 * dataset, as OpenLineage names a path read by Spark's own file sources.
 */
public final class SourceFiles implements TableProvider {
  static final StructType SCHEMA =
      new StructType().add("path", DataTypes.StringType, false).add("size", DataTypes.LongType);

  public SourceFiles() {}

  @Override
  public StructType inferSchema(CaseInsensitiveStringMap options) {
    return SCHEMA;
  }

  @Override
  public Table getTable(
      StructType schema, Transform[] partitioning, Map<String, String> properties) {
    CaseInsensitiveStringMap options = new CaseInsensitiveStringMap(properties);
    String source = LogFiles.required(options, ExistingData.SOURCE_OPTION);
    ArtifactPath artifact =
        ArtifactPath.parse(LogFiles.required(options, ExistingData.ARTIFACT_OPTION));
    SparkSession spark = SparkSession.active();
    Path root = ExistingData.hadoopPath(source);
    URI location;
    try {
      location =
          root.getFileSystem(spark.sessionState().newHadoopConf()).makeQualified(root).toUri();
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot open " + root + " to log it as " + artifact, e);
    }
    return new FilesTable(source, artifact, location);
  }

  /**
   * OpenLineage's dataset of a location, as its filesystem naming gives it: {@code file} and the
   * absolute path for local files; {@code scheme://authority} and the key for object stores ({@code
   * s3a}/{@code s3n} as {@code s3}); {@code scheme://authority} and the path otherwise.
   */
  static Map<String, String> locationDataset(URI location) {
    String scheme = location.getScheme() == null ? "file" : location.getScheme();
    String path =
        location.getPath() == null || location.getPath().isEmpty() ? "/" : location.getPath();
    if (path.length() > 1 && path.endsWith("/")) {
      path = path.substring(0, path.length() - 1);
    }
    String namespace;
    String name;
    if (scheme.equals("file")) {
      namespace = "file";
      name = path;
    } else {
      boolean objectStore = Set.of("s3", "s3a", "s3n", "gs", "wasbs", "abfss").contains(scheme);
      String shown = scheme.equals("s3a") || scheme.equals("s3n") ? "s3" : scheme;
      namespace = shown + "://" + (location.getAuthority() == null ? "" : location.getAuthority());
      name = objectStore ? (path.equals("/") ? "/" : path.substring(1)) : path;
    }
    Map<String, String> props = new LinkedHashMap<>();
    props.put(OpenLineageDatasets.NAMESPACE, namespace);
    props.put(OpenLineageDatasets.NAME, name);
    return props;
  }

  private record FilesTable(String source, ArtifactPath artifact, URI location)
      implements SupportsRead {
    @Override
    public String name() {
      return ExistingData.rootUri(source);
    }

    @Override
    public StructType schema() {
      return SCHEMA;
    }

    @Override
    public Map<String, String> properties() {
      return locationDataset(location);
    }

    @Override
    public Set<TableCapability> capabilities() {
      return Set.of(TableCapability.BATCH_READ);
    }

    @Override
    public ScanBuilder newScanBuilder(CaseInsensitiveStringMap options) {
      return () -> new FilesScan(source, artifact);
    }
  }

  /** Lists and slices the source when Spark plans the partitions (once per scan). */
  private static final class FilesScan implements Scan, Batch {
    private final String source;
    private final ArtifactPath artifact;
    private List<FileBatch> slices;

    FilesScan(String source, ArtifactPath artifact) {
      this.source = source;
      this.artifact = artifact;
    }

    @Override
    public StructType readSchema() {
      return SCHEMA;
    }

    @Override
    public String description() {
      return "SourceFiles(" + source + ")";
    }

    @Override
    public Batch toBatch() {
      return this;
    }

    @Override
    public synchronized InputPartition[] planInputPartitions() {
      if (slices == null) {
        slices = ExistingData.slices(SparkSession.active(), source, artifact);
      }
      return slices.stream().map(Slice::new).toArray(InputPartition[]::new);
    }

    @Override
    public PartitionReaderFactory createReaderFactory() {
      return new SliceReaderFactory();
    }
  }

  /** One hashing task's files. */
  private record Slice(FileBatch files) implements InputPartition {}

  private static final class SliceReaderFactory implements PartitionReaderFactory {
    private static final long serialVersionUID = 1L;

    @Override
    public PartitionReader<InternalRow> createReader(InputPartition partition) {
      Iterator<ListedFile> files = ((Slice) partition).files().files().iterator();
      return new PartitionReader<>() {
        private ListedFile current;

        @Override
        public boolean next() {
          current = files.hasNext() ? files.next() : null;
          return current != null;
        }

        @Override
        public InternalRow get() {
          return new GenericInternalRow(
              new Object[] {UTF8String.fromString(current.path()), current.size()});
        }

        @Override
        public void close() {}
      };
    }
  }
}
