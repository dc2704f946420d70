package dev.artifacts.cli;

import dev.artifacts.common.ArtifactException;
import dev.artifacts.common.registry.ArtifactRegistry;
import dev.artifacts.common.registry.fs.FileSystemRegistry;
import dev.artifacts.common.registry.fs.FsckReport;
import java.io.PrintStream;
import java.util.List;
import java.util.Set;

/**
 * {@code artifact fsck [--repair]}: lists every damaged file of the embedded registry and, with
 * {@code --repair}, fixes what can be fixed. Exits non-zero while damage remains, so scripts can
 * run it before {@code gc}, which refuses to sweep a registry it cannot fully read.
 */
final class FsckCommand {
  private FsckCommand() {}

  static int run(ArtifactRegistry registry, List<String> argv, PrintStream out) {
    Args a = Args.parse(argv, Set.of(), Set.of("repair"));
    a.expectPositionals(0);
    if (!(registry instanceof FileSystemRegistry files)) {
      throw new ArtifactException.InvalidInput(
          "Cannot fsck "
              + registry.uri()
              + ": only the embedded filesystem registry has files to check");
    }
    FsckReport report = files.fsck(a.flag("repair"));
    long repaired = 0;
    for (FsckReport.Problem p : report.problems()) {
      out.printf(
          "  %s: %s: %s%n", p.repaired() ? "repaired" : "damaged", p.path(), p.description());
      repaired += p.repaired() ? 1 : 0;
    }
    long left = report.problems().size() - repaired;
    if (report.problems().isEmpty()) {
      out.println(registry.uri() + ": no damage found");
    } else {
      out.printf(
          "%s: %d damaged files, %d repaired, %d left%s%n",
          registry.uri(),
          report.problems().size(),
          repaired,
          left,
          left > 0 && !a.flag("repair") ? " (run 'artifact fsck --repair')" : "");
    }
    return left == 0 ? ArtifactCli.OK : ArtifactCli.FAILED;
  }
}
