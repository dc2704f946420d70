package dev.artifacts.common.registry.wandb;

import static dev.artifacts.common.registry.wandb.WandbMapping.map;
import static dev.artifacts.common.registry.wandb.WandbMapping.strings;
import static dev.artifacts.common.registry.wandb.WandbMapping.text;

import com.fasterxml.jackson.databind.JsonNode;
import dev.artifacts.common.ArtifactException;
import dev.artifacts.common.digest.Digests;
import dev.artifacts.common.manifest.ManifestEntry;
import dev.artifacts.common.name.ArtifactPath;
import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Uploads of bodies: batched {@code createArtifactFiles} (answers matched to requests by position,
 * as wandb-core does), presigned PUTs and multipart uploads from 2 GiB.
 */
final class WandbUploads {
  private static final Logger LOG = LoggerFactory.getLogger(WandbUploads.class);
  private final WandbSettings settings;
  private final WandbClient client;
  private final WandbCache cache;

  WandbUploads(WandbSettings settings, WandbClient client, WandbCache cache) {
    this.settings = settings;
    this.client = client;
    this.cache = cache;
  }

  /**
   * One task's {@code createArtifactFiles} batches and uploads into a pending artifact: returns the
   * {@code birthArtifactID} of each entry. Bodies must be in this process's cache.
   */
  Map<String, String> uploadFromTask(
      ArtifactPath coll, String artifactId, String manifestId, List<ManifestEntry> files)
      throws IOException {
    List<FileUpload> toUpload = new ArrayList<>();
    Map<String, String> births = requestUploads(coll, artifactId, manifestId, files, toUpload);
    uploadInRounds(coll, artifactId, manifestId, toUpload);
    LOG.debug("Uploaded {} of {} files of {} from this task", toUpload.size(), files.size(), coll);
    return births;
  }

  /**
   * Uploads as wandb-core does, in rounds ({@link UploadRounds}): uploads that failed get fresh
   * URLs from another {@code createArtifactFiles} for just those files.
   */
  void uploadInRounds(
      ArtifactPath coll, String artifactId, String manifestId, List<FileUpload> toUpload)
      throws IOException {
    UploadRounds.run(
        toUpload,
        settings.parallelism,
        "wandb-upload",
        u -> upload(coll, u),
        failed -> {
          List<FileUpload> again = new ArrayList<>();
          requestUploads(
              coll, artifactId, manifestId, failed.stream().map(FileUpload::entry).toList(), again);
          return again;
        },
        u -> "'" + u.entry().path() + "' of " + coll);
  }

  /** One non-reference entry on its way to the server. */
  record FileUpload(
      ManifestEntry entry, Path body, List<Part> parts, JsonNode node, String artifactId) {}

  record Part(int number, long offset, long length, byte[] md5) {}

  Map<String, String> requestUploads(
      ArtifactPath coll,
      String artifactId,
      String manifestId,
      List<ManifestEntry> files,
      List<FileUpload> toUpload)
      throws IOException {
    Map<String, String> births = new LinkedHashMap<>();
    for (int from = 0; from < files.size(); from += settings.createFilesBatch) {
      List<ManifestEntry> batch =
          files.subList(from, Math.min(files.size(), from + settings.createFilesBatch));
      List<Map<String, Object>> specs = new ArrayList<>(batch.size());
      List<List<Part>> partsOf = new ArrayList<>(batch.size());
      for (ManifestEntry e : batch) {
        Map<String, Object> spec = new LinkedHashMap<>();
        spec.put("artifactID", artifactId);
        spec.put("artifactManifestID", manifestId);
        spec.put("name", e.path());
        spec.put("md5", e.digest());
        List<Part> parts = null;
        long size = e.size() == null ? -1 : e.size();
        if (size >= settings.multipartThreshold && cache.has(e.digest(), e.size())) {
          parts = parts(cache.bodyPath(e.digest()), size);
          List<Map<String, Object>> partInputs = new ArrayList<>();
          for (Part p : parts) {
            partInputs.add(map("partNumber", p.number(), "hexMD5", Digests.hex(p.md5())));
          }
          spec.put("uploadPartsInput", partInputs);
        }
        specs.add(spec);
        partsOf.add(parts);
      }
      JsonNode data =
          client.call(
              "CreateArtifactFiles",
              Gql.CREATE_ARTIFACT_FILES,
              map("storageLayout", "V2", "artifactFiles", specs),
              coll.toString());
      JsonNode edges =
          WandbClient.require(
              data, "createArtifactFiles.files.edges", "CreateArtifactFiles", coll.toString());
      if (edges.size() != batch.size()) {
        throw new ArtifactException(
            "createArtifactFiles answered "
                + edges.size()
                + " files for "
                + batch.size()
                + " requested");
      }
      for (int i = 0; i < batch.size(); i++) {
        ManifestEntry e = batch.get(i);
        // By position, as wandb-core does: the answer lists the files in request order.
        JsonNode node = edges.get(i).path("node");
        String birth = node.path("artifact").path("id").asText(null);
        if (birth == null) {
          throw new ArtifactException(
              "createArtifactFiles answered no artifact.id for '" + e.path() + "'");
        }
        births.put(e.path(), birth);
        boolean single =
            !node.path("uploadUrl").isNull() && !node.path("uploadUrl").isMissingNode();
        boolean multi =
            !node.path("uploadMultipartUrls").isNull()
                && !node.path("uploadMultipartUrls").isMissingNode();
        if (!single && !multi) {
          continue; // The server already stores these bytes.
        }
        if (!cache.has(e.digest(), e.size())) {
          throw new ArtifactException(
              "the server does not have the bytes of entry '"
                  + e.path()
                  + "' ("
                  + e.digest()
                  + ") and they are not in the local W&B cache "
                  + cache.root()
                  + "; add the file through this registry's draft so it is staged locally");
        }
        List<Part> parts = partsOf.get(i);
        if (multi && parts == null) {
          throw new ArtifactException(
              "createArtifactFiles answered a multipart upload for '"
                  + e.path()
                  + "', which was not requested");
        }
        toUpload.add(
            new FileUpload(e, cache.bodyPath(e.digest()), multi ? parts : null, node, artifactId));
      }
    }
    return births;
  }

