package dev.artifacts.examples;

import dev.artifacts.common.name.ArtifactPath;
import dev.artifacts.common.registry.ArtifactRegistry;
import dev.artifacts.common.registry.ArtifactVersion;
import dev.artifacts.common.registry.RunInfo;
import dev.artifacts.common.registry.VersionQuery;
import java.io.IOException;
import java.io.PrintStream;
import java.util.List;

/** Prints an artifact's versions with their lineage, oldest first, as the Flink examples show. */
final class VersionTable {
  private VersionTable() {}

  static List<ArtifactVersion> print(ArtifactRegistry registry, String artifact, PrintStream out)
      throws IOException {
    List<ArtifactVersion> versions =
        registry.versions(
            ArtifactPath.parse(artifact),
            VersionQuery.all().withOrder(VersionQuery.Order.VERSION_ASC));
    for (ArtifactVersion v : versions) {
      String loggedBy =
          registry
              .loggedBy(v)
              .map(r -> r.name() + " (" + r.jobType() + " " + r.id() + ")")
              .orElse("-");
      String usedBy = String.join(", ", registry.usedBy(v).stream().map(RunInfo::name).toList());
      out.printf(
          "%-28s %-18s files: %-3d checkpoint: %-20s logged by: %s used by: %s%n",
          v.path(),
          String.join(",", v.aliases()),
          v.fileCount(),
          checkpoint(v),
          loggedBy,
          usedBy.isEmpty() ? "-" : usedBy);
    }
    return versions;
  }

  /** The Flink checkpoint a version was committed for; bounded input ends with Long.MAX_VALUE. */
  private static String checkpoint(ArtifactVersion v) {
    String id = v.commitProperties().getOrDefault("flink.checkpoint-id", "-");
    return id.equals(Long.toString(Long.MAX_VALUE)) ? "end-of-input" : id;
  }
}
