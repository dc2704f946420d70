package dev.artifacts.examples;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.artifacts.common.digest.Digests;
import dev.artifacts.common.manifest.ManifestEntry;
import dev.artifacts.common.name.ArtifactPath;
import dev.artifacts.common.reference.FileUris;
import dev.artifacts.common.registry.ArtifactRegistries;
import dev.artifacts.common.registry.ArtifactRegistry;
import dev.artifacts.common.testing.S3ProxyServer;
import dev.artifacts.flink.sink.ArtifactSink;
import dev.artifacts.flink.sink.VersionPolicy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.connector.datagen.source.GeneratorFunction;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The same lines written with {@code storage=reference} by Spark ({@code format=text}) and by Flink
 * (a row encoder writing {@code line\n}) into the same local directory: both engines must record
 * the same reference entry for the same bytes (WANDB-FORMAT.md §3.4, {@code file://}).
 *
 * <p>The engines name their part files differently ({@code part-00000-000.txt} versus {@code
 * part-…-0-0.txt}), so the entries are compared member by member with the file name taken out of
 * {@code ref}: digest, size and extra must be equal and {@code ref} must be the same URI form of
 * the same directory. Then the two manifest files the registry stored are compared byte for byte
 * with each engine's own file name (the entry path and the last segment of {@code ref}) replaced by
 * one placeholder: everything else — member order, digest form, size, extra, the URI form of the
 * directory, the storage policy — must be identical. On {@code file:}, {@code s3a:} (S3Proxy) and
 * {@code hdfs:} (a MiniDFSCluster the test starts on 127.0.0.1).
 */
class CrossEngineReferenceWriteTest {
  private static final int LINES = 500;

  @TempDir static Path dir;
  private static String registry;
  private static SparkSession spark;

  @BeforeAll
  static void startSpark() {
    registry = dir.resolve("registry").toString();
    // Opened here so that Hadoop's shutdown hook does not belong to a Flink task's class loader.
    ArtifactRegistries.open(registry);
    spark =
        SparkSession.builder()
            .master("local[2]")
            .appName("cross-engine-reference-write")
            .config("spark.ui.enabled", "false")
            .config("spark.driver.host", "127.0.0.1")
            .config("spark.driver.bindAddress", "127.0.0.1")
            .config("spark.sql.shuffle.partitions", "1")
            .config("spark.artifact.registry", registry)
            .getOrCreate();
  }

  @AfterAll
  static void stopSpark() {
    spark.stop();
  }

  @Test
  void sparkAndFlinkRecordTheSameReferenceEntryForTheSameS3Object() throws Exception {
    try (S3ProxyServer s3 = S3ProxyServer.start(dir.resolve("s3"))) {
      org.apache.hadoop.conf.Configuration hadoop = s3.hadoopConf();
      org.apache.flink.configuration.Configuration flinkConf =
          new org.apache.flink.configuration.Configuration();
      for (Map.Entry<String, String> e : hadoop.getPropsWithPrefix("fs.s3a.").entrySet()) {
        spark.sparkContext().hadoopConfiguration().set("fs.s3a." + e.getKey(), e.getValue());
        // Flink has no s3a plugin here: its Hadoop fallback takes flink.hadoop.* keys.
        flinkConf.setString("flink.hadoop.fs.s3a." + e.getKey(), e.getValue());
      }
      // s3a is normally left to Flink's S3 plugins; this lets the Hadoop fallback serve it.
      flinkConf.setString("fs.allowed-fallback-filesystems", "s3a");
      org.apache.flink.core.fs.FileSystem.initialize(flinkConf, null);
      try {
        String location = "s3a://" + s3.bucket() + "/shared/out";
        List<String> lines = lines();
        writeWithSpark("cross/s3/spark", location, lines);
        writeWithFlink("cross/s3/flink", location, flinkConf);

        ManifestEntry fromSpark = onlyEntry("cross/s3/spark:latest");
        ManifestEntry fromFlink = onlyEntry("cross/s3/flink:latest");
        byte[] expected = String.join("\n", lines).concat("\n").getBytes(UTF_8);
        // A single-part upload: the ETag is the hex MD5 of the bytes.
        String etag = Digests.base64ToHex(Digests.md5Base64(expected));
        assertThat(fromSpark.digest()).isEqualTo(etag);
        assertThat(fromFlink.digest()).isEqualTo(etag);
        assertThat(fromFlink.size()).isEqualTo(fromSpark.size()).isEqualTo((long) expected.length);
        assertThat(fromFlink.extra()).isEqualTo(fromSpark.extra()).isEqualTo(Map.of("etag", etag));
        String dirRef = "s3://" + s3.bucket() + "/shared/out/";
        try (org.apache.hadoop.fs.FileSystem fs =
            org.apache.hadoop.fs.FileSystem.newInstance(s3.root(), hadoop)) {
          for (ManifestEntry e : List.of(fromSpark, fromFlink)) {
            assertThat(e.ref()).startsWith(dirRef);
            String name = e.ref().substring(dirRef.length());
            assertThat(name).doesNotContain("/");
            String actual =
                S3ProxyServer.etag(fs, new org.apache.hadoop.fs.Path(location + "/" + name));
            assertThat(actual.replace("\"", "")).isEqualTo(etag);
          }
        }
        assertSameManifest("cross/s3/spark", "cross/s3/flink");
      } finally {
        org.apache.flink.core.fs.FileSystem.initialize(
            new org.apache.flink.configuration.Configuration(), null);
      }
    }
  }

  @Test
  void sparkAndFlinkRecordTheSameReferenceEntryForTheSameLocalFile() throws Exception {
    // A plus in the directory: Python's as_uri() encodes it, Path.toUri() does not. (No space:
    // Flink's sink wants the location as a URI, Spark's writer reads it as a Hadoop path string,
    // so a location with an escaped space names different directories in the two engines.)
    Path out = Files.createDirectories(dir.resolve("shared-out+1"));
    String location = out.toUri().toString();
    List<String> lines = lines();
    writeWithSpark("cross/ref/spark", location, lines);
    writeWithFlink("cross/ref/flink", location, new org.apache.flink.configuration.Configuration());

    ManifestEntry fromSpark = onlyEntry("cross/ref/spark:latest");
    ManifestEntry fromFlink = onlyEntry("cross/ref/flink:latest");

    byte[] expected = String.join("\n", lines).concat("\n").getBytes(UTF_8);
    assertThat(fromSpark.digest()).isEqualTo(Digests.md5Base64(expected));
    assertThat(fromFlink.digest()).isEqualTo(fromSpark.digest());
    assertThat(fromFlink.size()).isEqualTo(fromSpark.size()).isEqualTo((long) expected.length);
    assertThat(fromFlink.extra()).isEqualTo(fromSpark.extra()).isEmpty();
    assertThat(fromFlink.birthArtifactId()).isNull();
    assertThat(fromSpark.birthArtifactId()).isNull();
    String dirUri = FileUris.pythonUri(out.toAbsolutePath().toString()) + "/";
    assertThat(fromSpark.ref()).startsWith(dirUri);
    assertThat(fromFlink.ref()).startsWith(dirUri);
    // Each ref names the file its engine wrote, in Python's URI form.
    for (ManifestEntry e : List.of(fromSpark, fromFlink)) {
      String name = e.ref().substring(dirUri.length());
      assertThat(name).doesNotContain("/");
      assertThat(Files.readAllBytes(out.resolve(name))).isEqualTo(expected);
      assertThat(e.ref()).isEqualTo(FileUris.pythonUri(out.resolve(name).toString()));
    }
    assertSameManifest("cross/ref/spark", "cross/ref/flink");
  }

  @Test
  void sparkAndFlinkWriteTheSameManifestForTheSameHdfsFile() throws Exception {
    org.apache.hadoop.conf.Configuration conf = new org.apache.hadoop.conf.Configuration();
    conf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, dir.resolve("hdfs").toString());
    // Loopback only, ephemeral ports.
    conf.set("dfs.namenode.rpc-address", "127.0.0.1:0");
    conf.set("dfs.namenode.http-address", "127.0.0.1:0");
    conf.set("dfs.datanode.address", "127.0.0.1:0");
    conf.set("dfs.datanode.http.address", "127.0.0.1:0");
    conf.set("dfs.datanode.ipc.address", "127.0.0.1:0");
    MiniDFSCluster cluster =
        new MiniDFSCluster.Builder(conf).numDataNodes(1).checkDataNodeAddrConfig(true).build();
    try {
      cluster.waitActive();
      String location = cluster.getURI().toString() + "/shared/out";
      List<String> lines = lines();
      writeWithSpark("cross/hdfs/spark", location, lines);
      writeWithFlink(
          "cross/hdfs/flink", location, new org.apache.flink.configuration.Configuration());

      ManifestEntry fromSpark = onlyEntry("cross/hdfs/spark:latest");
      ManifestEntry fromFlink = onlyEntry("cross/hdfs/flink:latest");
      byte[] expected = String.join("\n", lines).concat("\n").getBytes(UTF_8);
      assertThat(fromSpark.digest()).isEqualTo(Digests.md5Base64(expected));
      assertThat(fromFlink.digest()).isEqualTo(fromSpark.digest());
      assertThat(fromFlink.size()).isEqualTo(fromSpark.size()).isEqualTo((long) expected.length);
      String dirRef = location + "/";
      org.apache.hadoop.fs.FileSystem fs = cluster.getFileSystem();
      for (ManifestEntry e : List.of(fromSpark, fromFlink)) {
        assertThat(e.ref()).startsWith(dirRef);
        String name = e.ref().substring(dirRef.length());
        assertThat(name).doesNotContain("/");
        try (java.io.InputStream in = fs.open(new org.apache.hadoop.fs.Path(e.ref()))) {
          assertThat(in.readAllBytes()).isEqualTo(expected);
        }
      }
      assertSameManifest("cross/hdfs/spark", "cross/hdfs/flink");
    } finally {
      cluster.shutdown();
    }
  }

  /**
   * The stored manifest files of the two collections' only versions are identical byte for byte
   * once each engine's file name is replaced by one placeholder.
   */
  private static void assertSameManifest(String sparkCollection, String flinkCollection)
      throws Exception {
    String spark = canonicalManifest(sparkCollection);
    String flink = canonicalManifest(flinkCollection);
    assertThat(spark).contains("\"<file>\"").contains("/<file>\"");
    assertThat(flink).isEqualTo(spark);
  }

  /** The stored manifest text of the collection's latest version, its file name replaced. */
  private static String canonicalManifest(String collection) throws Exception {
    ManifestEntry entry = onlyEntry(collection + ":latest");
    String name = entry.ref().substring(entry.ref().lastIndexOf('/') + 1);
    ArtifactPath path = ArtifactPath.parse(collection);
    Path manifests =
        Path.of(registry)
            .resolve(path.entity())
            .resolve(path.project())
            .resolve("collections")
            .resolve(path.name())
            .resolve("manifests");
    List<Path> files;
    try (java.util.stream.Stream<Path> s = Files.list(manifests)) {
      files = s.filter(f -> f.toString().endsWith(".json")).toList();
    }
    assertThat(files).as("manifest files of %s", collection).hasSize(1);
    String text = Files.readString(files.get(0), UTF_8);
    // The physical name first: the logical path may be a part of it.
    return text.replace("/" + name + "\"", "/<file>\"")
        .replace("\"" + entry.path() + "\"", "\"<file>\"");
  }

  private static List<String> lines() {
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < LINES; i++) {
      lines.add("line-" + i);
    }
    return lines;
  }

  private static void writeWithSpark(String artifact, String location, List<String> lines) {
    spark
        .createDataset(lines, Encoders.STRING())
        .coalesce(1)
        .write()
        .format("artifact")
        .mode(SaveMode.Overwrite)
        .option("format", "text")
        .option("storage", "reference")
        .option("location", location)
        .save(artifact);
  }

  private static void writeWithFlink(
      String artifact, String location, org.apache.flink.configuration.Configuration conf)
      throws Exception {
    StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(1, conf);
    env.setRuntimeMode(RuntimeExecutionMode.BATCH);
    env.fromSource(
            new DataGeneratorSource<>(
                (GeneratorFunction<Long, String>) i -> "line-" + i, LINES, Types.STRING),
            WatermarkStrategy.noWatermarks(),
            "lines")
        .sinkTo(
            ArtifactSink.<String>builder()
                .setRegistry(registry)
                .setArtifact(artifact)
                .setRowFormat((s, o) -> o.write((s + "\n").getBytes(UTF_8)), "txt")
                .setStorage("reference")
                .setLocation(location)
                .setVersionPolicy(VersionPolicy.END_OF_INPUT)
                .build());
    env.execute("flink-writes-references");
  }

  private static ManifestEntry onlyEntry(String path) throws Exception {
    try (ArtifactRegistry reg = ArtifactRegistries.open(registry)) {
      Map<String, ManifestEntry> byPath = new java.util.TreeMap<>();
      for (ManifestEntry e : reg.manifest(reg.resolve(ArtifactPath.parse(path))).entries()) {
        byPath.put(e.path(), e);
      }
      assertThat(byPath).as("entries of %s", path).hasSize(1);
      return byPath.values().iterator().next();
    }
  }
}
