package dev.artifacts.common.registry.wandb;

import static java.util.Objects.requireNonNull;

import dev.artifacts.common.ArtifactException;
import dev.artifacts.common.manifest.Manifest;
import dev.artifacts.common.manifest.ManifestEntry;
import dev.artifacts.common.name.ArtifactPath;
import dev.artifacts.common.reference.ReferenceResolver;
import dev.artifacts.common.registry.ArtifactDraft;
import dev.artifacts.common.registry.ArtifactRegistry;
import dev.artifacts.common.registry.ArtifactVersion;
import dev.artifacts.common.registry.CollectionInfo;
import dev.artifacts.common.registry.CommitResult;
import dev.artifacts.common.registry.ContentStore;
import dev.artifacts.common.registry.GcReport;
import dev.artifacts.common.registry.RunInfo;
import dev.artifacts.common.registry.TaskUploads;
import dev.artifacts.common.registry.UploadSession;
import dev.artifacts.common.registry.VersionQuery;
import dev.artifacts.common.registry.VersionUpdate;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The W&amp;B server backend: artifact versions live on a W&amp;B deployment (wandb.ai or W&amp;B
 * Server) and are logged and read through its GraphQL API exactly as wandb-core does (protocol in
 * WANDB-FORMAT.md §7), so versions logged here look like Python-logged ones and vice versa.
 *
 * <p>This class is a thin facade; the work is done by one class per responsibility: {@link
 * WandbCommits} (logging versions), {@link WandbUploads} (announcing and uploading bodies), {@link
 * WandbDownloads} (manifests and bodies, with per-digest locking), {@link WandbQueries} (versions
 * and collections), {@link WandbLabels} (aliases, edits, deletes, links), {@link WandbLineage}
 * (runs and use) and {@link WandbMapping} (GraphQL answers to values). Every GraphQL document is in
 * {@link Gql}.
 *
 * <p><b>Commit</b> ({@link #commit}), in wandb-core's order ({@code core/pkg/artifacts/saver.go}):
 * {@code UpsertBucket} (a run per {@link RunInfo} and project), {@code createArtifact} with digest
 * deduplication ({@code COMMITTED} means an identical version exists: nothing more is sent), {@code
 * createArtifactManifest}, batched {@code createArtifactFiles} for the bodies the draft added (a
 * null upload URL means the server already has the bytes), parallel presigned uploads (multipart
 * from 2 GiB), the manifest uploaded through a second {@code createArtifactManifest}, then {@code
 * commitArtifact}. Until that last call the version is {@code PENDING} and invisible to readers; a
 * failure before it is reported and nothing is committed.
 *
 * <p><b>Bodies</b> of files added to a draft are staged in W&amp;B's local cache ({@code
 * $WANDB_CACHE_DIR/artifacts/obj/md5/...}) and uploaded at commit; reads download into the same
 * cache (resumable, MD5-checked), so a second read of the same bytes does not download again.
 *
 * <p><b>Engine writes and reads</b> go through {@link #beginUpload} / {@link #taskUploads},
 * W&amp;B's distributed save: the committing side is its first writer (a pending artifact with a
 * {@code distributedID} and a PATCH manifest), engine tasks announce and upload their own files
 * against it, and the commit is the finishing writer ({@code createArtifact} with the same key and
 * the real digest, {@code updateArtifactManifest}, {@code commitArtifact}); engine reads use {@link
 * #location(ArtifactVersion, ManifestEntry)} URIs that {@link WandbBodyFileSystem} downloads on the
 * reading machine. Nothing large passes the driver or committer.
 *
 * <p><b>Credentials</b> ({@code WANDB_API_KEY} or {@code ~/.netrc}) go only to URLs under the base
 * URL, never to presigned storage URLs, and never appear in logs, messages or {@code toString()}.
 *
 * <p><b>Not available on a server:</b> {@link #gc} (storage is the server's business; it returns an
 * empty report); {@link ArtifactDraft#commitProperties()} are stored in the version's metadata
 * under the reserved key {@value #COMMIT_PROPERTIES_KEY} (W&amp;B has no field for them; the Python
 * SDK shows it as ordinary metadata) and read back into {@link ArtifactVersion#commitProperties()};
 * {@link #loggedBy} and {@link #usedBy} report W&amp;B run names (mapped back to the {@link
 * RunInfo#id()} for runs this process created), with no start time or properties. Plain {@code
 * http://} base URLs are accepted only for loopback hosts (local test servers).
 */
public final class WandbRegistry implements ArtifactRegistry {
  /**
   * Metadata key under which commit properties are stored: W&amp;B has no field for them, metadata
   * is kept verbatim by the server and shown (not interpreted) by the Python SDK. Stripped from
   * {@link ArtifactVersion#metadata()} when read back.
   */
  static final String COMMIT_PROPERTIES_KEY = "_artifact_connectors_commit";

  /** Upload session state: the pending artifact, its manifest and the upsert key. */
  static final String SESSION_ARTIFACT_ID = "wandb.artifactID";

  static final String SESSION_MANIFEST_ID = "wandb.artifactManifestID";
  static final String SESSION_DISTRIBUTED_ID = "wandb.distributedID";
  static final String SESSION_BASE_URL = "wandb.baseUrl";

  /** {@link RunInfo#properties()} keys naming the W&amp;B entity and project of a run. */
  public static final String RUN_ENTITY = "wandb.entity";

  public static final String RUN_PROJECT = "wandb.project";

  private final WandbSettings settings;
  private final WandbClient client;
  private final WandbCache cache;
  private final ReferenceResolver references;
  private final WandbMapping mapping;
  private final WandbQueries queries;
  private final WandbDownloads downloads;
  private final WandbUploads uploads;
  private final WandbLineage lineage;
  private final WandbCommits commits;
  private final WandbLabels labels;

  WandbRegistry(WandbSettings settings, ReferenceResolver references) {
    this.settings = requireNonNull(settings, "settings is null");
    this.references = requireNonNull(references, "references is null");
    this.client = new WandbClient(settings);
    this.cache = new WandbCache(settings.cacheDir);
    Map<String, RunInfo> runsByName = new ConcurrentHashMap<>();
    this.mapping = new WandbMapping(runsByName);
    this.queries = new WandbQueries(settings, client, mapping);
    this.downloads = new WandbDownloads(settings, client, cache, references);
    this.uploads = new WandbUploads(settings, client, cache);
    this.lineage = new WandbLineage(client, queries, mapping, runsByName);
    this.commits =
        new WandbCommits(settings, client, uploads, queries, downloads, lineage, mapping);
    this.labels = new WandbLabels(client, queries, downloads);
  }

  /**
   * Opens the backend for {@code uri}: {@code wandb} (base URL from {@code WANDB_BASE_URL}, default
   * {@code https://api.wandb.ai}) or a base URL; credentials and cache from {@code env} ({@code
   * WANDB_API_KEY} or the netrc entry of the API host, {@code WANDB_CACHE_DIR}, {@code
   * ARTIFACT_WANDB_PARALLELISM} for concurrent transfers, default 8).
   *
   * @throws ArtifactException.InvalidInput without an API key or for a malformed base URL
   */
  public static WandbRegistry open(
      String uri, Map<String, String> env, ReferenceResolver references) {
    requireNonNull(uri, "uri is null");
    requireNonNull(env, "env is null");
    WandbRegistry registry = new WandbRegistry(WandbSettings.fromEnv(uri, env), references);
    registry.defaultRunProject(env.get("WANDB_ENTITY"), env.get("WANDB_PROJECT"));
    return registry;
  }

  /** Where runs that use artifacts are recorded when their RunInfo names no project. */
  void defaultRunProject(String entity, String project) {
    lineage.defaultRunProject(entity, project);
  }

  /** True for URIs this backend handles: {@code wandb}, {@code https://...}, {@code http://...}. */
  public static boolean handles(String uri) {
    String lower = uri.trim().toLowerCase(java.util.Locale.ROOT);
    return lower.equals("wandb") || lower.startsWith("https://") || lower.startsWith("http://");
  }

  WandbClient client() {
    return client;
  }

  WandbCache cache() {
    return cache;
  }

  WandbUploads uploads() {
    return uploads;
  }

  @Override
  public String uri() {
    return settings.baseUrl;
  }

  // ---- writing -------------------------------------------------------------------------------

  @Override
  public ArtifactDraft newDraft(ArtifactPath collection, String type) {
    requireNonNull(collection, "collection is null");
    return new ArtifactDraft(collection, type, cache, references, null, null);
  }

  @Override
  public ArtifactDraft newDraft(ArtifactVersion base) {
    requireNonNull(base, "base is null");
    Manifest manifest = downloads.manifest(base);
    ArtifactPath source =
        base.isLink()
            ? ArtifactPath.parse(base.sourceCollection(), Map.of())
            : new ArtifactPath(base.entity(), base.project(), base.collection(), null);
    return new ArtifactDraft(source, base.type(), cache, references, base, manifest);
  }

  @Override
  public ContentStore contentStore(String entity, String project) {
    return cache;
  }

  /**
   * Creates the pending artifact that engine tasks upload into, as the first writer of W&amp;B's
   * distributed save ({@code core/pkg/artifacts/saver.go}, used by the SDK's {@code
   * upsert_artifact}/{@code finish_artifact}): {@code createArtifact} with a {@code distributedID}
   * (every {@code createArtifact} with the same key upserts one pending artifact), digest
   * deduplication on and fresh client IDs, with the digest of the (so far empty) manifest; then the
   * first {@code createArtifactManifest}, of type {@code PATCH} ({@code wandb_manifest.patch.json})
   * with the collection's latest version as {@code baseArtifactID}, whose ID the tasks' {@code
   * createArtifactFiles} name. {@link #commit} of a draft carrying the session is the finishing
   * writer: {@code createArtifact} with the same key and the real digest, {@code
   * updateArtifactManifest} of that PATCH manifest, then {@code commitArtifact}.
   */
  @Override
  public UploadSession beginUpload(ArtifactPath collection, String type, String sharedKey) {
    return commits.beginUpload(collection, type, sharedKey);
  }

  @Override
  public TaskUploads taskUploads(UploadSession session) {
    requireNonNull(session, "session is null");
    String artifactId = session.get(SESSION_ARTIFACT_ID);
    String manifestId = session.get(SESSION_MANIFEST_ID);
    if (artifactId == null || manifestId == null) {
      throw new ArtifactException.InvalidInput(
          "Cannot upload to "
              + session.collection()
              + " on "
              + settings.baseUrl
              + ": the upload session was not begun by a W&B registry");
    }
    if (!settings.baseUrl.equals(session.get(SESSION_BASE_URL))) {
      throw new ArtifactException.InvalidInput(
          "Cannot upload to "
              + session.collection()
              + ": the upload session belongs to "
              + session.get(SESSION_BASE_URL)
              + ", not "
              + settings.baseUrl);
    }
    ArtifactPath coll = ArtifactPath.parse(session.collection(), Map.of());
    return new WandbTaskUploads(this, coll, artifactId, manifestId);
  }

  @Override
  public CommitResult commit(ArtifactDraft draft) {
    // The rule every backend applies before anything is sent (it was missing here: a Flink job
    // writing to W&B could assign v3).
    for (String alias : draft.aliases()) {
      if (!alias.equals(ArtifactPath.LATEST)) {
        dev.artifacts.common.name.Names.requireAssignableAlias(alias, draft.collection());
      }
    }
    return commits.commit(draft);
  }

  // ---- reading -------------------------------------------------------------------------------

  @Override
  public ArtifactVersion resolve(ArtifactPath path) {
    return queries.resolve(path);
  }

  @Override
  public Optional<ArtifactVersion> find(ArtifactPath path) {
    return queries.find(path);
  }

  @Override
  public Manifest manifest(ArtifactVersion version) {
    return downloads.manifest(version);
  }

  @Override
  public InputStream open(ArtifactVersion version, ManifestEntry entry) throws IOException {
    return downloads.open(version, entry);
  }

  /**
   * Where engines read the body of {@code entry} on any machine: a {@code wandbbody:} URI that
   * {@link WandbBodyFileSystem} resolves there, downloading into that machine's W&amp;B cache on
   * first open. Nothing is fetched here.
   */
  @Override
  public Optional<java.net.URI> location(ArtifactVersion version, ManifestEntry entry) {
    if (entry.isReference() || !"MD5".equalsIgnoreCase(entry.digestAlgorithm())) {
      return Optional.empty();
    }
    WandbBodyFileSystem.offer(this, settings.baseUrl);
    Manifest m = downloads.manifest(version);
    return Optional.of(
        WandbBodyFileSystem.uri(
            settings.baseUrl,
            version.id(),
            // A manifest without a layout is V1, as W&B's fallback URLs treat it.
            m.storageLayout() == null ? "V1" : m.storageLayout(),
            m.storageRegion(),
            entry));
  }

  /** The cached body of one entry, for {@link WandbBodyFileSystem}; see {@link WandbDownloads}. */
  Path body(String artifactId, String storageLayout, String storageRegion, ManifestEntry entry)
      throws IOException {
    return downloads.body(artifactId, storageLayout, storageRegion, entry);
  }

  @Override
  public List<String> types(String entity, String project) {
    return queries.types(entity, project);
  }

  @Override
  public List<CollectionInfo> collections(String entity, String project, String type) {
    return queries.collections(entity, project, type);
  }

  @Override
  public Optional<CollectionInfo> collection(ArtifactPath collection) {
    return queries.collection(collection);
  }

  @Override
  public List<ArtifactVersion> versions(ArtifactPath collection, VersionQuery query) {
    return queries.versions(collection, query);
  }

  // ---- changing labels -----------------------------------------------------------------------

  @Override
  public ArtifactVersion addAlias(ArtifactVersion version, String alias) {
    return labels.addAlias(version, alias);
  }

  @Override
  public ArtifactVersion removeAlias(ArtifactVersion version, String alias) {
    return labels.removeAlias(version, alias);
  }

  @Override
  public ArtifactVersion update(ArtifactVersion version, VersionUpdate update) {
    return labels.update(version, update);
  }

  @Override
  public void delete(ArtifactVersion version, boolean deleteAliases) {
    labels.delete(version, deleteAliases);
  }

  @Override
  public void deleteCollection(ArtifactPath collection) {
    labels.deleteCollection(collection);
  }

  /**
   * Links {@code version} into {@code portfolio}; for {@code wandb-registry-*} projects the path's
   * first part names the organization, resolved to its entity first (see {@link WandbLabels}).
   */
  @Override
  public ArtifactVersion link(
      ArtifactVersion version, ArtifactPath portfolio, List<String> aliases) {
    return labels.link(version, portfolio, aliases);
  }

  /**
   * Removes a linked version from its portfolio or registry collection ({@code unlinkArtifact});
   * the source version stays. W&amp;B-specific: not part of {@link ArtifactRegistry}.
   *
   * @throws ArtifactException.InvalidInput when {@code linked} is not a link
   */
  public void unlink(ArtifactVersion linked) {
    labels.unlink(linked);
  }

  /**
   * Renames a collection and/or replaces its description ({@code updateArtifactSequence} or {@code
   * updateArtifactPortfolio}); a null argument leaves that property as it is. Returns the
   * collection as it is afterwards. W&amp;B-specific.
   */
  public CollectionInfo updateCollection(
      ArtifactPath collection, String newName, String description) {
    return labels.updateCollection(collection, newName, description);
  }

  /** Changes a source collection's type ({@code moveArtifactSequence}). W&amp;B-specific. */
  public CollectionInfo changeCollectionType(ArtifactPath collection, String type) {
    return labels.changeCollectionType(collection, type);
  }

  /**
   * Adds ({@code add}) or removes tags of a collection ({@code
   * createArtifactCollectionTagAssignments} / {@code deleteArtifactCollectionTagAssignments}, at
   * most 20 per call as the SDK sends them). W&amp;B-specific.
   */
  public CollectionInfo tagCollection(ArtifactPath collection, List<String> tags, boolean add) {
    return labels.tagCollection(collection, tags, add);
  }

  // ---- lineage -------------------------------------------------------------------------------

  /**
   * Records that {@code run} used {@code version}, in the consuming run's own project as wandb-core
   * does ({@code UseArtifactInput.entityName/projectName} are the run's): the project named by the
   * run's {@value #RUN_ENTITY}/{@value #RUN_PROJECT} properties, else {@code WANDB_ENTITY}/{@code
   * WANDB_PROJECT}, else the project that holds the version's bytes (a registry project holds no
   * runs). When that is not the artifact's project, {@code artifactEntityName}/{@code
   * artifactProjectName} name the artifact's (newer servers; see the README's W&amp;B section).
   */
  @Override
  public void recordUse(RunInfo run, ArtifactVersion version) {
    lineage.recordUse(run, version);
  }

  @Override
  public List<RunInfo> usedBy(ArtifactVersion version) {
    return lineage.usedBy(version);
  }

  @Override
  public Optional<RunInfo> loggedBy(ArtifactVersion version) {
    return lineage.loggedBy(version);
  }

  @Override
  public List<ArtifactVersion> inputsOf(String entity, String project, String runId) {
    return lineage.inputsOf(entity, project, runId);
  }

  @Override
  public List<ArtifactVersion> outputsOf(String entity, String project, String runId) {
    return lineage.outputsOf(entity, project, runId);
  }

  // ---- maintenance ---------------------------------------------------------------------------

  /**
   * Not applicable: the server owns storage and its retention (TTLs, deleted versions). Local cache
   * files are W&amp;B's cache, which {@code wandb artifact cache cleanup} manages. Returns an empty
   * report.
   */
  @Override
  public GcReport gc(Duration grace, boolean dryRun) {
    return new GcReport(0, 0, 0, 0);
  }

  /** Finishes the W&amp;B runs this registry created for lineage, then closes the client. */
  @Override
  public void close() {
    WandbBodyFileSystem.withdraw(this, settings.baseUrl);
    try {
      lineage.finishRuns();
    } finally {
      client.close();
    }
  }

  @Override
  public String toString() {
    return "WandbRegistry[" + settings.baseUrl + "]";
  }
}
