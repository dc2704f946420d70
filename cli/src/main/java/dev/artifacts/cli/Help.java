package dev.artifacts.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

/**
 * The help texts of the {@code artifact} command: the overview ({@code artifact --help}), one page
 * per subcommand ({@code artifact log --help}) and the version. Kept apart from the commands so a
 * wording change never touches their logic.
 *
 * <p>{@link #COMMANDS} is also the list of commands the CLI accepts: a command without a help page
 * is rejected as unknown before any registry is opened.
 */
final class Help {
  /** A subcommand's help page. */
  record Command(
      String name, String headline, String summary, String usage, String options, String examples) {
    String page() {
      StringBuilder sb = new StringBuilder();
      sb.append("Usage: ").append(usage.strip().replace("\n", "\n       ")).append("\n\n");
      sb.append(summary).append("\n");
      if (!options.isBlank()) {
        sb.append("\nOptions:\n").append(options.stripTrailing()).append("\n");
      }
      sb.append("\nExamples:\n").append(examples.stripTrailing()).append("\n");
      sb.append("\n").append(COMMON_TAIL);
      return sb.toString();
    }
  }

  private static final String COMMON_TAIL =
      """
      Global options (before the command): --registry URI, --debug. The registry is --registry,
      else $ARTIFACT_REGISTRY, else ~/.artifact-registry. Run 'artifact --help' for all commands.
      """;

  static final Map<String, Command> COMMANDS = new LinkedHashMap<>();

  static {
    add(
        "log",
        "log a directory as a new version",
        "Log a directory as a new version of a collection: hash every file, store each body once,"
            + "\nand commit a version. Unchanged content prints the existing version instead. Prints"
            + "\nthe version (NAME:vN) on stdout; logging into a new location creates a registry.",
        "artifact log DIR --name NAME --type TYPE [--alias A]... [--tag T]... [--metadata JSON]\n"
            + "    [--description TEXT] [--ttl-seconds N] [--reference]",
        """
          --name NAME           collection, [entity/][project/]name (no :alias)
          --type TYPE           artifact type, e.g. dataset or model (fixed per collection)
          --alias A             alias for the new version; repeatable (latest is automatic)
          --tag T               tag for the new version; repeatable
          --metadata JSON       a JSON object stored with the version
          --description TEXT    a description of the version
          --ttl-seconds N       time to live: W&B deletes the version N seconds after it is
                                logged (stored as the version's TTL)
          --reference           record file:// references (content MD5) instead of copying
        """,
        """
          artifact log ./data --name acme/etl/events --type dataset --alias prod
          artifact log ./model --name acme/train/resnet --type model --tag baseline \\
                   --metadata '{"accuracy": 0.91}' --description "first run"
          artifact log /mnt/shared/events --name events --type dataset --reference
        """);
    add(
        "get",
        "download a version",
        "Download the files of a version and print the directory they are in.",
        "artifact get NAME[:ALIAS] [--root DIR] [--parallelism N]",
        """
          --root DIR            where to put the files (default ./artifacts/NAME:vN, or
                                $WANDB_ARTIFACT_DIR/NAME:vN)
          --parallelism N       parallel downloads, 1 to 256 (default: twice the cores, at least 4)
        """,
        """
          artifact get acme/etl/events:prod --root ./events
          artifact get acme/etl/events                 # :latest into ./artifacts/events:vN
        """);
    add(
        "manifest",
        "print the W&B manifest JSON of a version",
        "Print the W&B manifest JSON of a version (its files, digests and sizes).",
        "artifact manifest NAME[:ALIAS]",
        "",
        """
          artifact manifest acme/etl/events:v0
          artifact manifest acme/etl/events:latest > manifest.json
        """);
    add(
        "info",
        "show a version",
        "Show a version: id, type, digest, aliases, tags, size, metadata and the run that logged it.",
        "artifact info NAME[:ALIAS] [--json]",
        """
          --json                print the same as a JSON object
        """,
        """
          artifact info acme/etl/events:prod
          artifact info acme/etl/events:latest --json
        """);
    add(
        "versions",
        "list the versions of a collection",
        "List the versions of a collection, newest first.",
        "artifact versions NAME [--alias A] [--tag T] [--limit N] [--deleted]",
        """
          --alias A             only the version with alias A
          --tag T               only versions tagged T
          --limit N             at most N versions
          --deleted             include deleted versions
        """,
        """
          artifact versions acme/etl/events
          artifact versions acme/etl/events --tag raw --limit 10
        """);
    add(
        "collections",
        "list the collections of a project",
        "List the collections of a project with their type, kind and number of versions.",
        "artifact collections [ENTITY/PROJECT] [--type TYPE]",
        """
          --type TYPE           only collections of this type
        """,
        """
          artifact collections acme/etl
          artifact collections acme/etl --type dataset
        """);
    add(
        "verify",
        "check a directory against a version's manifest",
        "Check a directory against a version's manifest: digest mismatches, missing files and files"
            + "\nnot in the manifest. Exit status 1 when anything differs.",
        "artifact verify NAME[:ALIAS] --root DIR",
        """
          --root DIR            the directory to check (required)
        """,
        """
          artifact verify acme/etl/events:v0 --root ./events
        """);
    add(
        "lineage",
        "draw the runs that logged and used a version",
        "Draw the lineage of a version: the runs that logged and used it, and their other inputs"
            + "\nand outputs.",
        "artifact lineage NAME[:ALIAS] [--format text|dot|mermaid] [--depth N]",
        """
          --format F            text (default), dot (Graphviz) or mermaid
          --depth N             how many run hops to follow (default 5)
        """,
        """
          artifact lineage acme/etl/events:v0
          artifact lineage acme/etl/events:v0 --format dot | dot -Tsvg > lineage.svg
        """);
    add(
        "alias",
        "add or remove an alias",
        "Add an alias to a version (moving it from the version that had it) or remove it.",
        "artifact alias add|remove NAME:VERSION ALIAS",
        "",
        """
          artifact alias add acme/etl/events:v1 prod
          artifact alias remove acme/etl/events:v1 staging
        """);
    add(
        "delete",
        "delete a version or a collection",
        "Delete a version (its number is never reused), or a whole collection with --collection."
            + "\nA version that has aliases is deleted only with --delete-aliases.",
        "artifact delete NAME:VERSION [--delete-aliases]\nartifact delete NAME --collection",
        """
          --delete-aliases      also remove the version's aliases
          --collection          delete the collection NAME and all its versions
        """,
        """
          artifact delete acme/etl/events:v0
          artifact delete acme/etl/events:v1 --delete-aliases
          artifact delete acme/etl/old-events --collection
        """);
    add(
        "gc",
        "remove unreferenced bodies and staging leftovers",
        "Remove staging leftovers and file bodies that no version references, once they are older"
            + "\nthan the grace period.",
        "artifact gc [--grace DURATION] [--dry-run] [--force]",
        """
          --grace DURATION      minimum age of what is removed: 30s, 15m, 2h, 7d, PT1H or 0
                                (default 24h; under 1h only with --force)
          --dry-run             report what would be removed, remove nothing
          --force               allow a grace under 1h (bodies of commits in flight stay safe,
                                but a draft still staging files may have to store them again)
        """,
        """
          artifact gc --dry-run
          artifact gc --grace 7d
          artifact gc --grace 0 --force
        """);
    add(
        "fsck",
        "check (and repair) the registry's files",
        "Check every record, manifest, body, alias and label file of the embedded registry and list"
            + "\nwhat is damaged. With --repair, rebuild collection records, drop broken aliases and"
            + "\nlabels and sweep leftover temporary files; lost manifests and bodies are reported only."
            + "\nExits 1 while damage remains (gc refuses to sweep until then).",
        "artifact fsck [--repair]",
        """
          --repair              fix what can be fixed without losing a committed version
        """,
        """
          artifact fsck               # list damaged files; exits 1 if there are any
          artifact fsck --repair      # fix what can be fixed
        """);
  }

