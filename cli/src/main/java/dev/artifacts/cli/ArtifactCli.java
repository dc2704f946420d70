package dev.artifacts.cli;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.artifacts.common.ArtifactException;
import dev.artifacts.common.manifest.Manifest;
import dev.artifacts.common.manifest.ManifestWriter;
import dev.artifacts.common.name.ArtifactPath;
import dev.artifacts.common.reference.FileUris;
import dev.artifacts.common.registry.ArtifactDraft;
import dev.artifacts.common.registry.ArtifactFiles;
import dev.artifacts.common.registry.ArtifactRegistries;
import dev.artifacts.common.registry.ArtifactRegistry;
import dev.artifacts.common.registry.ArtifactVersion;
import dev.artifacts.common.registry.CommitResult;
import dev.artifacts.common.registry.GcReport;
import dev.artifacts.common.registry.RunInfo;
import dev.artifacts.common.registry.VerifyReport;
import dev.artifacts.common.registry.VersionQuery;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * The {@code artifact} command line: log directories as versions, inspect, download, verify and
 * draw lineage, against the embedded registry ({@code --registry}, {@code ARTIFACT_REGISTRY}, or
 * {@code ~/.artifact-registry}).
 *
 * <p>User mistakes (bad names, unknown versions, corrupted data) print one line and exit with a
 * non-zero status; stack traces appear only with {@code --debug} or for internal errors.
 */
public final class ArtifactCli {
  static final int OK = 0;
  static final int FAILED = 1;
  static final int USAGE = 2;

  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private final PrintStream out;
  private final PrintStream err;
  private final Map<String, String> env;
  private final boolean terminal;

  ArtifactCli(PrintStream out, PrintStream err, Map<String, String> env, boolean terminal) {
    this.out = out;
    this.err = err;
    this.env = env;
    this.terminal = terminal;
  }

  public static void main(String[] args) {
    System.exit(execute(args));
  }

  /**
   * Runs one command with the process's streams and environment and returns its exit status,
   * without exiting: for embedding the CLI (benchmarks, scripts on the JVM).
   */
  public static int execute(String... args) {
    PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    PrintStream err = new PrintStream(System.err, true, StandardCharsets.UTF_8);
    return new ArtifactCli(out, err, System.getenv(), System.console() != null).run(args);
  }

  /** Runs one command and returns the exit status. Never throws. */
  int run(String... argv) {
    boolean debug = false;
    String registryUri = null;
    String command = null;
    int i = 0;
    try {
      for (; i < argv.length && argv[i].startsWith("-"); i++) {
        String a = argv[i];
        if (a.equals("--debug")) {
          debug = true;
        } else if (Help.isHelpOption(a)) {
          out.print(Help.overview());
          return OK;
        } else if (a.equals("--version")) {
          out.println("artifact " + Help.version());
          return OK;
        } else if (a.equals("--registry") && i + 1 < argv.length) {
          registryUri = argv[++i];
        } else if (a.startsWith("--registry=")) {
          registryUri = a.substring("--registry=".length());
        } else {
          throw new Args.UsageException("Unknown option " + a);
        }
      }
      if (i >= argv.length) {
        throw new Args.UsageException("Missing command");
      }
      List<String> rest = Arrays.asList(argv).subList(i + 1, argv.length);
      if (argv[i].equals("help")) {
        return help(rest);
      }
      command = Help.command(argv[i]).map(Help.Command::name).orElse(null);
      if (command == null) {
        throw new Args.UsageException("Unknown command '" + argv[i] + "'");
      }
      if (Help.asksForHelp(rest)) {
        out.print(Help.COMMANDS.get(command).page());
        return OK;
      }
      if (registryUri != null && registryUri.isBlank()) {
        throw new Args.UsageException(
            "Invalid --registry '" + registryUri + "': it is empty; give a path or URI");
      }
      String uri = registryUri != null ? registryUri : env.get("ARTIFACT_REGISTRY");
      if (uri == null || uri.isBlank()) {
        uri = Path.of(System.getProperty("user.home"), ".artifact-registry").toString();
      }
      try (ArtifactRegistry registry = ArtifactRegistries.open(uri, env)) {
        return dispatch(
            RegistryLocationCheck.onFirstUse(registry, command, uri, registryUri, env, err),
            command,
            rest);
      }
    } catch (Args.UsageException e) {
      err.println("artifact: " + e.getMessage());
      err.println("Run 'artifact " + (command == null ? "" : command + " ") + "--help' for usage.");
      return USAGE;
    } catch (ArtifactException e) {
      err.println("artifact: " + e.getMessage());
      if (debug) {
        e.printStackTrace(err);
      }
      return FAILED;
    } catch (IOException | UncheckedIOException e) {
      err.println("artifact: " + ioMessage(e));
      if (debug) {
        e.printStackTrace(err);
      }
      return FAILED;
    } catch (org.apache.hadoop.fs.FSError e) {
      // The local filesystem wraps I/O failures while writing (a full disk) in an Error.
      Throwable cause = e.getCause() == null ? e : e.getCause();
      err.println("artifact: Cannot write to the registry: " + cause.getMessage());
      if (debug) {
        e.printStackTrace(err);
      }
      return FAILED;
    } catch (RuntimeException e) {
      err.println("artifact: internal error: " + e);
      e.printStackTrace(err);
      return FAILED;
    }
  }

