package dev.artifacts.common.registry.fs;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.artifacts.common.name.ArtifactPath;
import dev.artifacts.common.registry.ArtifactDraft;
import dev.artifacts.common.testing.S3ProxyServer;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.URI;
import java.nio.file.Path;
import org.apache.hadoop.conf.Configuration;

/**
 * A separate committer process for the multi-process tests: {@code <root> <collection> <worker>
 * <count>} commits {@code count} versions with content unique to this worker, printing each version
 * name on its own line.
 *
 * <p>{@code root} is a local path, or a URI ({@code s3a://bucket/prefix}, {@code
 * hdfs://127.0.0.1:port/path}). For {@code s3a://} the system properties {@value #ENDPOINT},
 * {@value #ACCESS_KEY} and {@value #SECRET_KEY} name the parent's S3Proxy, and the Hadoop
 * configuration is built exactly as the parent's ({@link S3ProxyServer#hadoopConf(URI, String,
 * String)}).
 *
 * <p>With {@code -D}{@value #GATE}{@code =stdin} the worker opens the registry, prints {@value
 * #READY} and waits for one line on stdin before committing, so that a parent can release all
 * workers at once after their JVMs have started.
 */
public final class CommitWorker {
  static final String ENDPOINT = "worker.s3.endpoint";
  static final String ACCESS_KEY = "worker.s3.accessKey";
  static final String SECRET_KEY = "worker.s3.secretKey";
  static final String GATE = "worker.gate";
  static final String READY = "ready";

  private CommitWorker() {}

  public static void main(String[] args) throws Exception {
    String root = args[0];
    ArtifactPath collection = ArtifactPath.parse(args[1]);
    String worker = args[2];
    int count = Integer.parseInt(args[3]);
    try (FileSystemRegistry registry = open(root)) {
      if ("stdin".equals(System.getProperty(GATE))) {
        System.out.println(READY);
        System.out.flush();
        String go = new BufferedReader(new InputStreamReader(System.in, UTF_8)).readLine();
        if (go == null) {
          throw new IllegalStateException("stdin closed before the start signal");
        }
      }
      for (int i = 0; i < count; i++) {
        ArtifactDraft draft = registry.newDraft(collection, "dataset");
        try (OutputStream out = draft.newFile("part-" + worker + "-" + i)) {
          out.write(content(worker, i).getBytes(UTF_8));
        }
        System.out.println(registry.commit(draft).version());
        System.out.flush();
      }
    }
  }

  /** The bytes worker {@code worker} commits as its {@code i}-th version. */
  static String content(String worker, int i) {
    return "worker " + worker + " commit " + i;
  }

  private static FileSystemRegistry open(String root) {
    if (root.startsWith("hdfs://")) {
      return FileSystemRegistry.open(root, new Configuration(), new FakeReferences());
    }
    if (!root.startsWith("s3a://")) {
      return RegistryFixtures.open(Path.of(root), new FakeReferences());
    }
    Configuration conf =
        S3ProxyServer.hadoopConf(
            URI.create(required(ENDPOINT)), required(ACCESS_KEY), required(SECRET_KEY));
    return FileSystemRegistry.open(root, conf, new FakeReferences());
  }

  private static String required(String property) {
    String value = System.getProperty(property);
    if (value == null || value.isEmpty()) {
      throw new IllegalArgumentException("System property " + property + " is required for s3a");
    }
    return value;
  }
}
