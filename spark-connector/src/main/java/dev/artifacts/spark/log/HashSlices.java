package dev.artifacts.spark.log;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;

/**
 * Splits the files to hash into tasks of about equal work, so that every core hashes until the end:
 * a task per core when the input is small (Spark's per-task cost then matters most), more when it
 * is large (bounded retries, bounded task size). Files are placed largest first into the lightest
 * task (the LPT rule), with a per-file cost for opening and closing.
 */
final class HashSlices {
  /** About what opening, reading the tail of and closing one file costs, in bytes of hashing. */
  static final long PER_FILE_COST = 64 << 10;

  /**
   * Larger inputs get more tasks than cores so that a retried task redoes a bounded amount of work
   * (with the per-file cost, at most 16,384 files).
   */
  static final long MAX_WORK_PER_TASK = 1L << 30;

  private HashSlices() {}

  static List<List<ListedFile>> balance(List<ListedFile> files, int cores) {
    if (files.isEmpty()) {
      return List.of();
    }
    long work = 0;
    for (ListedFile f : files) {
      work += weight(f);
    }
    long wanted = Math.max(cores, (work + MAX_WORK_PER_TASK - 1) / MAX_WORK_PER_TASK);
    // A multiple of the cores, so that the last wave keeps every core busy.
    wanted = (wanted + cores - 1) / cores * cores;
    int tasks = (int) Math.min(files.size(), wanted);

    List<ListedFile> largestFirst = new ArrayList<>(files);
    largestFirst.sort(Comparator.comparingLong(HashSlices::weight).reversed());
    List<List<ListedFile>> slices = new ArrayList<>(tasks);
    PriorityQueue<long[]> lightest =
        new PriorityQueue<>(
            tasks, Comparator.<long[]>comparingLong(s -> s[0]).thenComparingLong(s -> s[1]));
    for (int i = 0; i < tasks; i++) {
      slices.add(new ArrayList<>());
      lightest.add(new long[] {0, i});
    }
    for (ListedFile f : largestFirst) {
      long[] slice = lightest.poll();
      slices.get((int) slice[1]).add(f);
      slice[0] += weight(f);
      lightest.add(slice);
    }
    return slices;
  }

  private static long weight(ListedFile f) {
    return f.size() + PER_FILE_COST;
  }
}
