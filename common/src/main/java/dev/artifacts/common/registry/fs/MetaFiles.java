package dev.artifacts.common.registry.fs;

import com.fasterxml.jackson.core.JacksonException;
import dev.artifacts.common.ArtifactException;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileAlreadyExistsException;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Options;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.hdfs.DistributedFileSystem;

/**
 * Reads and writes the registry's small JSON files. Write-once files go through {@link
 * PutIfAbsent}; mutable ones (aliases, labels) are replaced through a temporary file so readers see
 * either the old or the new document, except on object stores, where one PUT replaces an object
 * atomically and is used instead. I/O failures surface as {@link UncheckedIOException} because the
 * SPI is unchecked; unreadable JSON as {@link ArtifactException.Corrupted}.
 */
final class MetaFiles {
  private final FileSystem fs;
  private final PutIfAbsent putIfAbsent;
  private final boolean renameReplaces;
  private final boolean directWrites;

  /**
   * @param renameReplaces whether {@code rename} atomically replaces an existing target (POSIX);
   *     otherwise the target is deleted first, leaving a short window in which it is absent (HDFS
   *     is the exception: it replaces atomically with {@code rename(..., OVERWRITE)})
   * @param directWrites replace a file by overwriting it in place: for object stores (S3), where a
   *     single PUT replaces the object atomically, while rename is a copy that refuses (S3A throws)
   *     an existing target
   */
  MetaFiles(FileSystem fs, PutIfAbsent putIfAbsent, boolean renameReplaces, boolean directWrites) {
    this.fs = fs;
    this.putIfAbsent = putIfAbsent;
    this.renameReplaces = renameReplaces;
    this.directWrites = directWrites;
  }

  FileSystem fs() {
    return fs;
  }

  PutIfAbsent putIfAbsent() {
    return putIfAbsent;
  }

