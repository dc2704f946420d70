package dev.artifacts.common.registry.wandb;

import static dev.artifacts.common.registry.wandb.WandbMapping.lru;
import static dev.artifacts.common.registry.wandb.WandbMapping.map;
import static dev.artifacts.common.registry.wandb.WandbMapping.nextCursor;
import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import dev.artifacts.common.ArtifactException;
import dev.artifacts.common.digest.Digests;
import dev.artifacts.common.manifest.Manifest;
import dev.artifacts.common.manifest.ManifestEntry;
import dev.artifacts.common.manifest.ManifestReader;
import dev.artifacts.common.name.ArtifactPath;
import dev.artifacts.common.reference.ReferenceResolver;
import dev.artifacts.common.registry.ArtifactVersion;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Manifests and bodies: the manifest by its direct URL, bodies into the W&amp;B cache (one download
 * per digest at a time, resumable, MD5- and size-checked), presigned URLs from the file listing,
 * {@code filesByManifestEntries} or W&amp;B's fallback URL.
 */
final class WandbDownloads {
  private final WandbSettings settings;
  private final WandbClient client;
  private final WandbCache cache;
  private final ReferenceResolver references;
  private final Map<String, Object> downloadLocks = new ConcurrentHashMap<>();
  private final Map<String, Manifest> manifests = lru(32);
  private final Map<String, Map<String, String>> fileUrls = lru(16);

  WandbDownloads(
      WandbSettings settings, WandbClient client, WandbCache cache, ReferenceResolver references) {
    this.settings = settings;
    this.client = client;
    this.cache = cache;
    this.references = references;
  }

  /** Drops what is cached about a deleted version. */
  void forget(String artifactId) {
    synchronized (manifests) {
      manifests.remove(artifactId);
    }
    synchronized (fileUrls) {
      fileUrls.remove(artifactId);
    }
  }

  public Manifest manifest(ArtifactVersion version) {
    requireNonNull(version, "version is null");
    Manifest cached;
    synchronized (manifests) {
      cached = manifests.get(version.id());
    }
    if (cached != null) {
      return cached;
    }
    JsonNode data =
        client.call(
            "ArtifactManifest", Gql.MANIFEST, map("id", version.id()), version.path().toString());
    String url =
        data.path("artifact").path("currentManifest").path("file").path("directUrl").asText(null);
    if (url == null) {
      throw new ArtifactException.Corrupted(
          "Cannot read the manifest of " + version.path() + ": the server has no manifest file");
    }
    byte[] bytes;
    try {
      bytes = client.getBytes(url, "the manifest of " + version.path());
    } catch (IOException e) {
      throw new ArtifactException.Corrupted(
          "Cannot read the manifest of " + version.path() + ": " + e.getMessage(), e);
    }
    Manifest manifest = ManifestReader.read(bytes, "manifest of " + version.path());
    if (!manifest.digest().equals(version.digest())) {
      throw new ArtifactException.Corrupted(
          "Cannot use the manifest of "
              + version.path()
              + ": its digest "
              + manifest.digest()
              + " does not match the version's "
              + version.digest());
    }
    synchronized (manifests) {
      manifests.put(version.id(), manifest);
    }
    return manifest;
  }

  public InputStream open(ArtifactVersion version, ManifestEntry entry) throws IOException {
    requireNonNull(version, "version is null");
    requireNonNull(entry, "entry is null");
    if (entry.isReference()) {
      return references.open(entry);
    }
    if (!"MD5".equalsIgnoreCase(entry.digestAlgorithm())) {
      throw new ArtifactException.InvalidInput(
          "Cannot read '"
              + entry.path()
              + "' of "
              + version.path()
              + ": digest algorithm "
              + entry.digestAlgorithm()
              + " is not supported");
    }
    if (!cache.has(entry.digest(), entry.size())) {
      Object lock = downloadLocks.computeIfAbsent(entry.digest(), k -> new Object());
      synchronized (lock) {
        try {
          if (!cache.has(entry.digest(), entry.size())) {
            download(version, entry);
          }
        } finally {
          downloadLocks.remove(entry.digest());
        }
      }
    }
    return Files.newInputStream(cache.bodyPath(entry.digest()));
  }

  /**
   * The cached body of one entry of artifact {@code artifactId}, downloaded on first use through
   * {@code filesByManifestEntries} (one entry, no listing of the whole version), as executors need.
   */
  Path body(String artifactId, String storageLayout, String storageRegion, ManifestEntry entry)
      throws IOException {
    if (!cache.has(entry.digest(), entry.size())) {
      Object lock = downloadLocks.computeIfAbsent(entry.digest(), k -> new Object());
      synchronized (lock) {
        try {
          if (!cache.has(entry.digest(), entry.size())) {
            String what = "'" + entry.path() + "' of artifact " + artifactId;
            fetch(
                entry,
                what,
                refresh ->
                    DownloadUrl.presigned(
                        entryUrl(artifactId, storageLayout, storageRegion, entry, what)));
          }
        } finally {
          downloadLocks.remove(entry.digest());
        }
      }
    }
    return cache.bodyPath(entry.digest());
  }

