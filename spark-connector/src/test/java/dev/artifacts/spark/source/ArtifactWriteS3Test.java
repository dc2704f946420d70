package dev.artifacts.spark.source;

import static org.assertj.core.api.Assertions.assertThat;

import dev.artifacts.common.digest.Digests;
import dev.artifacts.common.manifest.ManifestEntry;
import dev.artifacts.common.registry.ArtifactRegistries;
import dev.artifacts.common.registry.ArtifactRegistry;
import dev.artifacts.common.registry.ArtifactVersion;
import dev.artifacts.common.testing.S3ProxyServer;
import dev.artifacts.spark.ArtifactWriter;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.RemoteIterator;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reference storage on a real S3 API (S3Proxy, local) through {@code s3a://}. */
class ArtifactWriteS3Test {
  @TempDir static Path tmp;
  private static S3ProxyServer s3;
  private static SparkSession spark;

  @BeforeAll
  static void start() throws Exception {
    s3 = S3ProxyServer.start(tmp.resolve("s3"));
    spark = WriteTesting.session("local[2]");
    for (Map.Entry<String, String> e : s3.hadoopConf().getPropsWithPrefix("fs.s3a.").entrySet()) {
      spark.sparkContext().hadoopConfiguration().set("fs.s3a." + e.getKey(), e.getValue());
    }
  }

  @AfterAll
  static void stop() {
    if (spark != null) {
      spark.stop();
    }
    if (s3 != null) {
      s3.close();
    }
  }

  @Test
  void referencesAreS3UrisWithEtags() throws Exception {
    String registryUri = tmp.resolve("registry").toUri().toString();
    String location = "s3a://" + s3.bucket() + "/tables/events";
    ArtifactVersion v =
        ArtifactWriter.write(
            spark.range(0, 30, 1, 2).selectExpr("id", "cast(id % 2 as string) as day"),
            "acme/etl/s3-events",
            Map.of("registry", registryUri, "storage", "reference", "location", location),
            SaveMode.Overwrite,
            "day");

    Configuration conf = s3.hadoopConf();
    try (FileSystem fs = FileSystem.newInstance(s3.root(), conf);
        ArtifactRegistry registry = ArtifactRegistries.open(registryUri, conf)) {
      List<ManifestEntry> entries = registry.manifest(v).entries();
      assertThat(entries).hasSize(4);
      for (ManifestEntry e : entries) {
        assertThat(e.ref()).startsWith("s3://" + s3.bucket() + "/tables/events/day=");
        org.apache.hadoop.fs.Path object =
            new org.apache.hadoop.fs.Path("s3a" + e.ref().substring("s3".length()));
        String etag = S3ProxyServer.etag(fs, object).replace("\"", "");
        assertThat(e.digest()).isEqualTo(etag);
        assertThat(e.extra()).containsEntry("etag", etag);
        byte[] body;
        try (InputStream in = fs.open(object)) {
          body = in.readAllBytes();
        }
        // Single-part uploads: the ETag is the hex MD5 of what the task hashed while writing.
        assertThat(Digests.hexToBase64(etag)).isEqualTo(Digests.md5Base64(body));
        assertThat(e.size()).isEqualTo((long) body.length);
      }
      // Nothing but the referenced objects was left under the location.
      int objects = 0;
      RemoteIterator<LocatedFileStatus> it =
          fs.listFiles(new org.apache.hadoop.fs.Path(location), true);
      while (it.hasNext()) {
        FileStatus s = it.next();
        if (s.getLen() > 0) {
          objects++;
        }
      }
      assertThat(objects).isEqualTo(entries.size());
    }
  }
}
