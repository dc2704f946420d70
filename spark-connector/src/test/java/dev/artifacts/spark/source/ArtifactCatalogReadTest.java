package dev.artifacts.spark.source;

import static dev.artifacts.spark.source.ReadFixtures.commit;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.artifacts.common.name.ArtifactPath;
import dev.artifacts.common.registry.ArtifactRegistry;
import dev.artifacts.common.registry.ArtifactVersion;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.analysis.NoSuchTableException;
import org.apache.spark.sql.connector.catalog.Identifier;
import org.apache.spark.sql.connector.catalog.Table;
import org.apache.spark.sql.connector.catalog.TableCapability;
import org.apache.spark.sql.connector.catalog.TableCatalog;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** The read side of {@link ArtifactCatalog}: {@code SHOW TABLES}, {@code SELECT}, time travel. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ArtifactCatalogReadTest {
  @TempDir static Path tmp;
  SparkSession spark;
  ArtifactRegistry registry;
  ArtifactVersion v0;
  ArtifactVersion v1;

  @BeforeAll
  void start() throws Exception {
    String uri = tmp.resolve("registry").toUri().toString();
    spark =
        ReadFixtures.session("artifact-catalog-test")
            .config("spark.sql.catalog.art", ArtifactCatalog.class.getName())
            .config("spark.sql.catalog.art.registry", uri)
            .config("spark.sql.catalog.art.entity", "acme")
            .config("spark.sql.session.timeZone", "UTC")
            .getOrCreate();
    registry = SparkRegistries.open(uri, spark);
    ArtifactPath events = new ArtifactPath("acme", "p", "events", null);
    v0 = commit(registry, events, write(3, "v0"), Map.of(), "prod");
    Thread.sleep(20);
    v1 = commit(registry, events, write(5, "v1"), Map.of());
    commit(registry, new ArtifactPath("acme", "p", "other", null), write(1, "o"), Map.of());
  }

  @AfterAll
  void stop() {
    spark.stop();
  }

  private Path write(int n, String dir) {
    Path out = tmp.resolve("data-" + dir);
    spark
        .range(n)
        .selectExpr("id", "cast(id % 2 as int) part")
        .write()
        .partitionBy("part")
        .parquet(out.toString());
    return out;
  }

  private long count(String sql) {
    return spark.sql(sql).collectAsList().get(0).getLong(0);
  }

  @Test
  void showTablesListsTheCollectionsOfAProject() {
    List<String> names =
        spark.sql("SHOW TABLES IN art.p").collectAsList().stream()
            .map(r -> r.getString(1))
            .toList();
    assertThat(names).containsExactly("events", "other");
  }

  @Test
  void selectReadsLatestAndTimeTravelsByVersionAliasAndTimestamp() {
    assertThat(count("SELECT count(*) FROM art.p.events")).isEqualTo(5);
    assertThat(count("SELECT count(*) FROM art.acme.p.events")).isEqualTo(5);
    assertThat(count("SELECT count(*) FROM art.p.events VERSION AS OF 'v0'")).isEqualTo(3);
    assertThat(count("SELECT count(*) FROM art.p.events VERSION AS OF 'prod'")).isEqualTo(3);
    String atV0 =
        DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSSSSS")
            .format(v0.createdAt().atOffset(ZoneOffset.UTC));
    assertThat(count("SELECT count(*) FROM art.p.events TIMESTAMP AS OF '" + atV0 + "'"))
        .isEqualTo(3);
    List<Row> part1 =
        spark.sql("SELECT id FROM art.p.events VERSION AS OF 'v1' WHERE part = 1").collectAsList();
    assertThat(part1).extracting(r -> r.getLong(0)).containsExactlyInAnyOrder(1L, 3L);
  }

  @Test
  void missingTablesAndVersionsGiveClearErrors() {
    assertThatThrownBy(() -> spark.sql("SELECT * FROM art.p.nothing").collect())
        .hasMessageContaining("nothing");
    assertThatThrownBy(() -> spark.sql("SELECT * FROM art.p.events VERSION AS OF 'v9'").collect())
        .hasMessageContaining(
            "Cannot read acme/p/events:v9: acme/p/events has no version or alias 'v9'");
  }

  @Test
  void loadTablePinsAVersionAndOnlyTheLatestIsWritable() throws Exception {
    TableCatalog catalog = (TableCatalog) spark.sessionState().catalogManager().catalog("art");
    Identifier events = Identifier.of(new String[] {"p"}, "events");

    Table latest = catalog.loadTable(events);
    Table old = catalog.loadTable(events, "v0");

    assertThat(latest.capabilities())
        .contains(TableCapability.BATCH_READ, TableCapability.BATCH_WRITE);
    assertThat(old.capabilities()).containsExactly(TableCapability.BATCH_READ);
    assertThat(latest.properties())
        .containsEntry("openlineage.dataset.name", "acme/p/events")
        .containsEntry(
            "openlineage.dataset.facets.version", "{\"datasetVersion\":\"" + v1.version() + "\"}");
    assertThat(old.properties())
        .containsEntry("openlineage.dataset.facets.version", "{\"datasetVersion\":\"v0\"}");
    assertThat(latest.schema().fieldNames()).containsExactly("id", "part");
    assertThatThrownBy(() -> catalog.loadTable(Identifier.of(new String[] {"p"}, "nothing")))
        .isInstanceOf(NoSuchTableException.class)
        .hasMessageContaining("Cannot read acme/p/nothing: no such collection");
    assertThatThrownBy(() -> catalog.listTables(new String[] {"a", "b", "c"}))
        .hasMessageContaining("Invalid namespace [a, b, c] in catalog art");
  }
}
