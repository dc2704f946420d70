package dev.artifacts.flink.source;

import dev.artifacts.common.registry.HadoopShutdownHook;
import dev.artifacts.common.registry.wandb.WandbBodyFileSystem;
import java.io.IOException;
import java.net.URI;
import org.apache.flink.annotation.Internal;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.FileSystemFactory;
import org.apache.flink.runtime.fs.hdfs.HadoopFileSystem;

/**
 * Gives Flink the {@code wandbbody:} scheme of W&amp;B-stored entry bodies (see {@link
 * WandbBodyFileSystem}), registered through {@code META-INF/services}. Flink's own Hadoop fallback
 * cannot serve it: it refuses URIs without an authority unless {@code fs.defaultFS} supplies one,
 * and a body URI has none (it carries the server's base URL in its path). Flink discovers this
 * factory on its own classpath, so the connector jar belongs in Flink's {@code lib/}.
 */
@Internal
public final class WandbBodyFileSystemFactory implements FileSystemFactory {
  @Override
  public String getScheme() {
    return WandbBodyFileSystem.SCHEME;
  }

  @Override
  public FileSystem create(URI fsUri) throws IOException {
    // A task reading W&B bodies may be this process's first Hadoop user (HadoopShutdownHook).
    HadoopShutdownHook.initialize();
    org.apache.hadoop.conf.Configuration conf = new org.apache.hadoop.conf.Configuration();
    WandbBodyFileSystem fs = new WandbBodyFileSystem();
    // As Hadoop's FileSystem.get does: open(Path) reads the buffer size from the configuration.
    fs.setConf(conf);
    fs.initialize(fsUri, conf);
    return new HadoopFileSystem(fs);
  }
}
