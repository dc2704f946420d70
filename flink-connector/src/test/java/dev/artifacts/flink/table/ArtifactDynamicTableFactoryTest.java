package dev.artifacts.flink.table;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.artifacts.common.options.ArtifactOptions;
import java.nio.file.Path;
import org.apache.flink.table.api.EnvironmentSettings;
import org.apache.flink.table.api.TableEnvironment;
import org.apache.flink.table.api.ValidationException;
import org.apache.flink.table.factories.FactoryUtil;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad options fail when a statement is planned ({@code EXPLAIN}, no job runs), with a {@link
 * ValidationException} naming the option, its value and the table.
 */
class ArtifactDynamicTableFactoryTest {
  private static final String TABLE = "default_catalog.default_database.t";

  @TempDir Path dir;
  private TableEnvironment t;

  @BeforeEach
  void setUp() {
    t = TableEnvironment.create(EnvironmentSettings.inBatchMode());
  }

  @Test
  void optionKeysAreTheSharedOnes() {
    assertThat(ArtifactDynamicTableFactory.IDENTIFIER).isEqualTo("artifact");
    assertThat(ArtifactConnectorOptions.REGISTRY.key()).isEqualTo(ArtifactOptions.REGISTRY);
    assertThat(ArtifactConnectorOptions.ARTIFACT.key()).isEqualTo(ArtifactOptions.ARTIFACT);
    assertThat(ArtifactConnectorOptions.FORMAT.key()).isEqualTo(ArtifactOptions.FORMAT);
    assertThat(ArtifactConnectorOptions.TYPE.key()).isEqualTo(ArtifactOptions.TYPE);
    assertThat(ArtifactConnectorOptions.TYPE.defaultValue())
        .isEqualTo(ArtifactOptions.DEFAULT_TYPE);
    assertThat(ArtifactConnectorOptions.ALIASES.key()).isEqualTo(ArtifactOptions.ALIASES);
    assertThat(ArtifactConnectorOptions.TAGS.key()).isEqualTo(ArtifactOptions.TAGS);
    assertThat(ArtifactConnectorOptions.DESCRIPTION.key()).isEqualTo(ArtifactOptions.DESCRIPTION);
    assertThat(ArtifactConnectorOptions.METADATA.key()).isEqualTo(ArtifactOptions.METADATA);
    assertThat(ArtifactConnectorOptions.STORAGE.key()).isEqualTo(ArtifactOptions.STORAGE);
    assertThat(ArtifactConnectorOptions.STORAGE.defaultValue()).isEqualTo("files");
    assertThat(ArtifactConnectorOptions.LOCATION.key()).isEqualTo(ArtifactOptions.LOCATION);
    assertThat(ArtifactConnectorOptions.RUN.key()).isEqualTo(ArtifactOptions.RUN);
    assertThat(ArtifactConnectorOptions.VERSION_AS_OF.key())
        .isEqualTo(ArtifactOptions.VERSION_AS_OF);
    assertThat(ArtifactConnectorOptions.STREAMING.key()).isEqualTo(ArtifactOptions.STREAMING);
    assertThat(ArtifactConnectorOptions.STREAMING.defaultValue()).isFalse();
    assertThat(ArtifactConnectorOptions.MONITOR_INTERVAL.key())
        .isEqualTo(ArtifactOptions.MONITOR_INTERVAL);
    assertThat(ArtifactConnectorOptions.MONITOR_INTERVAL.defaultValue()).hasSeconds(10);
    assertThat(FactoryUtil.FORMAT.key()).isEqualTo("format");
  }

  @Test
  void validOptionsPlanBothDirections() {
    create("'format' = 'parquet', 'aliases' = 'prod', 'metadata' = '{\"k\": 1}'");
    assertThat(t.explainSql("INSERT INTO t VALUES (1, 'a')"))
        .contains("Sink(table=[default_catalog.default_database.t]");
    assertThat(t.explainSql("SELECT * FROM t"))
        .contains("TableSourceScan(table=[[default_catalog, default_database, t]]");
  }

