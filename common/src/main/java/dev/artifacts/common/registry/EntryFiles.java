package dev.artifacts.common.registry;

import dev.artifacts.common.ArtifactException;
import dev.artifacts.common.manifest.ManifestEntry;
import dev.artifacts.common.options.ArtifactOptions;
import dev.artifacts.common.reference.References;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * Which manifest entries of a version an engine reads as data files, and where their bytes are: the
 * rules Spark's scan planning and Flink's split planning share, so that both read the same files of
 * the same version.
 *
 * <ul>
 *   <li><b>Data files</b>: every entry unless a path segment starts with {@code .} or {@code _}
 *       (and is not a {@code col=value} segment) or ends with {@code ._COPYING_}, the rule Spark's
 *       and Hadoop's file listings apply ({@code _SUCCESS}, {@code .part.crc}, {@code
 *       _delta_log/}).
 *   <li><b>Physical file</b>: a stored body at the registry's {@link ArtifactRegistry#location} for
 *       it (the content store of the collection that owns the bytes, or a {@code wandbbody:} URI);
 *       a reference at its URI. References to other artifacts ({@code wandb-artifact:}) cannot be
 *       read as files.
 *   <li><b>Codecs</b>: readers that pick a decompression codec from the file name would read a
 *       compressed stored body (named by its digest) as compressed bytes, so engines refuse it.
 *   <li><b>Formats</b>: the format-naming extension skips compression extensions ({@code a.csv.gz}
 *       is csv).
 * </ul>
 */
public final class EntryFiles {
  /** Compression extensions some reader maps to a codec by file name. */
  public static final Set<String> COMPRESSION_EXTENSIONS =
      Set.of("gz", "gzip", "bz2", "deflate", "lz4", "snappy", "zst", "zstd", "xz", "br", "lzo");

  private EntryFiles() {}

  /**
   * Where one data entry's bytes are.
   *
   * @param entry the manifest entry
   * @param uri the stored body's location or the reference URI as recorded
   */
  public record PhysicalFile(ManifestEntry entry, URI uri) {
    public PhysicalFile {
      Objects.requireNonNull(entry, "entry is null");
      Objects.requireNonNull(uri, "uri is null");
    }

    public boolean isReference() {
      return entry.isReference();
    }

    /** The size recorded in the manifest, or {@code null} (W&amp;B omits some references'). */
    public Long size() {
      return entry.size();
    }

    /**
     * The URI for Hadoop's file systems: {@code s3://} (how W&amp;B records S3 references) is read
     * through S3A. Flink's S3 plugins register {@code s3} themselves and use {@link #uri()}.
     */
    public URI hadoopUri() {
      if ("s3".equalsIgnoreCase(uri.getScheme())) {
        String s = uri.toString();
        return URI.create("s3a" + s.substring(s.indexOf(':')));
      }
      return uri;
    }
  }

  /** Whether {@code logicalPath} is a data file under the listing rule above. */
  public static boolean isDataPath(String logicalPath) {
    for (String segment : logicalPath.split("/")) {
      if (segment.startsWith(".")
          || (segment.startsWith("_") && !segment.contains("="))
          || segment.endsWith("._COPYING_")) {
        return false;
      }
    }
    return true;
  }

  /** The data entries of {@code entries}, in manifest order. */
  public static List<ManifestEntry> dataEntries(List<ManifestEntry> entries) {
    return entries.stream().filter(e -> isDataPath(e.path())).toList();
  }

  /**
   * Where the bytes of {@code entry} of {@code version} are.
   *
   * @throws ArtifactException.InvalidInput when the entry references another artifact, has an
   *     invalid reference URI, or is stored where the registry gives no file system location
   */
  public static PhysicalFile locate(
      ArtifactRegistry registry, ArtifactVersion version, ManifestEntry entry) {
    if (!entry.isReference()) {
      URI location =
          registry
              .location(version, entry)
              .orElseThrow(
                  () ->
                      new ArtifactException.InvalidInput(
                          "Cannot read "
                              + version.path()
                              + " as files: registry "
                              + registry.uri()
                              + " has no file system location for stored entry '"
                              + entry.path()
                              + "' (digest algorithm "
                              + entry.digestAlgorithm()
                              + "); read it from an embedded filesystem registry or log it with"
                              + " reference storage"));
      return new PhysicalFile(entry, location);
    }
    String scheme = References.scheme(entry.ref());
    if (scheme != null && scheme.toLowerCase(Locale.ROOT).startsWith("wandb-")) {
      throw new ArtifactException.InvalidInput(
          "Cannot read "
              + version.path()
              + ": entry '"
              + entry.path()
              + "' references another artifact ("
              + entry.ref()
              + "); read that artifact instead");
    }
    try {
      return new PhysicalFile(entry, new URI(entry.ref()));
    } catch (URISyntaxException e) {
      throw new ArtifactException.InvalidInput(
          "Cannot read "
              + version.path()
              + ": entry '"
              + entry.path()
              + "' has an invalid reference '"
              + entry.ref()
              + "'");
    }
  }

