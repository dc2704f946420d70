package dev.artifacts.common.registry.fs;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * What {@link FileSystemRegistry#fsck} found: one problem per damaged file.
 *
 * @param problems in the order found
 */
public record FsckReport(List<Problem> problems) {
  public FsckReport {
    problems = List.copyOf(requireNonNull(problems, "problems is null"));
  }

  /**
   * @param path the damaged file
   * @param description what is wrong and what was or can be done
   * @param repaired whether this run repaired it
   */
  public record Problem(String path, String description, boolean repaired) {
    public Problem {
      requireNonNull(path, "path is null");
      requireNonNull(description, "description is null");
    }
  }

  /** True if nothing is left to repair. */
  public boolean clean() {
    return problems.stream().allMatch(Problem::repaired);
  }
}
