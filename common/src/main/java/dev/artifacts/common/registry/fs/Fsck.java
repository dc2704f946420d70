package dev.artifacts.common.registry.fs;

import dev.artifacts.common.ArtifactException;
import dev.artifacts.common.digest.Digests;
import dev.artifacts.common.manifest.Manifest;
import dev.artifacts.common.manifest.ManifestEntry;
import dev.artifacts.common.manifest.ManifestReader;
import dev.artifacts.common.registry.fs.Records.AliasRecord;
import dev.artifacts.common.registry.fs.Records.CollectionRecord;
import dev.artifacts.common.registry.fs.Records.Labels;
import dev.artifacts.common.registry.fs.Records.PendingAliases;
import dev.artifacts.common.registry.fs.Records.VersionRecord;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Checks the files of an embedded registry and, when asked, repairs what can be repaired without
 * guessing: a missing or corrupt {@code collection.json} is rebuilt from the version records, a
 * corrupt or dangling alias is dropped, a corrupt labels file is dropped (the version shows the
 * labels it was committed with), temporary files left by killed writers are swept, a collection
 * deletion that was killed part-way (its tombstone is written) is finished, the aliases of a commit
 * killed after its commit point are written and stale pending-aliases markers are dropped. Damage
 * that would need data it does not have (an unreadable version record, a lost manifest, a missing
 * or truncated body) is reported with the file and what to do.
 */
final class Fsck {
  /** Temporary files younger than this may belong to a running writer and are left alone. */
  static final Duration TEMP_FILE_AGE = Duration.ofHours(1);

  /** A gc intent older than this belongs to a gc that was killed. */
  static final Duration STALE_GC_INTENT = Duration.ofDays(1);

  private final FileSystem fs;
  private final Layout layout;
  private final MetaFiles files;
  private final boolean repair;
  private final List<FsckReport.Problem> problems = new ArrayList<>();

  Fsck(FileSystem fs, Layout layout, MetaFiles files, boolean repair) {
    this.fs = fs;
    this.layout = layout;
    this.files = files;
    this.repair = repair;
  }

  FsckReport run() {
    for (FileStatus entity : files.list(layout.root())) {
      if (!entity.isDirectory()) {
        continue;
      }
      for (FileStatus project : files.list(entity.getPath())) {
        if (project.isDirectory()) {
          checkGcIntents(project.getPath());
          for (FileStatus collection : files.list(Layout.collections(project.getPath()))) {
            if (collection.isDirectory()) {
              checkCollection(project.getPath(), collection.getPath());
            } else {
              report(collection.getPath(), "is a file where a collection directory belongs", false);
            }
          }
        }
      }
    }
    return new FsckReport(List.copyOf(problems));
  }

  /**
   * A gc intent older than {@link #STALE_GC_INTENT} was left by a killed gc: it makes committers of
   * the bodies it lists wait and then fail. No gc runs that long, so removing it is safe.
   */
  private void checkGcIntents(Path project) {
    long stale = System.currentTimeMillis() - STALE_GC_INTENT.toMillis();
    for (FileStatus intent : files.list(Layout.gcIntents(project))) {
      if (intent.getModificationTime() >= stale) {
        continue;
      }
      boolean fixed = repair && files.deleteChecked(intent.getPath(), false);
      report(
          intent.getPath(),
          "candidate list of a gc that did not finish (it blocks commits of the bodies it lists)"
              + (fixed ? "; removed it" : "; 'artifact fsck --repair' removes it"),
          fixed);
    }
  }

  private void report(Path path, String what, boolean repaired) {
    boolean local = "file".equals(path.toUri().getScheme());
    problems.add(
        new FsckReport.Problem(local ? path.toUri().getPath() : path.toString(), what, repaired));
  }

