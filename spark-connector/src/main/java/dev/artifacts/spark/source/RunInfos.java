package dev.artifacts.spark.source;

import dev.artifacts.common.registry.RunInfo;
import java.time.Instant;
import java.util.Map;
import org.apache.spark.SparkContext;
import org.apache.spark.sql.SparkSession;

/**
 * The lineage run of a Spark application: id {@code spark.app.id}, name the app name. One
 * definition for reads, writes and existing-data logging, so an application is one run.
 */
public final class RunInfos {
  private RunInfos() {}

  /**
   * @param nameOverride the {@code run} option, or null or blank for {@code spark.app.name}
   */
  public static RunInfo current(SparkSession session, String nameOverride) {
    SparkContext sc = session.sparkContext();
    return new RunInfo(
        sc.applicationId(),
        nameOverride != null && !nameOverride.isBlank() ? nameOverride : sc.appName(),
        "spark",
        Instant.ofEpochMilli(sc.startTime()),
        Map.of("master", sc.master(), "sparkVersion", sc.version(), "user", sc.sparkUser()));
  }
}