  @Test
  void unknownFormat() {
    create("'format' = 'xml'");
    assertInsertFails("format='xml'", "available:", "parquet", "csv");
    assertSelectFails("format='xml'", "available:");
  }

  @Test
  void missingFormat() {
    create("'type' = 'dataset'");
    assertInsertFails("Missing option 'format'", "'parquet'");
  }

  @Test
  void referenceStorageWithoutLocation() {
    create("'format' = 'csv', 'storage' = 'reference'");
    assertInsertFails("storage='reference'", "set location to");
  }

  @Test
  void locationWithoutReferenceStorage() {
    create("'format' = 'csv', 'location' = 'file:///tmp/x'");
    assertInsertFails("location='file:///tmp/x'", "set storage=reference");
  }

  @Test
  void unknownStorage() {
    create("'format' = 'csv', 'storage' = 'cloud'");
    assertInsertFails("storage='cloud'", "'files' or 'reference'");
  }

  @Test
  void badArtifactNames() {
    createWith("'artifact' = 'etl/t', 'format' = 'csv'");
    assertInsertFails("artifact='etl/t'", "entity/project/name");
    t.executeSql("DROP TABLE t");
    createWith("'artifact' = 'acme/etl/bad name!', 'format' = 'csv'");
    assertSelectFails("artifact='acme/etl/bad name!'");
    t.executeSql("DROP TABLE t");
    createWith("'artifact' = 'acme/etl/t:prod', 'format' = 'csv'");
    assertInsertFails("artifact='acme/etl/t:prod'", "'aliases' = 'prod'");
  }

  @Test
  void badMonitorIntervalAndStreamingFlag() {
    create("'format' = 'csv', 'streaming' = 'true', 'monitor-interval' = 'soon'");
    assertSelectFails("monitor-interval='soon'", "'10 s'");
    t.executeSql("DROP TABLE t");
    create("'format' = 'csv', 'streaming' = 'true', 'monitor-interval' = '0 s'");
    assertSelectFails("monitor-interval='0 s'", "positive");
    t.executeSql("DROP TABLE t");
    create("'format' = 'csv', 'streaming' = 'yes'");
    assertSelectFails("streaming='yes'", "'true' or 'false'");
    assertInsertFails("streaming='yes'", "'true' or 'false'");
  }

  @Test
  void badVersionSelectionAndSinkOnlyChecks() {
    create("'format' = 'csv', 'versionAsOf' = 'v1'");
    assertInsertFails("versionAsOf='v1'", "a sink writes new versions");
    t.executeSql("DROP TABLE t");
    createWith("'artifact' = 'acme/etl/t:prod', 'format' = 'csv', 'versionAsOf' = 'v1'");
    assertSelectFails("versionAsOf='v1'", "one place");
    t.executeSql("DROP TABLE t");
    create("'format' = 'csv', 'metadata' = '[1]'");
    assertInsertFails("metadata='[1]'", "JSON object");
    t.executeSql("DROP TABLE t");
    create("'format' = 'csv', 'aliases' = 'a:b'");
    assertInsertFails("Invalid alias 'a:b' for acme/etl/t", "cannot contain");
    t.executeSql("DROP TABLE t");
    // The rule the Spark connector and the DataStream sink apply: vN aliases are the registry's.
    create("'format' = 'csv', 'aliases' = 'v3'");
    assertInsertFails("Invalid alias 'v3' for acme/etl/t", "assigned by the registry");
    t.executeSql("DROP TABLE t");
    create("'format' = 'csv', 'type' = 'data/set'");
    assertInsertFails("'data/set'", "acme/etl/t");
  }

  @Test
  void unknownOptionsAndMissingRegistry() {
    create("'format' = 'csv', 'aliasses' = 'prod'");
    // Flink's own check; its wrapper names the table.
    assertThatThrownBy(() -> t.explainSql("INSERT INTO t VALUES (CAST(1 AS BIGINT), 'a')"))
        .hasMessageContaining(TABLE)
        .rootCause()
        .hasMessageContaining("Unsupported options")
        .hasMessageContaining("aliasses");
    t.executeSql("DROP TABLE t");
    t.executeSql(
        "CREATE TABLE t (id BIGINT, name STRING) WITH ('connector' = 'artifact',"
            + " 'artifact' = 'acme/etl/t', 'format' = 'csv')");
    assertInsertFails("Missing option 'registry'");
  }