  /** {@code artifact help [COMMAND]}. */
  private int help(List<String> args) {
    if (args.isEmpty()) {
      out.print(Help.overview());
      return OK;
    }
    Help.Command c =
        Help.command(args.get(0))
            .orElseThrow(() -> new Args.UsageException("Unknown command '" + args.get(0) + "'"));
    out.print(c.page());
    return OK;
  }

  private int dispatch(ArtifactRegistry registry, String command, List<String> args)
      throws IOException {
    return switch (command) {
      case "log" -> log(registry, args);
      case "get" -> get(registry, args);
      case "manifest" -> manifest(registry, args);
      case "info" -> info(registry, args);
      case "versions" -> versions(registry, args);
      case "collections" -> collections(registry, args);
      case "verify" -> verify(registry, args);
      case "lineage" -> lineage(registry, args);
      case "alias" -> alias(registry, args);
      case "delete" -> delete(registry, args);
      case "gc" -> gc(registry, args);
      case "fsck" -> FsckCommand.run(RegistryLocationCheck.checkedBackend(registry), args, out);
      default -> throw new Args.UsageException("Unknown command '" + command + "'");
    };
  }

  // ---- commands --------------------------------------------------------------------------------

  private int log(ArtifactRegistry registry, List<String> argv) throws IOException {
    Args a =
        Args.parse(
            argv,
            Set.of("name", "type", "alias", "tag", "metadata", "description", "ttl-seconds"),
            Set.of("reference"));
    a.expectPositionals(1);
    Path dir = Path.of(a.positional(0, "directory to log")).toAbsolutePath().normalize();
    ArtifactPath path = parse(a.required("name"));
    if (path.alias() != null) {
      throw new Args.UsageException(
          "--name takes a collection name without ':alias'; use --alias " + path.alias());
    }
    if (!Files.isDirectory(dir)) {
      throw new ArtifactException.InvalidInput(
          "Cannot log " + dir + " as " + path + ": it is not a directory");
    }
    ArtifactDraft draft = registry.newDraft(path, a.required("type"));
    draft.aliases(a.all("alias")).tags(a.all("tag"));
    if (a.value("description") != null) {
      draft.description(a.value("description"));
    }
    if (a.value("metadata") != null) {
      draft.metadata(parseMetadata(a.value("metadata"), path));
    }
    if (a.value("ttl-seconds") != null) {
      draft.ttl(Duration.ofSeconds(parseLong(a.value("ttl-seconds"), "--ttl-seconds")));
    }
    RunInfo run = cliRun("log " + path.name());
    draft.run(run);
    long started = System.nanoTime();
    long fileCount = countFiles(dir);
    try (Progress progress = new Progress(err, terminal, "hashing", fileCount)) {
      draft.onEntryAdded(e -> progress.file(e.size() == null ? 0 : e.size()));
      if (a.flag("reference")) {
        draft.addReference(FileUris.pythonUri(dir.toString()), null);
      } else {
        draft.addDir(dir, null);
      }
    }
    CommitResult result = registry.commit(draft);
    ArtifactVersion v = result.version();
    long ms = (System.nanoTime() - started) / 1_000_000;
    if (result.created()) {
      err.printf(
          "Logged %s (%s) in %d ms, digest %s%n",
          Format.count(v.fileCount(), "file"), Format.bytes(v.size()), ms, v.digest());
    } else {
      err.printf("Unchanged: same digest %s as the existing version%n", v.digest());
    }
    out.println(v.path());
    return OK;
  }

