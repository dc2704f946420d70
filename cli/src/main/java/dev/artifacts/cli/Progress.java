package dev.artifacts.cli;

import java.io.PrintStream;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Progress of a long operation on stderr, redrawn in place at most a few times a second. Silent
 * when stderr is not a terminal, so scripts and CI logs stay clean.
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

  void step(long byteCount) {
    long n = done.incrementAndGet();
    bytes.addAndGet(byteCount);
    long now = System.nanoTime();
    if (enabled && (now - lastDraw > 200_000_000L || n == total)) {
      lastDraw = now;
      synchronized (this) {
        err.printf("\r%s %d/%d files, %s", label, n, total, Format.bytes(bytes.get()));
        err.flush();
      }
    }
  }

  @Override
  public void close() {
    if (enabled && done.get() > 0) {
      err.print("\n");
      err.flush();
    }
  }
}
