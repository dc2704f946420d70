package dev.artifacts.spark.log;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class HashSlicesTest {

  @Test
  void smallInputsGetOneBalancedTaskPerCore() {
    SplittableRandom random = new SplittableRandom(3);
    List<ListedFile> files = new ArrayList<>();
    for (int i = 0; i < 2000; i++) {
      // Skewed sizes, as Parquet part files and their .crc companions are.
      long size = i % 2 == 0 ? random.nextLong(1 << 20, 1 << 22) : random.nextLong(8, 4096);
      files.add(new ListedFile("f" + i, size));
    }
    List<List<ListedFile>> slices = HashSlices.balance(files, 4);

    assertThat(slices).hasSize(4);
    assertThat(slices.stream().flatMap(List::stream)).containsExactlyInAnyOrderElementsOf(files);
    long[] work = slices.stream().mapToLong(HashSlicesTest::work).sorted().toArray();
    long largestFile = files.stream().mapToLong(ListedFile::size).max().orElseThrow();
    assertThat(work[3] - work[0]).isLessThanOrEqualTo(largestFile + HashSlices.PER_FILE_COST);
  }

  @Test
  void largeInputsGetMoreTasksInWholeWavesOfCores() {
    List<ListedFile> files = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      files.add(new ListedFile("f" + i, 100L << 20)); // 100 x 100 MiB = ~9.8 GiB
    }
    List<List<ListedFile>> slices = HashSlices.balance(files, 4);
    assertThat(slices).hasSize(12); // ceil(9.8 GiB / 1 GiB) = 10, rounded up to 3 waves of 4
    assertThat(slices)
        .allSatisfy(s -> assertThat(work(s)).isLessThanOrEqualTo(HashSlices.MAX_WORK_PER_TASK));
  }

  @Test
  void manySmallFilesAreCappedPerTaskAndFewFilesGetFewTasks() {
    List<ListedFile> many = new ArrayList<>();
    for (int i = 0; i < 120_000; i++) {
      many.add(new ListedFile("f" + i, 10));
    }
    // 120,000 x 64 KiB of per-file cost is 7.3 GiB of work: 8 tasks of 15,000 files.
    assertThat(HashSlices.balance(many, 2))
        .hasSize(8)
        .allSatisfy(s -> assertThat(s).hasSize(15_000));
    assertThat(HashSlices.balance(List.of(new ListedFile("one", 5)), 8)).hasSize(1);
    assertThat(HashSlices.balance(List.of(), 8)).isEmpty();
  }

  private static long work(List<ListedFile> slice) {
    return slice.stream().mapToLong(f -> f.size() + HashSlices.PER_FILE_COST).sum();
  }
}
