package dev.artifacts.common.registry.wandb;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.artifacts.common.name.ArtifactPath;
import dev.artifacts.common.reference.DefaultReferenceResolver;
import dev.artifacts.common.registry.ArtifactDraft;
import dev.artifacts.common.registry.ArtifactVersion;
import dev.artifacts.common.testing.FakeWandbServer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import okhttp3.mockwebserver.MockResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** wandb-core's upload rounds: failed uploads get fresh URLs while most of a round succeeds. */
class UploadRoundsTest {
  @TempDir Path tmp;

  @Test
  void failedUploadsGoAgainWithFreshUrlsUntilAllAreUp() throws IOException {
    Set<String> up = ConcurrentHashMap.newKeySet();
    List<List<String>> rerequests = new CopyOnWriteArrayList<>();
    Set<String> failOnce = ConcurrentHashMap.newKeySet();
    failOnce.addAll(List.of("a", "b"));
    UploadRounds.run(
        List.of("a", "b", "c", "d", "e"),
        3,
        "t",
        u -> {
          if (u.endsWith("#fresh") || !failOnce.remove(u)) {
            up.add(u.replace("#fresh", ""));
          } else {
            throw new IOException("HTTP 403: Request has expired");
          }
        },
        failed -> {
          rerequests.add(List.copyOf(failed));
          return failed.stream().map(f -> f + "#fresh").toList();
        },
        u -> u);
    assertThat(up).containsExactlyInAnyOrder("a", "b", "c", "d", "e");
    assertThat(rerequests).hasSize(1);
    assertThat(rerequests.get(0)).containsExactlyInAnyOrder("a", "b");
  }

  @Test
  void givesUpWhenMoreThanHalfOfARoundFails() {
    List<Integer> rounds = new ArrayList<>();
    assertThatThrownBy(
            () ->
                UploadRounds.run(
                    List.of("a", "b", "c"),
                    2,
                    "t",
                    u -> {
                      if (!u.equals("c")) {
                        throw new IOException("HTTP 400: BadDigest " + u);
                      }
                    },
                    failed -> {
                      rounds.add(failed.size());
                      return failed;
                    },
                    u -> "'" + u + "'"))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("Cannot upload 2 of 3 files")
        .hasMessageContaining("HTTP 400: BadDigest")
        .satisfies(e -> assertThat(e.getSuppressed()).hasSize(1));
    assertThat(rounds).as("no fresh URLs after a majority failed").isEmpty();
  }

  @Test
  void filesTheServerNowStoresAreNotUploadedAgain() throws IOException {
    List<String> uploads = new CopyOnWriteArrayList<>();
    UploadRounds.run(
        List.of("a", "b"),
        1,
        "t",
        u -> {
          uploads.add(u);
          if (u.equals("a")) {
            throw new IOException("connection reset");
          }
        },
        failed -> List.of(), // the server answered uploadUrl: null for "a" this time
        u -> u);
    assertThat(uploads).containsExactly("a", "b");
  }

  /** Through the registry: a refused presigned URL is replaced by a fresh createArtifactFiles. */
  @Test
  void theRegistryRequestsFreshUploadUrlsForRefusedUploads() throws IOException {
    try (FakeWandbServer server = new FakeWandbServer()) {
      WandbSettings s = WandbSettings.fromEnv(server.baseUrl(), server.env(tmp.resolve("cache")));
      s.sleeper = d -> {};
      s.initialBackoff = Duration.ofMillis(1);
      s.maxBackoff = Duration.ofMillis(2);
      s.parallelism = 2;
      ArtifactPath ds = ArtifactPath.parse("acme/etl/ds", Map.of());
      try (WandbRegistry registry = new WandbRegistry(s, new DefaultReferenceResolver())) {
        // An expired URL: storage answers 403, which no transport retry can fix.
        server.failStorage(
            "PUT", new MockResponse().setResponseCode(403).setBody("Request has expired"));
        ArtifactDraft d = registry.newDraft(ds, "dataset");
        for (String name : List.of("a.txt", "b.txt", "c.txt")) {
          Path p = tmp.resolve(name);
          Files.writeString(p, "body of " + name);
          d.addFile(p, name);
        }
        ArtifactVersion v = registry.commit(d).version();

        assertThat(server.count("CreateArtifactFiles")).isEqualTo(2);
        assertThat(
                server
                    .variables
                    .get(server.operations.lastIndexOf("CreateArtifactFiles"))
                    .path("artifactFiles"))
            .hasSize(1);
        for (String name : List.of("a.txt", "b.txt", "c.txt")) {
          try (InputStream in = registry.open(v, registry.manifest(v).entry(name).orElseThrow())) {
            assertThat(new String(in.readAllBytes(), UTF_8)).isEqualTo("body of " + name);
          }
        }
      }
      assertThat(server.authViolations).isEmpty();
    }
  }
}
