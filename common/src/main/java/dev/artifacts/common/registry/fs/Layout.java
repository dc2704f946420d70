package dev.artifacts.common.registry.fs;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.ByteArrayOutputStream;
import java.util.OptionalInt;
import org.apache.hadoop.fs.Path;

/**
 * Paths of the embedded registry; see {@link FileSystemRegistry} for the tree. User-supplied names
 * (entities, projects, aliases, run IDs) become single path segments through {@link #segment}, so
 * none of them can climb out of its directory or be mistaken for a URI scheme by Hadoop.
 */
final class Layout {
  static final String OBJECTS = "objects";
  static final String COLLECTIONS = "collections";
  static final String RUNS = "runs";
  static final String STAGING = "staging";
  static final String COMMITS = "commits";
  static final String GC = "gc";

  private final Path root;

  Layout(Path root) {
    this.root = root;
  }

  Path root() {
    return root;
  }

  Path project(String entity, String project) {
    return new Path(new Path(root, segment(entity)), segment(project));
  }

  /** The project directory a registry-relative location ({@code entity/project/...}) lies in. */
  Path projectOf(String relative) {
    String[] parts = relative.split("/", 3);
    return new Path(new Path(root, parts[0]), parts[1]);
  }

  Path resolve(String relative) {
    return new Path(root, relative);
  }

  static Path objects(Path project) {
    return new Path(new Path(project, OBJECTS), "md5");
  }

  static Path object(Path objects, String hex) {
    return new Path(new Path(objects, hex.substring(0, 2)), hex.substring(2));
  }

  static Path staging(Path project) {
    return new Path(project, STAGING);
  }

  /** In-flight commit marks: {@code commits/<id>.json}, see {@link FileSystemRegistry#gc}. */
  static Path commitMarks(Path project) {
    return new Path(project, COMMITS);
  }

  /** Candidate lists of running garbage collections: {@code gc/<id>.json}. */
  static Path gcIntents(Path project) {
    return new Path(project, GC);
  }

  static Path collections(Path project) {
    return new Path(project, COLLECTIONS);
  }

  static Path collection(Path project, String name) {
    return new Path(collections(project), segment(name));
  }

  static Path collectionRecord(Path collection) {
    return new Path(collection, "collection.json");
  }

  /**
   * The tombstone of a collection whose deletion has begun; see {@link
   * Records.CollectionTombstone}.
   */
  static Path collectionTombstone(Path collection) {
    return new Path(collection, "collection-deleted.json");
  }

  /** Markers of commits whose requested aliases may not be written yet. */
  static Path pendingAliases(Path collection) {
    return new Path(collection, "pending-aliases");
  }

  static Path pendingAlias(Path collection, String versionId) {
    return new Path(pendingAliases(collection), segment(versionId) + ".json");
  }

  static Path versions(Path collection) {
    return new Path(collection, "versions");
  }

  static Path version(Path collection, int index) {
    return new Path(versions(collection), versionFile(index));
  }

  static Path tombstones(Path collection) {
    return new Path(collection, "deleted");
  }

  static Path tombstone(Path collection, int index) {
    return new Path(tombstones(collection), versionFile(index));
  }

  static Path labels(Path collection, int index) {
    return new Path(new Path(collection, "labels"), versionFile(index));
  }

  static Path aliases(Path collection) {
    return new Path(collection, "aliases");
  }

  static Path alias(Path collection, String alias) {
    return new Path(aliases(collection), segment(alias) + ".json");
  }

  static Path manifests(Path collection) {
    return new Path(collection, "manifests");
  }

  static Path usedByDir(Path collection, int index) {
    return new Path(new Path(collection, "used-by"), "v" + index);
  }

  static Path usedByRun(Path collection, int index, String runId) {
    return new Path(usedByDir(collection, index), segment(runId) + ".json");
  }

  static Path runs(Path project) {
    return new Path(project, RUNS);
  }

  static Path run(Path project, String runId) {
    return new Path(runs(project), segment(runId));
  }

  static Path runRecord(Path project, String runId) {
    return new Path(run(project, runId), "run.json");
  }

  /** {@code inputs} or {@code outputs} of a run. */
  static Path runEdges(Path project, String runId, String direction) {
    return new Path(run(project, runId), direction);
  }

  static Path runEdge(Path project, String runId, String direction, String name, int index) {
    return new Path(runEdges(project, runId, direction), segment(name) + "." + versionFile(index));
  }

  static String versionFile(int index) {
    return "v" + index + ".json";
  }

  /** N of a {@code vN.json} file name, or empty for anything else (temporary files included). */
  static OptionalInt versionIndexOf(String fileName) {
    if (!fileName.startsWith("v") || !fileName.endsWith(".json")) {
      return OptionalInt.empty();
    }
    String digits = fileName.substring(1, fileName.length() - ".json".length());
    if (digits.isEmpty() || digits.length() > 9) {
      return OptionalInt.empty();
    }
    for (int i = 0; i < digits.length(); i++) {
      char c = digits.charAt(i);
      if (c < '0' || c > '9') {
        return OptionalInt.empty();
      }
    }
    return OptionalInt.of(Integer.parseInt(digits));
  }

  /**
   * Encodes a name as one path segment: ASCII letters, digits, {@code -}, {@code _} and inner
   * {@code .} stay; every other UTF-8 byte becomes {@code %XX}. A leading dot is encoded too, so
   * {@code .}/{@code ..} cannot climb and hidden temporary files never look like records.
   */
  static String segment(String name) {
    byte[] bytes = name.getBytes(UTF_8);
    StringBuilder sb = new StringBuilder(bytes.length + 8);
    for (int i = 0; i < bytes.length; i++) {
      int b = bytes[i] & 0xff;
      boolean keep =
          (b >= 'a' && b <= 'z')
              || (b >= 'A' && b <= 'Z')
              || (b >= '0' && b <= '9')
              || b == '-'
              || b == '_'
              || (b == '.' && i > 0);
      if (keep) {
        sb.append((char) b);
      } else {
        sb.append('%').append(Character.toUpperCase(Character.forDigit(b >> 4, 16)));
        sb.append(Character.toUpperCase(Character.forDigit(b & 0xf, 16)));
      }
    }
    return sb.toString();
  }

  /** Inverse of {@link #segment}. */
  static String unsegment(String segment) {
    if (segment.indexOf('%') < 0) {
      return segment;
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(segment.length());
    for (int i = 0; i < segment.length(); i++) {
      char c = segment.charAt(i);
      if (c == '%' && i + 2 < segment.length()) {
        out.write(Integer.parseInt(segment.substring(i + 1, i + 3), 16));
        i += 2;
      } else {
        out.write(c);
      }
    }
    return out.toString(UTF_8);
  }
}
