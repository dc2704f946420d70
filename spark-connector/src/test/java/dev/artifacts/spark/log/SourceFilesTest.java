package dev.artifacts.spark.log;

import static org.assertj.core.api.Assertions.assertThat;

import dev.artifacts.spark.source.OpenLineageDatasets;
import io.openlineage.client.utils.DatasetIdentifier;
import io.openlineage.client.utils.filesystem.FilesystemDatasetUtils;
import java.net.URI;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SourceFilesTest {
  /**
   * The source location is named as OpenLineage names a location (its own filesystem naming), so
   * that logging a directory and reading it with Spark's file sources name the same dataset.
   */
  @Test
  void locationsAreNamedAsOpenLineageNamesThem() {
    for (String location :
        new String[] {
          "file:/data/raw/events",
          "file:/",
          "s3://bucket/prefix/day=1",
          "s3a://bucket/prefix",
          "gs://bucket/a/b",
          "hdfs://namenode:8020/warehouse/events",
        }) {
      URI uri = URI.create(location);
      DatasetIdentifier expected = FilesystemDatasetUtils.fromLocation(uri);
      Map<String, String> actual = SourceFiles.locationDataset(uri);
      assertThat(actual)
          .as(location)
          .containsEntry(OpenLineageDatasets.NAMESPACE, expected.getNamespace())
          .containsEntry(OpenLineageDatasets.NAME, expected.getName());
    }
  }
}
