package dev.artifacts.common.registry;

import dev.artifacts.common.ArtifactException;
import dev.artifacts.common.manifest.Manifest;
import dev.artifacts.common.manifest.ManifestEntry;
import dev.artifacts.common.name.ArtifactPath;
import dev.artifacts.common.reference.ReferenceResolver;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A hand-written fake registry holding one manifest per version ID and bodies by digest; only what
 * {@link ArtifactFiles} uses is implemented, and it has only the reading role, as {@link
 * ArtifactFiles} needs. References are opened through a real resolver.
 */
final class InMemoryRegistry implements ArtifactReader {
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
  public Optional<java.net.URI> location(ArtifactVersion version, ManifestEntry entry) {
    return Optional.empty(); // bodies live in this object, not under a filesystem URI
  }
}
