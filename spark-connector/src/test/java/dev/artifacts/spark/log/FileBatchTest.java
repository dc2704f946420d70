package dev.artifacts.spark.log;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.List;
import org.junit.jupiter.api.Test;

class FileBatchTest {
  @Test
  void filesSurviveJavaSerializationOfTheBatchInOrder() throws Exception {
    List<ListedFile> files =
        List.of(
            new ListedFile("file:/data/day=1/part 0.parquet", 1L << 33),
            new ListedFile("s3a://bucket/cités/ünïcödé 😀.csv", 0),
            new ListedFile("file:/data/_SUCCESS", 0));
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(FileBatch.of(files));
    }
    FileBatch back;
    try (ObjectInputStream in =
        new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
      back = (FileBatch) in.readObject();
    }

    assertThat(back.size()).isEqualTo(3);
    assertThat(back.files()).isEqualTo(files);
    assertThat(FileBatch.of(List.of()).files()).isEmpty();
  }
}