  @Test
  void unsupportedPartitionColumnType() {
    t.executeSql(
        "CREATE TABLE t (id BIGINT, tags ARRAY<STRING>) PARTITIONED BY (tags) WITH ("
            + "'connector' = 'artifact', 'registry' = '"
            + dir
            + "', 'artifact' = 'acme/etl/t', 'format' = 'csv')");
    assertInsertFails("Invalid partition column 'tags'", "ARRAY<STRING>");
  }

  @Test
  void pruningAMissingArtifactFailsWhenPlanned() {
    t.executeSql(
        "CREATE TABLE t (id BIGINT, p STRING) PARTITIONED BY (p) WITH ('connector' = 'artifact',"
            + " 'registry' = '"
            + dir
            + "', 'artifact' = 'acme/etl/t', 'format' = 'csv')");
    assertThatThrownBy(() -> t.explainSql("SELECT * FROM t WHERE p = 'x'"))
        .hasMessageContaining("Cannot list the partitions of acme/etl/t for table " + TABLE)
        .rootCause()
        .hasMessageContaining("acme/etl/t");
  }

  @Test
  void overwriteAndUpdatesAreRefusedByThePlanner() {
    create("'format' = 'csv'");
    // Versions only append: no SupportsOverwrite, and an insert-only changelog.
    assertThatThrownBy(() -> t.explainSql("INSERT OVERWRITE t VALUES (CAST(1 AS BIGINT), 'a')"))
        .hasMessageContaining("INSERT OVERWRITE")
        .hasMessageContaining(TABLE);
    TableEnvironment streaming = TableEnvironment.create(EnvironmentSettings.inStreamingMode());
    streaming.executeSql(
        "CREATE TABLE t (id BIGINT, name STRING) WITH ('connector' = 'artifact', 'registry' = '"
            + dir
            + "', 'artifact' = 'acme/etl/t', 'format' = 'csv')");
    streaming.executeSql(
        "CREATE TABLE src (id BIGINT, name STRING) WITH ('connector' = 'datagen')");
    assertThatThrownBy(
            () ->
                streaming.explainSql("INSERT INTO t SELECT COUNT(*), name FROM src GROUP BY name"))
        .hasMessageContaining("doesn't support consuming update changes")
        .hasMessageContaining(TABLE);
  }

  private void create(String options) {
    createWith("'artifact' = 'acme/etl/t', " + options);
  }

  private void createWith(String options) {
    t.executeSql(
        "CREATE TABLE t (id BIGINT, name STRING) WITH ('connector' = 'artifact', 'registry' = '"
            + dir
            + "', "
            + options
            + ")");
  }

  private void assertInsertFails(String... parts) {
    assertPlanningFails("INSERT INTO t SELECT * FROM (VALUES (CAST(1 AS BIGINT), 'a'))", parts);
  }

  private void assertSelectFails(String... parts) {
    assertPlanningFails("SELECT * FROM t", parts);
  }

  /**
   * The connector's own error (the innermost one naming the table, below Flink's "Unable to create
   * a sink" wrapper) contains every part.
   */
  private void assertPlanningFails(String sql, String... parts) {
    assertThatThrownBy(() -> t.explainSql(sql))
        .isInstanceOf(ValidationException.class)
        .satisfies(
            e -> {
              Throwable ours = null;
              for (Throwable c = e; c != null; c = c.getCause()) {
                if (c.getMessage() != null && c.getMessage().contains(TABLE)) {
                  ours = c;
                }
              }
              assertThat(ours).as("an error naming %s in %s", TABLE, e).isNotNull();
              assertThat(ours).isInstanceOf(ValidationException.class);
              for (String part : parts) {
                assertThat(ours.getMessage()).contains(part);
              }
            });
  }
}