  /** Whether the file name of {@code logicalPath} ends in a compression extension. */
  public static boolean hasCompressionExtension(String logicalPath) {
    String name = logicalPath.substring(logicalPath.lastIndexOf('/') + 1);
    int dot = name.lastIndexOf('.');
    return dot > 0
        && COMPRESSION_EXTENSIONS.contains(name.substring(dot + 1).toLowerCase(Locale.ROOT));
  }

  /**
   * Fails for a stored entry with a compressed name, for engines whose reader picks the codec from
   * the name. References keep their names and are read as they are.
   *
   * @param reader what reads the files, for the message (e.g. "Spark's csv reader")
   */
  public static void checkCodec(ArtifactVersion version, ManifestEntry entry, String reader) {
    if (entry.isReference() || !hasCompressionExtension(entry.path())) {
      return;
    }
    throw new ArtifactException.InvalidInput(
        "Cannot read "
            + version.path()
            + ": entry '"
            + entry.path()
            + "' is a compressed file stored by content digest, where "
            + reader
            + " cannot tell its codec from the name; write it uncompressed, with a format that"
            + " decompresses itself (parquet, orc), or with reference storage");
  }

  /**
   * The format-naming extension: {@code part-0.snappy.parquet} → parquet, {@code a.csv.gz} → csv;
   * empty when there is none.
   */
  public static String extension(String path) {
    String name = path.substring(path.lastIndexOf('/') + 1).toLowerCase(Locale.ROOT);
    String[] parts = name.split("\\.");
    for (int i = parts.length - 1; i >= 1; i--) {
      if (!COMPRESSION_EXTENSIONS.contains(parts[i])) {
        return parts[i];
      }
    }
    return "";
  }

  /**
   * The format of data files: {@code option}, else {@code recorded} (what the writer stored), else
   * the one format all data entries' extensions name; {@value ArtifactOptions#DEFAULT_FORMAT} when
   * there are no data entries.
   *
   * @param artifact for messages
   * @throws ArtifactException.InvalidInput for an unknown format or extensions of no single format
   */
  public static String format(
      String option, String recorded, List<ManifestEntry> data, Object artifact) {
    if (option != null && !option.isBlank()) {
      return ArtifactOptions.format(option, artifact);
    }
    if (recorded != null && !recorded.isBlank()) {
      return ArtifactOptions.format(recorded, artifact);
    }
    Set<String> formats = new TreeSet<>();
    Set<String> extensions = new TreeSet<>();
    for (ManifestEntry e : data) {
      String ext = extension(e.path());
      extensions.add(ext.isEmpty() ? "(none)" : "." + ext);
      formats.add(formatOf(ext));
    }
    if (formats.isEmpty()) {
      return ArtifactOptions.DEFAULT_FORMAT;
    }
    if (formats.size() == 1 && !formats.contains("?")) {
      return formats.iterator().next();
    }
    throw new ArtifactException.InvalidInput(
        "Cannot infer the format of "
            + artifact
            + ": its data files have extensions "
            + extensions
            + (formats.contains("?") ? ", not all of a known format" : ", of more than one format")
            + "; pass option format=<"
            + String.join("|", ArtifactOptions.FORMATS)
            + "> to read them as one format");
  }

  private static String formatOf(String ext) {
    return switch (ext) {
      case "parquet", "parq" -> "parquet";
      case "orc" -> "orc";
      case "csv" -> "csv";
      case "json", "jsonl", "ndjson" -> "json";
      case "txt", "text" -> "text";
      default -> "?";
    };
  }
}
