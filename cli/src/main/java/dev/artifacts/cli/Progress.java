package dev.artifacts.cli;

import java.io.PrintStream;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Progress of a long operation (files hashed, or bytes fetched) on stderr, redrawn in place at most
 * a few times a second. Silent when stderr is not a terminal, so scripts and CI logs stay clean.
 */
final class Progress implements AutoCloseable {
  private final PrintStream err;
  private final boolean enabled;
  private final String label;
  private final long total;
  private final AtomicLong done = new AtomicLong();
  private final AtomicLong bytes = new AtomicLong();
  private volatile long lastDraw;

  Progress(PrintStream err, boolean enabled, String label, long total) {
    this.err = err;
    this.enabled = enabled;
    this.label = label;
    this.total = total;
  }

  /** One more file done, of {@code byteCount} bytes; {@code total} counts files. */
  void file(long byteCount) {
    long n = done.incrementAndGet();
    long b = bytes.addAndGet(byteCount);
    if (due(n == total)) {
      draw(String.format("\r%s %d/%d files, %s", label, n, total, Format.bytes(b)));
    }
  }

  /** More bytes done; {@code total} counts bytes. */
  void bytes(long byteCount) {
    done.incrementAndGet();
    long b = bytes.addAndGet(byteCount);
    if (due(b >= total)) {
      draw(String.format("\r%s %s of %s", label, Format.bytes(b), Format.bytes(total)));
    }
  }

  private boolean due(boolean finished) {
    long now = System.nanoTime();
    if (!enabled || (now - lastDraw < 200_000_000L && !finished)) {
      return false;
    }
    lastDraw = now;
    return true;
  }

  private synchronized void draw(String line) {
    err.print(line);
    err.flush();
  }

  @Override
  public void close() {
    if (enabled && done.get() > 0) {
      err.print("\n");
      err.flush();
    }
  }
}
