package dev.artifacts.spark.log;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.util.SerializableConfiguration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileTasksTest {
  @TempDir Path dir;

  @Test
  void localListingGivesTheSamePathStringsAsHadoop() throws IOException {
    List<String> names =
        List.of(
            "day=1/part 0.parquet",
            "day=1/.part 0.parquet.crc",
            "city=S%C3%A3o Paulo/x#1.csv",
            "deep/er/still/ünïcödé 😀.json",
            "top.txt");
    for (String name : names) {
      Path file = dir.resolve(name);
      Files.createDirectories(file.getParent());
      Files.writeString(file, name);
    }
    SerializableConfiguration conf = new SerializableConfiguration(new Configuration());
    String root = new org.apache.hadoop.fs.Path(dir.toUri()).toString();

    List<ListedFile> listed = FileTasks.listRecursively(root, conf);

    List<String> expected;
    try (Stream<Path> walk = Files.walk(dir)) {
      expected =
          walk.filter(Files::isRegularFile)
              .map(p -> new org.apache.hadoop.fs.Path(p.toUri()).toString())
              .sorted()
              .toList();
    }
    assertThat(listed.stream().map(ListedFile::path).sorted().toList())
        .hasSize(names.size())
        .isEqualTo(expected);
    assertThat(listed)
        .filteredOn(f -> f.path().endsWith("/top.txt"))
        .singleElement()
        .extracting(ListedFile::size)
        .isEqualTo((long) "top.txt".length());
  }

  @Test
  void aFileGivenAsTheSourceIsListedAsItself() throws IOException {
    Path file = Files.writeString(dir.resolve("only one.csv"), "a,b\n");
    String hadoop = new org.apache.hadoop.fs.Path(file.toUri()).toString();

    assertThat(
            FileTasks.listRecursively(hadoop, new SerializableConfiguration(new Configuration())))
        .containsExactly(new ListedFile(hadoop, 4));
  }
}
