package dev.artifacts.common.registry.wandb;

import dev.artifacts.common.ArtifactException;
import dev.artifacts.common.manifest.ManifestEntry;
import dev.artifacts.common.name.ArtifactPath;
import dev.artifacts.common.registry.ContentStore;
import dev.artifacts.common.registry.TaskUploads;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The task side of a W&amp;B upload session: bodies are written to this process's W&amp;B cache
 * while hashed (the digest, and so the upload URL, is known only when a file is complete); {@link
 * #finish} announces them with batched {@code createArtifactFiles} against the pending artifact the
 * committing side created, and uploads the ones the server does not already store, in parallel,
 * from this process. Only the entries travel back to the committing side.
 */
final class WandbTaskUploads implements TaskUploads {
  private final WandbRegistry registry;
  private final ArtifactPath collection;
  private final String artifactId;
  private final String manifestId;
  private final List<ManifestEntry> committed = new ArrayList<>();

  WandbTaskUploads(
      WandbRegistry registry, ArtifactPath collection, String artifactId, String manifestId) {
    this.registry = registry;
    this.collection = collection;
    this.artifactId = artifactId;
    this.manifestId = manifestId;
  }

  @Override
  public ContentStore.BodyWriter newBody(String path) throws IOException {
    return TaskUploads.recordingCommits(registry.cache().newBody(), path, committed);
  }

  @Override
  public List<ManifestEntry> finish() throws IOException {
    if (committed.isEmpty()) {
      return List.of();
    }
    Map<String, String> births;
    try {
      births = registry.uploads().uploadFromTask(collection, artifactId, manifestId, committed);
    } catch (ArtifactException e) {
      throw new ArtifactException(
          "Cannot upload " + committed.size() + " files of " + collection + ": " + e.getMessage(),
          e);
    }
    List<ManifestEntry> out = new ArrayList<>(committed.size());
    for (ManifestEntry e : committed) {
      out.add(e.withBirthArtifactId(births.get(e.path())));
    }
    committed.clear();
    return out;
  }

  @Override
  public void close() {
    // Committed bodies stay in the W&B cache, as uploaded files do for wandb's own client.
    committed.clear();
  }
}
