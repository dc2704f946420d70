package dev.artifacts.spark.source;

import dev.artifacts.common.name.ArtifactPath;
import dev.artifacts.common.registry.ArtifactVersion;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.catalyst.util.GenericArrayData;
import org.apache.spark.sql.connector.catalog.SupportsRead;
import org.apache.spark.sql.connector.catalog.TableCapability;
import org.apache.spark.sql.connector.read.LocalScan;
import org.apache.spark.sql.connector.read.ScanBuilder;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.util.CaseInsensitiveStringMap;
import org.apache.spark.unsafe.types.UTF8String;

/**
 * The version history of a collection as a read-only metadata table, {@code
 * art.project.`name$history`} (the {@code DESCRIBE HISTORY} of Delta, the {@code history} table of
 * Iceberg): one row per version, newest first. Collection names cannot contain {@code $}, so the
 * suffix never clashes with a collection. Listed when the table is loaded, so a query sees the
 * versions as of its planning.
 */
final class ArtifactHistoryTable implements SupportsRead {
  /** Suffix of a collection's history table name. */
  static final String SUFFIX = "$history";

  static final StructType SCHEMA =
      new StructType()
          .add("version", DataTypes.StringType, false)
          .add("created_at", DataTypes.TimestampType, false)
          .add("aliases", DataTypes.createArrayType(DataTypes.StringType, false), false)
          .add("tags", DataTypes.createArrayType(DataTypes.StringType, false), false)
          .add("digest", DataTypes.StringType, false)
          .add("file_count", DataTypes.LongType, false)
          .add("size", DataTypes.LongType, false)
          .add("type", DataTypes.StringType, false)
          .add("description", DataTypes.StringType, true)
          .add("logged_by", DataTypes.StringType, true);

  private final ArtifactPath collection;
  private final List<ArtifactVersion> newestFirst;

  ArtifactHistoryTable(ArtifactPath collection, List<ArtifactVersion> newestFirst) {
    this.collection = collection;
    this.newestFirst = List.copyOf(newestFirst);
  }

  @Override
  public String name() {
    return collection.collectionPath() + SUFFIX;
  }

  @Override
  public StructType schema() {
    return SCHEMA;
  }

  @Override
  public Map<String, String> properties() {
    return Map.of();
  }

  @Override
  public Set<TableCapability> capabilities() {
    return Set.of(TableCapability.BATCH_READ);
  }

  @Override
  public ScanBuilder newScanBuilder(CaseInsensitiveStringMap options) {
    InternalRow[] rows =
        newestFirst.stream().map(ArtifactHistoryTable::row).toArray(InternalRow[]::new);
    return () ->
        new LocalScan() {
          @Override
          public InternalRow[] rows() {
            return rows;
          }

          @Override
          public StructType readSchema() {
            return SCHEMA;
          }

          @Override
          public String description() {
            return "history of " + collection.collectionPath();
          }
        };
  }

  private static InternalRow row(ArtifactVersion v) {
    return new GenericInternalRow(
        new Object[] {
          utf8(v.version()),
          TimeUnit.SECONDS.toMicros(v.createdAt().getEpochSecond())
              + TimeUnit.NANOSECONDS.toMicros(v.createdAt().getNano()),
          strings(v.aliases()),
          strings(v.tags()),
          utf8(v.digest()),
          v.fileCount(),
          v.size(),
          utf8(v.type()),
          utf8(v.description()),
          utf8(v.loggedBy())
        });
  }

  private static GenericArrayData strings(List<String> values) {
    return new GenericArrayData(values.stream().map(UTF8String::fromString).toArray());
  }

  private static UTF8String utf8(String s) {
    return s == null ? null : UTF8String.fromString(s);
  }
}
