package dev.artifacts.common.reference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.artifacts.common.digest.Digests;
import dev.artifacts.common.digest.FileDigest;
import dev.artifacts.common.manifest.ManifestEntry;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The reference entry of a written file, per scheme (WANDB-FORMAT.md §3.4). */
class WrittenReferencesTest {
  private static final FileDigest HELLO = digest("hello\n");

  @Test
  void s3aRecordsTheEtagAsDigestAndExtraWithAnS3Uri() {
    ManifestEntry e =
        WrittenReferences.entry(
            "d=1/part-0.csv",
            URI.create("s3a://bucket/data/d=1/part-0.csv"),
            HELLO,
            "\"b1946ac92492d2347c6235b4d2611184\"");

    assertThat(e)
        .isEqualTo(
            ManifestEntry.reference(
                "d=1/part-0.csv",
                "b1946ac92492d2347c6235b4d2611184",
                "s3://bucket/data/d=1/part-0.csv",
                6L,
                Map.of("etag", "b1946ac92492d2347c6235b4d2611184")));
  }

  @Test
  void s3AndS3nAreTheSameRuleAndMultipartSuffixIsKept() {
    String etag = "e5a8c5272b26fc10581a21089559b006-2";
    ManifestEntry viaS3 =
        WrittenReferences.entry("f", URI.create("s3://b/k/f"), HELLO, "\"" + etag + "\"");
    ManifestEntry viaS3n = WrittenReferences.entry("f", URI.create("S3N://b/k/f"), HELLO, etag);

    assertThat(viaS3.digest()).isEqualTo(etag);
    assertThat(viaS3.ref()).isEqualTo("s3://b/k/f");
    assertThat(viaS3n).isEqualTo(viaS3);
  }

  @Test
  void s3KeysAreWrittenDecodedAsTheEnginesPathsPrintThem() {
    // Hadoop's and Flink's Path.toUri() quote a space as %20; the key itself has the space.
    ManifestEntry e =
        WrittenReferences.entry("f", URI.create("s3a://b/a%20b/x%25y.csv"), HELLO, "abc");

    assertThat(e.ref()).isEqualTo("s3://b/a b/x%y.csv");
  }

  @Test
  void s3WithoutAnEtagFallsBackToTheContentMd5WithoutExtra() {
    ManifestEntry e = WrittenReferences.entry("f", URI.create("s3a://b/k/f"), HELLO, null);

    assertThat(e.digest()).isEqualTo("sZRqySSS0jR8YjW00mERhA==");
    assertThat(e.ref()).isEqualTo("s3://b/k/f");
    assertThat(e.extra()).isEmpty();
    assertThat(WrittenReferences.entry("f", URI.create("s3a://b/k/f"), HELLO, "\"\"")).isEqualTo(e);
  }

  @Test
  void fileRecordsContentMd5AndPythonsFileUri() {
    // Both engines' file URIs (file:/x, file:///x) give Python's as_uri() form.
    ManifestEntry fromHadoop =
        WrittenReferences.entry("a", URI.create("file:/tmp/out/a%20b+c.txt"), HELLO, "ignored");
    ManifestEntry fromFlink =
        WrittenReferences.entry("a", URI.create("file:///tmp/out/a%20b+c.txt"), HELLO, null);

    assertThat(fromHadoop)
        .isEqualTo(
            ManifestEntry.reference(
                "a", "sZRqySSS0jR8YjW00mERhA==", "file:///tmp/out/a%20b%2Bc.txt", 6L, Map.of()));
    assertThat(fromFlink).isEqualTo(fromHadoop);
  }

  @Test
  void otherSchemesRecordContentMd5AndTheUnescapedHadoopUri() {
    ManifestEntry e =
        WrittenReferences.entry(
            "x", URI.create("hdfs://nn:8020/data/d=a%20b/part.csv"), HELLO, "\"etag\"");

    assertThat(e)
        .isEqualTo(
            ManifestEntry.reference(
                "x",
                "sZRqySSS0jR8YjW00mERhA==",
                "hdfs://nn:8020/data/d=a b/part.csv",
                6L,
                Map.of()));
    assertThat(WrittenReferences.entry("x", URI.create("hdfs:/data/p"), HELLO, null).ref())
        .isEqualTo("hdfs:/data/p");
  }

  @Test
  void onlyS3NeedsAnEtag() {
    assertThat(WrittenReferences.needsEtag(URI.create("s3a://b/k"))).isTrue();
    assertThat(WrittenReferences.needsEtag(URI.create("S3://b/k"))).isTrue();
    assertThat(WrittenReferences.needsEtag(URI.create("file:/k"))).isFalse();
    assertThat(WrittenReferences.needsEtag(URI.create("hdfs://nn/k"))).isFalse();
  }

  @Test
  void aLocationWithoutSchemeIsRejected() {
    assertThatThrownBy(() -> WrittenReferences.entry("p", URI.create("/tmp/x"), HELLO, null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("/tmp/x")
        .hasMessageContaining("no scheme");
  }

  private static FileDigest digest(String text) {
    try {
      return Digests.digest(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)));
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }
}