  private int get(ArtifactRegistry registry, List<String> argv) throws IOException {
    Args a = Args.parse(argv, Set.of("root", "parallelism"), Set.of());
    a.expectPositionals(1);
    ArtifactVersion v = registry.resolve(parse(a.positional(0, "artifact NAME[:ALIAS]")));
    Path root = a.value("root") != null ? Path.of(a.value("root")) : ArtifactFiles.defaultRoot(v);
    if (Files.exists(root) && !Files.isDirectory(root)) {
      throw new ArtifactException.InvalidInput(
          "Cannot download " + v.path() + " to " + root + ": it is a file, not a directory");
    }
    int parallelism = parallelism(a);
    registry.recordUse(cliRun("get " + v.collection()), v);
    try (Progress progress = new Progress(err, terminal, "downloading", v.size())) {
      ArtifactFiles.download(registry, v, root, parallelism, progress::bytes);
    }
    err.printf(
        "Downloaded %s (%s, %s)%n",
        v.path(), Format.count(v.fileCount(), "file"), Format.bytes(v.size()));
    out.println(root.toAbsolutePath().normalize());
    return OK;
  }

  private int manifest(ArtifactRegistry registry, List<String> argv) {
    Args a = Args.parse(argv, Set.of(), Set.of());
    a.expectPositionals(1);
    ArtifactVersion v = registry.resolve(parse(a.positional(0, "artifact NAME[:ALIAS]")));
    Manifest m = registry.manifest(v);
    out.println(new String(ManifestWriter.toBytes(m), StandardCharsets.UTF_8));
    return OK;
  }

  private int info(ArtifactRegistry registry, List<String> argv) throws IOException {
    Args a = Args.parse(argv, Set.of(), Set.of("json"));
    a.expectPositionals(1);
    ArtifactVersion v = registry.resolve(parse(a.positional(0, "artifact NAME[:ALIAS]")));
    if (a.flag("json")) {
      out.println(JSON.writeValueAsString(infoMap(registry, v)));
      return OK;
    }
    out.printf("%s%n", v.path());
    out.printf("  id:          %s%n", v.id());
    out.printf("  type:        %s%n", v.type());
    out.printf("  state:       %s%n", v.state());
    out.printf("  digest:      %s%n", v.digest());
    out.printf("  aliases:     %s%n", String.join(", ", v.aliases()));
    out.printf("  tags:        %s%n", String.join(", ", v.tags()));
    out.printf("  files:       %d%n", v.fileCount());
    out.printf("  size:        %s (%d bytes)%n", Format.bytes(v.size()), v.size());
    out.printf("  created:     %s%n", Format.time(v.createdAt()));
    out.printf("  updated:     %s%n", Format.time(v.updatedAt()));
    if (v.description() != null) {
      out.printf("  description: %s%n", v.description());
    }
    if (!v.metadata().isEmpty()) {
      out.printf(
          "  metadata:    %s%n",
          JSON.writer()
              .without(SerializationFeature.INDENT_OUTPUT)
              .writeValueAsString(v.metadata()));
    }
    if (v.ttl() != null) {
      out.printf("  ttl:         %s%n", v.ttl());
    }
    if (v.isLink()) {
      out.printf("  linked from: %s:v%d%n", v.sourceCollection(), v.sourceVersionIndex());
    }
    registry.loggedBy(v).ifPresent(r -> out.printf("  logged by:   %s (%s)%n", r.id(), r.name()));
    return OK;
  }

