package dev.artifacts.examples;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.artifacts.common.manifest.ManifestEntry;
import dev.artifacts.common.manifest.ManifestWriter;
import dev.artifacts.common.name.ArtifactPath;
import dev.artifacts.common.registry.ArtifactDraft;
import dev.artifacts.common.registry.ArtifactFiles;
import dev.artifacts.common.registry.ArtifactRegistries;
import dev.artifacts.common.registry.ArtifactRegistry;
import dev.artifacts.common.registry.ArtifactVersion;
import dev.artifacts.common.registry.CommitResult;
import dev.artifacts.common.registry.RunInfo;
import dev.artifacts.common.registry.VerifyReport;
import dev.artifacts.common.registry.VersionQuery;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The quick start: an ETL in miniature on the embedded registry, no server needed. It logs a small
 * partitioned CSV dataset as {@code demo/etl/events:v0} (alias {@code prod}), logs a changed
 * version {@code v1} as an incremental draft, reads both back by alias, derives a summary artifact
 * from {@code :latest} in a second run, and prints the versions, the W&amp;B manifest and the
 * lineage.
 *
 * <p>Usage: {@code java -jar examples/target/artifact-examples.jar [WORKDIR]} (default {@code
 * ./demo}); the registry is {@code WORKDIR/registry} and is recreated on each run.
 */
public final class QuickstartDemo {
  private static final PrintStream OUT = new PrintStream(System.out, true, UTF_8);

  private QuickstartDemo() {}

  public static void main(String[] args) throws IOException {
    Path work = ExampleArgs.workDir(args, "demo");
    WorkDirs.deleteRecursively(work);
    Path registryRoot = work.resolve("registry");
    Path raw = work.resolve("raw-events");
    writeDataset(raw);

    ArtifactPath events = ArtifactPath.parse("demo/etl/events");
    try (ArtifactRegistry registry = ArtifactRegistries.open(registryRoot.toString())) {
      section("1. Log raw-events/ as " + events);
      RunInfo ingest = RunInfo.of("ingest-1", "ingest events", "demo");
      ArtifactDraft draft = registry.newDraft(events, "dataset");
      draft.addDir(raw, null);
      draft
          .aliases(List.of("prod"))
          .tags(List.of("raw"))
          .description("Click events, partitioned by day")
          .metadata(Map.of("rows", 6, "source", "demo generator"))
          .run(ingest);
      CommitResult v0 = registry.commit(draft);
      OUT.println("committed " + v0.version().path() + " digest " + v0.version().digest());

      section("2. Log it again unchanged: deduplicated, no new version");
      ArtifactDraft same = registry.newDraft(events, "dataset");
      same.addDir(raw, null);
      CommitResult again = registry.commit(same.run(ingest));
      OUT.println("created=" + again.created() + " -> " + again.version().path());

      section("3. Change one partition and add another: v1 as an incremental draft");
      ArtifactDraft change = registry.newDraft(v0.version());
      try (OutputStream out = change.newFile("day=2024-01-02/part-0.csv")) {
        out.write("user,action\nbob,view\nbob,buy\ncarol,view\n".getBytes(UTF_8));
      }
      try (OutputStream out = change.newFile("day=2024-01-03/part-0.csv")) {
        out.write("user,action\ndave,view\n".getBytes(UTF_8));
      }
      CommitResult v1 = registry.commit(change.aliases(List.of()).tags(List.of("raw")).run(ingest));
      OUT.println("committed " + v1.version().path() + " digest " + v1.version().digest());

      section("4. Read back by alias");
      ArtifactVersion prod = registry.resolve(events.withAlias("prod"));
      ArtifactVersion latest = registry.resolve(events.withAlias("latest"));
      OUT.println(events.withAlias("prod") + "   -> " + prod.version());
      OUT.println(events.withAlias("latest") + " -> " + latest.version());
      Path downloaded = work.resolve("downloads").resolve(latest.qualifiedName());
      ArtifactFiles.download(registry, latest, downloaded, 4);
      VerifyReport report = ArtifactFiles.verify(registry.manifest(latest), downloaded);
      OUT.println("downloaded " + latest.qualifiedName() + " to " + downloaded);
      OUT.println("verify: " + report.summary());

      section("5. A second job reads :latest and logs a summary (lineage)");
      RunInfo summarize = RunInfo.of("summarize-1", "summarize events", "demo");
      registry.recordUse(summarize, latest);
      ArtifactDraft summary =
          registry.newDraft(ArtifactPath.parse("demo/etl/event-counts"), "dataset");
      try (OutputStream out = summary.newFile("counts.csv")) {
        out.write(countRows(registry, latest).getBytes(UTF_8));
      }
      ArtifactVersion counts = registry.commit(summary.run(summarize)).version();
      OUT.println("committed " + counts.path());

      section("Versions of " + events);
      OUT.printf("%-4s %-34s %6s %8s  %s%n", "VER", "DIGEST", "FILES", "BYTES", "ALIASES");
      for (ArtifactVersion v : registry.versions(events, VersionQuery.all())) {
        OUT.printf(
            "%-4s %-34s %6d %8d  %s%n",
            v.version(), v.digest(), v.fileCount(), v.size(), String.join(", ", v.aliases()));
      }

      section("W&B manifest of " + latest.path());
      OUT.println(new String(ManifestWriter.toBytes(registry.manifest(latest)), UTF_8));

      section("Lineage");
      for (ArtifactVersion v : List.of(prod, latest, counts)) {
        String loggedBy = registry.loggedBy(v).map(RunInfo::name).orElse("-");
        String usedBy = String.join(", ", registry.usedBy(v).stream().map(RunInfo::name).toList());
        OUT.printf(
            "%-28s logged by: %-18s used by: %s%n",
            v.path(), loggedBy, usedBy.isEmpty() ? "-" : usedBy);
      }
      OUT.println();
      OUT.println("Registry: " + registryRoot);
      OUT.println(
          "Try: java -jar cli/target/artifact.jar --registry "
              + registryRoot
              + " lineage demo/etl/event-counts:latest --format mermaid");
    }
  }

  private static String countRows(ArtifactRegistry registry, ArtifactVersion version)
      throws IOException {
    StringBuilder sb = new StringBuilder("partition,rows\n");
    for (ManifestEntry e : registry.manifest(version).entries()) {
      if (!e.path().startsWith("day=")) {
        continue;
      }
      try (var in = registry.open(version, e)) {
        long lines = new String(in.readAllBytes(), UTF_8).lines().count() - 1;
        sb.append(e.path(), 0, e.path().indexOf('/')).append(',').append(lines).append('\n');
      }
    }
    return sb.toString();
  }

  private static void writeDataset(Path raw) throws IOException {
    write(
        raw.resolve("day=2024-01-01/part-0.csv"), "user,action\nalice,view\nalice,buy\nbob,view\n");
    write(raw.resolve("day=2024-01-02/part-0.csv"), "user,action\nbob,view\ncarol,view\n");
    write(raw.resolve("README.txt"), "Demo click events, one CSV per day.\n");
  }

  private static void write(Path file, String text) throws IOException {
    Files.createDirectories(file.getParent());
    Files.writeString(file, text, UTF_8);
  }

  private static void section(String title) {
    OUT.println();
    OUT.println("== " + title);
  }
}
