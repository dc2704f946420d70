package dev.artifacts.cli;

import java.io.PrintStream;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Progress of a long operation (files hashed, or bytes fetched) on stderr, redrawn in place at most
 * a few times a second. Silent when stderr is not a terminal, so scripts and CI logs stay clean.
 *
 * <p>A redraw returns to the start of the line and pads with spaces to the longest line drawn, so a
 * shorter line leaves no characters of a longer one behind ({@code 4.2 MiB} after {@code 999.9 KiB}
 * would otherwise show as {@code 4.2 MiBB}). Padding works on every terminal, unlike the ANSI
 * erase-line sequence.
 */
final class Progress implements AutoCloseable {
  private final PrintStream err;
  private final boolean enabled;
  private final String label;
  private final long total;
  private final AtomicLong done = new AtomicLong();
  private final AtomicLong bytes = new AtomicLong();
  private final long minRedrawNanos;
  private volatile long lastDraw;
  private int widest;

  Progress(PrintStream err, boolean enabled, String label, long total) {
    this(err, enabled, label, total, 200_000_000L);
  }

  /** With {@code minRedrawNanos} between redraws (except the final one): 0 in tests. */
  Progress(PrintStream err, boolean enabled, String label, long total, long minRedrawNanos) {
    this.err = err;
    this.enabled = enabled;
    this.label = label;
    this.total = total;
    this.minRedrawNanos = minRedrawNanos;
  }

  /** One more file done, of {@code byteCount} bytes; {@code total} counts files. */
  void file(long byteCount) {
    long n = done.incrementAndGet();
    long b = bytes.addAndGet(byteCount);
    if (due(n == total)) {
      draw(String.format("%s %d/%d files, %s", label, n, total, Format.bytes(b)));
    }
  }

  /** More bytes done; {@code total} counts bytes. */
  void bytes(long byteCount) {
    done.incrementAndGet();
    long b = bytes.addAndGet(byteCount);
    if (due(b >= total)) {
      draw(String.format("%s %s of %s", label, Format.bytes(b), Format.bytes(total)));
    }
  }

  private boolean due(boolean finished) {
    long now = System.nanoTime();
    if (!enabled || (now - lastDraw < minRedrawNanos && !finished)) {
      return false;
    }
    lastDraw = now;
    return true;
  }

  private synchronized void draw(String line) {
    int pad = Math.max(0, widest - line.length());
    widest = Math.max(widest, line.length());
    err.print("\r" + line + " ".repeat(pad));
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
