package dev.artifacts.flink;

import dev.artifacts.common.ArtifactException;
import java.util.Locale;
import org.apache.flink.annotation.Internal;

/**
 * Checks, when a source or sink is built (so at planning, on the client), that the classes the
 * embedded registry needs are on Flink's classpath. Without them a job fails only at run time with
 * a bare {@code NoClassDefFoundError} ({@code org/apache/hadoop/conf/Configuration} with no Hadoop;
 * {@code org/apache/commons/logging/LogFactory} with {@code hadoop-client-api} and {@code
 * hadoop-client-runtime} alone, because Hadoop's {@code FileSystem} logs through commons-logging,
 * which Flink's distribution does not ship).
 */
@Internal
public final class HadoopClasspath {
  /** What to add, as the README's Flink deployment section lists it. */
  public static final String FIX =
      "export HADOOP_CLASSPATH=$(hadoop classpath) before starting Flink, or put"
          + " hadoop-client-api-3.3.x.jar, hadoop-client-runtime-3.3.x.jar and"
          + " commons-logging-1.x.jar into Flink's lib/";

  private HadoopClasspath() {}

  /**
   * Fails naming what to add when Hadoop or commons-logging is missing. The W&amp;B server backend
   * ({@code wandb}, {@code http(s)://}) is not checked: it does not store through Hadoop.
   *
   * @param subject what is being built, e.g. {@code the sink of acme/etl/events}
   */
  public static void require(String registryUri, String subject) {
    String uri = registryUri.trim().toLowerCase(Locale.ROOT);
    if (uri.equals("wandb") || uri.startsWith("http://") || uri.startsWith("https://")) {
      return;
    }
    ClassLoader loader = HadoopClasspath.class.getClassLoader();
    String missing = null;
    if (!present("org.apache.hadoop.conf.Configuration", loader)) {
      missing = "Hadoop (org.apache.hadoop.conf.Configuration)";
    } else if (!present("org.apache.commons.logging.LogFactory", loader)) {
      missing =
          "commons-logging (org.apache.commons.logging.LogFactory, used by Hadoop's FileSystem)";
    }
    if (missing != null) {
      throw new ArtifactException.InvalidInput(
          "Cannot build "
              + subject
              + ": "
              + missing
              + " is not on Flink's classpath, and registry "
              + registryUri
              + " is read and written through Hadoop's FileSystem (file: included); "
              + FIX);
    }
  }

  private static boolean present(String className, ClassLoader loader) {
    try {
      Class.forName(className, false, loader);
      return true;
    } catch (ClassNotFoundException | LinkageError e) {
      return false;
    }
  }
}
