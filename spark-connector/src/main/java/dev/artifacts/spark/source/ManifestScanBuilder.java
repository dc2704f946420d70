package dev.artifacts.spark.source;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.artifacts.common.manifest.ManifestEntry;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.connector.read.Batch;
import org.apache.spark.sql.connector.read.InputPartition;
import org.apache.spark.sql.connector.read.PartitionReader;
import org.apache.spark.sql.connector.read.PartitionReaderFactory;
import org.apache.spark.sql.connector.read.Scan;
import org.apache.spark.sql.connector.read.ScanBuilder;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.unsafe.types.UTF8String;

/**
 * {@code view=manifest}: one row per manifest entry of the pinned version, in manifest order, with
 * columns {@code path, digest, size, ref, birth_artifact_id, extra}. {@code size}, {@code ref} and
 * {@code birth_artifact_id} are null where the manifest has none; {@code extra} is the entry's
 * scheme-specific details as a JSON object string ({@code {}} when empty), so the schema stays flat
 * and stable whatever a scheme stores. Rows are built on the driver and shipped in chunks.
 */
final class ManifestScanBuilder implements ScanBuilder, Scan, Batch {
  static final StructType SCHEMA =
      new StructType()
          .add("path", DataTypes.StringType, false)
          .add("digest", DataTypes.StringType, false)
          .add("size", DataTypes.LongType, true)
          .add("ref", DataTypes.StringType, true)
          .add("birth_artifact_id", DataTypes.StringType, true)
          .add("extra", DataTypes.StringType, false);

  private static final int ROWS_PER_PARTITION = 50_000;
  private static final ObjectMapper JSON = new ObjectMapper();

  private final String description;
  private final List<ManifestEntry> entries;

  ManifestScanBuilder(String description, List<ManifestEntry> entries) {
    this.description = description;
    this.entries = entries;
  }

  @Override
  public Scan build() {
    return this;
  }

  @Override
  public StructType readSchema() {
    return SCHEMA;
  }

  @Override
  public String description() {
    return "manifest of " + description;
  }

  @Override
  public Batch toBatch() {
    return this;
  }

  @Override
  public InputPartition[] planInputPartitions() {
    List<InputPartition> parts = new ArrayList<>();
    for (int i = 0; i < entries.size(); i += ROWS_PER_PARTITION) {
      List<Row> rows = new ArrayList<>();
      for (ManifestEntry e : entries.subList(i, Math.min(entries.size(), i + ROWS_PER_PARTITION))) {
        rows.add(new Row(e.path(), e.digest(), e.size(), e.ref(), e.birthArtifactId(), json(e)));
      }
      parts.add(new Chunk(rows));
    }
    return parts.toArray(new InputPartition[0]);
  }

  private static String json(ManifestEntry e) {
    try {
      return JSON.writeValueAsString(e.extra());
    } catch (JsonProcessingException ex) {
      throw new IllegalStateException("Cannot render extra of entry '" + e.path() + "'", ex);
    }
  }

  @Override
  public PartitionReaderFactory createReaderFactory() {
    return new ReaderFactory();
  }

  record Row(String path, String digest, Long size, String ref, String birth, String extra)
      implements Serializable {
    InternalRow toInternal() {
      return new GenericInternalRow(
          new Object[] {utf8(path), utf8(digest), size, utf8(ref), utf8(birth), utf8(extra)});
    }

    private static UTF8String utf8(String s) {
      return s == null ? null : UTF8String.fromString(s);
    }
  }

  record Chunk(List<Row> rows) implements InputPartition {}

  static final class ReaderFactory implements PartitionReaderFactory {
    @Override
    public PartitionReader<InternalRow> createReader(InputPartition partition) {
      List<Row> rows = ((Chunk) partition).rows();
      return new PartitionReader<>() {
        private int next = -1;

        @Override
        public boolean next() {
          return ++next < rows.size();
        }

        @Override
        public InternalRow get() {
          return rows.get(next).toInternal();
        }

        @Override
        public void close() {}
      };
    }
  }
}
