package dev.artifacts.common.registry.wandb;

import static dev.artifacts.common.registry.wandb.WandbMapping.aliasInputs;
import static dev.artifacts.common.registry.wandb.WandbMapping.map;
import static dev.artifacts.common.registry.wandb.WandbMapping.putIfPresent;
import static dev.artifacts.common.registry.wandb.WandbMapping.randomName;
import static dev.artifacts.common.registry.wandb.WandbMapping.strings;
import static dev.artifacts.common.registry.wandb.WandbMapping.text;
import static dev.artifacts.common.registry.wandb.WandbMapping.toJson;
import static dev.artifacts.common.registry.wandb.WandbMapping.withCommitProperties;
import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import dev.artifacts.common.ArtifactErrors;
import dev.artifacts.common.ArtifactException;
import dev.artifacts.common.digest.Digests;
import dev.artifacts.common.manifest.Manifest;
import dev.artifacts.common.manifest.ManifestEntry;
import dev.artifacts.common.manifest.ManifestWriter;
import dev.artifacts.common.name.ArtifactPath;
import dev.artifacts.common.name.Names;
import dev.artifacts.common.registry.ArtifactDraft;
import dev.artifacts.common.registry.ArtifactVersion;
import dev.artifacts.common.registry.CommitResult;
import dev.artifacts.common.registry.RunInfo;
import dev.artifacts.common.registry.UploadSession;
import dev.artifacts.common.registry.VersionQuery;
import dev.artifacts.common.registry.commit.CommitPoint;
import dev.artifacts.common.registry.commit.VersionCommit;
import java.io.IOException;
import java.util.ArrayList;
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
 * Logging versions in wandb-core's order ({@code core/pkg/artifacts/saver.go}): the normal save
 * with a FULL manifest, and the distributed save (PATCH manifest) whose first writer is {@link
 * #beginUpload} and whose finishing writer is {@link #commit} of a draft carrying the session.
 */
final class WandbCommits {
  private static final Logger LOG = LoggerFactory.getLogger(WandbCommits.class);

  /** Python's {@code _ttl_duration_seconds_to_gql}: -1 inherits the team default TTL. */
  private static final long TTL_INHERIT = -1;

  private final WandbSettings settings;
  private final WandbClient client;
  private final WandbUploads uploads;
  private final WandbQueries queries;
  private final WandbDownloads downloads;
  private final WandbLineage lineage;
  private final WandbMapping mapping;
  private final Map<String, ReentrantLock> collectionLocks = new ConcurrentHashMap<>();

  WandbCommits(
      WandbSettings settings,
      WandbClient client,
      WandbUploads uploads,
      WandbQueries queries,
      WandbDownloads downloads,
      WandbLineage lineage,
      WandbMapping mapping) {
    this.settings = settings;
    this.client = client;
    this.uploads = uploads;
    this.queries = queries;
    this.downloads = downloads;
    this.lineage = lineage;
    this.mapping = mapping;
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
  public UploadSession beginUpload(ArtifactPath collection, String type, String sharedKey) {
    ArtifactPath coll = collection.withAlias(null);
    Names.validateName(coll.name(), coll);
    Names.validateType(type, coll.name(), coll);
    String runName = lineage.ensureRun(coll.entity(), coll.project(), lineage.processRun);
    String distributedId =
        "artifact-connectors-"
            + (sharedKey == null
                ? randomName(32)
                : Digests.hex(
                    Digests.newMd5()
                        .digest(
                            (coll + "\n" + sharedKey)
                                .getBytes(java.nio.charset.StandardCharsets.UTF_8))));
    Map<String, Object> input =
        artifactInput(
            coll,
            type,
            runName,
            Manifest.of(Manifest.STORAGE_LAYOUT_V2, null, List.of()).digest(),
            List.of());
    input.put("distributedID", distributedId);
    JsonNode created = createArtifact(coll, input);
    String artifactId = text(created, "id");
    String state = text(created, "state");
    if (!"PENDING".equals(state) && !ArtifactVersion.DELETED.equals(state)) {
      // Assumption (README, W&B section): a new distributedID names a new pending artifact even
      // when a committed version has the same (empty) digest.
      throw new ArtifactException(
          "Cannot prepare the upload of "
              + coll
              + ": createArtifact with the new distributed ID "
              + distributedId
              + " answered artifact "
              + artifactId
              + " in state '"
              + state
              + "' (expected PENDING); the server deduplicated the empty start of a distributed"
              + " upload, so engine tasks cannot upload into it. Nothing was written");
    }
    String baseId = latestOtherThan(created, artifactId);
    String manifestId =
        text(createManifest(coll, artifactId, baseId, runName, "", true, false), "id");
    if (manifestId == null) {
      throw new ArtifactException(
          "Cannot prepare the upload of " + coll + ": createArtifactManifest returned no ID");
    }
    LOG.info("Prepared {} (pending artifact {}) for uploads from tasks", coll, artifactId);
    return new UploadSession(
        coll.toString(),
        type,
        Map.of(
            WandbRegistry.SESSION_ARTIFACT_ID, artifactId,
            WandbRegistry.SESSION_MANIFEST_ID, manifestId,
            WandbRegistry.SESSION_DISTRIBUTED_ID, distributedId,
            WandbRegistry.SESSION_BASE_URL, settings.baseUrl));
  }

  /**
   * The {@code CreateArtifactInput} of one writer, as wandb-core fills it ({@code saver.go} {@code
   * createArtifact}): digest deduplication on and fresh {@code clientID}/{@code sequenceClientID}
   * for every call; {@code latest} joins the aliases.
   */
  static Map<String, Object> artifactInput(
      ArtifactPath coll, String type, String runName, String digest, List<String> aliases) {
    Map<String, Object> input = new LinkedHashMap<>();
    input.put("entityName", coll.entity());
    input.put("projectName", coll.project());
    input.put("artifactTypeName", type);
    input.put("artifactCollectionName", coll.name());
    input.put("runName", runName);
    input.put("digest", digest);
    input.put("digestAlgorithm", "MANIFEST_MD5");
    input.put("aliases", aliasInputs(coll.name(), aliases));
    input.put("enableDigestDeduplication", true);
    input.put("clientID", randomName(128));
    input.put("sequenceClientID", randomName(128));
    return input;
  }

  JsonNode createArtifact(ArtifactPath coll, Map<String, Object> input) {
    JsonNode data =
        client.call("CreateArtifact", Gql.CREATE_ARTIFACT, map("input", input), coll.toString());
    return WandbClient.require(data, "createArtifact.artifact", "CreateArtifact", coll.toString());
  }

  /**
   * The collection's latest version as {@code createArtifact} reports it, unless it is {@code id}.
   */
  static String latestOtherThan(JsonNode created, String id) {
    String latest = created.path("artifactSequence").path("latestArtifact").path("id").asText();
    return latest.isEmpty() || latest.equals(id) ? null : latest;
  }

  /**
   * The manifest node of a {@code createArtifactManifest} call: a {@code FULL} manifest ({@code
   * wandb_manifest.json}) or, for distributed writers, a {@code PATCH} one ({@code
   * wandb_manifest.patch.json}), as {@code saver.go} names them.
   */
  JsonNode createManifest(
      ArtifactPath coll,
      String artifactId,
      String baseId,
      String runName,
      String digest,
      boolean patch,
      boolean includeUpload) {
    Map<String, Object> vars = new LinkedHashMap<>();
    vars.put("artifactID", artifactId);
    vars.put("baseArtifactID", baseId);
    vars.put("name", patch ? "wandb_manifest.patch.json" : "wandb_manifest.json");
    vars.put("digest", digest);
    vars.put("entityName", coll.entity());
    vars.put("projectName", coll.project());
    vars.put("runName", runName);
    vars.put("manifestType", patch ? "PATCH" : "FULL");
    vars.put("includeUpload", includeUpload);
    JsonNode m =
        client.call("CreateArtifactManifest", Gql.CREATE_ARTIFACT_MANIFEST, vars, coll.toString());
    return WandbClient.require(
        m, "createArtifactManifest.artifactManifest", "CreateArtifactManifest", coll.toString());
  }

  /**
   * How the finishing writer of a distributed save sets the digest of the PATCH manifest and gets
   * its upload URL ({@code saver.go} {@code upsertManifest}): the manifest's file node.
   */
  JsonNode updateManifest(ArtifactPath coll, String manifestId, String digest) {
    Map<String, Object> vars = new LinkedHashMap<>();
    vars.put("artifactManifestID", manifestId);
    vars.put("digest", digest);
    vars.put("baseArtifactID", null);
    vars.put("includeUpload", true);
    JsonNode m =
        client.call("UpdateArtifactManifest", Gql.UPDATE_ARTIFACT_MANIFEST, vars, coll.toString());
    return WandbClient.require(
        m,
        "updateArtifactManifest.artifactManifest.file",
        "UpdateArtifactManifest",
        coll.toString());
  }

  public CommitResult commit(ArtifactDraft draft) {
    requireNonNull(draft, "draft is null");
    // wandb-core saves artifacts of one name one at a time, so version indices follow log order.
    ReentrantLock lock =
        collectionLocks.computeIfAbsent(
            draft.collection().collectionPath(), k -> new ReentrantLock());
    lock.lock();
    try {
      return VersionCommit.commit(draft, new ServerCommitPoint(draft));
    } finally {
      lock.unlock();
    }
  }

  /**
   * W&amp;B's commit point: the whole {@code saver.go} sequence of one version ({@code
   * createArtifact} with digest deduplication, manifest, uploads, {@code commitArtifact}). The
   * server deduplicates and applies the aliases sent with {@code createArtifact}, and records the
   * run named there as the version's creator, so aliases and lineage need nothing more here.
   * W&amp;B has no conditional create, so an attempt is never lost to another writer; the
   * collection lock of {@link #commit} orders the committers of this process.
   */
  final class ServerCommitPoint implements CommitPoint<ArtifactVersion> {
    private final ArtifactDraft draft;
    private final ArtifactPath coll;

    /** The pending artifact of the last attempt and how its {@code commitArtifact} failed. */
    private String pendingId;

    private WandbClient.CallException commitFailure;

    ServerCommitPoint(ArtifactDraft draft) {
      this.draft = draft;
      this.coll = draft.collection();
    }

    @Override
    public boolean dedupsAtCommitPoint() {
      return true;
    }

    @Override
    public Optional<CommitPoint.Head<ArtifactVersion>> latest() {
      // Appends apply to the latest version as it is now. Another process committing between this
      // read and createArtifact can still win; the collection lock rules that out in this process.
      return queries
          .find(coll.withAlias(ArtifactPath.LATEST))
          .map(v -> new CommitPoint.Head<>(v.versionIndex(), v.id(), v.digest(), v));
    }

    @Override
    public Manifest manifestOf(CommitPoint.Head<ArtifactVersion> latest) {
      LOG.info("{}: applying the draft's changes to {}", coll, latest.handle().path());
      return downloads.manifest(latest.handle());
    }

    @Override
    public CommitPoint.Outcome<ArtifactVersion> tryCommit(CommitPoint.Proposal proposal)
        throws CommitPoint.AmbiguousCommitException {
      return doCommit(this, proposal);
    }

    /**
     * Every failed {@code commitArtifact} is read back: the transport retries, so even a definite
     * refusal may answer a repeat of a call that had already committed.
     */
    @Override
    public CommitPoint.Landing<ArtifactVersion> landed(
        CommitPoint.Proposal proposal, CommitPoint.AmbiguousCommitException failure) {
      // The server derives a distributed version's digest from the merged manifest, so only a
      // normal save can narrow the search by digest.
      VersionQuery candidates =
          draft.uploadSession().isPresent()
              ? VersionQuery.all()
              : new VersionQuery(
                  null,
                  null,
                  proposal.manifest().digest(),
                  false,
                  VersionQuery.Order.VERSION_DESC,
                  0);
      for (ArtifactVersion v : queries.versions(coll, candidates)) {
        if (v.id().equals(pendingId)) {
          checkServerDigest(
              v, v.digest(), proposal.manifest().digest(), draft.uploadSession().isPresent());
          return new CommitPoint.Landing.Landed<>(v);
        }
      }
      if (commitFailure.outcomeUnknown) {
        return new CommitPoint.Landing.Unknown<>(
            "version " + pendingId + " is not among the committed versions yet");
      }
      return new CommitPoint.Landing.Refused<>(
          ArtifactErrors.commitRefused(coll, commitFailure.getMessage(), commitFailure));
    }

    @Override
    public void applyAliases(ArtifactVersion version, List<String> aliases) {
      // Sent with createArtifact, which the server applies at commit or deduplication.
    }

    @Override
    public void recordOutput(RunInfo run, ArtifactVersion version) {
      // createArtifact named the run; the server records it as the version's creator.
    }

    @Override
    public ArtifactVersion toVersion(ArtifactVersion version) {
      return version;
    }
  }

  CommitPoint.Outcome<ArtifactVersion> doCommit(
      ServerCommitPoint point, CommitPoint.Proposal proposal)
      throws CommitPoint.AmbiguousCommitException {
    long start = System.nanoTime();
    ArtifactDraft draft = proposal.draft();
    ArtifactPath coll = draft.collection();
    Manifest draftManifest = proposal.manifest();
    Manifest baseManifest =
        proposal.rebasedOnto() != null
            ? proposal.rebasedOnto()
            : draft.base().map(downloads::manifest).orElse(null);
    String digest = draftManifest.digest();
    RunInfo run = draft.run().orElse(lineage.processRun);
    String runName = lineage.ensureRun(coll.entity(), coll.project(), run);

    Set<String> aliases = new LinkedHashSet<>();
    aliases.add(ArtifactPath.LATEST);
    aliases.addAll(proposal.aliases());
    Map<String, Object> input =
        artifactInput(coll, draft.type(), runName, digest, List.copyOf(aliases));
    putIfPresent(input, "description", draft.description());
    Map<String, Object> metadata = withCommitProperties(draft.metadata(), draft.commitProperties());
    if (!metadata.isEmpty()) {
      input.put("metadata", toJson(metadata));
    }
    if (!draft.tags().isEmpty()) {
      input.put("tags", draft.tags().stream().map(t -> map("tagName", t)).toList());
    }
    Long ttl = ttlSeconds(draft);
    if (ttl != null) {
      input.put("ttlDurationSeconds", ttl);
    }
    UploadSession session = draft.uploadSession().orElse(null);
    if (session != null) {
      // The finishing writer of the distributed save the tasks uploaded into.
      input.put("distributedID", session.get(WandbRegistry.SESSION_DISTRIBUTED_ID));
    }
    putIfPresent(input, "storageRegion", draftManifest.storageRegion());

    JsonNode created = createArtifact(coll, input);
    String artifactId = text(created, "id");
    String state = text(created, "state");
    if (ArtifactVersion.COMMITTED.equals(state)) {
      ArtifactVersion existing = queries.byIndex(coll, created.path("versionIndex").asInt());
      LOG.info("{} has the same digest {} as {}; nothing uploaded", coll, digest, existing.path());
      return new CommitPoint.Outcome.Matched<>(existing);
    }
    if (!"PENDING".equals(state) && !ArtifactVersion.DELETED.equals(state)) {
      throw new ArtifactException(
          "Cannot commit "
              + coll
              + ": createArtifact answered with state '"
              + state
              + "' (expected PENDING or COMMITTED)");
    }
    if (session != null && !artifactId.equals(session.get(WandbRegistry.SESSION_ARTIFACT_ID))) {
      // Assumption (README, W&B section): createArtifact with a distributedID upserts the one
      // pending artifact of that key.
      throw new ArtifactException(
          "Cannot commit "
              + coll
              + ": createArtifact answered artifact "
              + artifactId
              + " for the distributed ID of pending artifact "
              + session.get(WandbRegistry.SESSION_ARTIFACT_ID)
              + ", which holds the tasks' uploads; nothing was committed");
    }

    long uploadedBytes;
    int uploadedFiles;
    try {
      String baseId =
          draft
              .base()
              .map(ArtifactVersion::id)
              .orElseGet(() -> latestOtherThan(created, artifactId));
      String manifestId =
          session != null
              ? session.get(WandbRegistry.SESSION_MANIFEST_ID)
              : text(createManifest(coll, artifactId, baseId, runName, "", false, false), "id");

      // Announced are the bodies this draft or its tasks added (wandb-core announces the entries
      // with a local file): the server answers each with its birth artifact and, when it lacks the
      // bytes, an upload URL. Entries inherited from the base keep their birthArtifactID. A body
      // the server lacks is uploaded from this process's cache if it is there, else the commit
      // fails naming the entry (a task's upload that did not reach the server).
      Map<String, ManifestEntry> inherited = new LinkedHashMap<>();
      if (baseManifest != null) {
        for (ManifestEntry e : baseManifest.entries()) {
          if (!e.isReference() && e.birthArtifactId() != null) {
            inherited.put(e.path(), e);
          }
        }
      }
      List<ManifestEntry> files =
          draftManifest.entries().stream()
              .filter(e -> !e.isReference() && !isInherited(e, inherited))
              .toList();
      List<WandbUploads.FileUpload> toUpload = new ArrayList<>();
      Map<String, String> births =
          uploads.requestUploads(coll, artifactId, manifestId, files, toUpload);
      uploadedFiles = toUpload.size();
      uploadedBytes = toUpload.stream().mapToLong(u -> u.entry().size()).sum();
      uploads.uploadInRounds(coll, artifactId, manifestId, toUpload);

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
      String fileDigest = bytes.result().fileMd5Base64();
      JsonNode file =
          session != null
              ? updateManifest(coll, manifestId, fileDigest)
              : createManifest(coll, artifactId, baseId, runName, fileDigest, false, true)
                  .path("file");
      if (file.isMissingNode() || file.isNull()) {
        throw new ArtifactException("the server returned no file for the manifest of " + coll);
      }
      String url = text(file, "uploadUrl");
      if (url == null) {
        throw new ArtifactException("the server returned no upload URL for the manifest");
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
      point.pendingId = artifactId;
      point.commitFailure = e;
      throw new CommitPoint.AmbiguousCommitException(
          coll + " (version " + artifactId + ")", e.getMessage(), e);
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
    ArtifactVersion version = queries.byIndex(coll, index.asInt());
    String serverDigest = text(done, "digest");
    checkServerDigest(version, serverDigest, digest, session != null);
    LOG.debug(
        "Saved {} ({} entries, {} files / {} bytes uploaded) in {} ms",
        version.path(),
        draftManifest.fileCount(),
        uploadedFiles,
        uploadedBytes,
        (System.nanoTime() - start) / 1_000_000);
    return new CommitPoint.Outcome.Created<>(version);
  }

  /**
   * Calls {@code createArtifactFiles} in batches and collects what must be uploaded; returns the
   * {@code birthArtifactID} of every path. Responses are in input order (wandb-core relies on it;
   * we check the names too).
   */
  /**
   * Fails when the server committed a digest other than the uploaded manifest's. Assumption
   * (README, W&amp;B section): the server commits the uploaded manifest as it is. For a distributed
   * save it merges PATCH manifests itself; should it keep entries this commit left out (e.g. apply
   * the patch over the base version), the version differs from the draft, and readers would refuse
   * its manifest. Say so now, naming both digests.
   */
  static void checkServerDigest(
      ArtifactVersion version, String serverDigest, String digest, boolean distributed) {
    if (serverDigest != null && !serverDigest.equals(digest)) {
      throw new ArtifactException.Corrupted(
          "Committed "
              + version.path()
              + ", but the server's digest "
              + serverDigest
              + " differs from the digest "
              + digest
              + " of the manifest uploaded for it (the server did not commit the manifest as"
              + " uploaded"
              + (distributed ? ": it merged the distributed PATCH manifest differently" : "")
              + "); compare its manifest with the draft before using it, or delete it");
    }
  }

  /** Whether {@code e} is the base version's entry, bytes and birth included. */
  static boolean isInherited(ManifestEntry e, Map<String, ManifestEntry> inherited) {
    ManifestEntry base = inherited.get(e.path());
    return base != null
        && base.digest().equals(e.digest())
        && java.util.Objects.equals(base.birthArtifactId(), e.birthArtifactId());
  }

  /**
   * The {@code ttlDurationSeconds} to send: -1 (inherit the team default, as the Python SDK's
   * {@code _ttl_duration_seconds_to_gql} sends) when the draft keeps a base version's inherited TTL
   * unchanged, else the draft's TTL, else nothing.
   */
  Long ttlSeconds(ArtifactDraft draft) {
    if (draft.ttl() == null) {
      return null;
    }
    boolean keepsInherited =
        draft
            .base()
            .map(b -> mapping.inheritedTtl.contains(b.id()) && draft.ttl().equals(b.ttl()))
            .orElse(false);
    return keepsInherited ? TTL_INHERIT : draft.ttl().toSeconds();
  }
}
