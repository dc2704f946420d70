package dev.artifacts.common.options;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.artifacts.common.ArtifactException;
import dev.artifacts.common.name.ArtifactPath;
import dev.artifacts.common.options.ArtifactOptions.Storage;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The one rule and wording for the settings of a write, as both engines see them. */
class WriteSettingsTest {
  private static final ArtifactPath EVENTS = new ArtifactPath("acme", "etl", "events", null);

  private static WriteSettings parse(String... keyValues) {
    Map<String, String> options = new HashMap<>();
    for (int i = 0; i < keyValues.length; i += 2) {
      options.put(keyValues[i], keyValues[i + 1]);
    }
    return WriteSettings.parse(EVENTS, options);
  }

  @Test
  void defaultsWhenNothingIsGiven() {
    WriteSettings s = parse();
    assertThat(s.type()).isNull();
    assertThat(s.typeOr("dataset")).isEqualTo("dataset");
    assertThat(s.aliases()).isEmpty();
    assertThat(s.tags()).isEmpty();
    assertThat(s.metadata()).isNull();
    assertThat(s.description()).isNull();
    assertThat(s.storage()).isEqualTo(Storage.FILES);
    assertThat(s.location()).isNull();
    assertThat(s.runName()).isNull();
  }

  @Test
  void everySettingIsReadAndNormalized() {
    WriteSettings s =
        parse(
            "type", "model",
            "aliases", " prod , best,prod",
            "tags", "nightly",
            "description", "events of the day",
            "metadata", "{\"rows\": 3}",
            "storage", "Reference",
            "location", "s3a://bucket/tables/events/",
            "run", "etl-7");
    assertThat(s.type()).isEqualTo("model");
    assertThat(s.aliases()).containsExactly("prod", "best");
    assertThat(s.tags()).containsExactly("nightly");
    assertThat(s.description()).isEqualTo("events of the day");
    assertThat(s.metadata()).containsEntry("rows", 3);
    assertThat(s.storage()).isEqualTo(Storage.REFERENCE);
    assertThat(s.location()).isEqualTo("s3a://bucket/tables/events");
    assertThat(s.runName()).isEqualTo("etl-7");
  }

  @Test
  void locationRules() {
    assertThatThrownBy(() -> parse("storage", "reference"))
        .isInstanceOf(ArtifactException.InvalidInput.class)
        .hasMessage(
            "Invalid option storage='reference' for acme/etl/events: reference storage needs a"
                + " location, the directory URI the data files are written to; set location to"
                + " e.g. file:///data/events or s3a://bucket/events");
    assertThatThrownBy(() -> parse("location", "file:///data"))
        .hasMessage(
            "Invalid option location='file:///data' for acme/etl/events: a location is only used"
                + " with storage=reference; set storage=reference or remove the location");
    assertThatThrownBy(() -> parse("storage", "reference", "location", "out/dir"))
        .hasMessageStartingWith("Invalid option location='out/dir' for acme/etl/events: ")
        .hasMessageContaining("absolute path");
    assertThatThrownBy(() -> parse("storage", "reference", "location", "s3a://b/x?versionId=1"))
        .hasMessageContaining("query or fragment");
    assertThatThrownBy(() -> parse("storage", "reference", "location", "s3a://b/x y"))
        .hasMessageStartingWith("Invalid option location='s3a://b/x y' for acme/etl/events: ")
        .hasMessageContaining("not a URI");
    assertThatThrownBy(() -> parse("storage", "cloud"))
        .hasMessage(
            "Invalid option storage='cloud' for acme/etl/events: use 'files' or 'reference'");
    // A blank location is no location.
    assertThat(parse("location", " ").location()).isNull();
    WriteSettings bare = parse("storage", "reference", "location", "/data/out/");
    assertThat(bare.location()).isEqualTo("/data/out");
    assertThat(bare.locationIsPath()).isTrue();
    assertThat(parse("storage", "reference", "location", "hdfs://nn:8020/").location())
        .isEqualTo("hdfs://nn:8020/");
  }

  @Test
  void labelRules() {
    assertThatThrownBy(() -> parse("aliases", "v3"))
        .hasMessage(
            "Invalid alias 'v3' for acme/etl/events: version aliases are assigned by the registry;"
                + " choose another alias");
    assertThatThrownBy(() -> parse("aliases", "v:1"))
        .hasMessageStartingWith("Invalid alias 'v:1' for acme/etl/events");
    assertThatThrownBy(() -> parse("tags", "ok,bad/tag"))
        .hasMessageStartingWith("Invalid tag 'bad/tag' for acme/etl/events");
    assertThatThrownBy(() -> parse("type", " "))
        .hasMessageStartingWith(
            "Invalid option type=' ' for acme/etl/events: it must not be empty");
    assertThatThrownBy(() -> parse("type", "data/set"))
        .hasMessageStartingWith("Invalid type 'data/set' for acme/etl/events");
    assertThatThrownBy(() -> parse("metadata", "[1]"))
        .hasMessage(
            "Invalid option metadata='[1]' for acme/etl/events: expected a JSON object such as"
                + " {\"rows\": 3}");
    assertThatThrownBy(() -> parse("run", " "))
        .hasMessageStartingWith("Invalid option run=' ' for acme/etl/events: it must not be blank");
  }

  /** Spark ships the settings to executors, Flink with the job graph. */
  @Test
  void survivesJavaSerialization() throws Exception {
    WriteSettings s =
        parse(
            "aliases", "prod",
            "tags", "nightly",
            "metadata", "{\"rows\": 3, \"nested\": {\"a\": [1, 2]}}",
            "storage", "reference",
            "location", "hdfs://nn:8020/data/events/",
            "run", "etl");
    assertThat(dev.artifacts.common.testing.JavaSerialization.roundTrip(s)).isEqualTo(s);
  }

  @Test
  void typedConstructionChecksTheSameRules() {
    assertThatThrownBy(
            () ->
                new WriteSettings(
                    EVENTS, "dataset", null, List.of(), null, null, Storage.FILES, null, null))
        .hasMessage(
            "Invalid option aliases='null' for acme/etl/events: pass an empty value (or leave the"
                + " option out) for none");
    assertThatThrownBy(
            () ->
                new WriteSettings(
                    EVENTS, "dataset", List.of(), List.of(), null, null, null, null, null))
        .hasMessageStartingWith("Invalid option storage='null' for acme/etl/events");
    assertThatThrownBy(
            () ->
                new WriteSettings(
                    EVENTS,
                    "dataset",
                    List.of("v0"),
                    List.of(),
                    null,
                    null,
                    Storage.FILES,
                    null,
                    null))
        .hasMessageStartingWith("Invalid alias 'v0' for acme/etl/events");
    WriteSettings s =
        new WriteSettings(
            EVENTS,
            "dataset",
            List.of(),
            List.of(),
            null,
            Map.of("score", Double.NaN),
            Storage.REFERENCE,
            "/x",
            null);
    assertThat(s.withLocation("file:///x").location()).isEqualTo("file:///x");
    assertThat(s.metadata()).containsEntry("score", null);
  }
}
