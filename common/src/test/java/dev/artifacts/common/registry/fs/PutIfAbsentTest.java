package dev.artifacts.common.registry.fs;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.artifacts.common.ArtifactException;
import dev.artifacts.common.registry.ArtifactRegistries;
import dev.artifacts.common.registry.ArtifactRegistry;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PutIfAbsentTest {
  @TempDir java.nio.file.Path dir;

  private static FileSystem rawLocal() throws Exception {
    return ((LocalFileSystem) FileSystem.newInstance(new Configuration())).getRawFileSystem();
  }

  @Test
  void localStrategyIsChosenForFileAndCreatesOnce() throws Exception {
    FileSystem fs = rawLocal();
    PutIfAbsent put = PutIfAbsent.forFileSystem(fs);
    assertThat(put).isSameAs(LocalPutIfAbsent.INSTANCE);
    exactlyOneWinner(fs, put, new Path(dir.toUri().toString(), "sub/v0.json"));
  }

  @Test
  void renameStrategyCreatesOnce() throws Exception {
    // Only the sequential path: a local rename replaces targets, so contention needs HDFS.
    FileSystem fs = rawLocal();
    Path target = new Path(dir.toUri().toString(), "r/v0.json");
    assertThat(RenamePutIfAbsent.INSTANCE.create(fs, target, "a".getBytes(UTF_8))).isTrue();
    assertThat(Files.readString(dir.resolve("r/v0.json"))).isEqualTo("a");
    try (var files = Files.list(dir.resolve("r"))) {
      assertThat(files).hasSize(1);
    }
  }

  private static void exactlyOneWinner(FileSystem fs, PutIfAbsent put, Path target)
      throws Exception {
    int threads = 8;
    CountDownLatch start = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<Boolean>> results = new ArrayList<>();
      for (int i = 0; i < threads; i++) {
        byte[] bytes = ("writer " + i).getBytes(UTF_8);
        results.add(
            pool.submit(
                () -> {
                  start.await();
                  return put.create(fs, target, bytes);
                }));
      }
      start.countDown();
      int winners = 0;
      for (Future<Boolean> f : results) {
        winners += f.get() ? 1 : 0;
      }
      assertThat(winners).isEqualTo(1);
      assertThat(Files.readString(java.nio.file.Path.of(target.toUri()))).startsWith("writer ");
      try (var files = Files.list(java.nio.file.Path.of(target.getParent().toUri()))) {
        assertThat(files).hasSize(1);
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void factoryOpensPathsAndNeedsAKeyForTheServerBackend() throws Exception {
    try (ArtifactRegistry registry = ArtifactRegistries.open(dir.resolve("reg").toString())) {
      assertThat(registry).isInstanceOf(FileSystemRegistry.class);
      assertThat(registry.uri()).startsWith("file:");
    }
    try (ArtifactRegistry registry =
        ArtifactRegistries.open(dir.resolve("reg2").toUri().toString())) {
      assertThat(registry.types("acme", "p")).isEmpty();
    }
    // The server backend opens only with an API key; without one it says how to provide it.
    for (String uri : List.of("wandb", "https://api.wandb.ai")) {
      assertThatThrownBy(
              () -> ArtifactRegistries.open(uri, java.util.Map.of("HOME", dir.toString())))
          .isInstanceOf(ArtifactException.InvalidInput.class)
          .hasMessageContaining("https://api.wandb.ai")
          .hasMessageContaining("WANDB_API_KEY");
    }
    assertThat(ArtifactRegistries.defaultUri()).isNotBlank();
  }
}
