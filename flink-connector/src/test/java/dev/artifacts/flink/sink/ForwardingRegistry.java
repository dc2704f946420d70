package dev.artifacts.flink.sink;

import dev.artifacts.common.manifest.Manifest;
import dev.artifacts.common.manifest.ManifestEntry;
import dev.artifacts.common.name.ArtifactPath;
import dev.artifacts.common.registry.ArtifactDraft;
import dev.artifacts.common.registry.ArtifactRegistry;
import dev.artifacts.common.registry.ArtifactVersion;
import dev.artifacts.common.registry.CollectionInfo;
import dev.artifacts.common.registry.CommitResult;
import dev.artifacts.common.registry.ContentStore;
import dev.artifacts.common.registry.GcReport;
import dev.artifacts.common.registry.RunInfo;
import dev.artifacts.common.registry.VersionQuery;
import dev.artifacts.common.registry.VersionUpdate;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** Hand-written fake base: forwards to a real registry; tests override what should fail. */
class ForwardingRegistry implements ArtifactRegistry {
  final ArtifactRegistry delegate;

  ForwardingRegistry(ArtifactRegistry delegate) {
    this.delegate = delegate;
  }

  @Override
  public String uri() {
    return delegate.uri();
  }

  @Override
  public ArtifactDraft newDraft(ArtifactPath collection, String type) {
    return delegate.newDraft(collection, type);
  }

  @Override
  public ArtifactDraft newDraft(ArtifactVersion base) {
    return delegate.newDraft(base);
  }

  @Override
  public CommitResult commit(ArtifactDraft draft) {
    return delegate.commit(draft);
  }

  @Override
  public ContentStore contentStore(String entity, String project) {
    return delegate.contentStore(entity, project);
  }

  @Override
  public ArtifactVersion resolve(ArtifactPath path) {
    return delegate.resolve(path);
  }

  @Override
  public Optional<ArtifactVersion> find(ArtifactPath path) {
    return delegate.find(path);
  }

  @Override
  public Manifest manifest(ArtifactVersion version) {
    return delegate.manifest(version);
  }

  @Override
  public InputStream open(ArtifactVersion version, ManifestEntry entry) throws IOException {
    return delegate.open(version, entry);
  }

  @Override
  public List<String> types(String entity, String project) {
    return delegate.types(entity, project);
  }

  @Override
  public List<CollectionInfo> collections(String entity, String project, String type) {
    return delegate.collections(entity, project, type);
  }

  @Override
  public Optional<CollectionInfo> collection(ArtifactPath collection) {
    return delegate.collection(collection);
  }

  @Override
  public List<ArtifactVersion> versions(ArtifactPath collection, VersionQuery query) {
    return delegate.versions(collection, query);
  }

  @Override
  public ArtifactVersion addAlias(ArtifactVersion version, String alias) {
    return delegate.addAlias(version, alias);
  }

  @Override
  public ArtifactVersion removeAlias(ArtifactVersion version, String alias) {
    return delegate.removeAlias(version, alias);
  }

  @Override
  public ArtifactVersion update(ArtifactVersion version, VersionUpdate update) {
    return delegate.update(version, update);
  }

  @Override
  public void delete(ArtifactVersion version, boolean deleteAliases) {
    delegate.delete(version, deleteAliases);
  }

  @Override
  public void deleteCollection(ArtifactPath collection) {
    delegate.deleteCollection(collection);
  }

  @Override
  public ArtifactVersion link(
      ArtifactVersion version, ArtifactPath portfolio, List<String> aliases) {
    return delegate.link(version, portfolio, aliases);
  }

  @Override
  public void recordUse(RunInfo run, ArtifactVersion version) {
    delegate.recordUse(run, version);
  }

  @Override
  public List<RunInfo> usedBy(ArtifactVersion version) {
    return delegate.usedBy(version);
  }

  @Override
  public Optional<RunInfo> loggedBy(ArtifactVersion version) {
    return delegate.loggedBy(version);
  }

  @Override
  public List<ArtifactVersion> inputsOf(String entity, String project, String runId) {
    return delegate.inputsOf(entity, project, runId);
  }

  @Override
  public List<ArtifactVersion> outputsOf(String entity, String project, String runId) {
    return delegate.outputsOf(entity, project, runId);
  }

  @Override
  public GcReport gc(Duration grace, boolean dryRun) {
    return delegate.gc(grace, dryRun);
  }

  /** The committer closes what it opens; the test owns the real registry. */
  @Override
  public void close() {}

  @Override
  public dev.artifacts.common.registry.UploadSession beginUpload(
      ArtifactPath collection, String type, String sharedKey) {
    return delegate.beginUpload(collection, type, sharedKey);
  }

  @Override
  public dev.artifacts.common.registry.TaskUploads taskUploads(
      dev.artifacts.common.registry.UploadSession session) {
    return delegate.taskUploads(session);
  }

  @Override
  public void abandonUpload(dev.artifacts.common.registry.UploadSession session) {
    delegate.abandonUpload(session);
  }

  @Override
  public java.util.Optional<java.net.URI> location(ArtifactVersion version, ManifestEntry entry) {
    return delegate.location(version, entry);
  }
}