  private Map<String, Object> infoMap(ArtifactRegistry registry, ArtifactVersion v) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", v.path().toString());
    m.put("id", v.id());
    m.put("entity", v.entity());
    m.put("project", v.project());
    m.put("collection", v.collection());
    m.put("version", v.version());
    m.put("type", v.type());
    m.put("state", v.state());
    m.put("digest", v.digest());
    m.put("aliases", v.aliases());
    m.put("tags", v.tags());
    m.put("description", v.description());
    m.put("metadata", v.metadata());
    m.put("ttlSeconds", v.ttl() == null ? null : v.ttl().toSeconds());
    m.put("size", v.size());
    m.put("fileCount", v.fileCount());
    m.put("createdAt", v.createdAt().toString());
    m.put("updatedAt", v.updatedAt().toString());
    m.put("loggedBy", registry.loggedBy(v).map(RunInfo::id).orElse(null));
    if (v.isLink()) {
      m.put("sourceCollection", v.sourceCollection());
      m.put("sourceVersion", "v" + v.sourceVersionIndex());
    }
    return m;
  }

  private int versions(ArtifactRegistry registry, List<String> argv) {
    Args a = Args.parse(argv, Set.of("alias", "tag", "limit"), Set.of("deleted"));
    a.expectPositionals(1);
    ArtifactPath path = parse(a.positional(0, "collection NAME"));
    if (registry.collection(path).isEmpty()) {
      throw new ArtifactException.NotFound(
          "Cannot list versions of " + path + ": no such collection");
    }
    VersionQuery q =
        VersionQuery.all()
            .withAlias(a.value("alias"))
            .withTag(a.value("tag"))
            .withDeleted(a.flag("deleted"))
            .withLimit(limit(a));
    List<ArtifactVersion> versions = registry.versions(path, q);
    out.printf(
        "%-8s %-34s %8s %12s  %-20s  %s%n",
        "VERSION", "DIGEST", "FILES", "SIZE", "CREATED", "ALIASES");
    for (ArtifactVersion v : versions) {
      out.printf(
          "%-8s %-34s %8d %12s  %-20s  %s%s%n",
          v.version(),
          v.digest(),
          v.fileCount(),
          Format.bytes(v.size()),
          Format.time(v.createdAt()),
          String.join(", ", v.aliases()),
          v.state().equals(ArtifactVersion.COMMITTED) ? "" : " [" + v.state() + "]");
    }
    return OK;
  }

  private int collections(ArtifactRegistry registry, List<String> argv) {
    Args a = Args.parse(argv, Set.of("type"), Set.of());
    a.expectPositionals(1);
    ArtifactPath scope =
        a.positionals().isEmpty()
            ? ArtifactPath.parse("x", env)
            : ArtifactPath.parse(a.positionals().get(0) + "/x", env);
    var collections = registry.collections(scope.entity(), scope.project(), a.value("type"));
    out.printf("%-40s %-16s %-10s %8s%n", "COLLECTION", "TYPE", "KIND", "VERSIONS");
    for (var c : collections) {
      out.printf(
          "%-40s %-16s %-10s %8d%n",
          c.path(), c.type(), c.kind().name().toLowerCase(Locale.ROOT), c.versionCount());
    }
    return OK;
  }

  private int verify(ArtifactRegistry registry, List<String> argv) throws IOException {
    Args a = Args.parse(argv, Set.of("root"), Set.of());
    a.expectPositionals(1);
    ArtifactVersion v = registry.resolve(parse(a.positional(0, "artifact NAME[:ALIAS]")));
    Path root = Path.of(a.required("root"));
    if (!Files.isDirectory(root)) {
      throw new ArtifactException.InvalidInput(
          "Cannot verify " + v.path() + ": root " + root + " is not a directory");
    }
    VerifyReport report = ArtifactFiles.verify(registry.manifest(v), root);
    report
        .mismatches()
        .forEach(
            m ->
                out.printf(
                    "  digest mismatch: %s (expected %s, found %s)%n",
                    m.path(), m.expected(), m.actual()));
    report.missing().forEach(p -> out.println("  missing: " + p));
    report.extra().forEach(p -> out.println("  not in the manifest: " + p));
    out.println(v.path() + ": " + report.summary());
    return report.ok() ? OK : FAILED;
  }

  private int lineage(ArtifactRegistry registry, List<String> argv) {
    Args a = Args.parse(argv, Set.of("format", "depth"), Set.of());
    a.expectPositionals(1);
    ArtifactVersion v = registry.resolve(parse(a.positional(0, "artifact NAME[:ALIAS]")));
    int depth = a.value("depth") == null ? 5 : (int) parseLong(a.value("depth"), "--depth");
    Lineage g = Lineage.of(registry, v, depth);
    String format = a.value("format") == null ? "text" : a.value("format");
    out.print(
        switch (format) {
          case "text" -> g.text();
          case "dot" -> g.dot();
          case "mermaid" -> g.mermaid();
          default ->
              throw new Args.UsageException(
                  "Invalid --format '" + format + "': use text, dot or mermaid");
        });
    return OK;
  }

  private int alias(ArtifactRegistry registry, List<String> argv) {
    Args a = Args.parse(argv, Set.of(), Set.of());
    a.expectPositionals(3);
    String op = a.positional(0, "add or remove");
    ArtifactVersion v = registry.resolve(parse(a.positional(1, "artifact NAME:VERSION")));
    String alias = a.positional(2, "alias");
    ArtifactVersion updated =
        switch (op) {
          case "add" -> registry.addAlias(v, alias);
          case "remove" -> registry.removeAlias(v, alias);
          default ->
              throw new Args.UsageException(
                  "Invalid alias operation '" + op + "': use add or remove");
        };
    out.println(updated.path() + " aliases: " + String.join(", ", updated.aliases()));
    return OK;
  }

  private int delete(ArtifactRegistry registry, List<String> argv) {
    Args a = Args.parse(argv, Set.of(), Set.of("delete-aliases", "collection"));
    a.expectPositionals(1);
    ArtifactPath path = parse(a.positional(0, "artifact NAME:VERSION"));
    if (a.flag("collection")) {
      if (path.alias() != null) {
        throw new Args.UsageException("--collection takes a collection NAME without ':alias'");
      }
      registry.deleteCollection(path);
      out.println("Deleted collection " + path);
      return OK;
    }
    if (path.alias() == null) {
      throw new Args.UsageException(
          "Name the version to delete (NAME:vN), or add --collection to delete " + path);
    }
    ArtifactVersion v = registry.resolve(path);
    List<String> aliases =
        v.aliases().stream().filter(alias -> !alias.equals(ArtifactPath.LATEST)).toList();
    if (!aliases.isEmpty() && !a.flag("delete-aliases")) {
      // The registry refuses too, but words the consent as its Java parameter (deleteAliases).
      throw new ArtifactException.InvalidInput(
          "Cannot delete "
              + v.path()
              + ": it has aliases "
              + String.join(", ", aliases)
              + "; remove them first (artifact alias remove "
              + v.path()
              + " "
              + aliases.get(0)
              + ") or add --delete-aliases");
    }
    registry.delete(v, a.flag("delete-aliases"));
    out.println("Deleted " + v.path());
    return OK;
  }

  private int gc(ArtifactRegistry registry, List<String> argv) {
    Args a = Args.parse(argv, Set.of("grace"), Set.of("dry-run", "force"));
    a.expectPositionals(0);
    Duration grace =
        a.value("grace") == null ? Duration.ofHours(24) : parseDuration(a.value("grace"));
    GcReport r = registry.gc(grace, a.flag("dry-run"), a.flag("force"));
    out.printf(
        "%s %s and %s (%s); kept %s%n",
        a.flag("dry-run") ? "Would remove" : "Removed",
        Format.count(r.stagingRemoved(), "staging leftover"),
        Format.count(r.objectsRemoved(), "unreferenced object"),
        Format.bytes(r.bytesFreed()),
        Format.count(r.objectsKept(), "object"));
    return OK;
  }

  // ---- helpers ---------------------------------------------------------------------------------

  private ArtifactPath parse(String text) {
    return ArtifactPath.parse(text, env);
  }

  private RunInfo cliRun(String name) {
    String id = "cli-" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    return new RunInfo(
        id, "artifact " + name, "cli", null, Map.of("user", System.getProperty("user.name", "")));
  }

  private static int limit(Args a) {
    if (a.value("limit") == null) {
      return 0;
    }
    long limit = parseLong(a.value("limit"), "--limit");
    if (limit < 1 || limit > Integer.MAX_VALUE) {
      throw new Args.UsageException(
          "Invalid --limit " + a.value("limit") + ": use a positive number of versions");
    }
    return (int) limit;
  }

  private int parallelism(Args a) {
    if (a.value("parallelism") == null) {
      return Math.max(4, Runtime.getRuntime().availableProcessors() * 2);
    }
    long p = parseLong(a.value("parallelism"), "--parallelism");
    if (p < 1 || p > 256) {
      throw new Args.UsageException("Invalid --parallelism " + p + ": use 1 to 256");
    }
    return (int) p;
  }

  private static Map<String, Object> parseMetadata(String json, ArtifactPath path) {
    try {
      return new ObjectMapper()
          .enable(com.fasterxml.jackson.core.JsonParser.Feature.ALLOW_NON_NUMERIC_NUMBERS)
          .readValue(json, new TypeReference<Map<String, Object>>() {});
    } catch (IOException e) {
      throw new ArtifactException.InvalidInput(
          "Invalid --metadata for " + path + ": expected a JSON object, got '" + json + "'");
    }
  }

  private static long parseLong(String text, String option) {
    try {
      return Long.parseLong(text.trim());
    } catch (NumberFormatException e) {
      throw new Args.UsageException("Invalid " + option + " '" + text + "': expected a number");
    }
  }

  /**
   * Accepts ISO-8601 ({@code PT1H}) or a number with a unit: {@code 30s}, {@code 15m}, {@code 2h},
   * {@code 7d}.
   */
  static Duration parseDuration(String text) {
    String t = text.trim().toLowerCase(Locale.ROOT);
    try {
      if (t.matches("0+")) {
        return Duration.ZERO; // zero needs no unit
      }
      if (t.startsWith("p")) {
        return Duration.parse(text.trim().toUpperCase(Locale.ROOT));
      }
      long n = Long.parseLong(t.substring(0, t.length() - 1));
      return switch (t.charAt(t.length() - 1)) {
        case 's' -> Duration.ofSeconds(n);
        case 'm' -> Duration.ofMinutes(n);
        case 'h' -> Duration.ofHours(n);
        case 'd' -> Duration.ofDays(n);
        default -> throw new NumberFormatException();
      };
    } catch (ArithmeticException e) {
      throw new Args.UsageException("Invalid duration '" + text + "': it is too long");
    } catch (NumberFormatException | DateTimeParseException | StringIndexOutOfBoundsException e) {
      throw new Args.UsageException(
          "Invalid duration '" + text + "': use e.g. 30s, 15m, 2h, 7d or PT1H");
    }
  }

  private static String ioMessage(Exception e) {
    Throwable t = e instanceof UncheckedIOException u ? u.getCause() : e;
    String type = t.getClass().getSimpleName();
    return switch (type) {
      case "NoSuchFileException", "FileNotFoundException" -> "No such file: " + t.getMessage();
      case "AccessDeniedException" -> "Permission denied: " + t.getMessage();
      default -> t.getMessage() == null ? type : t.getMessage();
    };
  }

  /** Counts regular files under a directory, for the progress total. */
  private static long countFiles(Path dir) {
    try (var walk = Files.walk(dir, java.nio.file.FileVisitOption.FOLLOW_LINKS)) {
      return walk.filter(Files::isRegularFile).count();
    } catch (IOException | UncheckedIOException e) {
      return 0; // Only the progress total; adding the directory reports the problem precisely.
    }
  }
}