  /** Splits a file into wandb-core's parts and hashes each (hex MD5 announced, base64 sent). */
  List<Part> parts(Path file, long size) throws IOException {
    long partSize = settings.partSize.applyAsLong(size);
    int count = Multipart.partCount(size, partSize);
    List<Part> parts = new ArrayList<>(count);
    byte[] buf = new byte[1 << 16];
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r");
        FileChannel ch = raf.getChannel();
        InputStream in = Channels.newInputStream(ch)) {
      for (int i = 0; i < count; i++) {
        long offset = i * partSize;
        long length = Math.min(partSize, size - offset);
        MessageDigest md5 = Digests.newMd5();
        long left = length;
        while (left > 0) {
          int n = in.read(buf, 0, (int) Math.min(buf.length, left));
          if (n < 0) {
            throw new IOException("Cannot read " + file + ": shorter than " + size + " bytes");
          }
          md5.update(buf, 0, n);
          left -= n;
        }
        parts.add(new Part(i + 1, offset, length, md5.digest()));
      }
    }
    return parts;
  }

  void upload(ArtifactPath coll, FileUpload u) throws IOException {
    JsonNode node = u.node();
    String what = "'" + u.entry().path() + "' of " + coll;
    if (u.parts() == null) {
      client.put(
          text(node, "uploadUrl"),
          strings(node.get("uploadHeaders")),
          u.body(),
          0,
          u.entry().size(),
          what);
      return;
    }
    JsonNode multi = node.get("uploadMultipartUrls");
    Map<Integer, String> urls = new LinkedHashMap<>();
    for (JsonNode p : multi.path("uploadUrlParts")) {
      urls.put(p.path("partNumber").asInt(), p.path("uploadUrl").asText());
    }
    String contentType = null;
    for (String h : strings(node.get("uploadHeaders"))) {
      int colon = h.indexOf(':');
      if (colon > 0 && h.substring(0, colon).trim().equalsIgnoreCase("Content-Type")) {
        contentType = h.substring(colon + 1).trim();
      }
    }
    List<Map<String, Object>> completed = new ArrayList<>();
    for (Part p : u.parts()) {
      String url = urls.get(p.number());
      if (url == null) {
        throw new ArtifactException("no upload URL for part " + p.number() + " of " + what);
      }
      String etag =
          client.putPart(
              url, contentType, Digests.base64(p.md5()), u.body(), p.offset(), p.length());
      if (etag == null) {
        throw new ArtifactException("no ETag for part " + p.number() + " of " + what);
      }
      // The raw ETag header, quotes included, as wandb-core sends it.
      completed.add(map("partNumber", p.number(), "hexMD5", etag));
    }
    client.call(
        "CompleteMultipartUploadArtifact",
        Gql.COMPLETE_MULTIPART,
        map(
            "completeMultipartAction",
            "Complete",
            "completedParts",
            completed,
            "artifactID",
            u.artifactId(),
            "storagePath",
            text(node, "storagePath"),
            "uploadID",
            text(multi, "uploadID")),
        coll.toString());
  }
}
