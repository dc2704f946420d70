package dev.artifacts.spark.log;

import dev.artifacts.common.ArtifactException;
import dev.artifacts.common.options.ArtifactOptions;
import dev.artifacts.common.registry.CommitResult;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.SparkSession;

/**
 * {@code spark-submit --class dev.artifacts.spark.log.LogExistingData artifact-spark.jar --source
 * URI --name entity/project/name [--registry URI] [--type T] [--alias A]... [--tag T]...
 * [--description D] [--metadata JSON] [--reference] [--run NAME]}: logs a directory or bucket
 * prefix as one version (see {@link ExistingData}) and prints the committed version on the last
 * line of standard output.
 */
public final class LogExistingData {
  private LogExistingData() {}

  public static void main(String[] args) {
    Map<String, String> options = new HashMap<>();
    List<String> aliases = new ArrayList<>();
    List<String> tags = new ArrayList<>();
    String source = null;
    String name = null;
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (a.equals("--reference")) {
        options.put(ArtifactOptions.STORAGE, "reference");
        continue;
      }
      if (i + 1 >= args.length) {
        usage("Option " + a + " needs a value");
      }
      String v = args[++i];
      switch (a) {
        case "--source" -> source = v;
        case "--name" -> name = v;
        case "--registry" -> options.put(ArtifactOptions.REGISTRY, v);
        case "--type" -> options.put(ArtifactOptions.TYPE, v);
        case "--alias" -> aliases.add(v);
        case "--tag" -> tags.add(v);
        case "--description" -> options.put(ArtifactOptions.DESCRIPTION, v);
        case "--metadata" -> options.put(ArtifactOptions.METADATA, v);
        case "--run" -> options.put(ArtifactOptions.RUN, v);
        default -> usage("Unknown option " + a);
      }
    }
    if (source == null || name == null) {
      usage("--source and --name are required");
    }
    options.put(ArtifactOptions.ALIASES, String.join(",", aliases));
    options.put(ArtifactOptions.TAGS, String.join(",", tags));
    SparkSession spark = SparkSession.builder().appName("log " + name).getOrCreate();
    try {
      CommitResult result = ExistingData.log(spark, source, name, options);
      System.out.println(result.version().path());
    } catch (ArtifactException e) {
      System.err.println("artifact: " + e.getMessage());
      spark.stop();
      System.exit(1);
    }
    spark.stop();
  }

  private static void usage(String message) {
    System.err.println("artifact: " + message);
    System.err.println(
        "Usage: LogExistingData --source URI --name entity/project/name [--registry URI]"
            + " [--type T] [--alias A]... [--tag T]... [--description D] [--metadata JSON]"
            + " [--reference] [--run NAME]");
    System.exit(2);
  }
}