  String entryUrl(
      String artifactId,
      String storageLayout,
      String storageRegion,
      ManifestEntry entry,
      String what) {
    Map<String, Object> spec = new LinkedHashMap<>();
    spec.put("name", entry.path());
    spec.put("digest", entry.digest());
    spec.put("birthArtifactID", entry.birthArtifactId());
    spec.put("size", entry.size());
    JsonNode data =
        client.call(
            "ArtifactFileURLsByManifestEntries",
            Gql.FILES_BY_MANIFEST_ENTRIES,
            map(
                "id",
                artifactId,
                "storageLayout",
                storageLayout,
                "manifestVersion",
                "1",
                "entries",
                List.of(spec),
                "storageRegion",
                storageRegion),
            what);
    for (JsonNode edge : data.path("artifact").path("filesByManifestEntries").path("edges")) {
      JsonNode node = edge.path("node");
      String url = node.path("directUrl").asText("");
      if (entry.path().equals(node.path("name").asText()) && !url.isEmpty()) {
        return url;
      }
    }
    throw new ArtifactException.NotFound(
        "Cannot download " + what + ": the server returned no URL for it");
  }

  interface UrlSource {
    DownloadUrl url(boolean refresh) throws IOException;
  }

  /** Fetches one body into the cache: resumable, MD5- and size-checked, moved into place. */
  void download(ArtifactVersion version, ManifestEntry entry) throws IOException {
    String what = "'" + entry.path() + "' of " + version.path();
    fetch(
        entry,
        what,
        refresh -> {
          try {
            return DownloadUrl.presigned(fileUrl(version, entry.path(), refresh));
          } catch (ArtifactException.NotFound e) {
            if (entry.birthArtifactId() == null) {
              throw e;
            }
            // No directUrl listed: W&B's own fallback, under the base URL (sent with the key).
            ArtifactPath home =
                version.isLink()
                    ? ArtifactPath.parse(version.sourceCollection(), Map.of())
                    : version.path();
            Manifest m = manifest(version);
            return DownloadUrl.fallback(
                FallbackUrls.of(
                    settings.baseUrl,
                    "V1".equals(m.storageLayout()),
                    m.storageRegion(),
                    home.entity(),
                    home.project(),
                    home.name(),
                    null,
                    entry.birthArtifactId(),
                    entry.digest(),
                    entry.path()));
          }
        });
  }

  void fetch(ManifestEntry entry, String what, UrlSource urls) throws IOException {
    String hex = Digests.base64ToHex(entry.digest());
    Path part = cache.root().resolve("tmp").resolve(hex + ".part");
    Files.createDirectories(part.getParent());
    for (int attempt = 0; ; attempt++) {
      DownloadUrl url = urls.url(attempt > 0);
      try {
        client.download(url.url(), url.kind(), part, what);
        break;
      } catch (WandbClient.UrlRefused e) {
        // Presigned URLs expire; wandb fetches fresh ones on 401/403. Once is enough.
        if (attempt > 0) {
          throw e;
        }
      }
    }
    var got = Digests.digest(part);
    if (!got.base64().equals(entry.digest())
        || (entry.size() != null && got.size() != entry.size())) {
      Files.deleteIfExists(part);
      throw new ArtifactException.Corrupted(
          "Cannot use the download of "
              + what
              + ": MD5 "
              + got.base64()
              + " ("
              + got.size()
              + " bytes) does not match the manifest's "
              + entry.digest()
              + " ("
              + entry.size()
              + " bytes)");
    }
    cache.promote(part, entry.digest());
  }

  /** The presigned URL of one entry, from the version's paginated file listing. */
  String fileUrl(ArtifactVersion version, String path, boolean refresh) {
    Map<String, String> urls;
    synchronized (fileUrls) {
      urls = refresh ? null : fileUrls.get(version.id());
    }
    if (urls == null) {
      urls = new LinkedHashMap<>();
      String cursor = null;
      do {
        Map<String, Object> vars = new LinkedHashMap<>();
        vars.put("id", version.id());
        vars.put("cursor", cursor);
        vars.put("perPage", settings.fileUrlPageSize);
        JsonNode data =
            client.call("ArtifactFileURLs", Gql.FILE_URLS, vars, version.path().toString());
        JsonNode files =
            WandbClient.require(
                data, "artifact.files", "ArtifactFileURLs", version.path().toString());
        for (JsonNode edge : files.path("edges")) {
          urls.put(
              edge.path("node").path("name").asText(),
              edge.path("node").path("directUrl").asText());
        }
        cursor = nextCursor(files);
      } while (cursor != null);
      synchronized (fileUrls) {
        fileUrls.put(version.id(), urls);
      }
    }
    String url = urls.get(path);
    if (url == null || url.isEmpty()) {
      throw new ArtifactException.NotFound(
          "Cannot download '"
              + path
              + "' of "
              + version.path()
              + ": the server lists no such file");
    }
    return url;
  }
}