  <T> Optional<T> read(Path path, Class<T> type, Object artifact) {
    byte[] bytes;
    try {
      Optional<byte[]> raw = readBytes(path);
      if (raw.isEmpty()) {
        return Optional.empty();
      }
      bytes = raw.get();
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read " + path + " of " + artifact, e);
    }
    try {
      return Optional.of(Records.JSON.readValue(bytes, type));
    } catch (JacksonException e) {
      throw new ArtifactException.Corrupted(
          "Corrupted registry file "
              + path
              + " of "
              + artifact
              + ": "
              + e.getOriginalMessage()
              + "; restore it from a backup or delete the version",
          e);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  Optional<byte[]> readBytes(Path path) throws IOException {
    for (int attempt = 1; ; attempt++) {
      try (InputStream in = fs.open(path)) {
        return Optional.of(in.readAllBytes());
      } catch (FileNotFoundException e) {
        return Optional.empty();
      } catch (IOException e) {
        // S3A pins the ETag it saw when opening: a small file replaced by a whole-object PUT
        // (an alias or labels move) between its HEAD and GET fails the read. The new document is
        // complete, so read again.
        if (attempt >= MAX_CHANGED_READS || !isChangedWhileOpening(e)) {
          throw e;
        }
      }
    }
  }

  private static final int MAX_CHANGED_READS = 5;

  /** S3A's RemoteFileChangedException, matched by name: hadoop-aws is an optional dependency. */
  private static boolean isChangedWhileOpening(IOException e) {
    for (Class<?> c = e.getClass(); c != null; c = c.getSuperclass()) {
      if (c.getName().equals("org.apache.hadoop.fs.s3a.RemoteFileChangedException")) {
        return true;
      }
    }
    return false;
  }

  static byte[] toJson(Object record) {
    try {
      return Records.JSON.writeValueAsBytes(record);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Creates {@code path} unless it exists; true if this call created it. */
  boolean createOnce(Path path, Object record) {
    return createOnceBytes(path, toJson(record));
  }

  /**
   * Creates a content-addressed file (its name derives from {@code content}'s bytes) unless it
   * exists, streaming {@code content} instead of holding it in memory. Unlike {@link
   * #createOnceBytes} this is not a commit point: two writers of the same name write the same
   * bytes, so it only needs readers never to see a partial file, and a writer that replaces an
   * identical file (a rename that overwrites, an object store's PUT) changes nothing a reader sees.
   *
   * @return true if this call wrote the file, false if a file of that name already existed
   */
  boolean createContentAddressed(Path path, Content content) {
    try {
      if (fs.exists(path)) {
        return false;
      }
      if (directWrites) {
        // Visible only when close() completes the upload; see replaceWith.
        try (FSDataOutputStream out = fs.create(path, true)) {
          content.writeTo(out);
        }
        return true;
      }
      Path temp =
          new Path(path.getParent(), "." + path.getName() + "." + UUID.randomUUID() + ".tmp");
      try {
        fs.mkdirs(path.getParent());
        try (FSDataOutputStream out = fs.create(temp, false)) {
          content.writeTo(out);
        }
        if (renameOver(temp, path)) {
          return true;
        }
        if (fs.exists(path)) {
          return false; // Another writer of the same bytes was first (HDFS refuses to overwrite).
        }
        throw new IOException("Cannot rename " + temp + " to " + path + ": rename returned false");
      } finally {
        try {
          fs.delete(temp, false);
        } catch (IOException ignored) {
          // Hidden temporary files are never read; gc removes old ones.
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot create " + path, e);
    }
  }

  boolean createOnceBytes(Path path, byte[] bytes) {
    try {
      return putIfAbsent.create(fs, path, bytes);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot create " + path, e);
    }
  }

  /** Replaces {@code path} (or creates it) with a complete document. */
  void replace(Path path, Object record) {
    replaceBytes(path, toJson(record));
  }

  /** Replaces {@code path} (or creates it) with {@code bytes}, atomically for readers. */
  void replaceBytes(Path path, byte[] bytes) {
    replaceWith(path, out -> out.write(bytes));
  }

  /** Writes a whole file's content to a stream (a local file's bytes, a serialised document). */
  @FunctionalInterface
  interface Content {
    void writeTo(OutputStream out) throws IOException;
  }

  /** Replaces {@code path} (or creates it) with {@code content}, atomically for readers. */
  void replaceWith(Path path, Content content) {
    if (directWrites) {
      // S3A makes the object visible only when close() completes the upload (one PUT, or a
      // multipart upload for a large file): readers see the old or the new object, never a part.
      try (FSDataOutputStream out = fs.create(path, true)) {
        content.writeTo(out);
      } catch (IOException e) {
        throw new UncheckedIOException("Cannot write " + path, e);
      }
      return;
    }
    Path temp = new Path(path.getParent(), "." + path.getName() + "." + UUID.randomUUID() + ".tmp");
    try {
      fs.mkdirs(path.getParent());
      try (FSDataOutputStream out = fs.create(temp, true)) {
        content.writeTo(out);
      }
      if (fs instanceof DistributedFileSystem hdfs) {
        // HDFS's plain rename refuses an existing target; delete-then-rename would leave the file
        // absent for a moment (readers race it, a crash in between loses it). Rename with
        // OVERWRITE replaces it atomically in the NameNode.
        hdfs.rename(temp, path, Options.Rename.OVERWRITE);
      } else if (!renameOver(temp, path)) {
        if (renameReplaces) {
          throw new IOException("Cannot rename " + temp + " to " + path);
        }
        fs.delete(path, false);
        if (!fs.rename(temp, path)) {
          throw new IOException("Cannot rename " + temp + " to " + path);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot write " + path, e);
    } finally {
      try {
        fs.delete(temp, false);
      } catch (IOException ignored) {
        // Hidden temporary files are never read as records.
      }
    }
  }

  /**
   * {@code rename}, false when it refuses an existing target: the filesystem specification lets
   * implementations either return false or throw {@link FileAlreadyExistsException} then.
   */
  private boolean renameOver(Path from, Path to) throws IOException {
    try {
      return fs.rename(from, to);
    } catch (FileAlreadyExistsException e) {
      return false;
    }
  }

  boolean delete(Path path, boolean recursive) {
    try {
      return fs.delete(path, recursive);
    } catch (FileNotFoundException e) {
      return false;
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot delete " + path, e);
    }
  }

  /**
   * Deletes {@code path} and proves it: true if this call removed it, false if it was already gone.
   * A filesystem that refuses (a read-only mount returns false from {@code delete}) is an error,
   * never a silent success.
   */
  boolean deleteChecked(Path path, boolean recursive) {
    if (delete(path, recursive)) {
      return true;
    }
    if (exists(path)) {
      throw new UncheckedIOException(
          new java.io.IOException(
              "Cannot delete "
                  + path
                  + ": the filesystem refused (is the registry read-only?); nothing was removed"));
    }
    return false;
  }

  /**
   * Removes a collection directory whose tombstone ({@link Layout#collectionTombstone}) is written:
   * version records first (so no version can reappear), then everything else, then the tombstone,
   * then the directory. Safe to repeat after being killed at any point.
   */
  void reclaimCollection(Path dir) {
    Path tombstone = Layout.collectionTombstone(dir);
    deleteChecked(Layout.versions(dir), true);
    for (FileStatus child : listAll(dir)) {
      if (!child.getPath().getName().equals(tombstone.getName())) {
        deleteChecked(child.getPath(), true);
      }
    }
    deleteChecked(tombstone, false);
    deleteChecked(dir, true);
  }

  private List<FileStatus> listAll(Path dir) {
    try {
      return List.of(fs.listStatus(dir));
    } catch (FileNotFoundException e) {
      return List.of();
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot list " + dir, e);
    }
  }

  boolean exists(Path path) {
    try {
      return fs.exists(path);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot check " + path, e);
    }
  }

  /** Entries of a directory without hidden (temporary) files; empty if it does not exist. */
  List<FileStatus> list(Path dir) {
    try {
      FileStatus[] all = fs.listStatus(dir);
      List<FileStatus> visible = new ArrayList<>(all.length);
      for (FileStatus s : all) {
        if (!s.getPath().getName().startsWith(".")) {
          visible.add(s);
        }
      }
      return visible;
    } catch (FileNotFoundException e) {
      return List.of();
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot list " + dir, e);
    }
  }
}
