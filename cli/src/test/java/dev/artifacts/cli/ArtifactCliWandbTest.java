package dev.artifacts.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.artifacts.common.testing.FakeWandbServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CLI with {@code --registry wandb} against the fake W&amp;B server of common's tests. */
class ArtifactCliWandbTest {
  @TempDir Path tmp;
  private FakeWandbServer server;
  private Map<String, String> env;
  private Path data;

  record Run(int code, String out, String err) {}

  @BeforeEach
  void setUp() throws IOException {
    server = new FakeWandbServer();
    env = new HashMap<>(server.env(tmp.resolve("cache")));
    env.put("WANDB_BASE_URL", server.baseUrl());
    data = tmp.resolve("data");
    Files.createDirectories(data.resolve("sub"));
    Files.writeString(data.resolve("a.csv"), "id\n1\n");
    Files.writeString(data.resolve("sub/b.csv"), "id\n2\n");
  }

  @AfterEach
  void tearDown() throws IOException {
    server.close();
    assertThat(server.authViolations).isEmpty();
    assertThat(server.schemaViolations).as("requests W&B's SDK-derived schema refuses").isEmpty();
  }

  private Run cli(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    List<String> argv = new ArrayList<>(List.of("--registry", "wandb"));
    argv.addAll(List.of(args));
    int code =
        new ArtifactCli(
                new PrintStream(out, true, UTF_8), new PrintStream(err, true, UTF_8), env, false)
            .run(argv.toArray(String[]::new));
    return new Run(code, out.toString(UTF_8), err.toString(UTF_8));
  }

  @Test
  void logGetManifestInfoVersionsLineage() throws IOException {
    Run logged =
        cli("log", data.toString(), "--name", "events", "--type", "dataset", "--alias", "prod");
    assertThat(logged.code()).as(logged.err()).isZero();
    assertThat(logged.out()).contains("acme/etl/events:v0");
    assertThat(cli("log", data.toString(), "--name", "events", "--type", "dataset").code())
        .isZero();
    Files.writeString(data.resolve("c.csv"), "id\n3\n");
    assertThat(cli("log", data.toString(), "--name", "events", "--type", "dataset").out())
        .contains("acme/etl/events:v1");

    Path root = tmp.resolve("out");
    Run got = cli("get", "events:prod", "--root", root.toString());
    assertThat(got.code()).as(got.err()).isZero();
    assertThat(root.resolve("sub/b.csv")).hasContent("id\n2\n");
    assertThat(root.resolve("c.csv")).doesNotExist();

    Run manifest = cli("manifest", "events:v1");
    assertThat(manifest.code()).as(manifest.err()).isZero();
    JsonNode m = new ObjectMapper().readTree(manifest.out());
    assertThat(m.path("contents").has("c.csv")).isTrue();
    assertThat(m.path("contents").path("c.csv").path("birthArtifactID").asText()).isNotEmpty();

    Run info = cli("info", "events", "--json");
    assertThat(info.code()).as(info.err()).isZero();
    assertThat(new ObjectMapper().readTree(info.out()).toString()).contains("\"v1\"");

    Run versions = cli("versions", "events");
    assertThat(versions.code()).as(versions.err()).isZero();
    assertThat(versions.out()).contains("v0").contains("v1");

    Run lineage = cli("lineage", "events:v0");
    assertThat(lineage.code()).as(lineage.err()).isZero();
    assertThat(lineage.out()).contains("events:v0");
    assertThat(server.count("UseArtifact")).isEqualTo(1);

    Run missing = cli("info", "nothing-here");
    assertThat(missing.code()).isNotZero();
    assertThat(missing.err()).contains("Cannot find acme/etl/nothing-here:latest");
  }

  @Test
  void badKeyIsAClearErrorWithoutTheKey() {
    env.put("WANDB_API_KEY", "secret-but-wrong");
    Run r = cli("info", "events");
    assertThat(r.code()).isNotZero();
    assertThat(r.err()).contains("invalid API key").contains("acme/etl");
    assertThat(r.err() + r.out()).doesNotContain("secret-but-wrong");
  }
}
