package dev.artifacts.common.registry.wandb;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.artifacts.common.ArtifactException;
import dev.artifacts.common.manifest.ManifestEntry;
import dev.artifacts.common.name.ArtifactPath;
import dev.artifacts.common.reference.DefaultReferenceResolver;
import dev.artifacts.common.registry.ArtifactDraft;
import dev.artifacts.common.registry.ArtifactVersion;
import dev.artifacts.common.registry.CommitResult;
import dev.artifacts.common.registry.ContentStore;
import dev.artifacts.common.registry.TaskUploads;
import dev.artifacts.common.registry.UploadSession;
import dev.artifacts.common.registry.VersionQuery;
import dev.artifacts.common.testing.FakeWandbServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import okhttp3.mockwebserver.MockResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The common commit rules ({@code registry.commit}) as the W&amp;B backend applies them, against
 * the schema-strict {@link FakeWandbServer}.
 */
class WandbCommitRulesTest {
  @TempDir Path tmp;
  private FakeWandbServer server;
  private WandbRegistry registry;
  private final ArtifactPath ds = new ArtifactPath("acme", "etl", "ds", null);

  @BeforeEach
  void setUp() throws IOException {
    server = new FakeWandbServer();
    WandbSettings s = WandbSettings.fromEnv(server.baseUrl(), server.env(tmp.resolve("cache")));
    s.sleeper = d -> {};
    s.initialBackoff = Duration.ofMillis(1);
    s.maxBackoff = Duration.ofMillis(4);
    s.maxRetries = 3;
    registry = new WandbRegistry(s, new DefaultReferenceResolver());
  }

  @AfterEach
  void tearDown() throws IOException {
    registry.close();
    server.close();
    assertThat(server.schemaViolations).as("requests the SDK-derived schema refuses").isEmpty();
  }

  private ArtifactDraft draft(String name, String content) throws IOException {
    Path p = tmp.resolve("data").resolve(name);
    Files.createDirectories(p.getParent());
    Files.writeString(p, content, UTF_8);
    ArtifactDraft d = registry.newDraft(ds, "dataset");
    d.addFile(p, name);
    return d;
  }

  @Test
  void versionAliasIsRejectedBeforeAnythingIsSent() throws IOException {
    ArtifactDraft d = draft("a.txt", "1").aliases(List.of("prod", "v3"));

    assertThatThrownBy(() -> registry.commit(d))
        .isInstanceOf(ArtifactException.InvalidInput.class)
        .hasMessage(
            "Invalid alias 'v3' for acme/etl/ds: version aliases are assigned by the registry;"
                + " choose another alias");
    assertThat(server.count("CreateArtifact")).isZero();
    assertThat(registry.find(ds)).isEmpty();
  }

  @Test
  void commitWhoseAnswerWasLostButLandedIsSuccessWithoutDuplicate() throws IOException {
    // commitArtifact commits, but its answer is lost; the transport's retry is refused ("not
    // pending"), which alone would read as a failure although the version exists.
    server.loseAnswerOf("CommitArtifact", new MockResponse().setResponseCode(503));
    ArtifactDraft d = draft("a.txt", "1").aliases(List.of("prod"));

    CommitResult result = registry.commit(d);

    assertThat(result.created()).isTrue();
    assertThat(result.version().version()).isEqualTo("v0");
    assertThat(server.states("acme", "etl", "ds")).containsExactly("COMMITTED");
    List<ArtifactVersion> versions = registry.versions(ds, VersionQuery.all());
    assertThat(versions).hasSize(1);
    assertThat(versions.get(0).aliases()).contains("prod", "latest");
  }

  @Test
  void aDistributedSaveWhoseCommitAnswerWasLostIsReadBackAndCheckedLikeAnAnsweredOne()
      throws IOException {
    ArtifactVersion v0 = registry.commit(draft("a.txt", "1")).version();
    // A server that applies PATCH manifests over their base keeps a.txt in the next version, so
    // its digest is not the digest of the manifest uploaded for it.
    server.patchesApplyOverBase = true;
    server.loseAnswerOf("CommitArtifact", new MockResponse().setResponseCode(503));
    UploadSession session = registry.beginUpload(ds, "dataset");
    List<ManifestEntry> written;
    try (TaskUploads uploads = registry.taskUploads(session)) {
      ContentStore.BodyWriter body = uploads.newBody("b.txt");
      try (var out = body.stream()) {
        out.write("beta".getBytes(UTF_8));
      }
      body.commit();
      written = uploads.finish();
    }
    ArtifactDraft d = registry.newDraft(ds, "dataset").uploadSession(session);
    written.forEach(d::addStoredEntry);

    assertThatThrownBy(() -> registry.commit(d))
        .isInstanceOf(ArtifactException.Corrupted.class)
        .hasMessageContaining("Committed acme/etl/ds:v1")
        .hasMessageContaining("differs from the digest")
        .hasMessageContaining("PATCH");
    assertThat(server.states("acme", "etl", "ds")).containsExactly("COMMITTED", "COMMITTED");
    assertThat(registry.resolve(ds).id()).isNotEqualTo(v0.id());
  }

  @Test
  void commitRefusedForGoodIsNotRetriedAndNamesTheCause() throws IOException {
    server.failNext("CommitArtifact", FakeWandbServer.graphqlError("commit refused"));

    assertThatThrownBy(() -> registry.commit(draft("a.txt", "1")))
        .isNotInstanceOf(ArtifactException.CommitStateUnknown.class)
        .hasMessageContaining("Cannot commit acme/etl/ds")
        .hasMessageContaining("commit refused")
        .hasMessageContaining("Nothing was committed");
    assertThat(server.count("CreateArtifact")).isEqualTo(1);
    assertThat(server.states("acme", "etl", "ds")).containsOnly("PENDING");
  }

  @Test
  void addAliasAndRemoveAliasFollowTheSameRulesAsTheFilesystem() throws IOException {
    ArtifactVersion v0 = registry.commit(draft("a.txt", "1")).version();

    assertThatThrownBy(() -> registry.addAlias(v0, "v7"))
        .isInstanceOf(ArtifactException.InvalidInput.class)
        .hasMessageContaining("Invalid alias 'v7' for acme/etl/ds:v0");
    assertThatThrownBy(() -> registry.addAlias(v0, "latest"))
        .hasMessageContaining("Invalid alias 'latest'")
        .hasMessageContaining("cannot be assigned");
    assertThatThrownBy(() -> registry.removeAlias(v0, "latest"))
        .hasMessageContaining("cannot be removed");
    assertThatThrownBy(() -> registry.removeAlias(v0, "prod"))
        .hasMessage("Cannot remove alias 'prod' from acme/etl/ds:v0: it does not carry it");
    assertThat(server.count("AddAliases") + server.count("DeleteAliases")).isZero();
  }
}
