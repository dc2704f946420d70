package dev.artifacts.common.registry.fs;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.artifacts.common.name.ArtifactPath;
import dev.artifacts.common.registry.ArtifactDraft;
import java.io.OutputStream;
import java.nio.file.Path;

/**
 * A separate committer process for the multi-process test: {@code <root> <collection> <worker>
 * <count>} commits {@code count} versions with content unique to this worker.
 */
public final class CommitWorker {
  private CommitWorker() {}

  public static void main(String[] args) throws Exception {
    Path root = Path.of(args[0]);
    ArtifactPath collection = ArtifactPath.parse(args[1]);
    String worker = args[2];
    int count = Integer.parseInt(args[3]);
    try (FileSystemRegistry registry = RegistryFixtures.open(root, new FakeReferences())) {
      for (int i = 0; i < count; i++) {
        ArtifactDraft draft = registry.newDraft(collection, "dataset");
        try (OutputStream out = draft.newFile("part-" + worker + "-" + i)) {
          out.write(("worker " + worker + " commit " + i).getBytes(UTF_8));
        }
        System.out.println(registry.commit(draft).version());
      }
    }
  }
}
