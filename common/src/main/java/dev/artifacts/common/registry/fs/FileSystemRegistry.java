package dev.artifacts.common.registry.fs;

import static java.util.Objects.requireNonNull;

import dev.artifacts.common.ArtifactErrors;
import dev.artifacts.common.ArtifactException;
import dev.artifacts.common.concurrent.Parallel;
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
import dev.artifacts.common.registry.VersionQuery;
import dev.artifacts.common.registry.VersionUpdate;
import dev.artifacts.common.registry.commit.AliasRules;
import dev.artifacts.common.registry.commit.CommitPoint;
import dev.artifacts.common.registry.commit.RetryPolicy;
import dev.artifacts.common.registry.commit.VersionCommit;
import dev.artifacts.common.registry.fs.Records.AliasRecord;
import dev.artifacts.common.registry.fs.Records.CollectionRecord;
import dev.artifacts.common.registry.fs.Records.CollectionTombstone;
import dev.artifacts.common.registry.fs.Records.CommitMark;
import dev.artifacts.common.registry.fs.Records.Edge;
import dev.artifacts.common.registry.fs.Records.GcIntent;
import dev.artifacts.common.registry.fs.Records.Labels;
import dev.artifacts.common.registry.fs.Records.PendingAliases;
import dev.artifacts.common.registry.fs.Records.RunRecord;
import dev.artifacts.common.registry.fs.Records.Tombstone;
import dev.artifacts.common.registry.fs.Records.VersionRecord;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded registry: versions, manifests, aliases, lineage and file bodies as small files under
 * a root on any Hadoop filesystem ({@code file:}, {@code hdfs:}, {@code s3a:}), with no server.
 *
 * <p>Layout under the root, one tree per entity and project (names are encoded as single path
 * segments, see {@link Layout#segment}):
 *
 * <pre>
 * &lt;entity&gt;/&lt;project&gt;/
 *   objects/md5/&lt;hex[0:2]&gt;/&lt;hex[2:]&gt;      file bodies by MD5 (as W&amp;B's cache)
 *   staging/&lt;operation-id&gt;/body            bodies being written; swept by gc
 *   collections/&lt;name&gt;/
 *     collection.json                        type, kind (SEQUENCE|PORTFOLIO), created once
 *     versions/vN.json                       version record: THE commit point, written once
 *     manifests/&lt;hex md5 of file&gt;.json      manifest v1 JSON, content-addressed
 *     labels/vN.json                         current description/metadata/tags/TTL (replaced)
 *     deleted/vN.json                        tombstone; versions/vN.json stays, so N is never reused
 *     aliases/&lt;alias&gt;.json                  {alias, index}; moving an alias replaces the file
 *     pending-aliases/&lt;id&gt;.json             a commit's requested aliases may not be written yet
 *     collection-deleted.json                tombstone: the collection is being deleted (gone)
 *     used-by/vN/&lt;run&gt;.json                 reverse lineage edge (run used vN)
 *   runs/&lt;run-id&gt;/
 *     run.json                               run name, job type, start
 *     inputs/&lt;name&gt;.vN.json                versions the run used
 *     outputs/&lt;name&gt;.vN.json               versions the run logged
 * </pre>
 *
 * <p>{@link VersionCommit} runs the commit protocol shared with the W&amp;B backend (alias rules,
 * rebase, dedup, retry, lineage); this class supplies its commit point, as follows.
 *
 * <p><b>Commit protocol.</b> Bodies are already in {@code objects/} when a draft is committed. The
 * committer checks early that bodies stored by others exist (not those the draft stored itself or
 * inherited from its base, see {@link ArtifactDraft#isKnownBody}), reads the collection's highest
 * index, returns the latest version instead when its digest equals the draft's (W&amp;B dedup),
 * writes the manifest and a commit mark {@code commits/<id>.json}, waits for any gc that may delete
 * one of its bodies, checks that <em>every</em> body exists (storing again from local files any a
 * gc removed), then creates {@code versions/v<N+1>.json} with {@link PutIfAbsent}; see {@link
 * #gc(Duration, boolean, boolean)} for why this keeps gc from deleting a body a commit references.
 * Exactly one of several concurrent committers (threads or processes) creates a given index; the
 * others re-read, re-check dedup and retry with bounded exponential backoff and jitter, then fail
 * with {@link ArtifactException.CommitConflict}. An I/O error whose effect cannot be read back
 * raises {@link ArtifactException.CommitStateUnknown} and nothing is cleaned up. {@code latest} is
 * not stored: it is the highest index without a tombstone.
 *
 * <p><b>Damage.</b> One unreadable file costs only what it holds: a corrupt alias file loses that
 * alias, a corrupt labels file the later label edits, a corrupt version record that version; each
 * is logged with its path, and {@link #fsck} lists them all and repairs what it can. gc is the
 * exception: it refuses to sweep while it cannot read a record or manifest (it fails closed). A
 * collection is deleted tombstone first ({@code collection-deleted.json}): readers see it gone at
 * once, and a delete killed part-way is finished by a re-run, the next commit to the name, gc or
 * {@code fsck --repair}. A commit that requests aliases announces them (pending-aliases marker, and
 * the version record lists them) before its commit point, so a version never shows without its
 * aliases even if the writer dies before writing them. Every delete checks that it happened.
 *
 * <p><b>Assumptions.</b> Metadata files that change (aliases, labels) are last-writer-wins; two
 * concurrent label updates of one version may lose one. Deleting a collection while committing to
 * it leaves a partial collection. HDFS replaces alias and label files atomically (rename with
 * OVERWRITE); on other filesystems whose rename does not replace, a replaced alias file is absent
 * for a moment. Alias and run names are case-sensitive, so a case-insensitive local filesystem can
 * conflate {@code prod} and {@code Prod}.
 */
public final class FileSystemRegistry implements ArtifactRegistry {
  private static final Logger LOG = LoggerFactory.getLogger(FileSystemRegistry.class);

  /**
   * The directories this registry creates under {@code <entity>/<project>/}: a location that holds
   * one of them is a registry (it writes no marker file; tools use this to tell a mistyped location
   * from an empty registry).
   */
  public static final Set<String> PROJECT_DIRECTORIES =
      Set.of(
          Layout.OBJECTS,
          Layout.COLLECTIONS,
          Layout.RUNS,
          Layout.STAGING,
          Layout.COMMITS,
          Layout.GC);

  /** The shortest gc grace allowed without forcing it. */
  public static final Duration MIN_GC_GRACE = Duration.ofHours(1);

  /** Staging operations younger than this are never swept: their bodies are being written. */
  static final Duration MIN_STAGING_AGE = Duration.ofMinutes(10);

  /** How long a commit mark protects the bodies of its manifest from gc, at least. */
  static final Duration COMMIT_MARK_RETENTION = Duration.ofHours(1);

  private static final String LATEST = ArtifactPath.LATEST;
  private static final String INPUTS = "inputs";
  private static final String OUTPUTS = "outputs";

  private final String uri;
  private final FileSystem fs;
  private final FileSystem closeable;
  private final Layout layout;
  private final MetaFiles files;
  private final PutIfAbsent commitPoint;
  private final ReferenceResolver references;
  private final boolean directWrites;
  private volatile long gcWaitMillis = 120_000;
  // Objects whose digest this instance checked before reusing them (see FileSystemContentStore).
  private final Set<String> verifiedObjects = java.util.concurrent.ConcurrentHashMap.newKeySet();

  FileSystemRegistry(
      String uri,
      FileSystem fs,
      FileSystem closeable,
      Path root,
      ReferenceResolver references,
      PutIfAbsent commitPoint) {
    this.uri = requireNonNull(uri, "uri is null");
    this.fs = requireNonNull(fs, "fs is null");
    this.closeable = closeable;
    this.layout = new Layout(requireNonNull(root, "root is null"));
    this.references = requireNonNull(references, "references is null");
    this.commitPoint = requireNonNull(commitPoint, "commitPoint is null");
    String scheme = PutIfAbsentStrategies.scheme(fs);
    this.directWrites = scheme.equals("s3a");
    this.files = new MetaFiles(fs, commitPoint, scheme.equals("file"), directWrites);
  }

  /**
   * Opens (and lazily creates) a registry rooted at {@code uri}: a local path or a {@code file:},
   * {@code hdfs:} or {@code s3a:} URI.
   */
  public static FileSystemRegistry open(
      String uri, Configuration conf, ReferenceResolver references) {
    requireNonNull(uri, "uri is null");
    requireNonNull(conf, "conf is null");
    URI root = toUri(uri);
    FileSystem outer;
    try {
      // newInstance, not get: closing the registry must not close a cached instance others use.
      outer = FileSystem.newInstance(root, conf);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot open registry " + uri + ": " + e.getMessage(), e);
    }
    // The checksummed local filesystem adds .crc files and a rename that is not the POSIX one.
    FileSystem fs = outer instanceof LocalFileSystem local ? local.getRawFileSystem() : outer;
    Path rootPath = fs.makeQualified(new Path(root));
    rejectFileRoot(fs, rootPath, uri);
    return new FileSystemRegistry(
        root.toString(), fs, outer, rootPath, references, PutIfAbsentStrategies.forFileSystem(fs));
  }

  private static void rejectFileRoot(FileSystem fs, Path root, String uri) {
    boolean isFile;
    try {
      isFile = fs.getFileStatus(root).isFile();
    } catch (java.io.FileNotFoundException e) {
      return; // Created on the first write.
    } catch (IOException e) {
      return; // Unreachable now; the first real operation reports it with its reason.
    }
    if (isFile) {
      throw new ArtifactException.InvalidInput(
          "Invalid registry location '"
              + uri
              + "': it is a file, not a directory; give a directory (created if missing)");
    }
  }

  private static URI toUri(String uri) {
    if (uri.isBlank()) {
      throw new ArtifactException.InvalidInput("Invalid registry location '': it is empty");
    }
    int colon = uri.indexOf(':');
    boolean hasScheme = colon > 1 && uri.substring(0, colon).matches("[A-Za-z][A-Za-z0-9+.-]*");
    if (!hasScheme) {
      return java.nio.file.Path.of(uri).toAbsolutePath().normalize().toUri();
    }
    try {
      return new URI(uri);
    } catch (java.net.URISyntaxException e) {
      throw new ArtifactException.InvalidInput(
          "Invalid registry location '" + uri + "': " + e.getMessage());
    }
  }

  @Override
  public String uri() {
    return uri;
  }

  Path root() {
    return layout.root();
  }

  FileSystem fileSystem() {
    return fs;
  }

  /** How long a commit waits for a gc that may delete its bodies (tests shorten it). */
  void gcWaitMillis(long millis) {
    this.gcWaitMillis = millis;
  }

  @Override
  public void close() throws IOException {
    if (closeable != null) {
      closeable.close();
    }
  }

  // ---- locations -----------------------------------------------------------------------------

  /** A collection's directory and its registry-relative form. */
  private record Coll(ArtifactPath path, Path project, Path dir, String rel) {
    String name() {
      return path.name();
    }
  }

  private Coll coll(ArtifactPath path) {
    requireNonNull(path, "path is null");
    ArtifactPath p = path.withAlias(null);
    validateEntity(p.entity(), p);
    Names.validateProject(p.project(), p);
    if (p.name().isEmpty() || p.name().indexOf('/') >= 0) {
      throw new ArtifactException.InvalidInput(
          "Invalid name '" + p.name() + "' for " + p + ": it must be non-empty without '/'");
    }
    Path project = layout.project(p.entity(), p.project());
    String rel =
        Layout.segment(p.entity())
            + "/"
            + Layout.segment(p.project())
            + "/"
            + Layout.COLLECTIONS
            + "/"
            + Layout.segment(p.name());
    return new Coll(p, project, Layout.collection(project, p.name()), rel);
  }

  private Coll coll(String entity, String project, String name) {
    return coll(new ArtifactPath(entity, project, name, null));
  }

  private Path project(String entity, String project) {
    requireNonNull(entity, "entity is null");
    requireNonNull(project, "project is null");
    validateEntity(entity, entity + "/" + project);
    Names.validateProject(project, entity + "/" + project);
    return layout.project(entity, project);
  }

  private static void validateEntity(String entity, Object artifact) {
    if (entity.isEmpty() || entity.length() > Names.MAX_LENGTH || entity.indexOf('/') >= 0) {
      throw new ArtifactException.InvalidInput(
          "Invalid entity '"
              + entity
              + "' for "
              + artifact
              + ": it must have 1 to 128 characters"
              + " and no '/'");
    }
  }

  private static ArtifactPath sourcePathOf(String sourceCollection) {
    String[] parts = sourceCollection.split("/", 3);
    return new ArtifactPath(parts[0], parts[1], parts[2], null);
  }

  // ---- collection state ----------------------------------------------------------------------

  /** What the version and alias directories of a collection held when listed. */
  private final class Snapshot {
    final Coll coll;
    final TreeSet<Integer> indices = new TreeSet<>();
    final Set<Integer> deleted = new HashSet<>();
    final Map<String, Integer> aliases = new TreeMap<>();
    final List<Path> damagedAliases = new ArrayList<>();

    Snapshot(Coll coll, boolean withAliases) {
      this.coll = coll;
      if (isTombstoned(coll)) {
        return; // Being deleted: no versions, whatever is left of its files.
      }
      for (FileStatus s : files.list(Layout.versions(coll.dir()))) {
        Layout.versionIndexOf(s.getPath().getName()).ifPresent(indices::add);
      }
      for (FileStatus s : files.list(Layout.tombstones(coll.dir()))) {
        Layout.versionIndexOf(s.getPath().getName()).ifPresent(deleted::add);
      }
      if (withAliases) {
        for (FileStatus s : files.list(Layout.aliases(coll.dir()))) {
          try {
            files
                .read(s.getPath(), AliasRecord.class, coll.path())
                .filter(a -> indices.contains(a.index()) && !deleted.contains(a.index()))
                .ifPresent(a -> aliases.put(a.alias(), a.index()));
          } catch (ArtifactException.Corrupted e) {
            // One bad alias file must not hide the collection: skip it, say which.
            damagedAliases.add(s.getPath());
            LOG.warn("{}; ignoring that alias ('artifact fsck --repair' drops it)", e.getMessage());
          }
        }
        // A committer killed between its version record and its alias files: show the aliases it
        // requested, as the next alias-changing operation will write them.
        for (Pending p : pendingAliases(coll)) {
          if (isLive(p.record().index())) {
            for (String alias : p.record().aliases()) {
              aliases.put(alias, p.record().index());
            }
          }
        }
      }
    }

    int nextIndex() {
      return indices.isEmpty() ? 0 : indices.last() + 1;
    }

    OptionalInt latest() {
      for (Integer i : indices.descendingSet()) {
        if (!deleted.contains(i)) {
          return OptionalInt.of(i);
        }
      }
      return OptionalInt.empty();
    }

    boolean isLive(int index) {
      return indices.contains(index) && !deleted.contains(index);
    }

    /** Explicit aliases of {@code index} (without {@code latest}). */
    List<String> aliasesOf(int index) {
      List<String> out = new ArrayList<>();
      aliases.forEach(
          (alias, i) -> {
            if (i == index) {
              out.add(alias);
            }
          });
      return out;
    }
  }

  private Optional<VersionRecord> readRecord(Coll c, int index) {
    return files.read(
        Layout.version(c.dir(), index), VersionRecord.class, c.path().withAlias("v" + index));
  }

  private Optional<CollectionRecord> readCollection(Coll c) {
    if (isTombstoned(c)) {
      return Optional.empty();
    }
    return files.read(Layout.collectionRecord(c.dir()), CollectionRecord.class, c.path());
  }

  private boolean isTombstoned(Coll c) {
    return files.exists(Layout.collectionTombstone(c.dir()));
  }

  /** A pending-aliases marker whose version record exists with the marker's version ID. */
  private record Pending(Path marker, VersionRecord record) {}

  /**
   * Markers of commits that reached their commit point but may not have written their alias files,
   * in index order (a later commit's request wins). Markers of commits that lost their index, or
   * have not reached it yet, are left out.
   */
  private List<Pending> pendingAliases(Coll c) {
    List<Pending> out = new ArrayList<>();
    for (FileStatus s : files.list(Layout.pendingAliases(c.dir()))) {
      try {
        Optional<PendingAliases> marker = files.read(s.getPath(), PendingAliases.class, c.path());
        if (marker.isEmpty()) {
          continue;
        }
        readRecord(c, marker.get().index())
            .filter(r -> r.id().equals(marker.get().versionId()) && r.aliases() != null)
            .ifPresent(r -> out.add(new Pending(s.getPath(), r)));
      } catch (ArtifactException.Corrupted e) {
        LOG.warn("{}; ignoring that marker ('artifact fsck --repair' drops it)", e.getMessage());
      }
    }
    out.sort(Comparator.comparingInt(p -> p.record().index()));
    return out;
  }

  /**
   * Writes the alias files of commits killed after their commit point, before any operation that
   * changes aliases (so that its change is applied after, not undone by, the completed one).
   */
  private void completePendingAliases(Coll c) {
    for (Pending p : pendingAliases(c)) {
      VersionRecord r = p.record();
      if (!files.exists(Layout.tombstone(c.dir(), r.index()))) {
        writeAliasFiles(c, r, r.aliases());
      }
      files.delete(p.marker(), false);
      LOG.warn("Completed the aliases {} of {}:v{}", r.aliases(), c.path(), r.index());
    }
  }

  /** The record a caller's version came from; it fails if the collection was recreated since. */
  private VersionRecord requireRecord(Coll c, ArtifactVersion version) {
    Optional<VersionRecord> r = readRecord(c, version.versionIndex());
    if (r.isEmpty() || !r.get().id().equals(version.id()) || isTombstoned(c)) {
      throw ArtifactErrors.versionNotFound(version.path(), "the version no longer exists");
    }
    return r.get();
  }

  private ArtifactVersion toVersion(Snapshot s, VersionRecord r) {
    Coll c = s.coll;
    boolean deleted = s.deleted.contains(r.index());
    Labels labels;
    if (r.isLink()) {
      Coll source = coll(sourcePathOf(r.sourceCollection()));
      Optional<VersionRecord> sourceRecord = readRecord(source, r.sourceVersionIndex());
      boolean sourceLive =
          sourceRecord.isPresent()
              && sourceRecord.get().id().equals(r.sourceId())
              && !files.exists(Layout.tombstone(source.dir(), r.sourceVersionIndex()))
              && !isTombstoned(source);
      deleted |= !sourceLive;
      labels = sourceRecord.map(sr -> labels(source, sr)).orElseGet(() -> initialLabels(r));
    } else {
      labels = labels(c, r);
    }
    List<String> aliases = new ArrayList<>();
    if (!deleted) {
      if (s.latest().orElse(-1) == r.index()) {
        aliases.add(LATEST);
      }
      aliases.addAll(s.aliasesOf(r.index()));
    }
    Instant created = Instant.parse(r.createdAt());
    return new ArtifactVersion(
        r.id(),
        c.path().entity(),
        c.path().project(),
        c.name(),
        r.type(),
        r.index(),
        r.digest(),
        deleted ? ArtifactVersion.DELETED : ArtifactVersion.COMMITTED,
        aliases,
        labels.tags(),
        labels.description(),
        labels.metadata(),
        labels.ttlSeconds() == null ? null : Duration.ofSeconds(labels.ttlSeconds()),
        r.size(),
        r.fileCount(),
        created,
        labels.updatedAt() == null ? created : Instant.parse(labels.updatedAt()),
        r.runId(),
        r.sourceCollection(),
        r.isLink() ? r.sourceVersionIndex() : r.index(),
        r.commitProperties());
  }

  private Labels labels(Coll c, VersionRecord r) {
    try {
      return files
          .read(
              Layout.labels(c.dir(), r.index()), Labels.class, c.path().withAlias("v" + r.index()))
          .orElseGet(() -> initialLabels(r));
    } catch (ArtifactException.Corrupted e) {
      LOG.warn(
          "{}; showing the labels v{} was committed with ('artifact fsck --repair' drops the"
              + " file)",
          e.getMessage(),
          r.index());
      return initialLabels(r);
    }
  }

  private static Labels initialLabels(VersionRecord r) {
    return new Labels(
        Records.FORMAT, r.description(), r.metadata(), r.tags(), r.ttlSeconds(), null);
  }

  private Optional<ArtifactVersion> version(Snapshot s, int index) {
    return readRecord(s.coll, index).map(r -> toVersion(s, r));
  }

  // ---- writing -------------------------------------------------------------------------------

  @Override
  public ArtifactDraft newDraft(ArtifactPath collection, String type) {
    Coll c = coll(collection);
    ArtifactDraft draft = new ArtifactDraft(c.path(), type, store(c), references, null, null);
    // Fail before any bytes are stored, not at commit time.
    readCollection(c).ifPresent(r -> checkTypeAndKind(c, r, type, CollectionInfo.Kind.SEQUENCE));
    return draft;
  }

  @Override
  public ArtifactDraft newDraft(ArtifactVersion base) {
    requireNonNull(base, "base is null");
    Manifest manifest = manifest(base);
    ArtifactPath source =
        base.isLink()
            ? sourcePathOf(base.sourceCollection())
            : new ArtifactPath(base.entity(), base.project(), base.collection(), null);
    Coll c = coll(source);
    return new ArtifactDraft(c.path(), base.type(), store(c), references, base, manifest);
  }

  @Override
  public ContentStore contentStore(String entity, String project) {
    return store(project(entity, project), entity + "/" + project);
  }

  private FileSystemContentStore store(Path project, String owner) {
    return new FileSystemContentStore(fs, project, directWrites, owner, verifiedObjects);
  }

  private FileSystemContentStore store(Coll c) {
    return store(c.project(), c.path().entity() + "/" + c.path().project());
  }

  @Override
  public CommitResult commit(ArtifactDraft draft) {
    requireNonNull(draft, "draft is null");
    return VersionCommit.commit(draft, new FileCommitPoint(draft), RetryPolicy.DEFAULT);
  }

  /**
   * The commit point of one commit: {@link PutIfAbsent} of {@code versions/vN.json}, after the
   * manifest and a commit mark are written and the bodies are proven present (see the class
   * comment). {@link #createVersion} reads an ambiguous write back itself, so this point never
   * reports {@link CommitPoint.AmbiguousCommitException}.
   */
  private final class FileCommitPoint implements CommitPoint<VersionRecord> {
    private final ArtifactDraft draft;
    private final Coll c;
    private final List<Path> marks = new ArrayList<>();
    private Snapshot snapshot;
    private Prepared prepared;
    private String markedManifest;

    FileCommitPoint(ArtifactDraft draft) {
      this.draft = draft;
      this.c = coll(draft.collection());
    }

    @Override
    public void prepare() {
      checkBodies(c, draft.manifest(), draft);
      ensureCollection(c, draft.type(), CollectionInfo.Kind.SEQUENCE);
    }

    @Override
    public Optional<CommitPoint.Head<VersionRecord>> latest() {
      snapshot = new Snapshot(c, false);
      OptionalInt latest = snapshot.latest();
      if (latest.isEmpty()) {
        return Optional.empty();
      }
      int index = latest.getAsInt();
      try {
        Optional<VersionRecord> r = readRecord(c, index);
        if (r.isPresent()) {
          return Optional.of(
              new CommitPoint.Head<>(index, r.get().id(), r.get().digest(), r.get()));
        }
      } catch (ArtifactException.Corrupted e) {
        LOG.warn("{}; committing a new version without comparing to it", e.getMessage());
      }
      return Optional.of(new CommitPoint.Head<>(index, null, null, null));
    }

    @Override
    public Manifest manifestOf(CommitPoint.Head<VersionRecord> latest) {
      return manifest(version(new Snapshot(c, true), latest.index()).orElseThrow());
    }

    @Override
    public boolean reusable(
        CommitPoint.Head<VersionRecord> latest, Manifest manifest, ArtifactDraft d) {
      return latestIsIntact(c, latest.handle(), prepared(manifest), manifest, draft);
    }

    @Override
    public CommitPoint.Outcome<VersionRecord> tryCommit(CommitPoint.Proposal proposal) {
      Manifest manifest = proposal.manifest();
      prepared = prepared(manifest);
      if (!prepared.written()) {
        // Content-addressed: an existing file of this name already holds these exact bytes.
        files.createContentAddressed(layout.resolve(prepared.rel()), prepared::copyTo);
        prepared = prepared.markWritten();
      }
      if (!prepared.rel().equals(markedManifest)) {
        marks.add(markCommit(c, prepared.rel()));
        markedManifest = prepared.rel();
      }
      guardBodies(c, manifest, draft);
      int index = snapshot.nextIndex();
      VersionRecord record =
          new VersionRecord(
              Records.FORMAT,
              idOf(proposal.token()),
              index,
              prepared.digest(),
              draft.type(),
              prepared.rel(),
              prepared.fileMd5(),
              manifest.totalSize(),
              manifest.fileCount(),
              draft.description(),
              draft.metadata(),
              draft.tags(),
              draft.ttl() == null ? null : draft.ttl().getSeconds(),
              Instant.now().toString(),
              draft.run().map(RunInfo::id).orElse(null),
              draft.commitProperties(),
              proposal.baseId(),
              null,
              null,
              null,
              proposal.aliases().isEmpty() ? null : List.copyOf(proposal.aliases()));
      if (createVersion(c, record)) {
        return new CommitPoint.Outcome.Created<>(record);
      }
      return new CommitPoint.Outcome.Lost<>("another writer created v" + index);
    }

    @Override
    public void applyAliases(VersionRecord version, List<String> aliases) {
      FileSystemRegistry.this.applyAliases(c, version, aliases);
    }

    @Override
    public void recordOutput(RunInfo run, VersionRecord version) {
      recordEdge(run, c, version, OUTPUTS);
    }

    @Override
    public ArtifactVersion toVersion(VersionRecord version) {
      return version(new Snapshot(c, true), version.index()).orElseThrow();
    }

    @Override
    public void release() {
      if (prepared != null) {
        prepared.delete();
        prepared = null;
      }
      // The version (if any) is visible now; a gc that missed it sees it when it lists again.
      for (Path mark : marks) {
        try {
          files.delete(mark, false);
        } catch (UncheckedIOException e) {
          LOG.debug("Cannot remove commit mark {}; gc removes it later", mark, e);
        }
      }
    }

    private Prepared prepared(Manifest manifest) {
      if (prepared == null || !prepared.manifest().equals(manifest)) {
        if (prepared != null) {
          prepared.delete(); // A rebase changed the manifest: the old serialisation is unused.
        }
        prepared = FileSystemRegistry.prepare(c, manifest);
      }
      return prepared;
    }
  }

  /**
   * A manifest serialised for one commit attempt to a local temporary file (never as one array in
   * the heap: a manifest of millions of entries is hundreds of MB), and whether its
   * content-addressed file in the registry is written yet.
   *
   * @param local the serialised manifest, deleted when the commit ends
   */
  private record Prepared(
      Manifest manifest,
      java.nio.file.Path local,
      String digest,
      String fileMd5,
      String rel,
      boolean written) {
    Prepared markWritten() {
      return new Prepared(manifest, local, digest, fileMd5, rel, true);
    }

    void copyTo(java.io.OutputStream out) throws IOException {
      java.nio.file.Files.copy(local, out);
    }

    void delete() {
      try {
        java.nio.file.Files.deleteIfExists(local);
      } catch (IOException e) {
        LOG.debug("Cannot delete the temporary manifest {}", local, e);
      }
    }
  }

  /**
   * Serialises {@code manifest} in one streaming pass to a local temporary file, computing the
   * artifact digest and the file MD5 (which names the registry's file) on the way.
   */
  private static Prepared prepare(Coll c, Manifest manifest) {
    java.nio.file.Path local = null;
    try {
      local = java.nio.file.Files.createTempFile("artifact-manifest-", ".json");
      ManifestWriter.Result result;
      try (java.io.OutputStream out =
          new java.io.BufferedOutputStream(java.nio.file.Files.newOutputStream(local), 1 << 16)) {
        result = ManifestWriter.write(manifest, out, ManifestWriter.Style.CANONICAL);
      }
      String md5 = result.fileMd5Base64();
      return new Prepared(
          manifest,
          local,
          result.artifactDigest(),
          md5,
          c.rel() + "/manifests/" + Digests.base64ToHex(md5) + ".json",
          false);
    } catch (IOException | RuntimeException e) {
      if (local != null) {
        try {
          java.nio.file.Files.deleteIfExists(local);
        } catch (IOException suppressed) {
          e.addSuppressed(suppressed);
        }
      }
      throw new UncheckedIOException(
          "Cannot serialise the manifest of "
              + c.path()
              + " to a local temporary file (java.io.tmpdir="
              + System.getProperty("java.io.tmpdir")
              + "); free space there or point java.io.tmpdir at a larger disk",
          e instanceof IOException io ? io : new IOException(e));
    }
  }

  /**
   * The commit point. A record that requests aliases is announced first by a {@link PendingAliases}
   * marker, so that the version and its aliases appear together for readers even if the writer dies
   * before {@link #applyAliases} (which removes the marker).
   */
  private boolean createVersion(Coll c, VersionRecord record) {
    Path target = Layout.version(c.dir(), record.index());
    byte[] bytes = MetaFiles.toJson(record);
    Path marker = null;
    if (record.aliases() != null && !record.aliases().isEmpty()) {
      marker = Layout.pendingAlias(c.dir(), record.id());
      files.createOnce(
          marker,
          new PendingAliases(
              Records.FORMAT, record.index(), record.id(), Instant.now().toString()));
    }
    try {
      boolean created = commitPoint.create(fs, target, bytes);
      if (!created && marker != null) {
        files.delete(marker, false); // Lost the index: the marker is stale.
      }
      return created;
    } catch (IOException | UncheckedIOException e) {
      // The write may have happened; reading back is the only way to know.
      Optional<VersionRecord> found;
      try {
        found = readRecord(c, record.index());
      } catch (RuntimeException readFailure) {
        found = Optional.empty();
      }
      if (found.isPresent()) {
        return found.get().id().equals(record.id());
      }
      throw ArtifactErrors.commitOutcomeUnknown(
          c.path().withAlias("v" + record.index()),
          "writing " + target + " failed (" + e.getMessage() + ")",
          e);
    }
  }

  /**
   * Whether the latest version the draft would dedup against can really be read: its manifest
   * (rewritten from the draft's identical bytes if it is missing or corrupt) and every body (stored
   * again from the draft's local files if missing). False means: commit a new version.
   */
  private boolean latestIsIntact(
      Coll c, VersionRecord r, Prepared prepared, Manifest manifest, ArtifactDraft draft) {
    ArtifactVersion existing = version(new Snapshot(c, false), r.index()).orElseThrow();
    try {
      manifest(existing);
    } catch (ArtifactException.Corrupted e) {
      if (!prepared.rel().equals(r.manifest()) || !prepared.fileMd5().equals(r.manifestMd5())) {
        LOG.warn("{}; committing a new version instead of reusing it", e.getMessage());
        return false;
      }
      files.replaceWith(layout.resolve(r.manifest()), prepared::copyTo);
      LOG.warn("{}; rewrote it from the identical manifest being committed", e.getMessage());
    }
    guardBodies(c, manifest, draft);
    return true;
  }

  /**
   * Announces a commit of {@code manifestRel} to gc; see {@link #gc(Duration, boolean, boolean)}.
   */
  private Path markCommit(Coll c, String manifestRel) {
    Path mark = new Path(Layout.commitMarks(c.project()), UUID.randomUUID() + ".json");
    files.createOnce(
        mark,
        new CommitMark(Records.FORMAT, c.path().toString(), manifestRel, Instant.now().toString()));
    return mark;
  }

  /**
   * The commit-point check: after the commit mark is written, waits for any gc that may delete one
   * of the bodies, then proves that every body the manifest references exists, storing again from
   * local files those a gc removed. Runs on every attempt, bodies the draft stored included.
   */
  private void guardBodies(Coll c, Manifest manifest, ArtifactDraft draft) {
    Map<String, String> bodies = new LinkedHashMap<>(); // hex -> an entry path, for messages
    Map<String, String> base64 = new HashMap<>();
    for (ManifestEntry e : manifest.entries()) {
      if (!e.isReference() && Digests.isBase64Md5(e.digest())) {
        String hex = Digests.base64ToHex(e.digest());
        bodies.putIfAbsent(hex, e.path());
        base64.putIfAbsent(hex, e.digest());
      }
    }
    FileSystemContentStore store = store(c);
    for (int round = 0; ; round++) {
      awaitGc(c, bodies.keySet());
      List<String> missing = missingBodies(c, store, bodies);
      if (missing.isEmpty()) {
        return;
      }
      boolean restored = round < 2;
      for (String hex : missing) {
        try {
          restored &= draft.restoreBody(base64.get(hex));
        } catch (IOException e) {
          restored = false;
        }
      }
      if (!restored) {
        String hex = missing.get(0);
        throw new ArtifactException.NotFound(
            "Cannot commit "
                + c.path()
                + ": the body of entry '"
                + bodies.get(hex)
                + "' (digest "
                + base64.get(hex)
                + ")"
                + (missing.size() > 1 ? " and " + (missing.size() - 1) + " more" : "")
                + " is missing from the content store (a concurrent gc may have removed it);"
                + " nothing was committed: add the files again and retry");
      }
      LOG.warn(
          "Commit of {}: stored {} bodies again that a concurrent gc removed",
          c.path(),
          missing.size());
    }
  }

  private List<String> missingBodies(
      Coll c, FileSystemContentStore store, Map<String, String> bodies) {
    List<String> hexes = List.copyOf(bodies.keySet());
    int threads = hexes.size() < 256 ? 1 : Math.min(16, Parallel.defaultThreads() * 4);
    try {
      List<Boolean> present =
          Parallel.map(hexes, threads, "artifact-check", h -> fs.exists(store.objectPath(h)));
      List<String> missing = new ArrayList<>();
      for (int i = 0; i < hexes.size(); i++) {
        if (!present.get(i)) {
          missing.add(hexes.get(i));
        }
      }
      return missing;
    } catch (IOException e) {
      throw new UncheckedIOException(
          "Cannot commit " + c.path() + ": checking that its bodies exist failed", e);
    }
  }

  /** Waits while a running gc lists one of {@code bodies} (hex) among the objects it may delete. */
  private void awaitGc(Coll c, Set<String> bodies) {
    long deadline = System.currentTimeMillis() + gcWaitMillis;
    while (true) {
      Path blocking = null;
      for (FileStatus intentFile : files.list(Layout.gcIntents(c.project()))) {
        Optional<GcIntent> intent;
        try {
          intent = files.read(intentFile.getPath(), GcIntent.class, "gc intent");
        } catch (ArtifactException.Corrupted e) {
          intent = Optional.of(new GcIntent(Records.FORMAT, null, List.copyOf(bodies)));
        }
        if (intent.isPresent()
            && intent.get().candidates() != null
            && intent.get().candidates().stream().anyMatch(bodies::contains)) {
          blocking = intentFile.getPath();
          break;
        }
      }
      if (blocking == null) {
        return;
      }
      if (System.currentTimeMillis() > deadline) {
        throw new ArtifactException.CommitConflict(
            "Cannot commit "
                + c.path()
                + ": a gc ("
                + blocking
                + ") may be deleting bodies this version references and did not finish within "
                + gcWaitMillis / 1000
                + " s; nothing was committed. Retry later, or delete that file if no gc is running");
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new ArtifactException.CommitConflict(
            "Cannot commit " + c.path() + ": interrupted while waiting for gc; nothing committed");
      }
    }
  }

  private void checkBodies(Coll c, Manifest manifest, ArtifactDraft draft) {
    FileSystemContentStore store = store(c);
    Set<String> checked = new HashSet<>();
    for (ManifestEntry e : manifest.entries()) {
      if (e.isReference() || draft.isKnownBody(e.digest()) || !checked.add(e.digest())) {
        continue;
      }
      boolean present;
      try {
        present = store.contains(e.digest());
      } catch (IOException ex) {
        throw new UncheckedIOException(
            "Cannot commit " + c.path() + ": checking the body of '" + e.path() + "' failed", ex);
      }
      if (!present) {
        throw new ArtifactException.NotFound(
            "Cannot commit "
                + c.path()
                + ": the body of entry '"
                + e.path()
                + "' (digest "
                + e.digest()
                + ") is not in the registry's content store; add the file through a draft of this"
                + " registry");
      }
    }
  }

  private void ensureCollection(Coll c, String type, CollectionInfo.Kind kind) {
    if (isTombstoned(c)) {
      // A delete of this name was killed part-way: finish it before creating the name anew.
      files.reclaimCollection(c.dir());
      LOG.warn("Finished the interrupted deletion of {} before committing to it", c.path());
    }
    completePendingAliases(c);
    Optional<CollectionRecord> existing;
    try {
      existing = readCollection(c);
    } catch (ArtifactException.Corrupted e) {
      LOG.warn("{}; not checking the type ('artifact fsck --repair' rebuilds it)", e.getMessage());
      return;
    }
    if (existing.isEmpty()) {
      CollectionRecord record =
          new CollectionRecord(
              Records.FORMAT,
              c.name(),
              type,
              kind.name(),
              null,
              List.of(),
              Instant.now().toString());
      if (files.createOnce(Layout.collectionRecord(c.dir()), record)) {
        return;
      }
      existing = readCollection(c);
      if (existing.isEmpty()) {
        throw new UncheckedIOException(
            new IOException("Cannot create collection record of " + c.path()));
      }
    }
    checkTypeAndKind(c, existing.get(), type, kind);
  }

  private static void checkTypeAndKind(
      Coll c, CollectionRecord r, String type, CollectionInfo.Kind kind) {
    if (!r.type().equals(type)) {
      throw new ArtifactException.InvalidInput(
          "Cannot commit "
              + c.path()
              + " as type '"
              + type
              + "': the collection has type '"
              + r.type()
              + "'; use type '"
              + r.type()
              + "' or another name");
    }
    if (!r.kind().equals(kind.name())) {
      throw new ArtifactException.InvalidInput(
          kind == CollectionInfo.Kind.PORTFOLIO
              ? "Cannot link into "
                  + c.path()
                  + ": it is a source collection, not a portfolio; link into another name"
              : "Cannot commit to "
                  + c.path()
                  + ": it is a portfolio of linked versions; commit to a source collection and"
                  + " link the version");
    }
  }

  private void applyAliases(Coll c, VersionRecord r, List<String> aliases) {
    writeAliasFiles(c, r, aliases);
    if (r.aliases() != null && !r.aliases().isEmpty()) {
      files.delete(Layout.pendingAlias(c.dir(), r.id()), false);
    }
  }

  private void writeAliasFiles(Coll c, VersionRecord r, List<String> aliases) {
    for (String alias : aliases) {
      files.replace(
          Layout.alias(c.dir(), alias),
          new AliasRecord(Records.FORMAT, alias, r.index(), r.id(), Instant.now().toString()));
    }
  }

  private static String newId() {
    return idOf(UUID.randomUUID().toString());
  }

  /** A version id (W&amp;B's form: base64 of {@code Artifact:<token>}) for a commit token. */
  private static String idOf(String token) {
    return Base64.getEncoder()
        .encodeToString(("Artifact:" + token).getBytes(StandardCharsets.UTF_8));
  }

  // ---- reading -------------------------------------------------------------------------------

  @Override
  public ArtifactVersion resolve(ArtifactPath path) {
    Lookup l = lookup(path);
    if (l.version != null) {
      return l.version;
    }
    throw ArtifactErrors.versionNotFound(l.shown, l.whyNot);
  }

  @Override
  public Optional<ArtifactVersion> find(ArtifactPath path) {
    return Optional.ofNullable(lookup(path).version);
  }

  /** A found version, or what was looked for and why it is not there. */
  private record Lookup(ArtifactVersion version, ArtifactPath shown, String whyNot) {}

  private Lookup lookup(ArtifactPath path) {
    Coll c = coll(path);
    String alias =
        java.text.Normalizer.normalize(path.aliasOrLatest(), java.text.Normalizer.Form.NFC);
    ArtifactPath shown = c.path().withAlias(alias);
    Snapshot s = new Snapshot(c, true);
    if (s.indices.isEmpty()) {
      return new Lookup(null, shown, "the collection does not exist");
    }
    OptionalInt index;
    OptionalInt asVersion = Names.versionIndex(alias);
    if (alias.equals(LATEST)) {
      index = s.latest();
      if (index.isEmpty()) {
        return new Lookup(null, shown, "every version was deleted");
      }
    } else if (asVersion.isPresent()) {
      int n = asVersion.getAsInt();
      if (!s.isLive(n)) {
        String why = s.indices.contains(n) ? "it was deleted" : "no version " + alias + " exists";
        return new Lookup(null, shown, why + latestHint(s));
      }
      index = asVersion;
    } else {
      Integer n = s.aliases.get(alias);
      if (n == null) {
        return new Lookup(
            null,
            shown,
            "no version has alias '"
                + alias
                + "' (aliases: "
                + s.aliases.keySet()
                + ")"
                + (s.damagedAliases.isEmpty()
                    ? ""
                    : "; these alias files are damaged: "
                        + s.damagedAliases
                        + ", run 'artifact fsck --repair'"));
      }
      index = OptionalInt.of(n);
    }
    return version(s, index.getAsInt())
        .map(v -> new Lookup(v, shown, null))
        .orElseGet(() -> new Lookup(null, shown, "it was just deleted"));
  }

  private static String latestHint(Snapshot s) {
    OptionalInt latest = s.latest();
    return latest.isPresent() ? " (latest is v" + latest.getAsInt() + ")" : "";
  }

  @Override
  public Manifest manifest(ArtifactVersion version) {
    requireNonNull(version, "version is null");
    Coll c = coll(version.path());
    VersionRecord r = requireRecord(c, version);
    String what = c.path().withAlias(version.version()).toString();
    Path location = layout.resolve(r.manifest());
    byte[] bytes;
    try {
      bytes =
          files
              .readBytes(location)
              .orElseThrow(
                  () ->
                      new ArtifactException.Corrupted(
                          "Corrupted manifest for "
                              + what
                              + ": the file "
                              + location
                              + " is missing"));
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read the manifest of " + what, e);
    }
    Manifest manifest;
    try {
      manifest = ManifestReader.read(bytes, "for " + what);
    } catch (ArtifactException.Corrupted e) {
      throw new ArtifactException.Corrupted(e.getMessage() + " (file " + location + ")", e);
    }
    if (!manifest.digest().equals(r.digest())) {
      throw new ArtifactException.Corrupted(
          "Corrupted manifest for "
              + what
              + ": its digest is "
              + manifest.digest()
              + " but the version's is "
              + r.digest()
              + " (file "
              + location
              + ")");
    }
    if (r.manifestMd5() != null && !Digests.md5Base64(bytes).equals(r.manifestMd5())) {
      throw new ArtifactException.Corrupted(
          "Corrupted manifest for "
              + what
              + ": the file's MD5 is "
              + Digests.md5Base64(bytes)
              + " but "
              + r.manifestMd5()
              + " was committed (file "
              + location
              + ")");
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
    ArtifactPath owner =
        version.isLink()
            ? sourcePathOf(version.sourceCollection())
            : new ArtifactPath(version.entity(), version.project(), version.collection(), null);
    Coll c = coll(owner);
    try {
      return store(c).open(entry.digest());
    } catch (ArtifactException.NotFound e) {
      throw new ArtifactException.Corrupted(
          "Corrupted artifact "
              + version.path()
              + ": the body of entry '"
              + entry.path()
              + "' (digest "
              + entry.digest()
              + ") is missing from the content store");
    }
  }

  @Override
  public List<String> types(String entity, String project) {
    TreeSet<String> types = new TreeSet<>();
    for (CollectionInfo info : collections(entity, project, null)) {
      types.add(info.type());
    }
    return List.copyOf(types);
  }

  @Override
  public List<CollectionInfo> collections(String entity, String project, String type) {
    Path dir = Layout.collections(project(entity, project));
    List<CollectionInfo> out = new ArrayList<>();
    for (FileStatus s : files.list(dir)) {
      if (!s.isDirectory()) {
        continue;
      }
      String name = Layout.unsegment(s.getPath().getName());
      collection(coll(entity, project, name))
          .filter(info -> type == null || info.type().equals(type))
          .ifPresent(out::add);
    }
    out.sort(Comparator.comparing(CollectionInfo::name));
    return out;
  }

  @Override
  public Optional<CollectionInfo> collection(ArtifactPath collection) {
    return collection(coll(collection));
  }

  private Optional<CollectionInfo> collection(Coll c) {
    return readCollection(c)
        .or(() -> recordFromVersions(c))
        .map(
            r -> {
              Snapshot s = new Snapshot(c, false);
              int live = (int) s.indices.stream().filter(s::isLive).count();
              return new CollectionInfo(
                  c.path().entity(),
                  c.path().project(),
                  c.name(),
                  r.type(),
                  CollectionInfo.Kind.valueOf(r.kind()),
                  r.description(),
                  r.tags(),
                  Instant.parse(r.createdAt()),
                  live);
            });
  }

  /**
   * A collection record derived from the newest readable version record, for a collection whose
   * {@code collection.json} is missing (a killed delete or a lost file): its versions still
   * resolve, so it must still be listed.
   */
  private Optional<CollectionRecord> recordFromVersions(Coll c) {
    Snapshot s = new Snapshot(c, false);
    for (int index : s.indices.descendingSet()) {
      try {
        Optional<VersionRecord> r = readRecord(c, index);
        if (r.isPresent()) {
          LOG.warn(
              "The collection record of {} is missing; 'artifact fsck --repair' rebuilds it",
              c.path());
          return Optional.of(
              new CollectionRecord(
                  Records.FORMAT,
                  c.name(),
                  r.get().type(),
                  (r.get().isLink() ? CollectionInfo.Kind.PORTFOLIO : CollectionInfo.Kind.SEQUENCE)
                      .name(),
                  null,
                  List.of(),
                  r.get().createdAt()));
        }
      } catch (ArtifactException.Corrupted e) {
        // Try an older one.
      }
    }
    return Optional.empty();
  }

  @Override
  public List<ArtifactVersion> versions(ArtifactPath collection, VersionQuery query) {
    requireNonNull(query, "query is null");
    Coll c = coll(collection);
    Snapshot s = new Snapshot(c, true);
    if (s.indices.isEmpty() && readCollection(c).isEmpty()) {
      throw new ArtifactException.NotFound(
          "Cannot list versions of " + c.path() + ": the collection does not exist");
    }
    OptionalInt aliasIndex =
        query.alias() == null ? OptionalInt.empty() : Names.versionIndex(query.alias());
    List<ArtifactVersion> out = new ArrayList<>();
    for (int index : s.indices) {
      if (!query.includeDeleted() && s.deleted.contains(index)) {
        continue;
      }
      Optional<ArtifactVersion> v;
      try {
        v = version(s, index);
      } catch (ArtifactException.Corrupted e) {
        LOG.warn("{}; leaving v{} out of the listing", e.getMessage(), index);
        continue;
      }
      if (v.isEmpty()) {
        continue;
      }
      ArtifactVersion version = v.get();
      if (!query.includeDeleted() && version.state().equals(ArtifactVersion.DELETED)) {
        continue;
      }
      if (query.alias() != null
          && !version.aliases().contains(query.alias())
          && !(aliasIndex.isPresent()
              && aliasIndex.getAsInt() == index
              && version.state().equals(ArtifactVersion.COMMITTED))) {
        continue;
      }
      if (query.tag() != null && !version.tags().contains(query.tag())) {
        continue;
      }
      if (query.digest() != null && !version.digest().equals(query.digest())) {
        continue;
      }
      out.add(version);
    }
    Comparator<ArtifactVersion> byIndex = Comparator.comparingInt(ArtifactVersion::versionIndex);
    Comparator<ArtifactVersion> byCreated =
        Comparator.comparing(ArtifactVersion::createdAt).thenComparing(byIndex);
    out.sort(
        switch (query.order()) {
          case VERSION_ASC -> byIndex;
          case VERSION_DESC -> byIndex.reversed();
          case CREATED_ASC -> byCreated;
          case CREATED_DESC -> byCreated.reversed();
        });
    return query.limit() > 0 && out.size() > query.limit()
        ? List.copyOf(out.subList(0, query.limit()))
        : List.copyOf(out);
  }

  // ---- changing labels -----------------------------------------------------------------------

  @Override
  public ArtifactVersion addAlias(ArtifactVersion version, String alias) {
    requireNonNull(version, "version is null");
    requireNonNull(alias, "alias is null");
    Coll c = coll(version.path());
    alias = AliasRules.assignable(alias, c.path());
    VersionRecord r = requireLive(c, version);
    completePendingAliases(c);
    writeAliasFiles(c, r, List.of(alias));
    return reread(c, r.index());
  }

  @Override
  public ArtifactVersion removeAlias(ArtifactVersion version, String alias) {
    requireNonNull(version, "version is null");
    requireNonNull(alias, "alias is null");
    Coll c = coll(version.path());
    if (alias.equals(LATEST)) {
      throw ArtifactErrors.latestAliasRemoved(c.path());
    }
    VersionRecord r = requireRecord(c, version);
    completePendingAliases(c);
    alias = java.text.Normalizer.normalize(alias, java.text.Normalizer.Form.NFC);
    Path file = Layout.alias(c.dir(), alias);
    Optional<AliasRecord> current = files.read(file, AliasRecord.class, c.path());
    if (current.isEmpty() || current.get().index() != r.index()) {
      throw ArtifactErrors.aliasNotCarried(version.path(), alias);
    }
    files.deleteChecked(file, false);
    return reread(c, r.index());
  }

  @Override
  public ArtifactVersion update(ArtifactVersion version, VersionUpdate update) {
    requireNonNull(version, "version is null");
    requireNonNull(update, "update is null");
    Coll c = coll(version.path());
    VersionRecord r = requireLive(c, version);
    Coll target = c;
    VersionRecord targetRecord = r;
    if (r.isLink()) {
      if (update.ttl() != null) {
        throw new ArtifactException.InvalidInput(
            "Cannot set the TTL of "
                + version.path()
                + ": it is a link; set it on the source version "
                + r.sourceCollection()
                + ":v"
                + r.sourceVersionIndex());
      }
      // A link shows its source's labels, as in W&B, so edits go to the source.
      target = coll(sourcePathOf(r.sourceCollection()));
      targetRecord =
          readRecord(target, r.sourceVersionIndex())
              .orElseThrow(
                  () ->
                      new ArtifactException.NotFound(
                          "Cannot update " + version.path() + ": its source version is gone"));
    }
    Labels current = labels(target, targetRecord);
    String description =
        update.description() != null ? update.description() : current.description();
    Map<String, Object> metadata =
        update.metadata() != null
            ? Names.normalizeMetadata(update.metadata(), version.path())
            : current.metadata();
    LinkedHashSet<String> tags =
        new LinkedHashSet<>(current.tags() == null ? List.of() : current.tags());
    tags.addAll(Names.normalizeTags(update.tagsToAdd(), version.path()));
    update.tagsToRemove().forEach(tags::remove);
    Long ttl = current.ttlSeconds();
    if (update.ttl() != null) {
      if (update.ttl().isNegative()) {
        throw new ArtifactException.InvalidInput(
            "Invalid TTL " + update.ttl() + " for " + version.path() + ": it must be positive");
      }
      ttl = update.ttl().isZero() ? null : update.ttl().getSeconds();
    }
    files.replace(
        Layout.labels(target.dir(), targetRecord.index()),
        new Labels(
            Records.FORMAT,
            description,
            metadata,
            List.copyOf(tags),
            ttl,
            Instant.now().toString()));
    return reread(c, r.index());
  }

  @Override
  public void delete(ArtifactVersion version, boolean deleteAliases) {
    requireNonNull(version, "version is null");
    Coll c = coll(version.path());
    VersionRecord r = requireLive(c, version);
    completePendingAliases(c);
    Snapshot s = new Snapshot(c, true);
    List<String> aliases = s.aliasesOf(r.index());
    if (!aliases.isEmpty() && !deleteAliases) {
      throw ArtifactErrors.deleteWithAliases(version.path(), aliases);
    }
    files.createOnce(
        Layout.tombstone(c.dir(), r.index()),
        new Tombstone(Records.FORMAT, r.id(), Instant.now().toString()));
    for (String alias : aliases) {
      Path file = Layout.alias(c.dir(), alias);
      Optional<AliasRecord> current = files.read(file, AliasRecord.class, c.path());
      if (current.isPresent() && current.get().index() == r.index()) {
        files.deleteChecked(file, false);
      }
    }
    LOG.info("Deleted {}", version.path());
  }

  @Override
  public void deleteCollection(ArtifactPath collection) {
    Coll c = coll(collection);
    if (!files.exists(c.dir())) {
      throw new ArtifactException.NotFound(
          "Cannot delete " + c.path() + ": the collection does not exist");
    }
    // Tombstone first: from then on readers see no collection, whatever is left of its files, so
    // a delete killed part-way is all or nothing for them. Repeating the delete, the next commit
    // to the name, gc or fsck --repair finishes the removal.
    if (!isTombstoned(c)) {
      files.createOnce(
          Layout.collectionTombstone(c.dir()),
          new CollectionTombstone(Records.FORMAT, Instant.now().toString()));
    }
    files.reclaimCollection(c.dir());
    LOG.info("Deleted collection {}", c.path());
  }

  @Override
  public ArtifactVersion link(
      ArtifactVersion version, ArtifactPath portfolio, List<String> aliases) {
    requireNonNull(version, "version is null");
    requireNonNull(portfolio, "portfolio is null");
    requireNonNull(aliases, "aliases is null");
    Coll p = coll(portfolio);
    Names.validateName(p.name(), p.path());
    List<String> requested = AliasRules.requested(aliases, p.path());
    Coll src = coll(version.path());
    VersionRecord r = requireLive(src, version);
    if (r.isLink()) {
      // Link the version itself, not the link to it.
      src = coll(sourcePathOf(r.sourceCollection()));
      r =
          readRecord(src, r.sourceVersionIndex())
              .orElseThrow(
                  () ->
                      new ArtifactException.NotFound(
                          "Cannot link " + version.path() + ": its source version is gone"));
    }
    if (src.dir().equals(p.dir())) {
      throw new ArtifactException.InvalidInput(
          "Cannot link " + version.path() + " into its own collection " + p.path());
    }
    ensureCollection(p, r.type(), CollectionInfo.Kind.PORTFOLIO);
    String sourceCollection = src.path().collectionPath();
    RetryPolicy retry = RetryPolicy.DEFAULT;
    for (int attempt = 0; attempt < retry.maxAttempts(); attempt++) {
      Snapshot s = new Snapshot(p, false);
      for (int index : s.indices.descendingSet()) {
        if (!s.isLive(index)) {
          continue;
        }
        Optional<VersionRecord> existing = readRecord(p, index);
        if (existing.isPresent() && r.id().equals(existing.get().sourceId())) {
          applyAliases(p, existing.get(), requested);
          return reread(p, index);
        }
      }
      int index = s.nextIndex();
      VersionRecord link =
          new VersionRecord(
              Records.FORMAT,
              newId(),
              index,
              r.digest(),
              r.type(),
              r.manifest(),
              r.manifestMd5(),
              r.size(),
              r.fileCount(),
              null,
              null,
              null,
              null,
              Instant.now().toString(),
              r.runId(),
              r.commitProperties(),
              null,
              sourceCollection,
              r.index(),
              r.id(),
              requested.isEmpty() ? null : List.copyOf(requested));
      if (createVersion(p, link)) {
        applyAliases(p, link, requested);
        ArtifactVersion linked = reread(p, index);
        LOG.info("Linked {} as {}", version.path(), linked);
        return linked;
      }
      retry.backoff(attempt, p.path());
    }
    throw ArtifactErrors.linkConflict(version.path(), p.path(), retry.maxAttempts());
  }

  private VersionRecord requireLive(Coll c, ArtifactVersion version) {
    VersionRecord r = requireRecord(c, version);
    if (files.exists(Layout.tombstone(c.dir(), r.index()))) {
      throw new ArtifactException.NotFound(
          "Cannot change " + version.path() + ": the version was deleted");
    }
    return r;
  }

  private ArtifactVersion reread(Coll c, int index) {
    return version(new Snapshot(c, true), index)
        .orElseThrow(
            () ->
                ArtifactErrors.versionNotFound(
                    c.path().withAlias("v" + index), "it was just deleted"));
  }

  // ---- lineage -------------------------------------------------------------------------------

  @Override
  public void recordUse(RunInfo run, ArtifactVersion version) {
    requireNonNull(run, "run is null");
    requireNonNull(version, "version is null");
    Coll c = coll(version.path());
    VersionRecord r = requireRecord(c, version);
    try {
      recordEdge(run, c, r, INPUTS);
    } catch (UncheckedIOException e) {
      // Reading must work on a read-only registry; lineage is the one thing lost.
      LOG.warn(
          "Cannot record that run {} used {} ({}); reading it anyway without lineage",
          run.id(),
          version.path(),
          e.getMessage());
    }
  }

  private void recordEdge(RunInfo run, Coll c, VersionRecord r, String direction) {
    Path runRecord = Layout.runRecord(c.project(), run.id());
    if (!files.exists(runRecord)) {
      files.createOnce(
          runRecord,
          new RunRecord(
              Records.FORMAT,
              run.id(),
              run.name(),
              run.jobType(),
              run.startedAt().toString(),
              run.properties()));
    }
    Edge edge =
        new Edge(Records.FORMAT, c.name(), r.index(), r.id(), run.id(), Instant.now().toString());
    Path forward = Layout.runEdge(c.project(), run.id(), direction, c.name(), r.index());
    if (!files.exists(forward)) {
      files.createOnce(forward, edge);
    }
    if (direction.equals(INPUTS)) {
      Path reverse = Layout.usedByRun(c.dir(), r.index(), run.id());
      if (!files.exists(reverse)) {
        files.createOnce(reverse, edge);
      }
    }
  }

  @Override
  public List<RunInfo> usedBy(ArtifactVersion version) {
    requireNonNull(version, "version is null");
    Coll c = coll(version.path());
    List<RunInfo> runs = new ArrayList<>();
    for (FileStatus s : files.list(Layout.usedByDir(c.dir(), version.versionIndex()))) {
      files
          .read(s.getPath(), Edge.class, version.path())
          .filter(e -> e.versionId().equals(version.id()))
          .ifPresent(e -> runs.add(run(c.project(), e.runId())));
    }
    runs.sort(Comparator.comparing(RunInfo::startedAt).thenComparing(RunInfo::id));
    return runs;
  }

  @Override
  public Optional<RunInfo> loggedBy(ArtifactVersion version) {
    requireNonNull(version, "version is null");
    Coll c = coll(version.path());
    VersionRecord r = requireRecord(c, version);
    return Optional.ofNullable(r.runId()).map(id -> run(c.project(), id));
  }

  private RunInfo run(Path project, String runId) {
    return files
        .read(Layout.runRecord(project, runId), RunRecord.class, "run " + runId)
        .map(
            r ->
                new RunInfo(
                    r.id(), r.name(), r.jobType(), Instant.parse(r.startedAt()), r.properties()))
        .orElseGet(() -> new RunInfo(runId, runId, null, Instant.EPOCH, Map.of()));
  }

  @Override
  public List<ArtifactVersion> inputsOf(String entity, String project, String runId) {
    return edges(entity, project, runId, INPUTS);
  }

  @Override
  public List<ArtifactVersion> outputsOf(String entity, String project, String runId) {
    return edges(entity, project, runId, OUTPUTS);
  }

  private List<ArtifactVersion> edges(
      String entity, String project, String runId, String direction) {
    requireNonNull(runId, "runId is null");
    Path dir = project(entity, project);
    Map<String, Snapshot> snapshots = new HashMap<>();
    List<ArtifactVersion> out = new ArrayList<>();
    for (FileStatus s : files.list(Layout.runEdges(dir, runId, direction))) {
      Optional<Edge> edge = files.read(s.getPath(), Edge.class, "run " + runId);
      if (edge.isEmpty()) {
        continue;
      }
      Edge e = edge.get();
      Snapshot snap =
          snapshots.computeIfAbsent(
              e.collection(), name -> new Snapshot(coll(entity, project, name), true));
      readRecord(snap.coll, e.index())
          .filter(r -> r.id().equals(e.versionId()))
          .map(r -> toVersion(snap, r))
          .ifPresent(out::add);
    }
    out.sort(
        Comparator.comparing(ArtifactVersion::collection)
            .thenComparingInt(ArtifactVersion::versionIndex));
    return out;
  }

  // ---- maintenance ---------------------------------------------------------------------------

  /**
   * Checks every collection's files and, with {@code repair}, fixes what can be fixed without
   * guessing; see {@link Fsck}. A read-only check changes nothing.
   */
  /** The file of a version's manifest, for tests and tools that inspect the layout. */
  String manifestLocation(ArtifactVersion version) {
    Coll c = coll(version.path());
    return layout.resolve(requireRecord(c, version).manifest()).toUri().getPath();
  }

  public FsckReport fsck(boolean repair) {
    FsckReport report = new Fsck(fs, layout, files, repair).run();
    LOG.info("fsck of {}: {} problems", uri, report.problems().size());
    return report;
  }

  /** Like {@link #gc(Duration, boolean, boolean)} without {@code force}. */
  @Override
  public GcReport gc(Duration grace, boolean dryRun) {
    return gc(grace, dryRun, false);
  }

  /**
   * Removes staging leftovers and unreferenced bodies older than {@code grace}.
   *
   * <p><b>Protocol with committers.</b> A body no version references yet may be about to be: a
   * draft stored it (or refreshed an existing object's time, see {@link FileSystemContentStore})
   * and has not committed. Three rules keep gc from deleting such a body:
   *
   * <ol>
   *   <li>Age: only objects older than the grace are candidates, and each candidate is stat'ed
   *       again right before it is deleted, so one a writer refreshed since the listing is kept.
   *       The grace must be at least {@link #MIN_GC_GRACE} unless forced, because a draft that
   *       stores bodies longer than the grace before committing is protected by nothing else.
   *   <li>Marks and intents (a Dekker-style handshake that needs no lock). A committer writes a
   *       mark {@code commits/<id>.json} naming its manifest, then reads every gc intent {@code
   *       gc/<id>.json}; if one lists a body the commit references it waits until that gc has
   *       finished; then it checks that every body exists, and only then creates the version
   *       record. gc writes its intent (its candidate list), then reads every mark and keeps the
   *       bodies of their manifests, then deletes. Since each side writes before it reads, at least
   *       one sees the other: either gc sees the mark and keeps the bodies, or the committer sees
   *       the intent and checks the bodies after gc has finished, failing (or storing them again
   *       from its local files) instead of committing a version with a missing body.
   *   <li>Fail closed: a record or manifest gc cannot read stops the sweep (see {@code fsck}).
   * </ol>
   *
   * <p>This holds on every supported filesystem because each step is a single create, list or stat,
   * and local filesystems, HDFS and S3 (since 2020) are strongly consistent for those; on S3 an
   * object's time cannot be refreshed, so there rule 1 protects only bodies younger than the grace
   * and rule 2 does the rest. Marks are kept for {@link #COMMIT_MARK_RETENTION} (or the grace, if
   * longer) after they were written, which covers a commit whose last steps are slower than a whole
   * gc; a commit slower than that between its body check and its commit point is the one case left
   * unprotected. An intent left by a killed gc makes committers of the same bodies wait and then
   * fail with a message naming the file.
   *
   * @param force allow a grace shorter than {@link #MIN_GC_GRACE}
   */
  @Override
  public GcReport gc(Duration grace, boolean dryRun, boolean force) {
    requireNonNull(grace, "grace is null");
    if (grace.isNegative()) {
      throw new ArtifactException.InvalidInput(
          "Invalid gc grace period " + grace + " for " + uri + ": it must not be negative");
    }
    if (!dryRun && !force && grace.compareTo(MIN_GC_GRACE) < 0) {
      throw new ArtifactException.InvalidInput(
          "Invalid gc grace period "
              + grace
              + " for "
              + uri
              + ": it must be at least "
              + MIN_GC_GRACE
              + ", because bodies a running job stored but has not committed yet are protected"
              + " only by their age; use a longer grace, or force it if no job is writing");
    }
    long gcStart = System.currentTimeMillis();
    long cutoff =
        grace.compareTo(Duration.ofMillis(gcStart)) >= 0
            ? Long.MIN_VALUE
            : gcStart - grace.toMillis();
    // A staging directory is a body being written: even a forced grace leaves young ones alone.
    long stagingCutoff = Math.min(cutoff, gcStart - MIN_STAGING_AGE.toMillis());
    List<Path> projects = new ArrayList<>();
    for (FileStatus entity : files.list(layout.root())) {
      if (entity.isDirectory()) {
        for (FileStatus project : files.list(entity.getPath())) {
          if (project.isDirectory()) {
            projects.add(project.getPath());
          }
        }
      }
    }
    if (!dryRun) {
      finishInterruptedWrites(projects, stagingCutoff);
    }
    // Referenced bodies by the project that stores them; a link may live in another project.
    // Fails closed: whatever cannot be read fully is damage, and damage stops the sweep.
    Map<String, Set<String>> referenced = new HashMap<>();
    Set<String> seen = new HashSet<>();
    markLive(projects, referenced, seen);
    long staging = 0;
    long removed = 0;
    long kept = 0;
    long bytes = 0;
    Map<Path, Map<String, FileStatus>> candidates = new LinkedHashMap<>();
    for (Path project : projects) {
      for (FileStatus op : files.list(Layout.staging(project))) {
        long[] ageAndSize = newestAndSize(op);
        if (ageAndSize[0] < stagingCutoff && (dryRun || files.deleteChecked(op.getPath(), true))) {
          staging++;
          bytes += ageAndSize[1];
        }
      }
      Set<String> live = referenced.getOrDefault(key(project), Set.of());
      Map<String, FileStatus> old = new TreeMap<>();
      for (FileStatus prefix : files.list(Layout.objects(project))) {
        for (FileStatus object : files.list(prefix.getPath())) {
          String hex = prefix.getPath().getName() + object.getPath().getName();
          if (live.contains(hex) || object.getModificationTime() >= cutoff) {
            kept++;
          } else {
            old.put(hex, object);
          }
        }
      }
      if (!old.isEmpty()) {
        candidates.put(project, old);
      }
    }
    if (dryRun) {
      for (Map<String, FileStatus> old : candidates.values()) {
        removed += old.size();
        bytes += old.values().stream().mapToLong(FileStatus::getLen).sum();
      }
    } else if (!candidates.isEmpty()) {
      // Announce the candidates, then look again for commits that reached or are reaching their
      // commit point since the mark phase: their marks, and versions created in the meantime.
      List<Path> intents = new ArrayList<>();
      try {
        for (Map.Entry<Path, Map<String, FileStatus>> e : candidates.entrySet()) {
          Path intent = new Path(Layout.gcIntents(e.getKey()), UUID.randomUUID() + ".json");
          intents.add(intent);
          files.createOnce(
              intent,
              new GcIntent(
                  Records.FORMAT,
                  Instant.ofEpochMilli(gcStart).toString(),
                  List.copyOf(e.getValue().keySet())));
        }
        Map<Path, Set<String>> inFlight = new HashMap<>();
        for (Path project : candidates.keySet()) {
          inFlight.put(project, bodiesOfCommitMarks(project, cutoff, gcStart));
        }
        markLive(projects, referenced, seen);
        for (Map.Entry<Path, Map<String, FileStatus>> e : candidates.entrySet()) {
          Set<String> live = referenced.getOrDefault(key(e.getKey()), Set.of());
          for (Map.Entry<String, FileStatus> candidate : e.getValue().entrySet()) {
            if (live.contains(candidate.getKey())
                || inFlight.get(e.getKey()).contains(candidate.getKey())) {
              kept++;
              continue;
            }
            // Re-check right before deleting: a writer may have reused it since the listing.
            Path object = candidate.getValue().getPath();
            FileStatus now = stat(object);
            if (now == null) {
              continue;
            }
            if (now.getModificationTime() >= cutoff) {
              kept++;
              continue;
            }
            if (files.deleteChecked(object, false)) {
              removed++;
              bytes += now.getLen();
            }
          }
        }
      } finally {
        for (Path intent : intents) {
          files.delete(intent, false);
        }
      }
    }
    GcReport report = new GcReport(staging, removed, bytes, kept);
    LOG.info("{} {}: {}", dryRun ? "Dry-run gc of" : "Gc of", uri, report);
    return report;
  }

  /**
   * Finishes collection deletions that were killed part-way (their tombstone is written, so readers
   * already see them gone), removes alias files of deleted versions and stale pending-aliases
   * markers: those whose index holds another version (the commit lost the race), and those older
   * than {@code staleBefore} whose index holds nothing (the writer died before its commit point).
   */
  private void finishInterruptedWrites(List<Path> projects, long staleBefore) {
    for (Path project : projects) {
      for (FileStatus dir : files.list(Layout.collections(project))) {
        if (!dir.isDirectory()) {
          continue;
        }
        if (files.exists(Layout.collectionTombstone(dir.getPath()))) {
          files.reclaimCollection(dir.getPath());
          LOG.info("gc finished the interrupted deletion of {}", dir.getPath());
          continue;
        }
        for (FileStatus markerFile : files.list(Layout.pendingAliases(dir.getPath()))) {
          Optional<PendingAliases> marker;
          try {
            marker = files.read(markerFile.getPath(), PendingAliases.class, "pending aliases");
          } catch (ArtifactException.Corrupted e) {
            continue; // fsck reports it; a marker holds no body references.
          }
          if (marker.isEmpty()) {
            continue;
          }
          Optional<VersionRecord> r;
          try {
            r =
                files.read(
                    Layout.version(dir.getPath(), marker.get().index()),
                    VersionRecord.class,
                    "pending aliases");
          } catch (ArtifactException.Corrupted e) {
            continue;
          }
          boolean lostIndex = r.isPresent() && !r.get().id().equals(marker.get().versionId());
          boolean abandoned = r.isEmpty() && markerFile.getModificationTime() < staleBefore;
          if (lostIndex || abandoned) {
            files.delete(markerFile.getPath(), false);
          }
        }
        dropAliasesOfDeletedVersions(dir.getPath());
      }
    }
  }

  /**
   * Removes alias files that still name a deleted version: {@link #delete} writes the tombstone
   * first and removes the aliases after, so a delete killed in between leaves them (readers already
   * ignore them). Re-read right before removing, as {@code delete} does.
   */
  private void dropAliasesOfDeletedVersions(Path dir) {
    for (FileStatus aliasFile : files.list(Layout.aliases(dir))) {
      Optional<AliasRecord> alias;
      try {
        alias = files.read(aliasFile.getPath(), AliasRecord.class, "alias");
      } catch (ArtifactException.Corrupted e) {
        continue; // fsck reports it.
      }
      if (alias.isPresent() && files.exists(Layout.tombstone(dir, alias.get().index()))) {
        Optional<AliasRecord> again = files.read(aliasFile.getPath(), AliasRecord.class, "alias");
        if (again.isPresent() && again.get().index() == alias.get().index()) {
          files.delete(aliasFile.getPath(), false);
        }
      }
    }
  }

  /**
   * The mark phase: adds to {@code referenced} the bodies of every live version not in {@code seen}
   * (collection directory and index) and adds those to {@code seen}; fails on damage.
   */
  private void markLive(
      List<Path> projects, Map<String, Set<String>> referenced, Set<String> seen) {
    List<String> damage = new ArrayList<>();
    for (Path project : projects) {
      for (FileStatus collection : files.list(Layout.collections(project))) {
        collectReferences(project, collection, referenced, damage, seen);
      }
    }
    if (!damage.isEmpty()) {
      throw new ArtifactException.Corrupted(
          "Cannot gc "
              + uri
              + ": it cannot tell which bodies "
              + (damage.size() == 1 ? "this damaged file" : "these damaged files")
              + " reference, so it removed nothing: "
              + String.join("; ", damage.subList(0, Math.min(damage.size(), 10)))
              + (damage.size() > 10 ? "; and " + (damage.size() - 10) + " more" : "")
              + ". Run 'artifact fsck' to list the damage and 'artifact fsck --repair' to fix"
              + " what can be fixed; delete versions whose manifest is lost");
    }
  }

  private FileStatus stat(Path path) {
    try {
      return fs.getFileStatus(path);
    } catch (java.io.FileNotFoundException e) {
      return null;
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot gc " + uri + ": checking " + path + " failed", e);
    }
  }

  /**
   * Bodies referenced by the manifests of in-flight (or recent) commits of a project; also removes
   * marks old enough that the versions they announced are certainly visible to the mark phase.
   */
  private Set<String> bodiesOfCommitMarks(Path project, long cutoff, long gcStart) {
    Set<String> bodies = new HashSet<>();
    long expired = Math.min(cutoff, gcStart - COMMIT_MARK_RETENTION.toMillis());
    for (FileStatus markFile : files.list(Layout.commitMarks(project))) {
      Optional<CommitMark> mark;
      try {
        mark = files.read(markFile.getPath(), CommitMark.class, "commit mark");
      } catch (ArtifactException.Corrupted e) {
        throw new ArtifactException.Corrupted(
            "Cannot gc "
                + uri
                + ": the commit mark "
                + markFile.getPath()
                + " is unreadable, so an in-flight commit may be unprotected; removed nothing."
                + " Delete that file once no job is committing, then run gc again",
            e);
      }
      if (mark.isEmpty()) {
        continue;
      }
      Path manifest = layout.resolve(mark.get().manifest());
      try {
        Optional<byte[]> bytes = files.readBytes(manifest);
        if (bytes.isPresent()) {
          ManifestReader.stream(
              new ByteArrayInputStream(bytes.get()),
              "for the commit mark " + markFile.getPath(),
              e -> {
                if (!e.isReference() && Digests.isBase64Md5(e.digest())) {
                  bodies.add(Digests.base64ToHex(e.digest()));
                }
              });
        }
        // No manifest: its collection was deleted; the commit cannot succeed.
      } catch (IOException e) {
        throw new UncheckedIOException("Cannot gc " + uri + ": reading " + manifest + " failed", e);
      }
      if (markFile.getModificationTime() < expired) {
        files.delete(markFile.getPath(), false);
      }
    }
    return bodies;
  }

  /**
   * Adds the bodies every live version of one collection directory references. The collection
   * record is not needed: {@code get} resolves versions without it, so gc must count them too.
   * Anything unreadable is added to {@code damage} instead of being skipped.
   */
  private void collectReferences(
      Path project,
      FileStatus collectionDir,
      Map<String, Set<String>> out,
      List<String> damage,
      Set<String> seen) {
    Path dir = collectionDir.getPath();
    if (!collectionDir.isDirectory()) {
      damage.add(dir + " is a file, not a collection directory");
      return;
    }
    Coll c;
    try {
      c =
          coll(
              Layout.unsegment(project.getParent().getName()),
              Layout.unsegment(project.getName()),
              Layout.unsegment(dir.getName()));
    } catch (ArtifactException.InvalidInput e) {
      damage.add(dir + " is not a valid collection name (" + e.getMessage() + ")");
      return;
    }
    Snapshot s = new Snapshot(c, false);
    for (int index : s.indices) {
      if (!s.isLive(index) || seen.contains(dir + "#" + index)) {
        continue;
      }
      Path recordFile = Layout.version(c.dir(), index);
      VersionRecord r;
      try {
        Optional<VersionRecord> read = readRecord(c, index);
        if (read.isEmpty()) {
          continue; // Deleted with its collection since the listing.
        }
        r = read.get();
      } catch (ArtifactException.Corrupted | UncheckedIOException e) {
        damage.add("the version record " + recordFile + " is unreadable (" + e.getMessage() + ")");
        continue;
      }
      if (r.manifest() == null) {
        damage.add("the version record " + recordFile + " names no manifest");
        continue;
      }
      String artifact = c.path().withAlias("v" + index).toString();
      Path location = layout.resolve(r.manifest());
      Set<String> bodies =
          out.computeIfAbsent(key(layout.projectOf(r.manifest())), k -> new HashSet<>());
      try {
        Optional<byte[]> bytes = files.readBytes(location);
        if (bytes.isEmpty()) {
          damage.add("the manifest " + location + " of " + artifact + " is missing");
          continue;
        }
        Set<String> found = new HashSet<>();
        ManifestReader.stream(
            new ByteArrayInputStream(bytes.get()),
            "for " + artifact,
            e -> {
              if (!e.isReference() && Digests.isBase64Md5(e.digest())) {
                found.add(Digests.base64ToHex(e.digest()));
              }
            });
        bodies.addAll(found);
        seen.add(dir + "#" + index);
      } catch (IOException | RuntimeException e) {
        damage.add(
            "the manifest "
                + location
                + " of "
                + artifact
                + " is unreadable ("
                + e.getMessage()
                + ")");
      }
    }
  }

  private String key(Path project) {
    return Path.getPathWithoutSchemeAndAuthority(project).toString();
  }

  /** Newest modification time within a staging operation, and its total size. */
  private long[] newestAndSize(FileStatus op) {
    long newest = op.getModificationTime();
    long size = op.isFile() ? op.getLen() : 0;
    if (op.isDirectory()) {
      try {
        for (FileStatus child : files.list(op.getPath())) {
          newest = Math.max(newest, child.getModificationTime());
          size += child.getLen();
        }
      } catch (UncheckedIOException e) {
        // Being created or removed right now: in use, so not a leftover.
        return new long[] {Long.MAX_VALUE, 0};
      }
    }
    return new long[] {newest, size};
  }
}
