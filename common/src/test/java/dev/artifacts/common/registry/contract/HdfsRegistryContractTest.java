package dev.artifacts.common.registry.contract;

import dev.artifacts.common.name.ArtifactPath;
import dev.artifacts.common.registry.ArtifactRegistry;
import dev.artifacts.common.registry.fs.FileSystemRegistry;
import java.io.File;
import java.nio.file.Path;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/**
 * The contract on a real HDFS: a one-datanode MiniDFSCluster on 127.0.0.1 (ephemeral ports),
 * started once for the class. The commit point here is {@code RenamePutIfAbsent} (HDFS rename does
 * not replace), and alias and label files are replaced by delete-then-rename.
 */
class HdfsRegistryContractTest extends RegistryContractTest {
  @TempDir static Path clusterDir;
  @TempDir static Path logs;

  private static MiniDFSCluster cluster;
  private static Configuration conf;
  private static String root;

  @BeforeAll
  static void startCluster() throws Exception {
    conf = new Configuration();
    conf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, new File(clusterDir.toFile(), "dfs").getPath());
    // Loopback only, ephemeral ports: nothing reachable from outside the machine.
    conf.set("dfs.namenode.rpc-address", "127.0.0.1:0");
    conf.set("dfs.namenode.http-address", "127.0.0.1:0");
    conf.set("dfs.datanode.address", "127.0.0.1:0");
    conf.set("dfs.datanode.http.address", "127.0.0.1:0");
    conf.set("dfs.datanode.ipc.address", "127.0.0.1:0");
    conf.setInt("dfs.replication", 1);
    cluster =
        new MiniDFSCluster.Builder(conf)
            .numDataNodes(1)
            .checkDataNodeAddrConfig(true)
            .format(true)
            .build();
    cluster.waitActive();
    root = "hdfs://127.0.0.1:" + cluster.getNameNodePort() + "/contract";
  }

  @AfterAll
  static void stopCluster() {
    if (cluster != null) {
      cluster.shutdown(true);
    }
  }

  @Override
  protected ArtifactRegistry openRegistry() {
    return FileSystemRegistry.open(root, conf, new NoReferences());
  }

  @Override
  protected Capabilities capabilities() {
    // Faults are injected through the local filesystem only (FaultyLocalFileSystem).
    return Capabilities.filesystem(false);
  }

  @Override
  protected void commitFromProcesses(ArtifactPath collection, int workers, int count)
      throws Exception {
    CommitterProcesses.run(root, List.of(), collection, workers, count, logs);
  }
}
