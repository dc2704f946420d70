package dev.artifacts.common.manifest;

import dev.artifacts.common.digest.Digests;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.PriorityQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Builds a manifest of any number of entries in bounded memory. Entries arrive one by one in any
 * order; while they fit the {@link Budget} they stay in memory, beyond it they are sorted and
 * spilled to a run file in {@code tempDir}. {@link #writeTo} merges the runs and the entries still
 * in memory in code point order of their paths and streams them through a {@link ManifestWriter},
 * so the manifest JSON, its file MD5 and the artifact digest come out of one pass, byte-identical
 * to what {@link ManifestWriter#serialize} writes for the same entries held in a {@link Manifest}.
 *
 * <p><b>Duplicate paths: the last add wins</b>, as in {@code ArtifactDraft}, whose entries this
 * builder is meant to hold once a version has millions of them (a later {@code addFile} of the same
 * path replaces the earlier one there too). "Last" is the order of {@link #add} calls, also across
 * spilled runs.
 *
 * <p>A full buffer is sorted and written by a background thread while the next one fills, so the
 * caller's thread keeps adding (sorting is most of the cost); the entries in memory are therefore
 * up to twice the budget. Run files use the packed entry encoding of {@link EntryBatch}; they are
 * private to this builder and deleted by {@link #close}. Mutable and not thread-safe: one thread
 * adds, then writes.
 */
public final class SpillingManifestBuilder implements Closeable {
  private static final byte RUN_FORMAT = 1;
  private static final int IO_BUFFER = 1 << 16;

  /**
   * When to spill: after {@code maxEntries} entries or an estimated {@code maxBytes} of heap held
   * by the entries in memory, whichever comes first. The byte estimate is deliberately generous
   * (object headers, string bodies, the list slot), so that a budget of a quarter of the heap
   * leaves room for the merge and the caller.
   */
  public record Budget(long maxBytes, int maxEntries) {
    public Budget {
      if (maxBytes < 1 || maxEntries < 1) {
        throw new IllegalArgumentException(
            "Invalid spill budget of " + maxBytes + " bytes and " + maxEntries + " entries");
      }
    }

    /** Spill by estimated heap bytes only. */
    public static Budget ofBytes(long maxBytes) {
      return new Budget(maxBytes, Integer.MAX_VALUE - 8);
    }

    /** Spill by entry count only. */
    public static Budget ofEntries(int maxEntries) {
      return new Budget(Long.MAX_VALUE, maxEntries);
    }
  }

  private final Path tempDir;
  private final Budget budget;
  private final List<Path> runs = new ArrayList<>();
  private ExecutorService spiller;
  private Future<?> pendingSpill;
  private List<ManifestEntry> buffer = new ArrayList<>();
  private long bufferBytes;
  private boolean bufferHasSurrogates;
  private boolean anySurrogates;
  private long added;
  private boolean written;
  private boolean closed;

  /**
   * @param tempDir an existing local directory for the run files (the caller owns its lifetime;
   *     this builder deletes only the files it created)
   */
  public SpillingManifestBuilder(Path tempDir, Budget budget) {
    this.tempDir = Objects.requireNonNull(tempDir, "tempDir is null");
    this.budget = Objects.requireNonNull(budget, "budget is null");
    if (!Files.isDirectory(tempDir)) {
      throw new IllegalArgumentException(
          "Cannot spill manifest entries to " + tempDir + ": it is not a directory");
    }
  }

  /** Adds an entry; an entry added later with the same path replaces it. */
  public void add(ManifestEntry entry) throws IOException {
    Objects.requireNonNull(entry, "entry is null");
    if (written || closed) {
      throw new IllegalStateException("The manifest builder was already written or closed");
    }
    buffer.add(entry);
    added++;
    bufferBytes += estimatedHeapBytes(entry);
    if (!bufferHasSurrogates && hasSurrogate(entry.path())) {
      bufferHasSurrogates = true;
      anySurrogates = true;
    }
    if (buffer.size() >= budget.maxEntries() || bufferBytes >= budget.maxBytes()) {
      spill();
    }
  }

  /** Number of {@link #add} calls, duplicates included. */
  public long addedCount() {
    return added;
  }

  /** Number of run files spilled so far. */
  public int runCount() {
    return runs.size();
  }

  /**
   * Writes the manifest to {@code out} (which stays open) in one merge pass and returns what was
   * written, including the artifact digest. Can be called once.
   *
   * @throws IllegalArgumentException as {@link ManifestWriter#add} does for an entry it cannot
   *     write (such as a path with an unpaired surrogate); nothing valid was written then
   */
  public ManifestWriter.Result writeTo(
      OutputStream out, String storageLayout, String storageRegion, ManifestWriter.Style style)
      throws IOException {
    if (written || closed) {
      throw new IllegalStateException("The manifest builder was already written or closed");
    }
    written = true;
    awaitPendingSpill();
    ManifestEntry[] tail = sortedLastWins(buffer, bufferHasSurrogates);
    buffer = null;
    Comparator<String> order = pathOrder(anySurrogates);
    List<Source> sources = new ArrayList<>(runs.size() + 1);
    try {
      for (int i = 0; i < runs.size(); i++) {
        sources.add(new RunSource(i, runs.get(i)));
      }
      sources.add(new MemorySource(runs.size(), tail));
      // Smallest path first; among equal paths the latest source, whose entry wins, comes first.
      PriorityQueue<Source> queue =
          new PriorityQueue<>(
              sources.size() + 1,
              (a, b) -> {
                int c = order.compare(a.head.path(), b.head.path());
                return c != 0 ? c : Integer.compare(b.index, a.index);
              });
      for (Source s : sources) {
        if (s.advance()) {
          queue.add(s);
        }
      }
      ManifestWriter writer = new ManifestWriter(out, storageLayout, storageRegion, style);
      while (!queue.isEmpty()) {
        Source first = queue.poll();
        ManifestEntry winner = first.head;
        writer.add(winner);
        if (first.advance()) {
          queue.add(first);
        }
        // Older entries of the same path lose; each source holds a path at most once.
        while (!queue.isEmpty() && queue.peek().head.path().equals(winner.path())) {
          Source older = queue.poll();
          if (older.advance()) {
            queue.add(older);
          }
        }
      }
      return writer.finish();
    } finally {
      for (Source s : sources) {
        s.close();
      }
    }
  }

  /** Deletes the run files. */
  @Override
  public void close() throws IOException {
    if (closed) {
      return;
    }
    closed = true;
    buffer = null;
    IOException failure = null;
    try {
      awaitPendingSpill();
    } catch (IOException | RuntimeException e) {
      failure = e instanceof IOException io ? io : new IOException(e);
    }
    if (spiller != null) {
      spiller.shutdown();
    }
    for (Path run : runs) {
      try {
        Files.deleteIfExists(run);
      } catch (IOException e) {
        if (failure == null) {
          failure = e;
        } else {
          failure.addSuppressed(e);
        }
      }
    }
    if (failure != null) {
      throw failure;
    }
  }

  /** Hands the full buffer to the background thread, after the previous run was written. */
  private void spill() throws IOException {
    awaitPendingSpill();
    List<ManifestEntry> full = buffer;
    boolean surrogates = bufferHasSurrogates;
    buffer = new ArrayList<>();
    bufferBytes = 0;
    bufferHasSurrogates = false;
    Path run = Files.createTempFile(tempDir, "manifest-run-", ".bin");
    runs.add(run);
    if (spiller == null) {
      spiller =
          Executors.newSingleThreadExecutor(
              r -> {
                Thread t = new Thread(r, "manifest-spill");
                t.setDaemon(true);
                return t;
              });
    }
    pendingSpill =
        spiller.submit(
            () -> {
              writeRun(run, sortedLastWins(full, surrogates));
              return null;
            });
  }

  private void awaitPendingSpill() throws IOException {
    Future<?> pending = pendingSpill;
    if (pending == null) {
      return;
    }
    pendingSpill = null;
    try {
      pending.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("Interrupted while spilling manifest entries", e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof IOException io) {
        throw io;
      }
      if (e.getCause() instanceof RuntimeException re) {
        throw re;
      }
      throw new IOException("Cannot spill manifest entries", e.getCause());
    }
  }

  private static void writeRun(Path run, ManifestEntry[] sorted) throws IOException {
    try (DataOutputStream out =
        new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(run), IO_BUFFER))) {
      out.writeByte(RUN_FORMAT);
      for (ManifestEntry e : sorted) {
        if (e != null) {
          EntryBatch.write(out, e);
        }
      }
      out.writeByte(EntryBatch.NOT_AN_ENTRY);
    } catch (IOException e) {
      throw new IOException(
          "Cannot spill " + sorted.length + " manifest entries to " + run + ": " + e.getMessage(),
          e);
    }
  }

  /**
   * Sorts stably by path and clears ({@code null}s) all but the last entry of each path, so each
   * source yields every path once and the latest add of it.
   */
  private static ManifestEntry[] sortedLastWins(List<ManifestEntry> entries, boolean surrogates) {
    ManifestEntry[] sorted = entries.toArray(new ManifestEntry[0]);
    Comparator<String> order = pathOrder(surrogates);
    // Arrays.parallelSort of objects is stable: equal paths keep their add order.
    Arrays.parallelSort(sorted, (a, b) -> order.compare(a.path(), b.path()));
    for (int i = 0; i + 1 < sorted.length; i++) {
      if (sorted[i].path().equals(sorted[i + 1].path())) {
        sorted[i] = null;
      }
    }
    return sorted;
  }

  /**
   * Code point order. {@link String#compareTo} (UTF-16 order, intrinsified) agrees with it unless a
   * surrogate meets a character in U+E000..U+FFFF, so it serves when no path has a surrogate.
   */
  private static Comparator<String> pathOrder(boolean surrogates) {
    return surrogates ? Digests.CODE_POINT_ORDER : String::compareTo;
  }

  private static boolean hasSurrogate(String s) {
    for (int i = 0, n = s.length(); i < n; i++) {
      if (Character.isSurrogate(s.charAt(i))) {
        return true;
      }
    }
    return false;
  }

  /** Generous: entry, boxed size, two or four strings (header + array), the list slot. */
  private static long estimatedHeapBytes(ManifestEntry e) {
    long bytes = 32 + 24 + 8 + stringBytes(e.path()) + stringBytes(e.digest());
    if (e.ref() != null) {
      bytes += stringBytes(e.ref());
    }
    if (e.birthArtifactId() != null) {
      bytes += stringBytes(e.birthArtifactId());
    }
    if (!e.extra().isEmpty()) {
      bytes += 128L * e.extra().size();
    }
    return bytes;
  }

  private static long stringBytes(String s) {
    return 24 + 16 + 2L * s.length();
  }

  /** Sorted entries of one run or of the memory tail, each path once. */
  private abstract static class Source implements Closeable {
    final int index;
    ManifestEntry head;

    Source(int index) {
      this.index = index;
    }

    /** Moves {@link #head} to the next entry; false when there is none. */
    abstract boolean advance() throws IOException;

    @Override
    public void close() throws IOException {}
  }

  private static final class MemorySource extends Source {
    private final ManifestEntry[] entries;
    private int next;

    MemorySource(int index, ManifestEntry[] entries) {
      super(index);
      this.entries = entries;
    }

    @Override
    boolean advance() {
      while (next < entries.length) {
        ManifestEntry e = entries[next];
        entries[next++] = null; // let the written entries go
        if (e != null) {
          head = e;
          return true;
        }
      }
      head = null;
      return false;
    }
  }

  private static final class RunSource extends Source {
    private final Path file;
    private final DataInputStream in;

    RunSource(int index, Path file) throws IOException {
      super(index);
      this.file = file;
      this.in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file), IO_BUFFER));
      int format = in.readUnsignedByte();
      if (format != RUN_FORMAT) {
        in.close();
        throw new IOException("Cannot read manifest run " + file + ": unknown format " + format);
      }
    }

    @Override
    boolean advance() throws IOException {
      try {
        int flags = in.readUnsignedByte();
        if (flags == EntryBatch.NOT_AN_ENTRY) {
          head = null;
          return false;
        }
        head = EntryBatch.read(in, flags);
        return true;
      } catch (EOFException e) {
        throw new IOException("Cannot read manifest run " + file + ": it is truncated", e);
      } catch (UncheckedIOException e) {
        throw e.getCause();
      }
    }

    @Override
    public void close() throws IOException {
      in.close();
    }
  }
}
