package dev.artifacts.spark.shaded;

import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;

/**
 * One write and read through {@code format("artifact")}, run by {@link ShadedJarIT} in a JVM whose
 * classpath holds Spark and {@code artifact-spark.jar} but none of the project's classes.
 */
public final class RoundTripMain {
  private RoundTripMain() {}

  public static void main(String[] args) {
    String registry = args[0];
    SparkSession spark =
        SparkSession.builder()
            .master("local[2]")
            .appName("shaded-jar-round-trip")
            .config("spark.ui.enabled", "false")
            .config("spark.sql.shuffle.partitions", "2")
            .getOrCreate();
    try {
      spark
          .range(0, 100)
          .selectExpr("id", "cast(id % 3 as int) as part")
          .write()
          .format("artifact")
          .option("registry", registry)
          .mode(SaveMode.ErrorIfExists) // creates the partitioned collection
          .partitionBy("part")
          .save("shaded/test/numbers");
      List<Row> rows =
          spark
              .read()
              .format("artifact")
              .option("registry", registry)
              .load("shaded/test/numbers:latest")
              .selectExpr("count(*)", "sum(id)", "count(distinct part)")
              .collectAsList();
      Row r = rows.get(0);
      System.out.println("ROUND-TRIP " + r.getLong(0) + " " + r.getLong(1) + " " + r.getLong(2));
    } finally {
      spark.stop();
    }
  }
}
