package dev.artifacts.spark.source;

import dev.artifacts.common.registry.RunInfo;
import java.time.Instant;
import java.util.Map;
import org.apache.spark.SparkContext;
import org.apache.spark.sql.SparkSession;

/** The lineage run of a Spark application: id {@code spark.app.id}, name the app name. */
final class RunInfos {
  private RunInfos() {}

  /**
   * @param nameOverride the {@code run} option, or null for {@code spark.app.name}
   */
  static RunInfo current(SparkSession session, String nameOverride) {
    SparkContext sc = session.sparkContext();
    return new RunInfo(
        sc.applicationId(),
        nameOverride != null ? nameOverride : sc.appName(),
        "spark",
        Instant.ofEpochMilli(sc.startTime()),
        Map.of("master", sc.master(), "sparkVersion", sc.version(), "user", sc.sparkUser()));
  }
}
