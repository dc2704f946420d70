package dev.artifacts.common.registry.fs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.artifacts.common.ArtifactException;
import dev.artifacts.common.name.ArtifactPath;
import dev.artifacts.common.registry.ArtifactDraft;
import dev.artifacts.common.registry.ArtifactVersion;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The common commit rules ({@code registry.commit}) as the filesystem registry applies them. */
class FileCommitRulesTest {
  private static final ArtifactPath EVENTS = new ArtifactPath("acme", "p", "events", null);

  @TempDir Path tmp;
  private FileSystemRegistry registry;

  @BeforeEach
  void open() {
    registry = RegistryFixtures.open(tmp.resolve("registry"), new FakeReferences());
  }

  @AfterEach
  void close() throws IOException {
    registry.close();
  }

  private ArtifactDraft draft(String body) throws IOException {
    ArtifactDraft d = registry.newDraft(EVENTS, "dataset");
    try (OutputStream out = d.newFile("a")) {
      out.write(body.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
    return d;
  }

  @Test
  void versionAliasIsRejectedOnCommitAndLinkBeforeAnythingIsWritten() throws IOException {
    ArtifactDraft d = draft("1").aliases(List.of("v3"));

    assertThatThrownBy(() -> registry.commit(d))
        .isInstanceOf(ArtifactException.InvalidInput.class)
        .hasMessage(
            "Invalid alias 'v3' for acme/p/events: version aliases are assigned by the registry;"
                + " choose another alias");
    assertThat(Files.exists(tmp.resolve("registry/acme/p/collections/events"))).isFalse();

    ArtifactVersion v0 = registry.commit(draft("1")).version();
    ArtifactPath best = new ArtifactPath("acme", "p", "best", null);
    assertThatThrownBy(() -> registry.link(v0, best, List.of("v0")))
        .isInstanceOf(ArtifactException.InvalidInput.class)
        .hasMessageContaining("Invalid alias 'v0' for acme/p/best");
    assertThat(registry.collection(best)).isEmpty();
  }

  @Test
  void deletingAVersionWithAliasesIsWordedAsOnWandb() throws IOException {
    ArtifactVersion v0 = registry.commit(draft("1").aliases(List.of("prod"))).version();

    assertThatThrownBy(() -> registry.delete(v0, false))
        .hasMessage(
            "Cannot delete acme/p/events:v0: it has aliases [prod]; remove them first or delete"
                + " with deleteAliases");
  }
}
