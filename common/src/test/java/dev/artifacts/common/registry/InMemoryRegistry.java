package dev.artifacts.common.registry;

import dev.artifacts.common.ArtifactException;
import dev.artifacts.common.manifest.Manifest;
import dev.artifacts.common.manifest.ManifestEntry;
import dev.artifacts.common.name.ArtifactPath;
import dev.artifacts.common.reference.ReferenceResolver;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A hand-written fake registry holding one manifest per version ID and bodies by digest; only what
 * {@link ArtifactFiles} uses is implemented. References are opened through a real resolver.
 */
final class InMemoryRegistry implements ArtifactRegistry {
  final Map<String, Manifest> manifests = new ConcurrentHashMap<>();
  final Map<String, byte[]> bodies = new ConcurrentHashMap<>();
  final AtomicInteger opens = new AtomicInteger();
  private final ReferenceResolver references;

  InMemoryRegistry(ReferenceResolver references) {
    this.references = references;
  }

  @Override
  public Manifest manifest(ArtifactVersion version) {
    Manifest m = manifests.get(version.id());
    if (m == null) {
      throw new ArtifactException.NotFound("No manifest for " + version);
    }
    return m;
  }

  @Override
  public InputStream open(ArtifactVersion version, ManifestEntry entry) throws IOException {
    opens.incrementAndGet();
    if (entry.isReference()) {
      return references.open(entry);
    }
    byte[] body = bodies.get(entry.digest());
    if (body == null) {
      throw new ArtifactException.NotFound("No body " + entry.digest() + " for " + version);
    }
    return new ByteArrayInputStream(body);
  }

  @Override
  public String uri() {
    return "memory:";
  }

  private static UnsupportedOperationException unsupported() {
    return new UnsupportedOperationException("not needed by ArtifactFiles");
  }

  @Override
  public ArtifactDraft newDraft(ArtifactPath collection, String type) {
    throw unsupported();
  }

  @Override
  public ArtifactDraft newDraft(ArtifactVersion base) {
    throw unsupported();
  }

  @Override
  public CommitResult commit(ArtifactDraft draft) {
    throw unsupported();
  }

  @Override
  public ContentStore contentStore(String entity, String project) {
    throw unsupported();
  }

  @Override
  public ArtifactVersion resolve(ArtifactPath path) {
    throw unsupported();
  }

  @Override
  public Optional<ArtifactVersion> find(ArtifactPath path) {
    throw unsupported();
  }

  @Override
  public List<String> types(String entity, String project) {
    throw unsupported();
  }

  @Override
  public List<CollectionInfo> collections(String entity, String project, String type) {
    throw unsupported();
  }

  @Override
  public Optional<CollectionInfo> collection(ArtifactPath collection) {
    throw unsupported();
  }

  @Override
  public List<ArtifactVersion> versions(ArtifactPath collection, VersionQuery query) {
    throw unsupported();
  }

  @Override
  public ArtifactVersion addAlias(ArtifactVersion version, String alias) {
    throw unsupported();
  }

  @Override
  public ArtifactVersion removeAlias(ArtifactVersion version, String alias) {
    throw unsupported();
  }

  @Override
  public ArtifactVersion update(ArtifactVersion version, VersionUpdate update) {
    throw unsupported();
  }

  @Override
  public void delete(ArtifactVersion version, boolean deleteAliases) {
    throw unsupported();
  }

  @Override
  public void deleteCollection(ArtifactPath collection) {
    throw unsupported();
  }

  @Override
  public ArtifactVersion link(
      ArtifactVersion version, ArtifactPath portfolio, List<String> aliases) {
    throw unsupported();
  }

  @Override
  public void recordUse(RunInfo run, ArtifactVersion version) {
    throw unsupported();
  }

  @Override
  public List<RunInfo> usedBy(ArtifactVersion version) {
    throw unsupported();
  }

  @Override
  public Optional<RunInfo> loggedBy(ArtifactVersion version) {
    throw unsupported();
  }

  @Override
  public List<ArtifactVersion> inputsOf(String entity, String project, String runId) {
    throw unsupported();
  }

  @Override
  public List<ArtifactVersion> outputsOf(String entity, String project, String runId) {
    throw unsupported();
  }

  @Override
  public GcReport gc(Duration grace, boolean dryRun) {
    throw unsupported();
  }

  @Override
  public void close() {}
}