  private void checkCollection(Path project, Path dir) {
    Path tombstone = Layout.collectionTombstone(dir);
    if (files.exists(tombstone)) {
      if (repair) {
        files.reclaimCollection(dir);
      }
      report(
          tombstone,
          "the deletion of this collection was interrupted (readers already see it deleted)"
              + (repair ? "; finished it" : "; 'artifact fsck --repair' or gc finishes it"),
          repair);
      return;
    }
    Map<Integer, VersionRecord> records = new TreeMap<>();
    Set<Integer> indices = new HashSet<>();
    for (FileStatus s : files.list(Layout.versions(dir))) {
      Layout.versionIndexOf(s.getPath().getName()).ifPresent(indices::add);
    }
    Set<Integer> deleted = new HashSet<>();
    for (FileStatus s : files.list(Layout.tombstones(dir))) {
      Layout.versionIndexOf(s.getPath().getName()).ifPresent(deleted::add);
    }
    for (int index : indices) {
      Path file = Layout.version(dir, index);
      try {
        files.read(file, VersionRecord.class, dir).ifPresent(r -> records.put(index, r));
      } catch (ArtifactException.Corrupted | UncheckedIOException e) {
        report(
            file,
            "version record is unreadable ("
                + e.getMessage()
                + "); restore it from a backup. Until then gc refuses to run",
            false);
      }
    }
    checkCollectionRecord(dir, records);
    for (Map.Entry<Integer, VersionRecord> e : records.entrySet()) {
      if (!deleted.contains(e.getKey())) {
        checkManifestAndBodies(e.getValue());
      }
      Path labels = Layout.labels(dir, e.getKey());
      try {
        files.read(labels, Labels.class, dir);
      } catch (ArtifactException.Corrupted ex) {
        boolean fixed = repair && files.deleteChecked(labels, false);
        report(
            labels,
            "labels file is corrupt"
                + (fixed
                    ? "; removed it, the version shows the labels it was committed with"
                    : "; 'artifact fsck --repair' removes it"),
            fixed);
      }
    }
    for (FileStatus s : files.list(Layout.aliases(dir))) {
      String why;
      try {
        Optional<AliasRecord> alias = files.read(s.getPath(), AliasRecord.class, dir);
        if (alias.isEmpty()) {
          continue;
        }
        int index = alias.get().index();
        VersionRecord target = records.get(index);
        if (target == null) {
          why = "alias points to v" + index + ", which does not exist";
        } else if (deleted.contains(index)) {
          why = "alias points to v" + index + ", which was deleted";
        } else {
          continue;
        }
      } catch (ArtifactException.Corrupted e) {
        why = "alias file is corrupt or empty";
      }
      boolean fixed = repair && files.deleteChecked(s.getPath(), false);
      report(
          s.getPath(),
          why + (fixed ? "; removed it" : "; 'artifact fsck --repair' drops it"),
          fixed);
    }
    checkPendingAliases(dir, records, deleted);
    for (Path sub :
        List.of(
            dir,
            Layout.pendingAliases(dir),
            Layout.versions(dir),
            Layout.aliases(dir),
            Layout.tombstones(dir),
            Layout.manifests(dir),
            new Path(dir, "labels"))) {
      sweepTemporaryFiles(sub);
    }
  }

  /**
   * Pending-aliases markers: one whose version exists was left by a commit killed before it wrote
   * its alias files (readers already show them; repair writes them); one whose index holds another
   * version is stale. A marker whose index holds nothing may belong to a running commit.
   */
  private void checkPendingAliases(
      Path dir, Map<Integer, VersionRecord> records, Set<Integer> deleted) {
    for (FileStatus s : files.list(Layout.pendingAliases(dir))) {
      Optional<PendingAliases> marker;
      try {
        marker = files.read(s.getPath(), PendingAliases.class, dir);
      } catch (ArtifactException.Corrupted e) {
        boolean fixed = repair && files.deleteChecked(s.getPath(), false);
        report(
            s.getPath(),
            "pending-aliases marker is corrupt"
                + (fixed ? "; removed it" : "; 'artifact fsck --repair' removes it"),
            fixed);
        continue;
      }
      if (marker.isEmpty()) {
        continue;
      }
      int index = marker.get().index();
      VersionRecord r = records.get(index);
      if (r == null) {
        continue;
      }
      if (!r.id().equals(marker.get().versionId())) {
        boolean fixed = repair && files.deleteChecked(s.getPath(), false);
        report(
            s.getPath(),
            "stale pending-aliases marker (its commit lost v"
                + index
                + " to another writer)"
                + (fixed ? "; removed it" : "; 'artifact fsck --repair' or gc removes it"),
            fixed);
        continue;
      }
      if (repair) {
        if (!deleted.contains(index) && r.aliases() != null) {
          for (String alias : r.aliases()) {
            files.replace(
                Layout.alias(dir, alias),
                new AliasRecord(
                    Records.FORMAT, alias, index, r.id(), java.time.Instant.now().toString()));
          }
        }
        files.deleteChecked(s.getPath(), false);
      }
      report(
          s.getPath(),
          "the aliases "
              + r.aliases()
              + " of v"
              + index
              + " were not written (its commit was interrupted; readers already show them)"
              + (repair
                  ? "; wrote them"
                  : "; the next alias change or 'artifact fsck --repair'" + " writes them"),
          repair);
    }
  }

