package dev.artifacts.spark.log;

import static dev.artifacts.common.testing.JavaSerialization.roundTrip;
import static org.assertj.core.api.Assertions.assertThat;

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
    FileBatch back = roundTrip(FileBatch.of(files));

    assertThat(back.size()).isEqualTo(3);
    assertThat(back.files()).isEqualTo(files);
    assertThat(FileBatch.of(List.of()).files()).isEmpty();
  }
}
