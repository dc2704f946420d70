package dev.artifacts.common.reference;

import dev.artifacts.common.ArtifactException;
import dev.artifacts.common.manifest.ManifestEntry;
import dev.artifacts.common.name.EntryPaths;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import okhttp3.OkHttpClient;
import org.apache.hadoop.conf.Configuration;

/**
 * The reference resolver of the connectors: W&amp;B's storage handlers (WANDB-FORMAT.md section
 * 3.4) with Hadoop filesystems for object stores. Dispatch by scheme:
 *
 * <table>
 *   <caption>Schemes</caption>
 *   <tr><th>scheme</th><th>digest (checksum=true)</th><th>handled by</th></tr>
 *   <tr><td>{@code file}</td><td>base64 content MD5</td><td>java.nio, as W&amp;B</td></tr>
 *   <tr><td>{@code http}, {@code https}</td><td>ETag, else the URL</td><td>OkHttp, one GET</td></tr>
 *   <tr><td>{@code s3}, {@code s3a}</td><td>ETag</td><td>Hadoop S3A</td></tr>
 *   <tr><td>{@code gs}</td><td>ETag</td><td>Hadoop GCS connector, if present</td></tr>
 *   <tr><td>{@code wandb-artifact}</td><td>target entry's digest</td><td>an {@link
 *       ArtifactEntryLookup}, if given</td></tr>
 *   <tr><td>other Hadoop schemes ({@code hdfs}, ...)</td><td>ETag if the filesystem has one, else
 *       base64 content MD5 (W&amp;B itself would only track these)</td><td>Hadoop</td></tr>
 *   <tr><td>anything else</td><td>the URI</td><td>tracked only, never downloaded</td></tr>
 * </table>
 *
 * <p>Plain paths without a scheme are refused rather than tracked (which is what W&amp;B would do
 * with them): a tracked local path can never be downloaded and is almost always a mistake for
 * {@code file://}. Thread-safe.
 */
public final class DefaultReferenceResolver implements ReferenceResolver {
  private final LocalFileHandler files = new LocalFileHandler();
  private final HttpHandler http;
  private final HadoopHandler hadoop;
  private final ArtifactRefHandler artifacts;
  private final TrackingHandler tracking = new TrackingHandler();

  /** Default Hadoop configuration (from the classpath) and a default OkHttp client. */
  public DefaultReferenceResolver() {
    this(new Configuration(), new OkHttpClient());
  }

  public DefaultReferenceResolver(Configuration conf, OkHttpClient client) {
    this(conf, client, null);
  }

  /**
   * @param lookup resolves {@code wandb-artifact://} references; {@code null} to refuse them
   */
  public DefaultReferenceResolver(
      Configuration conf, OkHttpClient client, ArtifactEntryLookup lookup) {
    this.http = new HttpHandler(Objects.requireNonNull(client, "client is null"));
    this.hadoop = new HadoopHandler(Objects.requireNonNull(conf, "conf is null"));
    this.artifacts = new ArtifactRefHandler(lookup);
  }

  @Override
  public List<ManifestEntry> resolve(String uri, String name, boolean checksum, long maxObjects)
      throws IOException {
    Objects.requireNonNull(uri, "uri is null");
    if (maxObjects < 1) {
      throw new ArtifactException.InvalidInput(
          "Invalid maxObjects " + maxObjects + " for " + uri + ": it must be at least 1");
    }
    List<ManifestEntry> raw = handler(uri).resolve(uri, name, checksum, maxObjects);
    if (raw.size() > maxObjects) {
      throw SchemeHandler.tooMany(uri, maxObjects);
    }
    List<ManifestEntry> entries = new ArrayList<>(raw.size());
    Set<String> paths = new HashSet<>();
    for (ManifestEntry e : raw) {
      ManifestEntry normalized = e.withPath(EntryPaths.normalize(e.path(), uri));
      if (!paths.add(normalized.path())) {
        throw new ArtifactException.InvalidInput(
            "Cannot reference "
                + uri
                + ": two objects map to entry path '"
                + normalized.path()
                + "'");
      }
      entries.add(normalized);
    }
    return entries;
  }

  /**
   * {@inheritDoc}
   *
   * @throws TrackedReferenceException for schemes that are only tracked
   */
  @Override
  public InputStream open(ManifestEntry entry) throws IOException {
    if (!entry.isReference()) {
      throw new ArtifactException.InvalidInput(
          "Cannot open entry '" + entry.path() + "' as a reference: it has no ref");
    }
    return handler(entry.ref()).open(entry);
  }

  private SchemeHandler handler(String uri) {
    String scheme = References.scheme(uri);
    if (scheme == null) {
      throw new ArtifactException.InvalidInput(
          "Cannot reference '"
              + uri
              + "': it has no scheme; use file:// for a local file (for example file:///data/x)");
    }
    return switch (scheme) {
      case "file" -> files;
      case "http", "https" -> http;
      case "s3", "s3a", "gs" -> hadoop;
      case ArtifactIds.SCHEME -> artifacts;
      case "wandb-client-artifact" ->
          throw new ArtifactException.InvalidInput(
              "Cannot reference "
                  + uri
                  + ": wandb-client-artifact:// IDs only exist inside a W&B client session; use"
                  + " wandb-artifact://<hex id>/<path> of a committed version");
      default -> hadoop.supports(scheme) ? hadoop : tracking;
    };
  }
}
