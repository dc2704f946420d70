package dev.artifacts.common.registry.contract;

import dev.artifacts.common.name.ArtifactPath;
import dev.artifacts.common.registry.ArtifactRegistries;
import dev.artifacts.common.registry.ArtifactRegistry;
import dev.artifacts.common.registry.fs.CommitWorkerProperties;
import dev.artifacts.common.testing.S3ProxyServer;
import java.nio.file.Path;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/**
 * The contract on {@code s3a://} against S3Proxy (one server for the class), opened the way users
 * open it; the commit point is S3's conditional PUT ({@code S3PutIfAbsent}).
 */
class S3RegistryContractTest extends RegistryContractTest {
  @TempDir static Path serverDir;
  @TempDir static Path logs;

  private static S3ProxyServer s3;
  private static Configuration conf;
  private static String root;

  @BeforeAll
  static void startServer() throws Exception {
    s3 = S3ProxyServer.start(serverDir);
    conf = s3.hadoopConf();
    root = "s3a://" + s3.bucket() + "/contract";
  }

  @AfterAll
  static void stopServer() throws Exception {
    if (s3 != null) {
      // References and registries resolve s3a:// through the JVM's FileSystem cache too; the
      // bucket is unique to this server, so closing that instance affects no other test.
      FileSystem.get(s3.root(), conf).close();
      s3.close();
    }
  }

  @Override
  protected ArtifactRegistry openRegistry() {
    return ArtifactRegistries.open(root, conf, new NoReferences());
  }

  @Override
  protected Capabilities capabilities() {
    // Faults are injected through the local filesystem only (FaultyLocalFileSystem).
    return Capabilities.filesystem(false);
  }

  @Override
  protected void commitFromProcesses(ArtifactPath collection, int workers, int count)
      throws Exception {
    CommitterProcesses.run(
        root,
        CommitWorkerProperties.s3(s3.endpoint(), s3.accessKey(), s3.secretKey()),
        collection,
        workers,
        count,
        logs);
  }
}
