package dev.artifacts.common.registry;

import dev.artifacts.common.ArtifactException;
import dev.artifacts.common.concurrent.Parallel;
import dev.artifacts.common.digest.FileDigest;
import dev.artifacts.common.manifest.Manifest;
import dev.artifacts.common.manifest.ManifestEntry;
import dev.artifacts.common.name.ArtifactPath;
import dev.artifacts.common.name.EntryPaths;
import dev.artifacts.common.name.Names;
import dev.artifacts.common.reference.ReferenceResolver;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * A version being assembled, mirroring W&amp;B's unlogged {@code Artifact}: files, directories,
 * references and streamed files are added, labels set, then {@link ArtifactRegistry#commit} makes
 * it a version. Bodies are stored content-addressed as they are added, so committing only writes
 * the manifest and the version record.
 *
 * <p>Mutable. Adding entries is thread-safe (engines add task results concurrently); setting labels
 * is not.
 */
public final class ArtifactDraft {
  private final ArtifactPath collection;
  private final String type;
  private final ContentStore store;
  private final ReferenceResolver references;
  private final ArtifactVersion base;
  private final Map<String, ManifestEntry> entries = new ConcurrentHashMap<>();
  // Bodies this draft stored itself or inherited from a committed base: the registry need not
  // check that they exist, which matters for commits of millions of entries.
  private final Set<String> knownBodies = ConcurrentHashMap.newKeySet();
  // Local files bodies were stored from, so a commit can store one again if a concurrent gc
  // removed it before the commit point (see restoreBody).
  private final Map<String, Path> localSources = new ConcurrentHashMap<>();
  // The draft's own changes relative to its base, kept so that a commit can re-apply them to a
  // newer latest version (see rebaseOnLatest). Removals are in call order; later adds win.
  private final Map<String, ManifestEntry> added = new ConcurrentHashMap<>();
  private final List<String> removals = java.util.Collections.synchronizedList(new ArrayList<>());
  private volatile boolean rebaseOnLatest;

  private String description;
  private Map<String, Object> metadata = Map.of();
  private List<String> tags = List.of();
  private List<String> aliases = List.of();
  private Duration ttl;
  private RunInfo run;
  private Map<String, String> commitProperties = Map.of();
  private String storageRegion;
  // The last manifest built and the change count it was built at: a commit asks for the manifest
  // more than once (the commit point's checks, each attempt), and sorting millions of entries
  // again each time costs seconds. Every change increments the count after it is made, so a
  // manifest built concurrently with a change is never reused.
  private final java.util.concurrent.atomic.AtomicLong changes =
      new java.util.concurrent.atomic.AtomicLong();
  private volatile BuiltManifest built;
  private UploadSession uploadSession;
  private int hashThreads = Runtime.getRuntime().availableProcessors();
  private volatile Consumer<ManifestEntry> entryListener = e -> {};

  /**
   * Registries create drafts; see {@link ArtifactRegistry#newDraft}.
   *
   * @param base version this draft starts from, or {@code null}
   * @param baseManifest manifest of {@code base}, or {@code null}
   */
  public ArtifactDraft(
      ArtifactPath collection,
      String type,
      ContentStore store,
      ReferenceResolver references,
      ArtifactVersion base,
      Manifest baseManifest) {
    this.collection = collection.withAlias(null);
    Names.validateName(collection.name(), this.collection);
    Names.validateProject(collection.project(), this.collection);
    Names.validateType(type, collection.name(), this.collection);
    this.type = type;
    this.store = Objects.requireNonNull(store, "store is null");
    this.references = Objects.requireNonNull(references, "references is null");
    this.base = base;
    if (base != null) {
      description = base.description();
      metadata = base.metadata();
      tags = base.tags();
      ttl = base.ttl();
    }
    if (baseManifest != null) {
      for (ManifestEntry e : baseManifest.entries()) {
        entries.put(e.path(), e);
        if (!e.isReference()) {
          knownBodies.add(e.digest());
        }
      }
      storageRegion = baseManifest.storageRegion();
    }
  }

  // ---- entries -------------------------------------------------------------------------------

  /** Adds a local file as {@code name}, storing its bytes. Returns the entry. */
  public ManifestEntry addFile(Path file, String name) throws IOException {
    String path = EntryPaths.normalize(name, collection);
    if (!Files.isRegularFile(file)) {
      throw new ArtifactException.InvalidInput(
          "Cannot add " + file + " to " + collection + ": it is not a readable file");
    }
    FileDigest digest = putNamingTheFile(file);
    knownBodies.add(digest.base64());
    localSources.putIfAbsent(digest.base64(), file);
    return put(ManifestEntry.file(path, digest.base64(), digest.size()));
  }

  /**
   * Adds every regular file under {@code dir} (symlinks followed) with paths relative to it, under
   * {@code prefix} (may be null or empty). Files are hashed and stored in parallel.
   */
  public List<ManifestEntry> addDir(Path dir, String prefix) throws IOException {
    if (!Files.isDirectory(dir)) {
      throw new ArtifactException.InvalidInput(
          "Cannot add " + dir + " to " + collection + ": it is not a directory");
    }
    List<Path> files = regularFiles(dir);
    String pre = prefix == null || prefix.isEmpty() ? "" : prefix + "/";
    List<String> names = new ArrayList<>(files.size());
    for (Path f : files) {
      names.add(EntryPaths.normalize(pre + relativePosix(dir, f), collection));
    }
    List<Integer> indices = java.util.stream.IntStream.range(0, files.size()).boxed().toList();
    return Parallel.map(
        indices,
        hashThreads,
        "artifact-hash",
        i -> {
          FileDigest d = putNamingTheFile(files.get(i));
          knownBodies.add(d.base64());
          localSources.putIfAbsent(d.base64(), files.get(i));
          return put(ManifestEntry.file(names.get(i), d.base64(), d.size()));
        });
  }

  /** Stores a file; an I/O error that does not say which file gets its path. */
  private FileDigest putNamingTheFile(Path file) throws IOException {
    try {
      return store.put(file);
    } catch (IOException e) {
      String message = String.valueOf(e.getMessage());
      if (message.contains(file.toString())) {
        throw e;
      }
      throw new IOException("Cannot add " + file + " to " + collection + ": " + message, e);
    }
  }

  /**
   * The regular files under {@code dir}, symlinks followed, sorted. Anything that cannot be logged
   * (a symlink loop, a dangling symlink, a FIFO, socket or device, an unreadable file or directory)
   * fails the call with a list of those entries: a version silently missing files would be worse.
   */
  private List<Path> regularFiles(Path dir) throws IOException {
    List<Path> files = new ArrayList<>();
    List<String> problems = new ArrayList<>();
    Files.walkFileTree(
        dir,
        java.util.EnumSet.of(java.nio.file.FileVisitOption.FOLLOW_LINKS),
        Integer.MAX_VALUE,
        new java.nio.file.SimpleFileVisitor<>() {
          @Override
          public java.nio.file.FileVisitResult visitFile(
              Path file, java.nio.file.attribute.BasicFileAttributes attrs) {
            if (attrs.isRegularFile()) {
              if (Files.isReadable(file)) {
                files.add(file);
              } else {
                problems.add(file + " (unreadable: permission denied)");
              }
            } else if (attrs.isSymbolicLink()) {
              problems.add(file + " (dangling symlink)");
            } else if (attrs.isOther()) {
              problems.add(file + " (not a regular file: a FIFO, socket or device)");
            }
            return java.nio.file.FileVisitResult.CONTINUE;
          }

          @Override
          public java.nio.file.FileVisitResult visitFileFailed(Path file, IOException e) {
            if (e instanceof java.nio.file.FileSystemLoopException) {
              problems.add(file + " (symlink loop)");
            } else if (e instanceof java.nio.file.AccessDeniedException) {
              problems.add(file + " (unreadable: permission denied)");
            } else {
              problems.add(file + " (unreadable: " + e.getMessage() + ")");
            }
            return java.nio.file.FileVisitResult.CONTINUE;
          }

          @Override
          public java.nio.file.FileVisitResult postVisitDirectory(Path d, IOException e) {
            if (e != null) {
              problems.add(d + " (cannot list: " + e.getMessage() + ")");
            }
            return java.nio.file.FileVisitResult.CONTINUE;
          }
        });
    if (!problems.isEmpty()) {
      throw new ArtifactException.InvalidInput(
          "Cannot add "
              + dir
              + " to "
              + collection
              + ": "
              + problems.size()
              + (problems.size() == 1 ? " entry cannot" : " entries cannot")
              + " be logged: "
              + String.join(", ", problems.subList(0, Math.min(problems.size(), 20)))
              + (problems.size() > 20 ? ", ..." : "")
              + "; remove or fix them, or log a directory without them");
    }
    files.sort(null);
    return files;
  }

  /**
   * Adds a reference, W&amp;B {@code add_reference}: the bytes stay at {@code uri}.
   *
   * @param name entry path or prefix, or {@code null} for the last URI segment
   */
  public List<ManifestEntry> addReference(
      String uri, String name, boolean checksum, long maxObjects) throws IOException {
    List<ManifestEntry> resolved = references.resolve(uri, name, checksum, maxObjects);
    List<ManifestEntry> added = new ArrayList<>(resolved.size());
    for (ManifestEntry e : resolved) {
      added.add(put(e.withPath(EntryPaths.normalize(e.path(), collection))));
    }
    return added;
  }

  public List<ManifestEntry> addReference(String uri, String name) throws IOException {
    return addReference(uri, name, true, ReferenceResolver.DEFAULT_MAX_OBJECTS);
  }

  /**
   * Opens a stream whose bytes become the entry {@code name} when it is closed (W&amp;B {@code
   * new_file}). The bytes are hashed while written. If writing fails, nothing is added.
   */
  public OutputStream newFile(String name) throws IOException {
    String path = EntryPaths.normalize(name, collection);
    ContentStore.BodyWriter body = store.newBody();
    return new FilterOutputStream(body.stream()) {
      private boolean closed;

      @Override
      public void write(byte[] b, int off, int len) throws IOException {
        out.write(b, off, len);
      }

      @Override
      public void close() throws IOException {
        if (closed) {
          return;
        }
        closed = true;
        try {
          FileDigest d = body.commit();
          knownBodies.add(d.base64());
          put(ManifestEntry.file(path, d.base64(), d.size()));
        } catch (IOException | RuntimeException e) {
          body.abort();
          throw e;
        }
      }
    };
  }

  /**
   * Adds an entry whose body is already stored (or which is a reference), e.g. one an engine task
   * wrote. Replaces an entry with the same path.
   */
  public ManifestEntry addEntry(ManifestEntry entry) {
    return put(entry.withPath(EntryPaths.normalize(entry.path(), collection)));
  }

  /**
   * Adds an entry whose body another process already stored in this registry's content store, as
   * engine tasks do (their commit messages carry the entries of the bodies they wrote). Like every
   * stored body, it must still exist at the commit point: the embedded registry checks that there
   * (a concurrent gc may have removed it), and fails the commit naming the entry if not.
   */
  public ManifestEntry addStoredEntry(ManifestEntry entry) {
    if (entry.isReference()) {
      throw new IllegalArgumentException(
          "Entry '" + entry.path() + "' is a reference; add it with addEntry");
    }
    ManifestEntry added = addEntry(entry);
    knownBodies.add(added.digest());
    return added;
  }

  /** Removes an entry, or every entry under a directory path. Returns how many were removed. */
  public int remove(String path) {
    String p = EntryPaths.normalize(path, collection);
    removals.add(p);
    added.remove(p);
    added.keySet().removeIf(k -> k.startsWith(p + "/"));
    if (entries.remove(p) != null) {
      changes.incrementAndGet();
      return 1;
    }
    String dir = p + "/";
    int removed = 0;
    for (String key : new ArrayList<>(entries.keySet())) {
      if (key.startsWith(dir)) {
        entries.remove(key);
        removed++;
      }
    }
    changes.incrementAndGet();
    if (removed == 0) {
      throw new ArtifactException.NotFound(
          "Cannot remove '" + path + "' from " + collection + ": no such entry");
    }
    return removed;
  }

  /**
   * True if the body with this digest was stored through this draft (or belongs to its committed
   * base), so a commit need not check that it exists. Entries added with {@link #addEntry} are not
   * known: their bodies were stored elsewhere (e.g. by engine tasks) and are checked.
   */
  public boolean isKnownBody(String md5Base64) {
    return knownBodies.contains(md5Base64);
  }

  /**
   * Stores the body with this digest again from the local file it was added from, for a commit that
   * finds it gone (a concurrent gc removed it). False if the draft has no such file (streamed
   * bodies, entries added by others) or the file no longer has these bytes.
   */
  public boolean restoreBody(String md5Base64) throws IOException {
    Path source = localSources.get(md5Base64);
    if (source == null || !Files.isRegularFile(source)) {
      return false;
    }
    try {
      return store.put(source).base64().equals(md5Base64);
    } catch (IOException e) {
      return false; // Changed since it was added (the store refuses) or unreadable.
    }
  }

  public Optional<ManifestEntry> entry(String path) {
    return Optional.ofNullable(entries.get(EntryPaths.normalize(path, collection)));
  }

  /** The manifest the draft would commit now. */
  /**
   * Makes the commit apply this draft's changes (entries added or replaced, paths removed) to the
   * collection's latest version <em>at commit time</em>, on every commit attempt, instead of
   * committing the manifest it was built from. Concurrent appenders then never drop each other's
   * entries: this is the semantics of Spark's append and dynamic partition overwrite and of a
   * streaming sink that appends per checkpoint. Without it a draft commits exactly its manifest,
   * like W&amp;B's {@code new_draft()}.
   */
  public ArtifactDraft rebaseOnLatest() {
    this.rebaseOnLatest = true;
    return this;
  }

  public boolean rebasesOnLatest() {
    return rebaseOnLatest;
  }

  /**
   * The manifest this draft's changes produce on top of {@code latest}: removals first (a path, or
   * a directory and everything under it), then the added entries.
   */
  public Manifest manifestOn(Manifest latest) {
    Map<String, ManifestEntry> merged = new java.util.HashMap<>(latest.entries().size() * 2);
    for (ManifestEntry e : latest.entries()) {
      merged.put(e.path(), e);
    }
    synchronized (removals) {
      for (String r : removals) {
        merged.remove(r);
        String dir = r + "/";
        merged.keySet().removeIf(k -> k.startsWith(dir));
      }
    }
    merged.putAll(added);
    return Manifest.of(Manifest.STORAGE_LAYOUT_V2, storageRegion, merged.values());
  }

  /** True if {@code path} is an entry this draft added or replaced (not one it inherited). */
  public boolean isAdded(String path) {
    return added.containsKey(path);
  }

  /** The draft's manifest now (built once per state of the draft, then reused). */
  public Manifest manifest() {
    long at = changes.get();
    BuiltManifest last = built;
    if (last != null && last.changes() == at) {
      return last.manifest();
    }
    Manifest manifest = Manifest.of(Manifest.STORAGE_LAYOUT_V2, storageRegion, entries.values());
    if (changes.get() == at) {
      built = new BuiltManifest(at, manifest);
    }
    return manifest;
  }

  private record BuiltManifest(long changes, Manifest manifest) {}

  public int fileCount() {
    return entries.size();
  }

  private ManifestEntry put(ManifestEntry e) {
    entries.put(e.path(), e);
    added.put(e.path(), e);
    changes.incrementAndGet();
    entryListener.accept(e);
    return e;
  }

  /**
   * Calls {@code listener} after each entry is added, from the adding thread (several threads
   * during {@link #addDir}); used for progress reporting.
   */
  public ArtifactDraft onEntryAdded(Consumer<ManifestEntry> listener) {
    this.entryListener = Objects.requireNonNull(listener, "listener is null");
    return this;
  }

  // ---- labels --------------------------------------------------------------------------------

  public ArtifactDraft description(String text) {
    this.description = text;
    return this;
  }

  public ArtifactDraft metadata(Map<String, ?> values) {
    this.metadata = Names.normalizeMetadata(values, collection);
    return this;
  }

  public ArtifactDraft tags(List<String> values) {
    this.tags = Names.normalizeTags(values, collection);
    return this;
  }

  /** Aliases to apply on commit, in addition to {@code latest}. */
  public ArtifactDraft aliases(List<String> values) {
    this.aliases = Names.normalizeAliases(values, collection);
    return this;
  }

  /** Time to live; must be positive. {@code null} for none. */
  public ArtifactDraft ttl(Duration value) {
    if (value != null && (value.isNegative() || value.isZero())) {
      throw new ArtifactException.InvalidInput(
          "Invalid TTL " + value + " for " + collection + ": it must be positive");
    }
    this.ttl = value;
    return this;
  }

  /** The run logging this version (lineage {@code logged_by}). */
  public ArtifactDraft run(RunInfo value) {
    this.run = value;
    return this;
  }

  /** Engine facts stored with the commit (e.g. Flink checkpoint IDs). */
  public ArtifactDraft commitProperties(Map<String, String> values) {
    this.commitProperties = Map.copyOf(values);
    return this;
  }

  /**
   * Commits this draft through the upload session its tasks stored bodies with ({@link
   * ArtifactRegistry#beginUpload}): the W&amp;B backend then finishes the pending artifact it
   * created there instead of creating another, and does not request uploads for the tasks' entries
   * again.
   */
  public ArtifactDraft uploadSession(UploadSession session) {
    if (session != null && !session.collection().equals(collection.toString())) {
      throw new IllegalArgumentException(
          "Upload session of " + session.collection() + " cannot commit " + collection);
    }
    this.uploadSession = session;
    return this;
  }

  public Optional<UploadSession> uploadSession() {
    return Optional.ofNullable(uploadSession);
  }

  public ArtifactDraft storageRegion(String region) {
    this.storageRegion = region;
    changes.incrementAndGet();
    return this;
  }

  /** Threads used to hash files in {@link #addDir}; defaults to the number of cores. */
  public ArtifactDraft hashThreads(int threads) {
    if (threads < 1) {
      throw new IllegalArgumentException("Invalid hash thread count " + threads);
    }
    this.hashThreads = threads;
    return this;
  }

  public ArtifactPath collection() {
    return collection;
  }

  public String type() {
    return type;
  }

  public Optional<ArtifactVersion> base() {
    return Optional.ofNullable(base);
  }

  public String description() {
    return description;
  }

  public Map<String, Object> metadata() {
    return metadata;
  }

  public List<String> tags() {
    return tags;
  }

  public List<String> aliases() {
    return aliases;
  }

  public Duration ttl() {
    return ttl;
  }

  public Optional<RunInfo> run() {
    return Optional.ofNullable(run);
  }

  public Map<String, String> commitProperties() {
    return commitProperties;
  }

  public ContentStore store() {
    return store;
  }

  private static String relativePosix(Path root, Path file) {
    Path rel = root.relativize(file);
    StringBuilder sb = new StringBuilder();
    for (Path part : rel) {
      if (sb.length() > 0) {
        sb.append('/');
      }
      sb.append(part.toString());
    }
    return sb.toString();
  }

  @Override
  public String toString() {
    return "ArtifactDraft[" + collection + ", " + entries.size() + " entries]";
  }
}
