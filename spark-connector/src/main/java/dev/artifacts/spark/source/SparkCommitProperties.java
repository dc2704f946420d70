package dev.artifacts.spark.source;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.artifacts.common.registry.ArtifactVersion;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.StructType;

/**
 * Keys of the commit properties a Spark write stores with each version ({@link
 * ArtifactVersion#commitProperties()}), so that readers and later appends know the Spark schema,
 * the partition columns and the file format without opening a data file.
 */
final class SparkCommitProperties {
  /** {@link StructType#json()} of the rows written, partition columns included. */
  static final String SCHEMA = "spark.schema";

  /** JSON array of the partition column names, in path order ({@code []} when unpartitioned). */
  static final String PARTITION_COLUMNS = "spark.partitionColumns";

  /** File format of the data files: parquet, csv, json, orc or text. */
  static final String FORMAT = "spark.format";

  /** {@code files} or {@code reference}. */
  static final String STORAGE = "spark.storage";

  /** Id of the write operation; also part of every physical file name it wrote. */
  static final String OPERATION_ID = "spark.operationId";

  private static final ObjectMapper JSON = new ObjectMapper();

  private SparkCommitProperties() {}

  static String partitionColumnsJson(List<String> columns) {
    try {
      return JSON.writeValueAsString(columns);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("Cannot serialise partition columns " + columns, e);
    }
  }

  /** The partition columns recorded with {@code version}; empty when none were recorded. */
  static List<String> partitionColumns(ArtifactVersion version) {
    String json = version.commitProperties().get(PARTITION_COLUMNS);
    if (json == null || json.isBlank()) {
      return List.of();
    }
    try {
      return List.copyOf(JSON.readValue(json, new TypeReference<List<String>>() {}));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(
          "Invalid " + PARTITION_COLUMNS + " '" + json + "' recorded with " + version, e);
    }
  }

  /** The schema recorded with {@code version}, or null. */
  static StructType schema(ArtifactVersion version) {
    String json = version.commitProperties().get(SCHEMA);
    return json == null ? null : (StructType) DataType.fromJson(json);
  }

  static String format(ArtifactVersion version) {
    return version.commitProperties().get(FORMAT);
  }

  static Map<String, String> of(
      StructType schema, List<String> partitionColumns, String format, String storage, String op) {
    return Map.of(
        SCHEMA,
        schema.json(),
        PARTITION_COLUMNS,
        partitionColumnsJson(partitionColumns),
        FORMAT,
        format,
        STORAGE,
        storage,
        OPERATION_ID,
        op);
  }
}
