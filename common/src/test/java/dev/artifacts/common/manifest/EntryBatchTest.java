package dev.artifacts.common.manifest;

import static dev.artifacts.common.testing.JavaSerialization.roundTrip;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EntryBatchTest {

  @Test
  void entriesSurviveJavaSerializationOfTheBatchUnchanged() throws Exception {
    List<ManifestEntry> entries =
        List.of(
            ManifestEntry.file("day=1/part-0.parquet", "1B2M2Y8AsgTpgAmY7PhCfg==", 0),
            ManifestEntry.reference(
                "cités/ünïcödé 😀.csv",
                "\"9bb58f26192e4ba00f01e2e7b136bbd8\"",
                "s3://bucket/cités/ünïcödé 😀.csv",
                12L,
                Map.of(
                    "etag",
                    "\"9bb58f26192e4ba00f01e2e7b136bbd8\"",
                    "versionID",
                    "v1",
                    "nested",
                    Map.of("list", List.of(1, "two", true)))),
            new ManifestEntry(
                "no-size", "ref-digest", "https://example.org/x", null, "QXJ0aWZhY3Q6MQ==", null));

    EntryBatch back = roundTrip(EntryBatch.of(entries));

    assertThat(back.size()).isEqualTo(3);
    assertThat(back.entries()).isEqualTo(entries);
  }

  @Test
  void anEmptyBatchHasNoEntries() throws Exception {
    EntryBatch back = roundTrip(EntryBatch.of(List.of()));

    assertThat(back.size()).isZero();
    assertThat(back.entries()).isEmpty();
  }
}
