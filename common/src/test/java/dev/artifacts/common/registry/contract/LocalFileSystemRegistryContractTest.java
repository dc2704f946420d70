package dev.artifacts.common.registry.contract;

import dev.artifacts.common.name.ArtifactPath;
import dev.artifacts.common.registry.ArtifactRegistry;
import dev.artifacts.common.registry.fs.FaultyLocalFileSystem;
import dev.artifacts.common.registry.fs.FileSystemRegistry;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.io.TempDir;

/** The contract on the local filesystem, with crash points injected through its filesystem. */
class LocalFileSystemRegistryContractTest extends RegistryContractTest {
  // One root per test: gc (run at every crash point) then scans only this test's files.
  @TempDir Path root;
  @TempDir static Path logs;

  @Override
  protected ArtifactRegistry openRegistry() {
    return FileSystemRegistry.open(root.toString(), new Configuration(), new NoReferences());
  }

  @Override
  protected Capabilities capabilities() {
    return Capabilities.filesystem(true);
  }

  @Override
  protected void commitFromProcesses(ArtifactPath collection, int workers, int count)
      throws Exception {
    CommitterProcesses.run(root.toString(), List.of(), collection, workers, count, logs);
  }

  @Override
  protected CrashingRegistry crashingRegistry(int n) {
    FaultyLocalFileSystem fs = new FaultyLocalFileSystem();
    FileSystemRegistry crashing = fs.registry(root);
    fs.crashAt(n);
    return new CrashingRegistry() {
      @Override
      public ArtifactRegistry registry() {
        return crashing;
      }

      @Override
      public int changes() {
        return fs.changes();
      }

      @Override
      public boolean crashed() {
        return fs.crashed();
      }

      @Override
      public java.util.Set<String> storedBodies(String entity, String project) throws IOException {
        return StoredBodies.of(fs, new org.apache.hadoop.fs.Path(root.toUri()), entity, project);
      }

      @Override
      public List<String> fsckProblems() {
        try (FileSystemRegistry check =
            FileSystemRegistry.open(root.toString(), new Configuration(), new NoReferences())) {
          return StoredBodies.problems(check);
        } catch (IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      }
    };
  }
}