  private void checkCollectionRecord(Path dir, Map<Integer, VersionRecord> records) {
    Path file = Layout.collectionRecord(dir);
    String problem;
    try {
      if (files.read(file, CollectionRecord.class, dir).isPresent()) {
        return;
      }
      if (records.isEmpty()) {
        return; // An empty directory: nothing was ever committed (or all of it deleted).
      }
      problem = "collection record is missing";
    } catch (ArtifactException.Corrupted e) {
      problem = "collection record is corrupt";
    }
    if (records.isEmpty()) {
      report(file, problem + " and no version record is readable to rebuild it from", false);
      return;
    }
    if (!repair) {
      report(file, problem + "; 'artifact fsck --repair' rebuilds it from the versions", false);
      return;
    }
    VersionRecord first = records.values().iterator().next();
    boolean portfolio = records.values().stream().anyMatch(VersionRecord::isLink);
    files.replace(
        file,
        new CollectionRecord(
            Records.FORMAT,
            Layout.unsegment(dir.getName()),
            first.type(),
            portfolio ? "PORTFOLIO" : "SEQUENCE",
            null,
            List.of(),
            first.createdAt()));
    report(file, problem + "; rebuilt it from the version records", true);
  }

  private void checkManifestAndBodies(VersionRecord r) {
    if (r.manifest() == null) {
      return;
    }
    Path location = layout.resolve(r.manifest());
    Manifest manifest;
    try {
      Optional<byte[]> bytes = files.readBytes(location);
      if (bytes.isEmpty()) {
        report(location, "manifest of v" + r.index() + " is missing; " + lostManifest(r), false);
        return;
      }
      manifest = ManifestReader.read(bytes.get(), "for v" + r.index());
      if (!manifest.digest().equals(r.digest())) {
        report(
            location,
            "manifest of v" + r.index() + " has the wrong digest; " + lostManifest(r),
            false);
        return;
      }
    } catch (IOException | RuntimeException e) {
      report(location, "manifest of v" + r.index() + " is unreadable; " + lostManifest(r), false);
      return;
    }
    if (r.isLink()) {
      return; // The source version's bodies are checked with the source.
    }
    Path objects = Layout.objects(layout.projectOf(r.manifest()));
    Set<String> checked = new HashSet<>();
    for (ManifestEntry e : manifest.entries()) {
      if (e.isReference() || !Digests.isBase64Md5(e.digest()) || !checked.add(e.digest())) {
        continue;
      }
      Path object = Layout.object(objects, Digests.base64ToHex(e.digest()));
      try {
        FileStatus status = fs.getFileStatus(object);
        if (e.size() != null && status.getLen() != e.size()) {
          report(
              object,
              "body of '"
                  + e.path()
                  + "' in v"
                  + r.index()
                  + " has "
                  + status.getLen()
                  + " bytes instead of "
                  + e.size()
                  + "; log the same file again to replace it",
              false);
        }
      } catch (FileNotFoundException ex) {
        report(
            object,
            "body of '" + e.path() + "' in v" + r.index() + " is missing; log the file again",
            false);
      } catch (IOException ex) {
        throw new UncheckedIOException("Cannot check " + object, ex);
      }
    }
  }

  private static String lostManifest(VersionRecord r) {
    return "log the same files again to rewrite it, or delete v" + r.index();
  }

  /** Hidden {@code .<name>.<uuid>.tmp} files of killed writers (gc never looks at them). */
  private void sweepTemporaryFiles(Path dir) {
    FileStatus[] all;
    try {
      all = fs.listStatus(dir);
    } catch (FileNotFoundException e) {
      return;
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot list " + dir, e);
    }
    long old = System.currentTimeMillis() - TEMP_FILE_AGE.toMillis();
    for (FileStatus s : all) {
      String name = s.getPath().getName();
      if (!s.isFile() || !name.startsWith(".") || !name.endsWith(".tmp")) {
        continue;
      }
      if (s.getModificationTime() >= old) {
        continue;
      }
      boolean fixed = repair && files.deleteChecked(s.getPath(), false);
      report(
          s.getPath(),
          "temporary file of an interrupted write"
              + (fixed ? "; removed it" : "; 'artifact fsck --repair' removes it"),
          fixed);
    }
  }
}
