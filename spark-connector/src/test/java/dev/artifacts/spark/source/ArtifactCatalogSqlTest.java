package dev.artifacts.spark.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.artifacts.common.name.ArtifactPath;
import dev.artifacts.common.registry.ArtifactRegistry;
import dev.artifacts.common.registry.ArtifactVersion;
import dev.artifacts.common.registry.VersionQuery;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * SQL through {@link ArtifactCatalog} as users write it: the README's catalog block run verbatim,
 * {@code CREATE TABLE} without data, {@code INSERT INTO/OVERWRITE}, the {@code $history} table,
 * {@code SHOW TBLPROPERTIES}, the {@code entity}/{@code project} options and the error for an
 * unknown {@code VERSION AS OF}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ArtifactCatalogSqlTest {
  @TempDir static Path tmp;
  SparkSession spark;
  ArtifactRegistry registry;

  @BeforeAll
  void start() {
    String uri = tmp.resolve("registry").toUri().toString();
    spark =
        ReadFixtures.session("artifact-catalog-sql-test")
            // The README's catalog configuration.
            .config("spark.sql.catalog.art", ArtifactCatalog.class.getName())
            .config("spark.sql.catalog.art.registry", uri)
            .config("spark.sql.catalog.art.entity", "acme")
            // A second catalog with a default project, for one-part names.
            .config("spark.sql.catalog.etl", ArtifactCatalog.class.getName())
            .config("spark.sql.catalog.etl.registry", uri)
            .config("spark.sql.catalog.etl.entity", "acme")
            .config("spark.sql.catalog.etl.project", "etl")
            .config("spark.artifact.registry", uri)
            .getOrCreate();
    registry = SparkRegistries.open(uri, spark);
    // acme/etl/clean-events as the README's Java block writes it: v0 (prod), then v1. The first
    // write creates the collection (mode ErrorIfExists, a create-as-select): Spark binds a
    // path-based overwrite or append to the existing table's partitioning, which a new collection
    // does not have yet.
    events(List.of("2024-01-01", "2024-01-01", "2024-01-02"))
        .write()
        .format("artifact")
        .option("aliases", "prod")
        .partitionBy("day")
        .mode(SaveMode.ErrorIfExists)
        .save("acme/etl/clean-events");
    events(List.of("2024-01-01", "2024-01-02", "2024-01-02", "2024-01-03"))
        .write()
        .format("artifact")
        .partitionBy("day")
        .mode(SaveMode.Overwrite)
        .save("acme/etl/clean-events");
  }

  @AfterAll
  void stop() {
    spark.stop();
  }

  private Dataset<Row> events(List<String> days) {
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < days.size(); i++) {
      rows.add(org.apache.spark.sql.RowFactory.create((long) i, "click", days.get(i)));
    }
    return spark.createDataFrame(
        rows,
        new org.apache.spark.sql.types.StructType()
            .add("id", "long")
            .add("action", "string")
            .add("day", "string"));
  }

  @Test
  void theReadmeCatalogBlockRunsAsWritten() throws Exception {
    List<String> statements = readmeStatements();
    assertThat(statements).hasSizeGreaterThanOrEqualTo(8);
    Map<String, List<Row>> results = new LinkedHashMap<>();
    for (String sql : statements) {
      results.put(sql, spark.sql(sql).collectAsList());
    }

    assertThat(result(results, "SHOW TABLES"))
        .extracting(r -> r.getString(1))
        .contains("clean-events");
    assertThat(result(results, "SELECT * FROM art.etl.`clean-events` VERSION AS OF 'v0'"))
        .extracting(r -> r.getAs("day").toString())
        .containsExactly("2024-01-01", "2024-01-01");
    assertThat(result(results, "SELECT * FROM art.etl.`clean-events` VERSION AS OF 'prod'"))
        .hasSize(3);
    List<Row> history = result(results, "SELECT version, created_at");
    assertThat(history).extracting(r -> r.getString(0)).containsExactly("v1", "v0");
    assertThat(history.get(1).<String>getList(2)).contains("prod");
    assertThat(history.get(0).getLong(3))
        .isEqualTo(registry.resolve(ArtifactPath.parse("acme/etl/clean-events:v1")).fileCount())
        .isPositive();
    Map<String, String> props =
        result(results, "SHOW TBLPROPERTIES").stream()
            .collect(Collectors.toMap(r -> r.getString(0), r -> r.getString(1)));
    assertThat(props)
        .containsEntry("artifact.version", "v1")
        .containsEntry("artifact.type", "dataset")
        .containsKey("artifact.digest");

    ArtifactPath daily = ArtifactPath.parse("acme/etl/daily");
    List<ArtifactVersion> dailyVersions = registry.versions(daily, VersionQuery.all());
    assertThat(dailyVersions).extracting(ArtifactVersion::version).contains("v0", "v1", "v2");
    assertThat(
            dailyVersions.stream()
                .filter(v -> v.version().equals("v0"))
                .findFirst()
                .get()
                .fileCount())
        .isZero();
    assertThat(result(results, "SELECT version, aliases FROM art.etl.`daily$history`"))
        .extracting(r -> r.getString(0))
        .containsExactly("v2", "v1", "v0");
    assertThat(counts("SELECT day, events FROM art.etl.daily VERSION AS OF 'v1'"))
        .isEqualTo(Set.of("2024-01-01=1", "2024-01-02=2", "2024-01-03=1"));
    assertThat(counts("SELECT day, events FROM art.etl.daily"))
        .isEqualTo(Set.of("2024-01-01=2", "2024-01-02=1"));
    assertThat(SparkCommitProperties.format(registry.resolve(daily.withAlias("v2"))))
        .isEqualTo("csv");
    assertThat(spark.sql("SELECT * FROM art.etl.`clean-copy`").count()).isEqualTo(3);
  }

  @Test
  void createTableWithoutDataIsReadableEmptyAndRefusesOtherProviders() {
    spark.sql(
        "CREATE TABLE art.etl.empty (id BIGINT, name STRING) USING artifact COMMENT 'nothing yet'"
            + " TBLPROPERTIES ('tags' = 'draft')");
    Dataset<Row> empty = spark.sql("SELECT * FROM art.etl.empty");
    assertThat(empty.count()).isZero();
    assertThat(empty.schema().fieldNames()).containsExactly("id", "name");
    ArtifactVersion v0 = registry.resolve(ArtifactPath.parse("acme/etl/empty:v0"));
    assertThat(v0.description()).isEqualTo("nothing yet");
    assertThat(v0.tags()).containsExactly("draft");

    assertThatThrownBy(() -> spark.sql("CREATE TABLE art.etl.empty (id BIGINT) USING artifact"))
        .hasMessageContaining("empty");
    assertThatThrownBy(() -> spark.sql("CREATE TABLE art.etl.pq (id BIGINT) USING parquet"))
        .hasMessageContaining("Invalid provider 'parquet' for acme/etl/pq")
        .hasMessageContaining("OPTIONS ('format' = 'parquet')");
    assertThat(registry.find(ArtifactPath.parse("acme/etl/pq"))).isEmpty();
  }

  @Test
  void dynamicInsertOverwriteReplacesOnlyTheGivenPartition() {
    spark.sql(
        "CREATE TABLE art.etl.parts USING artifact PARTITIONED BY (day) AS"
            + " SELECT * FROM VALUES (1L, 'a'), (2L, 'b') AS t(n, day)");
    try {
      spark.conf().set("spark.sql.sources.partitionOverwriteMode", "dynamic");
      spark.sql("INSERT OVERWRITE art.etl.parts PARTITION (day = 'a') VALUES (10L)");
    } finally {
      spark.conf().unset("spark.sql.sources.partitionOverwriteMode");
    }
    assertThat(
            spark.sql("SELECT n, day FROM art.etl.parts").collectAsList().stream()
                .map(r -> r.getLong(0) + "/" + r.getString(1))
                .collect(Collectors.toSet()))
        .isEqualTo(Set.of("10/a", "2/b"));
  }

  @Test
  void catalogProjectOptionResolvesOnePartNames() {
    assertThat(spark.sql("SELECT * FROM etl.`clean-events` VERSION AS OF 'v0'").count())
        .isEqualTo(3);
    assertThatThrownBy(() -> spark.sql("SELECT * FROM art.`clean-events`").collect())
        .hasMessageContaining("spark.sql.catalog.art.project");
  }

  @Test
  void unknownVersionAsOfNamesTheAliasesTheCollectionHas() {
    assertThatThrownBy(
            () -> spark.sql("SELECT * FROM art.etl.`clean-events` VERSION AS OF 'nope'").collect())
        .hasMessageContaining("acme/etl/clean-events has no version or alias 'nope'")
        .hasMessageContaining("it has versions v0, v1 and aliases prod (v0), latest (v1)");
  }

  // ---- helpers -------------------------------------------------------------------------------

  private Set<String> counts(String sql) {
    return spark.sql(sql).collectAsList().stream()
        .map(r -> r.getAs("day") + "=" + r.getAs("events"))
        .collect(Collectors.toCollection(TreeSet::new));
  }

  private static List<Row> result(Map<String, List<Row>> results, String prefix) {
    List<String> matching =
        results.keySet().stream().filter(sql -> sql.startsWith(prefix)).toList();
    assertThat(matching).as("README statements starting with %s", prefix).hasSize(1);
    return results.get(matching.get(0));
  }

  /** The statements of the README's {@code sql} block marked {@code catalog-sql}, comments cut. */
  private static List<String> readmeStatements() throws Exception {
    List<String> lines = Files.readAllLines(Path.of("..", "README.md"));
    int marker = -1;
    for (int i = 0; i < lines.size(); i++) {
      if (lines.get(i).startsWith("<!-- catalog-sql")) {
        marker = i;
      }
    }
    assertThat(marker).as("catalog-sql marker in README.md").isNotNegative();
    assertThat(lines.get(marker + 1)).isEqualTo("```sql");
    StringBuilder block = new StringBuilder();
    for (int i = marker + 2; !lines.get(i).equals("```"); i++) {
      String line = lines.get(i);
      int comment = line.indexOf("--");
      block.append(comment >= 0 ? line.substring(0, comment) : line).append('\n');
    }
    List<String> statements = new ArrayList<>();
    for (String s : block.toString().split(";")) {
      String sql = s.strip().replaceAll("\\s+", " ");
      if (!sql.isEmpty()) {
        statements.add(sql);
      }
    }
    return statements;
  }
}
