package dev.artifacts.flink.table;

import java.io.IOException;
import org.apache.flink.api.common.serialization.BulkWriter;
import org.apache.flink.core.fs.FSDataOutputStream;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.data.utils.ProjectedRowData;

/**
 * A bulk format that writes the row without its partition columns (they are in the path). The
 * projection is a view reused for every row: bulk writers copy the fields they need in {@code
 * addElement}, as they must for Flink's own reused rows.
 */
final class ProjectingBulkWriterFactory implements BulkWriter.Factory<RowData> {
  private static final long serialVersionUID = 1L;

  private final BulkWriter.Factory<RowData> factory;
  private final int[] dataIndexes;

  ProjectingBulkWriterFactory(BulkWriter.Factory<RowData> factory, int[] dataIndexes) {
    this.factory = factory;
    this.dataIndexes = dataIndexes.clone();
  }

  @Override
  public BulkWriter<RowData> create(FSDataOutputStream out) throws IOException {
    BulkWriter<RowData> writer = factory.create(out);
    ProjectedRowData projection = ProjectedRowData.from(dataIndexes);
    return new BulkWriter<>() {
      @Override
      public void addElement(RowData row) throws IOException {
        writer.addElement(projection.replaceRow(row));
      }

      @Override
      public void flush() throws IOException {
        writer.flush();
      }

      @Override
      public void finish() throws IOException {
        writer.finish();
      }
    };
  }
}
