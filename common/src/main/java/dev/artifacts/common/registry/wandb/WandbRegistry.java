package dev.artifacts.common.registry.wandb;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import dev.artifacts.common.ArtifactException;
import dev.artifacts.common.digest.Digests;
import dev.artifacts.common.manifest.Manifest;
import dev.artifacts.common.manifest.ManifestEntry;
import dev.artifacts.common.manifest.ManifestReader;
import dev.artifacts.common.manifest.ManifestWriter;
import dev.artifacts.common.name.ArtifactPath;
import dev.artifacts.common.name.Names;
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
import java.io.RandomAccessFile;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The W&amp;B server backend: artifact versions live on a W&amp;B deployment (wandb.ai or W&amp;B
 * Server) and are logged and read through its GraphQL API exactly as wandb-core does (protocol in
 * WANDB-FORMAT.md §7), so versions logged here look like Python-logged ones and vice versa.
 *
 * <p><b>Commit</b> ({@link #commit}), in wandb-core's order: {@code UpsertBucket} (a run per {@link
 * RunInfo} and process), {@code createArtifact} with digest deduplication ({@code COMMITTED} means
 * an identical version exists: nothing more is sent), {@code createArtifactManifest}, batched
 * {@code createArtifactFiles} (a null upload URL means the server already has the bytes), parallel
 * presigned uploads (multipart from 2 GiB), the manifest uploaded through a second {@code
 * createArtifactManifest}, then {@code commitArtifact}. Until that last call the version is {@code
 * PENDING} and invisible to readers; a failure before it is reported and nothing is committed.
 *
 * <p><b>Bodies</b> of files added to a draft are staged in W&amp;B's local cache ({@code
 * $WANDB_CACHE_DIR/artifacts/obj/md5/...}) and uploaded at commit; reads download into the same
 * cache (resumable, MD5-checked), so a second read of the same bytes does not download again.
 *
 * <p><b>Engine writes and reads</b> go through {@link #beginUpload} / {@link #taskUploads}: the
 * committing side creates a pending artifact with a {@code distributedID}, engine tasks announce
 * and upload their own files against it, and the commit upserts it with the real digest; engine
 * reads use {@link #location(ArtifactVersion, ManifestEntry)} URIs that {@link WandbBodyFileSystem}
 * downloads on the reading machine. Nothing large passes the driver or committer.
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
  private static final Logger LOG = LoggerFactory.getLogger(WandbRegistry.class);
  private static final String ALNUM = "abcdefghijklmnopqrstuvwxyz0123456789";
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final String COMMITTED_FILTER = "{\"state\":\"COMMITTED\"}";
  private static final String ANY_STATE_FILTER =
      "{\"state\":{\"$in\":[\"COMMITTED\",\"DELETED\"]}}";

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
  static final String SESSION_CLIENT_ID = "wandb.clientID";
  static final String SESSION_SEQUENCE_CLIENT_ID = "wandb.sequenceClientID";
  static final String SESSION_BASE_URL = "wandb.baseUrl";

  /** Python's {@code _ttl_duration_seconds_to_gql}: -2 disables the TTL. */
  private static final long TTL_DISABLED = -2;

  private final WandbSettings settings;
  private final WandbClient client;
  private final WandbCache cache;
  private final ReferenceResolver references;

  /** {@code entity/project/RunInfo.id} → W&amp;B run name, for this process. */
  private final Map<String, String> runNames = new ConcurrentHashMap<>();

  /** {@code entity/project/run name} → the RunInfo we created it for. */
  private final Map<String, RunInfo> runsByName = new ConcurrentHashMap<>();

  private final Map<String, ReentrantLock> collectionLocks = new ConcurrentHashMap<>();
  private final Map<String, Object> downloadLocks = new ConcurrentHashMap<>();
  private final Map<String, Manifest> manifests = lru(32);
  private final Map<String, Map<String, String>> fileUrls = lru(16);
  private final RunInfo processRun =
      RunInfo.of("artifact-connectors-" + randomName(8), "artifact-connectors", "artifact");

  WandbRegistry(WandbSettings settings, ReferenceResolver references) {
    this.settings = requireNonNull(settings, "settings is null");
    this.references = requireNonNull(references, "references is null");
    this.client = new WandbClient(settings);
    this.cache = new WandbCache(settings.cacheDir);
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
    return new WandbRegistry(WandbSettings.fromEnv(uri, env), references);
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
    Manifest manifest = manifest(base);
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
   * Creates the pending artifact that engine tasks upload into: {@code createArtifact} with a
   * {@code distributedID} (W&amp;B's key for versions assembled by several writers, which every
   * {@code createArtifact} with the same key upserts), the digest of an empty manifest and no
   * digest deduplication (the real digest is unknown until the tasks finish), then the first {@code
   * createArtifactManifest} for the manifest ID {@code createArtifactFiles} needs. {@link #commit}
   * of a draft carrying the session sends {@code createArtifact} again with the same key and the
   * real digest: the server answers with this artifact, or with an identical committed version
   * (deduplication), and the pending one is abandoned.
   */
  @Override
  public UploadSession beginUpload(ArtifactPath collection, String type, String sharedKey) {
    ArtifactPath coll = collection.withAlias(null);
    Names.validateName(coll.name(), coll);
    Names.validateType(type, coll.name(), coll);
    String runName = ensureRun(coll.entity(), coll.project(), processRun);
    String distributedId =
        "artifact-connectors-"
            + (sharedKey == null
                ? randomName(32)
                : Digests.hex(
                    Digests.newMd5()
                        .digest(
                            (coll + "\n" + sharedKey)
                                .getBytes(java.nio.charset.StandardCharsets.UTF_8))));
    String clientId = randomName(128);
    String sequenceClientId = randomName(128);
    Map<String, Object> input = new LinkedHashMap<>();
    input.put("entityName", coll.entity());
    input.put("projectName", coll.project());
    input.put("artifactTypeName", type);
    input.put("artifactCollectionName", coll.name());
    input.put("runName", runName);
    input.put("digest", Manifest.of(Manifest.STORAGE_LAYOUT_V2, null, List.of()).digest());
    input.put("digestAlgorithm", "MANIFEST_MD5");
    input.put("aliases", List.of());
    input.put("enableDigestDeduplication", false);
    input.put("distributedID", distributedId);
    input.put("clientID", clientId);
    input.put("sequenceClientID", sequenceClientId);
    JsonNode data =
        client.call("CreateArtifact", Gql.CREATE_ARTIFACT, map("input", input), coll.toString());
    JsonNode created =
        WandbClient.require(data, "createArtifact.artifact", "CreateArtifact", coll.toString());
    String artifactId = text(created, "id");
    if (!"PENDING".equals(text(created, "state"))) {
      throw new ArtifactException(
          "Cannot prepare the upload of "
              + coll
              + ": createArtifact answered state '"
              + text(created, "state")
              + "' for a new distributed artifact (expected PENDING)");
    }
    String manifestId =
        createManifest(coll, artifactId, null, runName, "", false).path("id").asText(null);
    if (manifestId == null) {
      throw new ArtifactException(
          "Cannot prepare the upload of " + coll + ": createArtifactManifest returned no ID");
    }
    LOG.info("Prepared {} (pending artifact {}) for uploads from tasks", coll, artifactId);
    return new UploadSession(
        coll.toString(),
        type,
        Map.of(
            SESSION_ARTIFACT_ID, artifactId,
            SESSION_MANIFEST_ID, manifestId,
            SESSION_DISTRIBUTED_ID, distributedId,
            SESSION_CLIENT_ID, clientId,
            SESSION_SEQUENCE_CLIENT_ID, sequenceClientId,
            SESSION_BASE_URL, settings.baseUrl));
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

  /** The manifest node of a {@code createArtifactManifest} call. */
  private JsonNode createManifest(
      ArtifactPath coll,
      String artifactId,
      String baseId,
      String runName,
      String digest,
      boolean includeUpload) {
    Map<String, Object> manifestInput = new LinkedHashMap<>();
    manifestInput.put("artifactID", artifactId);
    manifestInput.put("baseArtifactID", baseId);
    manifestInput.put("name", "wandb_manifest.json");
    manifestInput.put("digest", digest);
    manifestInput.put("entityName", coll.entity());
    manifestInput.put("projectName", coll.project());
    manifestInput.put("runName", runName);
    manifestInput.put("type", "FULL");
    manifestInput.put("includeUpload", includeUpload);
    JsonNode m =
        client.call(
            "CreateArtifactManifest",
            Gql.CREATE_ARTIFACT_MANIFEST,
            map("input", manifestInput),
            coll.toString());
    return WandbClient.require(
        m, "createArtifactManifest.artifactManifest", "CreateArtifactManifest", coll.toString());
  }

  /**
   * One task's {@code createArtifactFiles} batches and uploads into a pending artifact: returns the
   * {@code birthArtifactID} of each entry. Bodies must be in this process's cache.
   */
  Map<String, String> uploadFromTask(
      ArtifactPath coll, String artifactId, String manifestId, List<ManifestEntry> files)
      throws IOException {
    List<FileUpload> toUpload = new ArrayList<>();
    Map<String, String> births = requestUploads(coll, artifactId, manifestId, files, toUpload);
    uploadInRounds(coll, artifactId, manifestId, toUpload);
    LOG.debug("Uploaded {} of {} files of {} from this task", toUpload.size(), files.size(), coll);
    return births;
  }

  @Override
  public CommitResult commit(ArtifactDraft draft) {
    requireNonNull(draft, "draft is null");
    // wandb-core saves artifacts of one name one at a time, so version indices follow log order.
    ReentrantLock lock =
        collectionLocks.computeIfAbsent(
            draft.collection().collectionPath(), k -> new ReentrantLock());
    lock.lock();
    try {
      return doCommit(draft);
    } finally {
      lock.unlock();
    }
  }

  /** Whether {@code latest} is the version the draft was created from (nothing to rebase onto). */
  private static boolean isBase(ArtifactDraft draft, ArtifactVersion latest) {
    return draft
        .base()
        .map(b -> !b.isLink() && b.versionIndex() == latest.versionIndex())
        .orElse(false);
  }

  /** One non-reference entry on its way to the server. */
  /**
   * Uploads as wandb-core does, in rounds ({@link UploadRounds}): uploads that failed get fresh
   * URLs from another {@code createArtifactFiles} for just those files.
   */
  private void uploadInRounds(
      ArtifactPath coll, String artifactId, String manifestId, List<FileUpload> toUpload)
      throws IOException {
    UploadRounds.run(
        toUpload,
        settings.parallelism,
        "wandb-upload",
        u -> upload(coll, u),
        failed -> {
          List<FileUpload> again = new ArrayList<>();
          requestUploads(
              coll, artifactId, manifestId, failed.stream().map(FileUpload::entry).toList(), again);
          return again;
        },
        u -> "'" + u.entry().path() + "' of " + coll);
  }

  private record FileUpload(
      ManifestEntry entry, Path body, List<Part> parts, JsonNode node, String artifactId) {}

  private record Part(int number, long offset, long length, byte[] md5) {}

  private CommitResult doCommit(ArtifactDraft draft) {
    long start = System.nanoTime();
    ArtifactPath coll = draft.collection();
    String scope = coll.entity() + "/" + coll.project();
    Manifest draftManifest = draft.manifest();
    if (draft.rebasesOnLatest()) {
      // Appends apply to the latest version as it is now. W&B has no conditional create, so
      // another process committing between this read and createArtifact can still win; the
      // collection lock above rules that out within this process.
      Optional<ArtifactVersion> latest = find(coll.withAlias(ArtifactPath.LATEST));
      if (latest.isPresent() && !isBase(draft, latest.get())) {
        LOG.info("{}: applying the draft's changes to {}", coll, latest.get().path());
        draftManifest = draft.manifestOn(manifest(latest.get()));
      }
    }
    String digest = draftManifest.digest();
    RunInfo run = draft.run().orElse(processRun);
    String runName = ensureRun(coll.entity(), coll.project(), run);

    Set<String> aliases = new LinkedHashSet<>();
    aliases.add(ArtifactPath.LATEST);
    aliases.addAll(draft.aliases());
    List<Map<String, Object>> aliasInputs = new ArrayList<>();
    for (String a : aliases) {
      aliasInputs.add(map("artifactCollectionName", coll.name(), "alias", a));
    }
    Map<String, Object> input = new LinkedHashMap<>();
    input.put("entityName", coll.entity());
    input.put("projectName", coll.project());
    input.put("artifactTypeName", draft.type());
    input.put("artifactCollectionName", coll.name());
    input.put("runName", runName);
    input.put("digest", digest);
    input.put("digestAlgorithm", "MANIFEST_MD5");
    putIfPresent(input, "description", draft.description());
    Map<String, Object> metadata = withCommitProperties(draft.metadata(), draft.commitProperties());
    if (!metadata.isEmpty()) {
      input.put("metadata", toJson(metadata));
    }
    input.put("aliases", aliasInputs);
    if (!draft.tags().isEmpty()) {
      input.put("tags", draft.tags().stream().map(t -> map("tagName", t)).toList());
    }
    if (draft.ttl() != null) {
      input.put("ttlDurationSeconds", draft.ttl().toSeconds());
    }
    input.put("enableDigestDeduplication", true);
    UploadSession session = draft.uploadSession().orElse(null);
    if (session != null) {
      // The same key as beginUpload: the server upserts the pending artifact the tasks filled.
      input.put("distributedID", session.get(SESSION_DISTRIBUTED_ID));
      input.put("clientID", session.get(SESSION_CLIENT_ID));
      input.put("sequenceClientID", session.get(SESSION_SEQUENCE_CLIENT_ID));
    } else {
      input.put("clientID", randomName(128));
      input.put("sequenceClientID", randomName(128));
    }
    putIfPresent(input, "storageRegion", draftManifest.storageRegion());

    JsonNode data =
        client.call("CreateArtifact", Gql.CREATE_ARTIFACT, map("input", input), coll.toString());
    JsonNode created =
        WandbClient.require(data, "createArtifact.artifact", "CreateArtifact", coll.toString());
    String artifactId = text(created, "id");
    String state = text(created, "state");
    if (ArtifactVersion.COMMITTED.equals(state)) {
      ArtifactVersion existing = byIndex(coll, created.path("versionIndex").asInt());
      LOG.info("{} has the same digest {} as {}; nothing uploaded", coll, digest, existing.path());
      return new CommitResult(existing, false);
    }
    if (!"PENDING".equals(state) && !ArtifactVersion.DELETED.equals(state)) {
      throw new ArtifactException(
          "Cannot commit "
              + coll
              + ": createArtifact answered with state '"
              + state
              + "' (expected PENDING or COMMITTED)");
    }
    if (session != null && !artifactId.equals(session.get(SESSION_ARTIFACT_ID))) {
      throw new ArtifactException(
          "Cannot commit "
              + coll
              + ": createArtifact answered artifact "
              + artifactId
              + " for the distributed ID of pending artifact "
              + session.get(SESSION_ARTIFACT_ID)
              + ", which holds the tasks' uploads; nothing was committed");
    }

    long uploadedBytes;
    int uploadedFiles;
    try {
      String baseId =
          draft
              .base()
              .map(ArtifactVersion::id)
              .orElseGet(
                  () -> {
                    String latest =
                        created.path("artifactSequence").path("latestArtifact").path("id").asText();
                    return latest.isEmpty() || latest.equals(artifactId) ? null : latest;
                  });
      String manifestId =
          session != null
              ? session.get(SESSION_MANIFEST_ID)
              : text(createManifest(coll, artifactId, baseId, runName, "", false), "id");

      // Every file is announced, also those the tasks uploaded (the server answers "stored", with
      // their birth artifact): cheap, idempotent, and it proves the server has every body before
      // the commit. A body the server lacks is uploaded from this process's cache if it is there,
      // else the commit fails naming the entry.
      List<ManifestEntry> files =
          draftManifest.entries().stream().filter(e -> !e.isReference()).toList();
      List<FileUpload> toUpload = new ArrayList<>();
      Map<String, String> births = requestUploads(coll, artifactId, manifestId, files, toUpload);
      uploadedFiles = toUpload.size();
      uploadedBytes = toUpload.stream().mapToLong(u -> u.entry().size()).sum();
      uploadInRounds(coll, artifactId, manifestId, toUpload);

      List<ManifestEntry> finalEntries = new ArrayList<>(draftManifest.fileCount());
      for (ManifestEntry e : draftManifest.entries()) {
        finalEntries.add(
            e.isReference()
                ? e
                : e.withBirthArtifactId(births.getOrDefault(e.path(), e.birthArtifactId())));
      }
      Manifest manifest =
          Manifest.of(Manifest.STORAGE_LAYOUT_V2, draftManifest.storageRegion(), finalEntries);
      ManifestWriter.Serialized bytes =
          ManifestWriter.serialize(manifest, ManifestWriter.Style.CANONICAL);
      if (!bytes.result().artifactDigest().equals(digest)) {
        throw new IllegalStateException("manifest digest changed while committing");
      }
      JsonNode file =
          createManifest(coll, artifactId, baseId, runName, bytes.result().fileMd5Base64(), true)
              .path("file");
      if (file.isMissingNode() || file.isNull()) {
        throw new ArtifactException(
            "createArtifactManifest returned no file for the manifest of " + coll);
      }
      String url = text(file, "uploadUrl");
      if (url == null) {
        throw new ArtifactException(
            "createArtifactManifest returned no upload URL for the manifest");
      }
      client.put(url, strings(file.get("uploadHeaders")), bytes.bytes(), "the manifest");
    } catch (ArtifactException.CommitStateUnknown e) {
      throw e;
    } catch (RuntimeException | IOException e) {
      throw new ArtifactException(
          "Cannot commit "
              + coll
              + ": "
              + e.getMessage()
              + ". Nothing was committed: the pending version "
              + artifactId
              + " stays invisible to readers; retry the commit",
          e);
    }

    JsonNode committed;
    try {
      committed =
          client.call(
              "CommitArtifact",
              Gql.COMMIT_ARTIFACT,
              map("artifactID", artifactId),
              coll.toString());
    } catch (WandbClient.CallException e) {
      if (e.outcomeUnknown) {
        throw new ArtifactException.CommitStateUnknown(
            "Cannot tell whether "
                + coll
                + " (version "
                + artifactId
                + ") was committed: "
                + e.getMessage()
                + "; list its versions before retrying",
            e);
      }
      throw new ArtifactException(
          "Cannot commit " + coll + ": " + e.getMessage() + ". Nothing was committed", e);
    }
    JsonNode done =
        WandbClient.require(
            committed, "commitArtifact.artifact", "CommitArtifact", coll.toString());
    JsonNode index =
        done.hasNonNull("versionIndex") ? done.get("versionIndex") : created.get("versionIndex");
    if (index == null || index.isNull()) {
      throw new ArtifactException(
          "Committed "
              + coll
              + " (version "
              + artifactId
              + ") but the server named no version index");
    }
    ArtifactVersion version = byIndex(coll, index.asInt());
    LOG.info(
        "Committed {} ({} entries, {} files / {} bytes uploaded) in {} ms",
        version.path(),
        draftManifest.fileCount(),
        uploadedFiles,
        uploadedBytes,
        (System.nanoTime() - start) / 1_000_000);
    return new CommitResult(version, true);
  }

  /**
   * Calls {@code createArtifactFiles} in batches and collects what must be uploaded; returns the
   * {@code birthArtifactID} of every path. Responses are in input order (wandb-core relies on it;
   * we check the names too).
   */
  private Map<String, String> requestUploads(
      ArtifactPath coll,
      String artifactId,
      String manifestId,
      List<ManifestEntry> files,
      List<FileUpload> toUpload)
      throws IOException {
    Map<String, String> births = new LinkedHashMap<>();
    for (int from = 0; from < files.size(); from += settings.createFilesBatch) {
      List<ManifestEntry> batch =
          files.subList(from, Math.min(files.size(), from + settings.createFilesBatch));
      List<Map<String, Object>> specs = new ArrayList<>(batch.size());
      List<List<Part>> partsOf = new ArrayList<>(batch.size());
      for (ManifestEntry e : batch) {
        Map<String, Object> spec = new LinkedHashMap<>();
        spec.put("artifactID", artifactId);
        spec.put("artifactManifestID", manifestId);
        spec.put("name", e.path());
        spec.put("md5", e.digest());
        List<Part> parts = null;
        long size = e.size() == null ? -1 : e.size();
        if (size >= settings.multipartThreshold && cache.has(e.digest(), e.size())) {
          parts = parts(cache.bodyPath(e.digest()), size);
          List<Map<String, Object>> partInputs = new ArrayList<>();
          for (Part p : parts) {
            partInputs.add(map("partNumber", p.number(), "hexMD5", Digests.hex(p.md5())));
          }
          spec.put("uploadPartsInput", partInputs);
        }
        specs.add(spec);
        partsOf.add(parts);
      }
      JsonNode data =
          client.call(
              "CreateArtifactFiles",
              Gql.CREATE_ARTIFACT_FILES,
              map("storageLayout", "V2", "artifactFiles", specs),
              coll.toString());
      JsonNode edges =
          WandbClient.require(
              data, "createArtifactFiles.files.edges", "CreateArtifactFiles", coll.toString());
      if (edges.size() != batch.size()) {
        throw new ArtifactException(
            "createArtifactFiles answered "
                + edges.size()
                + " files for "
                + batch.size()
                + " requested");
      }
      for (int i = 0; i < batch.size(); i++) {
        ManifestEntry e = batch.get(i);
        JsonNode node = edges.get(i).path("node");
        String name = node.path("name").asText(e.path());
        if (!name.equals(e.path())) {
          throw new ArtifactException(
              "createArtifactFiles answered file '" + name + "' where '" + e.path() + "' was due");
        }
        String birth = node.path("artifact").path("id").asText(null);
        if (birth == null) {
          throw new ArtifactException(
              "createArtifactFiles answered no artifact.id for '" + e.path() + "'");
        }
        births.put(e.path(), birth);
        boolean single =
            !node.path("uploadUrl").isNull() && !node.path("uploadUrl").isMissingNode();
        boolean multi =
            !node.path("uploadMultipartUrls").isNull()
                && !node.path("uploadMultipartUrls").isMissingNode();
        if (!single && !multi) {
          continue; // The server already stores these bytes.
        }
        if (!cache.has(e.digest(), e.size())) {
          throw new ArtifactException(
              "the server does not have the bytes of entry '"
                  + e.path()
                  + "' ("
                  + e.digest()
                  + ") and they are not in the local W&B cache "
                  + cache.root()
                  + "; add the file through this registry's draft so it is staged locally");
        }
        List<Part> parts = partsOf.get(i);
        if (multi && parts == null) {
          throw new ArtifactException(
              "createArtifactFiles answered a multipart upload for '"
                  + e.path()
                  + "', which was not requested");
        }
        toUpload.add(
            new FileUpload(e, cache.bodyPath(e.digest()), multi ? parts : null, node, artifactId));
      }
    }
    return births;
  }

  /** Splits a file into wandb-core's parts and hashes each (hex MD5 announced, base64 sent). */
  private List<Part> parts(Path file, long size) throws IOException {
    long partSize = settings.partSize.applyAsLong(size);
    int count = Multipart.partCount(size, partSize);
    List<Part> parts = new ArrayList<>(count);
    byte[] buf = new byte[1 << 16];
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r");
        FileChannel ch = raf.getChannel();
        InputStream in = Channels.newInputStream(ch)) {
      for (int i = 0; i < count; i++) {
        long offset = i * partSize;
        long length = Math.min(partSize, size - offset);
        MessageDigest md5 = Digests.newMd5();
        long left = length;
        while (left > 0) {
          int n = in.read(buf, 0, (int) Math.min(buf.length, left));
          if (n < 0) {
            throw new IOException("Cannot read " + file + ": shorter than " + size + " bytes");
          }
          md5.update(buf, 0, n);
          left -= n;
        }
        parts.add(new Part(i + 1, offset, length, md5.digest()));
      }
    }
    return parts;
  }

  private void upload(ArtifactPath coll, FileUpload u) throws IOException {
    JsonNode node = u.node();
    String what = "'" + u.entry().path() + "' of " + coll;
    if (u.parts() == null) {
      client.put(
          text(node, "uploadUrl"),
          strings(node.get("uploadHeaders")),
          u.body(),
          0,
          u.entry().size(),
          what);
      return;
    }
    JsonNode multi = node.get("uploadMultipartUrls");
    Map<Integer, String> urls = new LinkedHashMap<>();
    for (JsonNode p : multi.path("uploadUrlParts")) {
      urls.put(p.path("partNumber").asInt(), p.path("uploadUrl").asText());
    }
    String contentType = null;
    for (String h : strings(node.get("uploadHeaders"))) {
      int colon = h.indexOf(':');
      if (colon > 0 && h.substring(0, colon).trim().equalsIgnoreCase("Content-Type")) {
        contentType = h.substring(colon + 1).trim();
      }
    }
    List<Map<String, Object>> completed = new ArrayList<>();
    for (Part p : u.parts()) {
      String url = urls.get(p.number());
      if (url == null) {
        throw new ArtifactException("no upload URL for part " + p.number() + " of " + what);
      }
      String etag =
          client.putPart(
              url, contentType, Digests.base64(p.md5()), u.body(), p.offset(), p.length());
      if (etag == null) {
        throw new ArtifactException("no ETag for part " + p.number() + " of " + what);
      }
      // The raw ETag header, quotes included, as wandb-core sends it.
      completed.add(map("partNumber", p.number(), "hexMD5", etag));
    }
    client.call(
        "CompleteMultipartUploadArtifact",
        Gql.COMPLETE_MULTIPART,
        map(
            "completeMultipartAction",
            "Complete",
            "completedParts",
            completed,
            "artifactID",
            u.artifactId(),
            "storagePath",
            text(node, "storagePath"),
            "uploadID",
            text(multi, "uploadID")),
        coll.toString());
  }

  /** The W&amp;B run for {@code run} in {@code entity/project}, created once per process. */
  private String ensureRun(String entity, String project, RunInfo run) {
    String key = entity + "/" + project + "/" + run.id();
    return runNames.computeIfAbsent(
        key,
        k -> {
          Map<String, Object> vars = new LinkedHashMap<>();
          vars.put("name", randomName(8));
          vars.put("project", project);
          vars.put("entity", entity);
          vars.put("displayName", run.name());
          vars.put("jobType", run.jobType());
          putIfPresent(vars, "host", run.properties().get("host"));
          JsonNode data =
              client.call("UpsertBucket", Gql.UPSERT_BUCKET, vars, entity + "/" + project);
          String name =
              text(
                  WandbClient.require(
                      data, "upsertBucket.bucket", "UpsertBucket", entity + "/" + project),
                  "name");
          runsByName.put(entity + "/" + project + "/" + name, run);
          LOG.info("Created W&B run {}/{}/{} for {}", entity, project, name, run.id());
          return name;
        });
  }

  // ---- reading -------------------------------------------------------------------------------

  @Override
  public ArtifactVersion resolve(ArtifactPath path) {
    return find(path)
        .orElseThrow(
            () ->
                new ArtifactException.NotFound(
                    "Cannot find "
                        + path.withAlias(path.aliasOrLatest())
                        + ": no such collection or alias on "
                        + settings.baseUrl));
  }

  @Override
  public Optional<ArtifactVersion> find(ArtifactPath path) {
    requireNonNull(path, "path is null");
    String name = path.name() + ":" + path.aliasOrLatest();
    JsonNode data =
        client.call(
            "ArtifactMembershipByName",
            Gql.MEMBERSHIP_BY_NAME,
            map("entity", path.entity(), "project", path.project(), "name", name),
            path.entity() + "/" + path.project());
    JsonNode membership = data.path("project").path("artifactCollectionMembership");
    if (membership.isMissingNode() || membership.isNull()) {
      return Optional.empty();
    }
    JsonNode artifact = membership.path("artifact");
    if (artifact.isNull() || artifact.isMissingNode()) {
      return Optional.empty();
    }
    if (!ArtifactVersion.COMMITTED.equals(artifact.path("state").asText())) {
      return Optional.empty();
    }
    List<String> aliases = new ArrayList<>();
    for (JsonNode a : membership.path("aliases")) {
      aliases.add(a.path("alias").asText());
    }
    JsonNode collection = membership.path("artifactCollection");
    return Optional.of(
        toVersion(
            artifact,
            path.entity(),
            path.project(),
            collection.path("name").asText(path.name()),
            "ArtifactPortfolio".equals(collection.path("__typename").asText()),
            membership.path("versionIndex").asInt(artifact.path("versionIndex").asInt()),
            aliases));
  }

  private ArtifactVersion byIndex(ArtifactPath coll, int index) {
    return resolve(coll.withAlias("v" + index));
  }

  @Override
  public Manifest manifest(ArtifactVersion version) {
    requireNonNull(version, "version is null");
    Manifest cached;
    synchronized (manifests) {
      cached = manifests.get(version.id());
    }
    if (cached != null) {
      return cached;
    }
    JsonNode data =
        client.call(
            "ArtifactManifest", Gql.MANIFEST, map("id", version.id()), version.path().toString());
    String url =
        data.path("artifact").path("currentManifest").path("file").path("directUrl").asText(null);
    if (url == null) {
      throw new ArtifactException.Corrupted(
          "Cannot read the manifest of " + version.path() + ": the server has no manifest file");
    }
    byte[] bytes;
    try {
      bytes = client.getBytes(url, "the manifest of " + version.path());
    } catch (IOException e) {
      throw new ArtifactException.Corrupted(
          "Cannot read the manifest of " + version.path() + ": " + e.getMessage(), e);
    }
    Manifest manifest = ManifestReader.read(bytes, "manifest of " + version.path());
    if (!manifest.digest().equals(version.digest())) {
      throw new ArtifactException.Corrupted(
          "Cannot use the manifest of "
              + version.path()
              + ": its digest "
              + manifest.digest()
              + " does not match the version's "
              + version.digest());
    }
    synchronized (manifests) {
      manifests.put(version.id(), manifest);
    }
    return manifest;
  }

  @Override
  public InputStream open(ArtifactVersion version, ManifestEntry entry) throws IOException {
    requireNonNull(version, "version is null");
    requireNonNull(entry, "entry is null");
    if (entry.isReference()) {
      return references.open(entry);
    }
    if (!"MD5".equalsIgnoreCase(entry.digestAlgorithm())) {
      throw new ArtifactException.InvalidInput(
          "Cannot read '"
              + entry.path()
              + "' of "
              + version.path()
              + ": digest algorithm "
              + entry.digestAlgorithm()
              + " is not supported");
    }
    if (!cache.has(entry.digest(), entry.size())) {
      Object lock = downloadLocks.computeIfAbsent(entry.digest(), k -> new Object());
      synchronized (lock) {
        try {
          if (!cache.has(entry.digest(), entry.size())) {
            download(version, entry);
          }
        } finally {
          downloadLocks.remove(entry.digest());
        }
      }
    }
    return Files.newInputStream(cache.bodyPath(entry.digest()));
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
    return Optional.of(WandbBodyFileSystem.uri(settings.baseUrl, version.id(), entry));
  }

  /**
   * The cached body of one entry of artifact {@code artifactId}, downloaded on first use through
   * {@code filesByManifestEntries} (one entry, no listing of the whole version), as executors need.
   */
  Path body(String artifactId, ManifestEntry entry) throws IOException {
    if (!cache.has(entry.digest(), entry.size())) {
      Object lock = downloadLocks.computeIfAbsent(entry.digest(), k -> new Object());
      synchronized (lock) {
        try {
          if (!cache.has(entry.digest(), entry.size())) {
            String what = "'" + entry.path() + "' of artifact " + artifactId;
            fetch(entry, what, refresh -> DownloadUrl.presigned(entryUrl(artifactId, entry, what)));
          }
        } finally {
          downloadLocks.remove(entry.digest());
        }
      }
    }
    return cache.bodyPath(entry.digest());
  }

  private String entryUrl(String artifactId, ManifestEntry entry, String what) {
    Map<String, Object> spec = new LinkedHashMap<>();
    spec.put("name", entry.path());
    spec.put("digest", entry.digest());
    spec.put("birthArtifactID", entry.birthArtifactId());
    spec.put("size", entry.size());
    JsonNode data =
        client.call(
            "ArtifactFilesByManifestEntries",
            Gql.FILES_BY_MANIFEST_ENTRIES,
            map("id", artifactId, "storageLayout", "V2", "entries", List.of(spec)),
            what);
    for (JsonNode edge : data.path("artifact").path("filesByManifestEntries").path("edges")) {
      JsonNode node = edge.path("node");
      String url = node.path("directUrl").asText("");
      if (entry.path().equals(node.path("name").asText()) && !url.isEmpty()) {
        return url;
      }
    }
    throw new ArtifactException.NotFound(
        "Cannot download " + what + ": the server returned no URL for it");
  }

  private interface UrlSource {
    DownloadUrl url(boolean refresh) throws IOException;
  }

  /** Fetches one body into the cache: resumable, MD5- and size-checked, moved into place. */
  private void download(ArtifactVersion version, ManifestEntry entry) throws IOException {
    String what = "'" + entry.path() + "' of " + version.path();
    fetch(
        entry,
        what,
        refresh -> {
          try {
            return DownloadUrl.presigned(fileUrl(version, entry.path(), refresh));
          } catch (ArtifactException.NotFound e) {
            if (entry.birthArtifactId() == null) {
              throw e;
            }
            // No directUrl listed: W&B's own fallback, under the base URL (sent with the key).
            ArtifactPath home =
                version.isLink()
                    ? ArtifactPath.parse(version.sourceCollection(), Map.of())
                    : version.path();
            Manifest m = manifest(version);
            return DownloadUrl.fallback(
                FallbackUrls.of(
                    settings.baseUrl,
                    "V1".equals(m.storageLayout()),
                    m.storageRegion(),
                    home.entity(),
                    home.project(),
                    home.name(),
                    null,
                    entry.birthArtifactId(),
                    entry.digest(),
                    entry.path()));
          }
        });
  }

  private void fetch(ManifestEntry entry, String what, UrlSource urls) throws IOException {
    String hex = Digests.base64ToHex(entry.digest());
    Path part = cache.root().resolve("tmp").resolve(hex + ".part");
    Files.createDirectories(part.getParent());
    for (int attempt = 0; ; attempt++) {
      DownloadUrl url = urls.url(attempt > 0);
      try {
        client.download(url.url(), url.kind(), part, what);
        break;
      } catch (WandbClient.UrlRefused e) {
        // Presigned URLs expire; wandb fetches fresh ones on 401/403. Once is enough.
        if (attempt > 0) {
          throw e;
        }
      }
    }
    var got = Digests.digest(part);
    if (!got.base64().equals(entry.digest())
        || (entry.size() != null && got.size() != entry.size())) {
      Files.deleteIfExists(part);
      throw new ArtifactException.Corrupted(
          "Cannot use the download of "
              + what
              + ": MD5 "
              + got.base64()
              + " ("
              + got.size()
              + " bytes) does not match the manifest's "
              + entry.digest()
              + " ("
              + entry.size()
              + " bytes)");
    }
    cache.promote(part, entry.digest());
  }

  /** The presigned URL of one entry, from the version's paginated file listing. */
  private String fileUrl(ArtifactVersion version, String path, boolean refresh) {
    Map<String, String> urls;
    synchronized (fileUrls) {
      urls = refresh ? null : fileUrls.get(version.id());
    }
    if (urls == null) {
      urls = new LinkedHashMap<>();
      String cursor = null;
      do {
        Map<String, Object> vars = new LinkedHashMap<>();
        vars.put("id", version.id());
        vars.put("cursor", cursor);
        vars.put("perPage", settings.fileUrlPageSize);
        JsonNode data =
            client.call("ArtifactFileURLs", Gql.FILE_URLS, vars, version.path().toString());
        JsonNode files =
            WandbClient.require(
                data, "artifact.files", "ArtifactFileURLs", version.path().toString());
        for (JsonNode edge : files.path("edges")) {
          urls.put(
              edge.path("node").path("name").asText(),
              edge.path("node").path("directUrl").asText());
        }
        cursor = nextCursor(files);
      } while (cursor != null);
      synchronized (fileUrls) {
        fileUrls.put(version.id(), urls);
      }
    }
    String url = urls.get(path);
    if (url == null || url.isEmpty()) {
      throw new ArtifactException.NotFound(
          "Cannot download '"
              + path
              + "' of "
              + version.path()
              + ": the server lists no such file");
    }
    return url;
  }

  @Override
  public List<String> types(String entity, String project) {
    List<String> types = new ArrayList<>();
    paginate(
        "ProjectArtifactTypes",
        Gql.PROJECT_TYPES,
        map("entity", entity, "project", project),
        "project.artifactTypes",
        entity + "/" + project,
        node -> types.add(node.path("name").asText()));
    Collections.sort(types);
    return types;
  }

  @Override
  public List<CollectionInfo> collections(String entity, String project, String type) {
    List<CollectionInfo> out = new ArrayList<>();
    List<String> types = type == null ? types(entity, project) : List.of(type);
    for (String t : types) {
      paginate(
          "ArtifactTypeArtifactCollections",
          Gql.TYPE_COLLECTIONS,
          map("entity", entity, "project", project, "type", t),
          "project.artifactType.artifactCollections",
          entity + "/" + project,
          node -> out.add(toCollection(node, entity, project, t)));
    }
    out.sort(Comparator.comparing(CollectionInfo::name));
    return out;
  }

  @Override
  public Optional<CollectionInfo> collection(ArtifactPath collection) {
    return collectionNode(collection)
        .map(n -> toCollection(n, collection.entity(), collection.project(), null));
  }

  private Optional<JsonNode> collectionNode(ArtifactPath collection) {
    JsonNode data =
        client.call(
            "ArtifactCollection",
            Gql.COLLECTION,
            map(
                "entity",
                collection.entity(),
                "project",
                collection.project(),
                "name",
                collection.name()),
            collection.entity() + "/" + collection.project());
    JsonNode node = data.path("project").path("artifactCollection");
    return node.isMissingNode() || node.isNull() ? Optional.empty() : Optional.of(node);
  }

  @Override
  public List<ArtifactVersion> versions(ArtifactPath collection, VersionQuery query) {
    requireNonNull(query, "query is null");
    CollectionInfo info =
        collection(collection)
            .orElseThrow(
                () ->
                    new ArtifactException.NotFound(
                        "Cannot list versions of "
                            + collection.withAlias(null)
                            + ": the collection does not exist"));
    boolean serverOrder =
        query.order() == VersionQuery.Order.CREATED_ASC
            || query.order() == VersionQuery.Order.CREATED_DESC;
    List<ArtifactVersion> out = new ArrayList<>();
    Map<String, Object> vars =
        map(
            "entity",
            collection.entity(),
            "project",
            collection.project(),
            "type",
            info.type(),
            "collection",
            collection.name(),
            "order",
            query.order() == VersionQuery.Order.CREATED_ASC ? "createdAt" : "-createdAt",
            "filters",
            query.includeDeleted() ? ANY_STATE_FILTER : COMMITTED_FILTER);
    boolean portfolio = info.kind() == CollectionInfo.Kind.PORTFOLIO;
    String cursor = null;
    do {
      vars.put("cursor", cursor);
      vars.put("perPage", settings.pageSize);
      JsonNode data =
          client.call(
              "ArtifactVersions", Gql.VERSIONS, vars, collection.withAlias(null).toString());
      JsonNode artifacts =
          WandbClient.require(
              data,
              "project.artifactType.artifactCollection.artifacts",
              "ArtifactVersions",
              collection.withAlias(null).toString());
      for (JsonNode edge : artifacts.path("edges")) {
        JsonNode node = edge.path("node");
        String v = edge.path("version").asText("");
        int index =
            v.startsWith("v")
                ? Integer.parseInt(v.substring(1))
                : node.path("versionIndex").asInt();
        ArtifactVersion version =
            toVersion(
                node,
                collection.entity(),
                collection.project(),
                collection.name(),
                portfolio,
                index,
                aliasesIn(node, collection.name()));
        if (matches(version, query)) {
          out.add(version);
        }
      }
      cursor = nextCursor(artifacts);
      if (serverOrder && query.limit() > 0 && out.size() >= query.limit()) {
        break;
      }
    } while (cursor != null);
    Comparator<ArtifactVersion> order =
        switch (query.order()) {
          case VERSION_ASC -> Comparator.comparingInt(ArtifactVersion::versionIndex);
          case VERSION_DESC -> Comparator.comparingInt(ArtifactVersion::versionIndex).reversed();
          case CREATED_ASC -> Comparator.comparing(ArtifactVersion::createdAt);
          case CREATED_DESC -> Comparator.comparing(ArtifactVersion::createdAt).reversed();
        };
    out.sort(order);
    return query.limit() > 0 && out.size() > query.limit() ? out.subList(0, query.limit()) : out;
  }

  /** Alias, tag and digest filters are applied here; W&amp;B's filter keys for them are unknown. */
  private static boolean matches(ArtifactVersion v, VersionQuery q) {
    return (q.alias() == null || v.aliases().contains(q.alias()))
        && (q.tag() == null || v.tags().contains(q.tag()))
        && (q.digest() == null || v.digest().equals(q.digest()));
  }

  // ---- changing labels -----------------------------------------------------------------------

  @Override
  public ArtifactVersion addAlias(ArtifactVersion version, String alias) {
    return changeAlias(version, alias, "AddAliases", Gql.ADD_ALIASES);
  }

  @Override
  public ArtifactVersion removeAlias(ArtifactVersion version, String alias) {
    if (!version.aliases().contains(alias)) {
      throw new ArtifactException.NotFound(
          "Cannot remove alias '" + alias + "' from " + version.path() + ": it does not have it");
    }
    return changeAlias(version, alias, "DeleteAliases", Gql.DELETE_ALIASES);
  }

  private ArtifactVersion changeAlias(
      ArtifactVersion version, String alias, String operation, String document) {
    requireNonNull(version, "version is null");
    Names.validateAlias(alias, version.path());
    Map<String, Object> input =
        map(
            "artifactID",
            version.id(),
            "aliases",
            List.of(
                map(
                    "entityName",
                    version.entity(),
                    "projectName",
                    version.project(),
                    "artifactCollectionName",
                    version.collection(),
                    "alias",
                    alias)));
    client.call(operation, document, map("input", input), version.path().toString());
    return reread(version);
  }

  @Override
  public ArtifactVersion update(ArtifactVersion version, VersionUpdate update) {
    requireNonNull(version, "version is null");
    requireNonNull(update, "update is null");
    Map<String, Object> input = new LinkedHashMap<>();
    input.put("artifactID", version.id());
    putIfPresent(input, "description", update.description());
    if (update.metadata() != null) {
      // Replacing the metadata keeps the commit properties stored in it.
      input.put(
          "metadata",
          toJson(
              withCommitProperties(
                  Names.normalizeMetadata(update.metadata(), version.path()),
                  version.commitProperties())));
    }
    if (update.ttl() != null) {
      if (update.ttl().isNegative()) {
        throw new ArtifactException.InvalidInput(
            "Invalid TTL " + update.ttl() + " for " + version.path() + ": it must not be negative");
      }
      input.put(
          "ttlDurationSeconds", update.ttl().isZero() ? TTL_DISABLED : update.ttl().toSeconds());
    }
    if (!update.tagsToAdd().isEmpty()) {
      input.put(
          "tagsToAdd",
          Names.normalizeTags(update.tagsToAdd(), version.path()).stream()
              .map(t -> map("tagName", t))
              .toList());
    }
    if (!update.tagsToRemove().isEmpty()) {
      input.put(
          "tagsToDelete", update.tagsToRemove().stream().map(t -> map("tagName", t)).toList());
    }
    client.call(
        "UpdateArtifact", Gql.UPDATE_ARTIFACT, map("input", input), version.path().toString());
    return reread(version);
  }

  private ArtifactVersion reread(ArtifactVersion version) {
    return resolve(
        new ArtifactPath(
            version.entity(), version.project(), version.collection(), version.version()));
  }

  @Override
  public void delete(ArtifactVersion version, boolean deleteAliases) {
    requireNonNull(version, "version is null");
    List<String> aliases =
        version.aliases().stream().filter(a -> !a.equals(ArtifactPath.LATEST)).toList();
    if (!aliases.isEmpty() && !deleteAliases) {
      throw new ArtifactException.InvalidInput(
          "Cannot delete "
              + version.path()
              + ": it has aliases "
              + aliases
              + "; remove them first or delete with deleteAliases");
    }
    client.call(
        "DeleteArtifact",
        Gql.DELETE_ARTIFACT,
        map("input", map("artifactID", version.id(), "deleteAliases", deleteAliases)),
        version.path().toString());
    synchronized (manifests) {
      manifests.remove(version.id());
    }
    LOG.info("Deleted {}", version.path());
  }

  @Override
  public void deleteCollection(ArtifactPath collection) {
    JsonNode node =
        collectionNode(collection)
            .orElseThrow(
                () ->
                    new ArtifactException.NotFound(
                        "Cannot delete "
                            + collection.withAlias(null)
                            + ": the collection does not exist"));
    boolean portfolio = "ArtifactPortfolio".equals(node.path("__typename").asText());
    Map<String, Object> input =
        portfolio
            ? map("artifactPortfolioID", text(node, "id"))
            : map("artifactSequenceID", text(node, "id"));
    client.call(
        portfolio ? "DeleteArtifactPortfolio" : "DeleteArtifactSequence",
        portfolio ? Gql.DELETE_PORTFOLIO : Gql.DELETE_SEQUENCE,
        map("input", input),
        collection.withAlias(null).toString());
    LOG.info("Deleted collection {}", collection.withAlias(null));
  }

  @Override
  public ArtifactVersion link(
      ArtifactVersion version, ArtifactPath portfolio, List<String> aliases) {
    requireNonNull(version, "version is null");
    requireNonNull(portfolio, "portfolio is null");
    ArtifactPath target = portfolio.withAlias(null);
    Names.validateName(target.name(), target);
    List<String> normalized = Names.normalizeAliases(aliases == null ? List.of() : aliases, target);
    List<Map<String, Object>> aliasInputs = new ArrayList<>();
    for (String a : normalized) {
      aliasInputs.add(map("artifactCollectionName", target.name(), "alias", a));
    }
    Map<String, Object> input = new LinkedHashMap<>();
    input.put("artifactPortfolioName", target.name());
    input.put("entityName", target.entity());
    input.put("projectName", target.project());
    input.put("aliases", aliasInputs);
    input.put("artifactID", version.id());
    JsonNode data =
        client.call("LinkArtifact", Gql.LINK_ARTIFACT, map("input", input), target.toString());
    int index =
        WandbClient.require(data, "linkArtifact.versionIndex", "LinkArtifact", target.toString())
            .asInt();
    return byIndex(target, index);
  }

  // ---- lineage -------------------------------------------------------------------------------

  @Override
  public void recordUse(RunInfo run, ArtifactVersion version) {
    requireNonNull(run, "run is null");
    requireNonNull(version, "version is null");
    // The run lives where the bytes do: a registry (portfolio) project holds no runs.
    ArtifactPath home =
        version.isLink()
            ? ArtifactPath.parse(version.sourceCollection(), Map.of())
            : version.path();
    String runName = ensureRun(home.entity(), home.project(), run);
    Map<String, Object> input = new LinkedHashMap<>();
    input.put("entityName", home.entity());
    input.put("projectName", home.project());
    input.put("runName", runName);
    input.put("artifactID", version.id());
    client.call("UseArtifact", Gql.USE_ARTIFACT, map("input", input), version.path().toString());
  }

  @Override
  public List<RunInfo> usedBy(ArtifactVersion version) {
    JsonNode data =
        client.call(
            "ArtifactUsedBy", Gql.USED_BY, map("id", version.id()), version.path().toString());
    List<RunInfo> runs = new ArrayList<>();
    for (JsonNode edge : data.path("artifact").path("usedBy").path("edges")) {
      JsonNode n = edge.path("node");
      String entity = n.path("project").path("entity").path("name").asText(version.entity());
      String project = n.path("project").path("name").asText(version.project());
      runs.add(toRun(entity, project, n));
    }
    return runs;
  }

  @Override
  public Optional<RunInfo> loggedBy(ArtifactVersion version) {
    JsonNode data =
        client.call(
            "ArtifactCreatedBy",
            Gql.CREATED_BY,
            map("id", version.id()),
            version.path().toString());
    JsonNode by = data.path("artifact").path("createdBy");
    if (!"Run".equals(by.path("__typename").asText())) {
      return Optional.empty();
    }
    ArtifactPath home =
        version.isLink()
            ? ArtifactPath.parse(version.sourceCollection(), Map.of())
            : version.path();
    return Optional.of(toRun(home.entity(), home.project(), by));
  }

  private RunInfo toRun(String entity, String project, JsonNode run) {
    String name = run.path("name").asText();
    RunInfo ours = runsByName.get(entity + "/" + project + "/" + name);
    if (ours != null) {
      return ours;
    }
    String display = run.path("displayName").asText(null);
    String jobType = run.path("jobType").asText(null);
    return new RunInfo(name, display, jobType, Instant.EPOCH, Map.of("wandbRun", name));
  }

  @Override
  public List<ArtifactVersion> inputsOf(String entity, String project, String runId) {
    return runArtifacts(entity, project, runId, "inputArtifacts");
  }

  @Override
  public List<ArtifactVersion> outputsOf(String entity, String project, String runId) {
    return runArtifacts(entity, project, runId, "outputArtifacts");
  }

  /** {@code runId} is our RunInfo ID when this process created the run, else a W&amp;B run name. */
  private List<ArtifactVersion> runArtifacts(
      String entity, String project, String runId, String field) {
    String runName = runNames.getOrDefault(entity + "/" + project + "/" + runId, runId);
    String op = "Run" + Character.toUpperCase(field.charAt(0)) + field.substring(1);
    String doc = Gql.RUN_ARTIFACTS.formatted(op.substring(3), field);
    List<ArtifactVersion> out = new ArrayList<>();
    paginate(
        op,
        doc,
        map("entity", entity, "project", project, "run", runName),
        "project.run." + field,
        entity + "/" + project,
        node -> {
          if (ArtifactVersion.COMMITTED.equals(node.path("state").asText())) {
            JsonNode seq = node.path("artifactSequence");
            String name = seq.path("name").asText();
            out.add(
                toVersion(
                    node,
                    seq.path("project").path("entity").path("name").asText(entity),
                    seq.path("project").path("name").asText(project),
                    name,
                    false,
                    node.path("versionIndex").asInt(),
                    aliasesIn(node, name)));
          }
        });
    return out;
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

  @Override
  public void close() {
    WandbBodyFileSystem.withdraw(this, settings.baseUrl);
    client.close();
  }

  @Override
  public String toString() {
    return "WandbRegistry[" + settings.baseUrl + "]";
  }

  // ---- mapping -------------------------------------------------------------------------------

  private ArtifactVersion toVersion(
      JsonNode a,
      String entity,
      String project,
      String collection,
      boolean portfolio,
      int versionIndex,
      List<String> aliases) {
    JsonNode seq = a.path("artifactSequence");
    String sourceCollection = null;
    if (portfolio) {
      sourceCollection =
          seq.path("project").path("entity").path("name").asText()
              + "/"
              + seq.path("project").path("name").asText()
              + "/"
              + seq.path("name").asText();
    }
    List<String> tags = new ArrayList<>();
    for (JsonNode t : a.path("tags")) {
      tags.add(t.path("name").asText());
    }
    long ttl = a.path("ttlDurationSeconds").asLong(-1);
    JsonNode by = a.path("createdBy");
    String loggedBy = null;
    if ("Run".equals(by.path("__typename").asText())) {
      String runEntity = seq.path("project").path("entity").path("name").asText(entity);
      String runProject = seq.path("project").path("name").asText(project);
      RunInfo ours = runsByName.get(runEntity + "/" + runProject + "/" + by.path("name").asText());
      loggedBy = ours != null ? ours.id() : by.path("name").asText();
    }
    Instant createdAt = time(a.path("createdAt").asText(null));
    Map<String, Object> metadata = new LinkedHashMap<>(metadata(a.get("metadata")));
    Map<String, String> commitProperties = commitProperties(metadata.remove(COMMIT_PROPERTIES_KEY));
    return new ArtifactVersion(
        text(a, "id"),
        entity,
        project,
        collection,
        a.path("artifactType").path("name").asText(),
        versionIndex,
        text(a, "digest"),
        a.path("state").asText(ArtifactVersion.COMMITTED),
        aliases,
        tags,
        a.path("description").isNull() ? null : a.path("description").asText(null),
        metadata,
        ttl > 0 ? Duration.ofSeconds(ttl) : null,
        a.path("size").asLong(0),
        a.path("fileCount").asLong(0),
        createdAt,
        a.hasNonNull("updatedAt") ? time(a.path("updatedAt").asText()) : createdAt,
        loggedBy,
        sourceCollection,
        portfolio ? a.path("versionIndex").asInt() : versionIndex,
        commitProperties);
  }

  private static List<String> aliasesIn(JsonNode artifact, String collection) {
    List<String> aliases = new ArrayList<>();
    for (JsonNode a : artifact.path("aliases")) {
      JsonNode c = a.path("artifactCollection");
      if (c.isMissingNode() || c.isNull() || collection.equals(c.path("name").asText())) {
        aliases.add(a.path("alias").asText());
      }
    }
    return aliases;
  }

  private static CollectionInfo toCollection(
      JsonNode n, String entity, String project, String type) {
    List<String> tags = new ArrayList<>();
    for (JsonNode e : n.path("tags").path("edges")) {
      tags.add(e.path("node").path("name").asText());
    }
    String t = n.path("defaultArtifactType").path("name").asText(type == null ? "" : type);
    return new CollectionInfo(
        entity,
        project,
        n.path("name").asText(),
        t,
        "ArtifactPortfolio".equals(n.path("__typename").asText())
            ? CollectionInfo.Kind.PORTFOLIO
            : CollectionInfo.Kind.SEQUENCE,
        n.path("description").isNull() ? null : n.path("description").asText(null),
        tags,
        n.hasNonNull("createdAt") ? time(n.path("createdAt").asText()) : null,
        n.path("artifacts").path("totalCount").asInt(0));
  }

  /**
   * {@code metadata} plus the commit properties under {@link #COMMIT_PROPERTIES_KEY}, within
   * W&amp;B's limit of 100 top-level keys.
   */
  private static Map<String, Object> withCommitProperties(
      Map<String, Object> metadata, Map<String, String> commitProperties) {
    if (commitProperties.isEmpty()) {
      return metadata;
    }
    if (metadata.containsKey(COMMIT_PROPERTIES_KEY)) {
      throw new ArtifactException.InvalidInput(
          "Invalid metadata key '" + COMMIT_PROPERTIES_KEY + "': it is reserved for commit facts");
    }
    if (metadata.size() >= Names.MAX_METADATA_KEYS) {
      throw new ArtifactException.InvalidInput(
          "Invalid metadata: it has "
              + metadata.size()
              + " keys and the W&B backend needs one of W&B's "
              + Names.MAX_METADATA_KEYS
              + " for the commit properties "
              + commitProperties.keySet()
              + "; use fewer keys");
    }
    Map<String, Object> out = new LinkedHashMap<>(metadata);
    out.put(COMMIT_PROPERTIES_KEY, new java.util.TreeMap<>(commitProperties));
    return out;
  }

  private static Map<String, String> commitProperties(Object stored) {
    if (!(stored instanceof Map<?, ?> m)) {
      return Map.of();
    }
    Map<String, String> out = new LinkedHashMap<>();
    m.forEach((k, v) -> out.put(String.valueOf(k), v == null ? null : String.valueOf(v)));
    out.values().removeIf(java.util.Objects::isNull);
    return out;
  }

  private static Map<String, Object> metadata(JsonNode m) {
    if (m == null || m.isNull()) {
      return Map.of();
    }
    try {
      JsonNode tree = m.isTextual() ? WandbClient.JSON.readTree(m.asText()) : m;
      if (tree == null || !tree.isObject()) {
        return Map.of();
      }
      return WandbClient.JSON.convertValue(
          tree, new TypeReference<LinkedHashMap<String, Object>>() {});
    } catch (JsonProcessingException e) {
      return Map.of("_unparsed", m.asText());
    }
  }

  /** W&amp;B sends times without a zone ({@code 2024-01-02T03:04:05}); they are UTC. */
  static Instant time(String s) {
    if (s == null || s.isEmpty()) {
      return Instant.EPOCH;
    }
    try {
      return Instant.parse(s);
    } catch (DateTimeParseException e) {
      try {
        return LocalDateTime.parse(s).toInstant(ZoneOffset.UTC);
      } catch (DateTimeParseException e2) {
        return Instant.EPOCH;
      }
    }
  }

  private interface NodeSink {
    void accept(JsonNode node);
  }

  /** Walks a Relay connection at {@code path} with {@code cursor}/{@code perPage} variables. */
  private void paginate(
      String operation,
      String document,
      Map<String, Object> vars,
      String path,
      String scope,
      NodeSink sink) {
    String cursor = null;
    do {
      vars.put("cursor", cursor);
      vars.put("perPage", settings.pageSize);
      JsonNode data = client.call(operation, document, vars, scope);
      JsonNode conn = data;
      for (String p : path.split("\\.")) {
        conn = conn.path(p);
      }
      if (conn.isMissingNode() || conn.isNull()) {
        return;
      }
      for (JsonNode edge : conn.path("edges")) {
        sink.accept(edge.path("node"));
      }
      cursor = nextCursor(conn);
    } while (cursor != null);
  }

  private static String nextCursor(JsonNode connection) {
    JsonNode info = connection.path("pageInfo");
    if (!info.path("hasNextPage").asBoolean(false)) {
      return null;
    }
    String cursor = info.path("endCursor").asText(null);
    if (cursor == null || cursor.isEmpty()) {
      throw new ArtifactException("The server reported another page but no endCursor");
    }
    return cursor;
  }

  private static String text(JsonNode n, String field) {
    JsonNode v = n == null ? null : n.get(field);
    return v == null || v.isNull() ? null : v.asText();
  }

  private static List<String> strings(JsonNode array) {
    List<String> out = new ArrayList<>();
    if (array != null) {
      array.forEach(n -> out.add(n.asText()));
    }
    return out;
  }

  private static String toJson(Object value) {
    try {
      return WandbClient.JSON.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new ArtifactException.InvalidInput("Invalid metadata: " + e.getOriginalMessage());
    }
  }

  private static void putIfPresent(Map<String, Object> m, String key, Object value) {
    if (value != null) {
      m.put(key, value);
    }
  }

  /** A mutable map from key/value pairs (values may be null). */
  static Map<String, Object> map(Object... kv) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put((String) kv[i], kv[i + 1]);
    }
    return m;
  }

  /** {@code n} random characters from {@code [a-z0-9]}, as wandb generates run and client IDs. */
  static String randomName(int n) {
    StringBuilder sb = new StringBuilder(n);
    for (int i = 0; i < n; i++) {
      sb.append(ALNUM.charAt(RANDOM.nextInt(ALNUM.length())));
    }
    return sb.toString();
  }

  private static <K, V> Map<K, V> lru(int max) {
    return new LinkedHashMap<>(16, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<K, V> eldest) {
        return size() > max;
      }
    };
  }
}
