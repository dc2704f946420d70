package dev.artifacts.common.concurrent;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs I/O-bound work (hashing, copying) on a bounded pool of daemon threads. The JVM's common pool
 * is unsuitable: it has one thread fewer than there are cores and is shared with unrelated work, so
 * hashing would leave a core idle.
 */
public final class Parallel {
  private Parallel() {}

  /** A function that may throw {@link IOException}. */
  @FunctionalInterface
  public interface IoFunction<T, R> {
    R apply(T value) throws IOException;
  }

  /** Threads to use by default: one per core. */
  public static int defaultThreads() {
    return Runtime.getRuntime().availableProcessors();
  }

  /**
   * Applies {@code fn} to every item with at most {@code threads} at once and returns the results
   * in input order. The first failure cancels the remaining work, waits (briefly) for running tasks
   * to stop so none is still writing when the caller sees the error, and is rethrown as it was
   * (unchecked exceptions and {@link IOException}s unchanged).
   */
  public static <T, R> List<R> map(List<T> items, int threads, String name, IoFunction<T, R> fn)
      throws IOException {
    if (items.isEmpty()) {
      return List.of();
    }
    int n = Math.max(1, Math.min(threads, items.size()));
    if (n == 1) {
      List<R> out = new ArrayList<>(items.size());
      for (T item : items) {
        out.add(fn.apply(item));
      }
      return out;
    }
    ExecutorService pool = Executors.newFixedThreadPool(n, daemonThreads(name));
    try {
      List<Future<R>> futures = new ArrayList<>(items.size());
      for (T item : items) {
        futures.add(pool.submit(() -> fn.apply(item)));
      }
      List<R> out = new ArrayList<>(items.size());
      for (Future<R> f : futures) {
        out.add(f.get());
      }
      return out;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("Interrupted while running " + name);
    } catch (ExecutionException e) {
      pool.shutdownNow();
      awaitQuietly(pool);
      Throwable cause = e.getCause();
      if (cause instanceof IOException io) {
        throw io;
      }
      if (cause instanceof RuntimeException re) {
        throw re;
      }
      if (cause instanceof Error err) {
        throw err;
      }
      throw new IOException(cause);
    } finally {
      pool.shutdownNow();
    }
  }

  private static void awaitQuietly(ExecutorService pool) {
    try {
      pool.awaitTermination(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static ThreadFactory daemonThreads(String name) {
    AtomicInteger count = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, name + "-" + count.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }
}