  private Help() {}

  private static void add(
      String name, String headline, String summary, String usage, String opts, String ex) {
    COMMANDS.put(name, new Command(name, headline, summary, usage, opts, ex));
  }

  static Optional<Command> command(String name) {
    return Optional.ofNullable(COMMANDS.get(name));
  }

  static boolean isHelpOption(String arg) {
    return arg.equals("--help") || arg.equals("-h");
  }

  /**
   * True when a command's arguments ask for its help page: {@code --help} or {@code -h} anywhere
   * before a {@code --} that ends the options (after it they are file names or aliases).
   */
  static boolean asksForHelp(List<String> args) {
    for (String a : args) {
      if (a.equals("--")) {
        return false;
      }
      if (isHelpOption(a)) {
        return true;
      }
    }
    return false;
  }

  /** {@code artifact --help}: every command with its usage line and the global options. */
  static String overview() {
    StringBuilder sb = new StringBuilder();
    sb.append("Usage: artifact [--registry URI] [--debug] COMMAND [ARGS]\n");
    sb.append("       artifact COMMAND --help | artifact --version\n\n");
    sb.append("Commands:\n");
    for (Command c : COMMANDS.values()) {
      sb.append(String.format("  %-12s %s%n", c.name(), c.headline()));
    }
    sb.append(
        """

        Options:
          --registry URI   where versions live: a path or a file:, hdfs: or s3a: URI, or 'wandb'
                           (or https://BASE_URL) for a W&B server with WANDB_API_KEY (or
                           ~/.netrc), WANDB_BASE_URL and WANDB_CACHE_DIR. Default $ARTIFACT_REGISTRY,
                           else ~/.artifact-registry
          --debug          print stack traces with errors
          -h, --help       this help; 'artifact COMMAND --help' for a command's options and examples
          --version        print the version

        NAME is [entity/][project/]name; WANDB_ENTITY and WANDB_PROJECT give the defaults.
        ALIAS is vN, latest or any alias. Exit status: 0 ok, 1 failed, 2 wrong usage.
        """);
    return sb.toString();
  }

  /** The version of this build, from {@code artifact-cli.properties} (filtered by Maven). */
  static String version() {
    try (InputStream in = Help.class.getResourceAsStream("artifact-cli.properties")) {
      if (in == null) {
        return "unknown";
      }
      Properties p = new Properties();
      p.load(in);
      return p.getProperty("version", "unknown");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
