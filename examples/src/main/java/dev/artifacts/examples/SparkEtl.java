package dev.artifacts.examples;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.to_date;

import dev.artifacts.common.name.ArtifactPath;
import dev.artifacts.common.registry.ArtifactRegistries;
import dev.artifacts.common.registry.ArtifactRegistry;
import dev.artifacts.common.registry.ArtifactVersion;
import dev.artifacts.common.registry.RunInfo;
import dev.artifacts.spark.ArtifactWriter;
import dev.artifacts.spark.log.ExistingData;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;

/**
 * A Spark ETL on the embedded registry: raw CSV files are logged as {@code demo/etl/raw-events}
 * (hashed on the executors); a job reads {@code raw-events:latest} through {@code
 * format("artifact")}, cleans it, and writes {@code demo/etl/clean-events} partitioned by day (v0);
 * the raw input changes, is logged again, and the job runs again (v1); finally {@code :latest} and
 * {@code :v0} are read back and the lineage is printed.
 *
 * <p>Usage: see the README ({@code java … dev.artifacts.examples.SparkEtl [WORKDIR]}, default
 * {@code ./demo-spark}; the registry is {@code WORKDIR/registry}, recreated on each run).
 */
public final class SparkEtl {
  private static final PrintStream OUT = new PrintStream(System.out, true, UTF_8);

  private SparkEtl() {}

  public static void main(String[] args) throws IOException {
    Path work = ExampleArgs.workDir(args, "demo-spark");
    WorkDirs.deleteRecursively(work);
    Path raw = work.resolve("raw");
    String registry = work.resolve("registry").toString();
    writeRawDay(raw, "2024-01-01", "alice,view,0\nalice,buy,12.50\nbob,view,0\nbad-row\n");
    writeRawDay(raw, "2024-01-02", "bob,buy,3.20\ncarol,view,0\n");

    SparkSession spark =
        SparkSession.builder()
            .master("local[2]")
            .appName("spark-etl-example")
            .config("spark.ui.enabled", "false")
            .config("spark.driver.host", "127.0.0.1")
            .config("spark.driver.bindAddress", "127.0.0.1")
            .config("spark.sql.shuffle.partitions", "2")
            .config("spark.artifact.registry", registry)
            .getOrCreate();
    spark.sparkContext().setLogLevel("WARN");
    try {
      section("1. Log the raw CSV files as demo/etl/raw-events (hashed on the executors)");
      OUT.println(
          "committed "
              + ExistingData.log(spark, raw.toString(), "demo/etl/raw-events", Map.of())
                  .version()
                  .path());

      section("2. Clean raw-events:latest into demo/etl/clean-events, partitioned by day");
      OUT.println("committed " + runJob(spark));

      section("3. New raw data arrives: log it and run the job again");
      writeRawDay(raw, "2024-01-03", "dave,view,0\ndave,buy,99.99\n");
      OUT.println(
          "committed "
              + ExistingData.log(spark, raw.toString(), "demo/etl/raw-events", Map.of())
                  .version()
                  .path());
      OUT.println("committed " + runJob(spark));

      section("4. Read clean-events:latest and clean-events:v0");
      for (String alias : new String[] {"latest", "v0"}) {
        OUT.println("demo/etl/clean-events:" + alias);
        spark
            .read()
            .format("artifact")
            .load("demo/etl/clean-events:" + alias)
            .groupBy("day")
            .agg(count("*").as("events"), sum("amount").as("revenue"))
            .orderBy("day")
            .collectAsList()
            .forEach(r -> OUT.println("  " + r));
      }

      section("5. Lineage");
      try (ArtifactRegistry reg = ArtifactRegistries.open(registry)) {
        for (String name : new String[] {"demo/etl/raw-events", "demo/etl/clean-events"}) {
          for (ArtifactVersion v :
              reg.versions(
                  ArtifactPath.parse(name),
                  dev.artifacts.common.registry.VersionQuery.all()
                      .withOrder(dev.artifacts.common.registry.VersionQuery.Order.VERSION_ASC))) {
            String loggedBy = reg.loggedBy(v).map(RunInfo::name).orElse("-");
            String usedBy = String.join(", ", reg.usedBy(v).stream().map(RunInfo::name).toList());
            OUT.printf(
                "%-30s %-8s logged by: %-22s used by: %s%n",
                v.path(), String.join(",", v.aliases()), loggedBy, usedBy.isEmpty() ? "-" : usedBy);
          }
        }
      }
      OUT.println();
      OUT.println("Registry: " + registry);
    } finally {
      spark.stop();
    }
  }

  /** The ETL job: read the latest raw version, drop malformed rows, type the columns, write. */
  private static ArtifactPath runJob(SparkSession spark) throws IOException {
    Dataset<Row> rawEvents =
        spark
            .read()
            .format("artifact")
            .option("format", "csv")
            .option("header", "true")
            .load("demo/etl/raw-events:latest");
    Dataset<Row> clean =
        rawEvents
            .where(col("action").isNotNull())
            .withColumn("amount", col("amount").cast("double"))
            .withColumn("day", to_date(col("day")).cast("string"))
            .select("day", "user", "action", "amount");
    // ArtifactWriter rather than df.write().mode(Overwrite).partitionBy(...).save(...): Spark binds
    // a path-based overwrite to an existing collection's partitioning, and the first run creates
    // the collection. It also returns the version this write committed.
    return ArtifactWriter.write(
            clean,
            "demo/etl/clean-events",
            Map.of("aliases", "candidate", "description", "cleaned click events"),
            SaveMode.Overwrite,
            "day")
        .path();
  }

  private static void writeRawDay(Path raw, String day, String rows) throws IOException {
    Path file = raw.resolve("day=" + day).resolve("events.csv");
    Files.createDirectories(file.getParent());
    Files.writeString(file, "user,action,amount\n" + rows, UTF_8);
  }

  private static void section(String title) {
    OUT.println();
    OUT.println("== " + title);
  }
}
