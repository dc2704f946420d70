package dev.artifacts.spark.shaded;

import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;

/**
 * One Spark application appending {@code rounds} batches of 10 rows to one collection; run twice at
 * once by {@link ConcurrentApplicationsIT}.
 */
public final class AppendMain {
  private AppendMain() {}

  public static void main(String[] args) {
    String registry = args[0];
    int app = Integer.parseInt(args[1]);
    int rounds = Integer.parseInt(args[2]);
    SparkSession spark =
        SparkSession.builder()
            .master("local[1]")
            .appName("append-app-" + app)
            .config("spark.ui.enabled", "false")
            .config("spark.sql.shuffle.partitions", "1")
            .getOrCreate();
    try {
      for (int r = 0; r < rounds; r++) {
        long start = app * 1_000_000L + r * 10L;
        spark
            .range(start, start + 10, 1, 1)
            .selectExpr("id", "cast(" + app + " as int) as app")
            .write()
            .format("artifact")
            .option("registry", registry)
            .mode(SaveMode.Append)
            .save("apps/test/shared");
      }
      System.out.println("APPENDED " + app);
    } finally {
      spark.stop();
    }
  }
}
