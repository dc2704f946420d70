package dev.artifacts.common.registry;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.artifacts.common.ArtifactException;
import dev.artifacts.common.name.ArtifactPath;
import dev.artifacts.common.registry.ArtifactRegistries.Contents;
import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Opening registries: setup mistakes in one line, and what a location holds. */
class ArtifactRegistriesTest {
  @TempDir Path tmp;

  @Test
  void aSchemeThatCannotHoldARegistryIsRefusedBeforeConnecting() {
    assertThatThrownBy(() -> ArtifactRegistries.open("ftp://files.invalid/registry"))
        .isInstanceOf(ArtifactException.InvalidInput.class)
        .hasMessage(
            "Invalid registry location 'ftp://files.invalid/registry': scheme 'ftp' cannot hold a"
                + " registry (no atomic create-once for commits); use a local path, a file:, hdfs:"
                + " or s3a: URI, or 'wandb' for a W&B server");
    assertThatThrownBy(() -> ArtifactRegistries.open("SFTP://h/r"))
        .isInstanceOf(ArtifactException.InvalidInput.class)
        .hasMessageContaining("scheme 'sftp'");
  }

  @Test
  void aSchemeWithoutAFilesystemNamesTheSchemeAndTheFix() {
    assertThatThrownBy(() -> ArtifactRegistries.open("gs://bucket/registry"))
        .isExactlyInstanceOf(ArtifactException.class)
        .hasMessageStartingWith("Cannot open registry gs://bucket/registry: ")
        .hasMessageContaining("no Hadoop filesystem for scheme 'gs'")
        .hasMessageContaining("file:, hdfs: or s3a:")
        .hasMessageContaining("connector jar");
    assertThatThrownBy(() -> ArtifactRegistries.open("s3://bucket/registry"))
        .hasMessageContaining("no Hadoop filesystem for scheme 's3'")
        .hasMessageContaining("use s3a://BUCKET/PATH");
  }

  @Test
  void anUnknownHdfsHostIsNamed() {
    // .invalid never resolves (RFC 2606).
    assertThatThrownBy(() -> ArtifactRegistries.open("hdfs://namenode.invalid:8020/registry"))
        .isExactlyInstanceOf(ArtifactException.class)
        .hasMessageStartingWith("Cannot open registry hdfs://namenode.invalid:8020/registry: ")
        .hasMessageContaining("unknown host 'namenode.invalid'")
        .hasMessageContaining("check the host name");
  }

  @Test
  void s3aWithoutHadoopAwsSaysWhichJarsToAdd() {
    Configuration conf = new Configuration();
    conf.get("fs.s3a.impl"); // load core-default.xml while Hadoop's own loader can
    // A loader that cannot see hadoop-aws: what a classpath without the jar looks like to Hadoop.
    conf.setClassLoader(new URLClassLoader(new URL[0], ClassLoader.getPlatformClassLoader()));
    assertThatThrownBy(() -> ArtifactRegistries.open("s3a://bucket/registry", conf))
        .isExactlyInstanceOf(ArtifactException.class)
        .hasMessageStartingWith(
            "Cannot open registry s3a://bucket/registry: the s3a filesystem is not on the"
                + " classpath (Class org.apache.hadoop.fs.s3a.S3AFileSystem not found); put"
                + " org.apache.hadoop:hadoop-aws:3.3.4 and the com.amazonaws:aws-java-sdk-bundle")
        .hasMessageContaining("--packages org.apache.hadoop:hadoop-aws:3.3.4");
  }

  @Test
  void aMissingAwsSdkIsNamed() {
    var translated =
        RegistrySetupErrors.translate(
            "s3a://b/r", new NoClassDefFoundError("com/amazonaws/auth/AWSCredentialsProvider"));
    assertThat(translated).isPresent();
    assertThat(translated.get().getMessage())
        .startsWith("Cannot open registry s3a://b/r: the AWS SDK is not on the classpath")
        .contains("com.amazonaws:aws-java-sdk-bundle");
  }

  @Test
  void otherFailuresPassThroughUnchanged() {
    assertThat(RegistrySetupErrors.translate("/x", new IllegalStateException("boom"))).isEmpty();
    assertThat(RegistrySetupErrors.scheme("C:\\registry")).isEmpty();
    assertThat(RegistrySetupErrors.scheme("HDFS://nn/r")).contains("hdfs");
  }

  @Test
  void contentsTellsNothingFromAFileFromOtherFilesFromARegistry() throws IOException {
    Configuration conf = new Configuration();
    assertThat(contents(tmp.resolve("absent"), conf)).isEqualTo(Contents.NOTHING);
    Files.createDirectories(tmp.resolve("empty"));
    assertThat(contents(tmp.resolve("empty"), conf)).isEqualTo(Contents.NOTHING);
    Files.writeString(tmp.resolve("file"), "x");
    // A file is refused when the registry is opened, before anything can look inside it.
    assertThatThrownBy(() -> contents(tmp.resolve("file"), conf))
        .isInstanceOf(ArtifactException.InvalidInput.class)
        .hasMessageContaining("it is a file, not a directory");
    // Two levels of directories, like <entity>/<project>, but none of a registry's directories.
    Files.createDirectories(tmp.resolve("data/2024/01"));
    Files.writeString(tmp.resolve("data/2024/01/part-0.csv"), "id\n");
    assertThat(contents(tmp.resolve("data"), conf)).isEqualTo(Contents.NOT_A_REGISTRY);

    Path root = tmp.resolve("registry");
    try (ArtifactRegistry registry = ArtifactRegistries.open(root.toString())) {
      assertThat(ArtifactRegistries.contents(registry, conf)).isEqualTo(Contents.NOTHING);
      ArtifactVersion v = commitOneVersion(registry);
      assertThat(ArtifactRegistries.contents(registry, conf)).isEqualTo(Contents.REGISTRY);
      registry.recordUse(new RunInfo("run-1", "reader", "test", null, Map.of()), v);
      registry.gc(Duration.ZERO, false, true);
      registry.deleteCollection(v.path().withAlias(null));
      assertThat(ArtifactRegistries.contents(registry, conf)).isEqualTo(Contents.REGISTRY);
    }
    // The probe's copy of the layout must name every directory the registry writes.
    Set<String> written = new HashSet<>();
    try (Stream<Path> projects = Files.list(root.resolve("acme/etl"))) {
      projects.forEach(p -> written.add(p.getFileName().toString()));
    }
    assertThat(ArtifactRegistries.LAYOUT_DIRECTORIES).containsAll(written);
  }

  @Test
  void anotherBackendIsARegistryWithoutLookingAtFiles() throws IOException {
    ArtifactReader registry = new InMemoryRegistry(null);
    assertThat(ArtifactRegistries.contents(registry, new Configuration()))
        .isEqualTo(Contents.REGISTRY);
  }

  private static Contents contents(Path location, Configuration conf) throws IOException {
    try (ArtifactRegistry registry = ArtifactRegistries.open(location.toString())) {
      return ArtifactRegistries.contents(registry, conf);
    }
  }

  private ArtifactVersion commitOneVersion(ArtifactRegistry registry) throws IOException {
    Path data = tmp.resolve("events");
    Files.createDirectories(data);
    Files.writeString(data.resolve("a.csv"), "id\n1\n", UTF_8);
    ArtifactDraft draft =
        registry.newDraft(ArtifactPath.parse("acme/etl/events", Map.of()), "dataset");
    draft.addDir(data, null);
    return registry.commit(draft).version();
  }
}
