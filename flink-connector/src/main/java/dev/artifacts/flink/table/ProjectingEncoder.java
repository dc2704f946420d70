package dev.artifacts.flink.table;

import java.io.IOException;
import java.io.OutputStream;
import org.apache.flink.api.common.serialization.Encoder;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.data.utils.ProjectedRowData;

/** A row format that writes the row without its partition columns (they are in the path). */
final class ProjectingEncoder implements Encoder<RowData> {
  private static final long serialVersionUID = 1L;

  private final Encoder<RowData> encoder;
  private final int[] dataIndexes;
  private transient ProjectedRowData projection;

  ProjectingEncoder(Encoder<RowData> encoder, int[] dataIndexes) {
    this.encoder = encoder;
    this.dataIndexes = dataIndexes.clone();
  }

  @Override
  public void encode(RowData row, OutputStream out) throws IOException {
    if (projection == null) {
      projection = ProjectedRowData.from(dataIndexes);
    }
    encoder.encode(projection.replaceRow(row), out);
  }
}
