package dev.artifacts.common.registry.wandb;

import dev.artifacts.common.concurrent.Parallel;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.Request;
import okhttp3.RequestBody;

/**
 * Uploads to Azure-backed W&amp;B deployments. When the server's {@code uploadHeaders} carry {@code
 * x-ms-blob-type}, the upload URL is an Azure Blob SAS URL and W&amp;B's clients hand it to the
 * Azure SDK ({@code internal_api.py upload_file_azure}, wandb-core's {@code
 * file_transfer_azure.go}) instead of a plain PUT. We speak the same REST calls the SDK makes with
 * its defaults:
 *
 * <ul>
 *   <li>at most {@link WandbSettings#azureSinglePutMax} bytes (64 MiB): one Put Blob, a PUT with
 *       the server's headers unchanged ({@code x-ms-blob-type: BlockBlob}, {@code Content-MD5},
 *       which Azure checks);
 *   <li>larger: Put Block ({@code ?comp=block&blockid=…}) per {@link WandbSettings#azureBlockSize}
 *       (4 MiB, grown so a blob stays within Azure's 50,000 blocks), then Put Block List ({@code
 *       ?comp=blocklist}) naming them in order, with the server's {@code Content-MD5} and {@code
 *       Content-Type} as the blob's {@code x-ms-blob-content-md5}/{@code x-ms-blob-content-type}
 *       (the SDK's {@code ContentSettings}) and its other {@code x-ms-*} headers.
 * </ul>
 *
 * Block IDs are base64 of equal-length strings (Azure requires one length per blob) with a random
 * prefix per upload, so two uploads of the same blob never commit each other's blocks. Up to four
 * blocks of a blob go at once, as both SDKs configure it. No request carries W&amp;B credentials:
 * these are {@link Transport.Kind#STORAGE} requests.
 */
final class AzureBlockUpload {
  /** The REST version we speak (Put Blob up to 5000 MiB and 4000 MiB blocks since 2019-12-12). */
  static final String VERSION = "2021-12-02";

  static final int MAX_BLOCKS = 50_000;

  /** Blocks of one blob in flight at once (Python SDK {@code max_concurrency=4}, Go {@code 4}). */
  static final int BLOCK_CONCURRENCY = 4;

  private static final MediaType XML = MediaType.get("application/xml; charset=utf-8");

  private AzureBlockUpload() {}

  /** True when the server's upload headers ask for an Azure blob upload. */
  static boolean isAzure(List<String> headers) {
    for (String h : headers) {
      int colon = h.indexOf(':');
      if (colon > 0 && h.substring(0, colon).trim().equalsIgnoreCase("x-ms-blob-type")) {
        return true;
      }
    }
    return false;
  }

  /** Block size for a blob of {@code length} bytes: the setting, grown to fit 50,000 blocks. */
  static long blockSize(long configured, long length) {
    long needed = (length + MAX_BLOCKS - 1) / MAX_BLOCKS;
    return Math.max(configured, needed);
  }

  /** Uploads in blocks and commits them; returns the blob's ETag. */
  static String upload(
      WandbClient client,
      String url,
      List<String> headers,
      Path file,
      long offset,
      long length,
      String what)
      throws IOException {
    WandbSettings s = client.settings();
    long blockSize = blockSize(s.azureBlockSize, length);
    int count = (int) ((length + blockSize - 1) / blockSize);
    String prefix = String.format("%016x", ThreadLocalRandom.current().nextLong());
    int digits = 6;
    HttpUrl base = HttpUrl.get(url);
    List<String> ids = new ArrayList<>(count);
    List<Integer> indices = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      ids.add(
          Base64.getEncoder()
              .encodeToString(
                  (prefix + "-" + String.format("%0" + digits + "d", i))
                      .getBytes(StandardCharsets.US_ASCII)));
      indices.add(i);
    }
    // The SDKs' max_concurrency / Concurrency for one blob: blocks may arrive in any order, the
    // block list fixes it.
    Parallel.map(
        indices,
        BLOCK_CONCURRENCY,
        "wandb-azure-block",
        i -> {
          long from = i * blockSize;
          long len = Math.min(blockSize, length - from);
          HttpUrl blockUrl =
              base.newBuilder()
                  .addQueryParameter("comp", "block")
                  .addQueryParameter("blockid", ids.get(i))
                  .build();
          Request.Builder b =
              new Request.Builder()
                  .url(blockUrl)
                  .put(WandbClient.fileSlice(file, offset + from, len))
                  .header("x-ms-version", VERSION);
          client.send(b, "block " + (i + 1) + " of " + count + " of " + what);
          return null;
        });

    StringBuilder xml = new StringBuilder("<?xml version=\"1.0\" encoding=\"utf-8\"?><BlockList>");
    for (String id : ids) {
      xml.append("<Latest>").append(id).append("</Latest>");
    }
    xml.append("</BlockList>");
    Request.Builder commit =
        new Request.Builder()
            .url(base.newBuilder().addQueryParameter("comp", "blocklist").build())
            .put(RequestBody.create(xml.toString().getBytes(StandardCharsets.UTF_8), XML))
            .header("x-ms-version", VERSION);
    for (String h : headers) {
      int colon = h.indexOf(':');
      if (colon <= 0) {
        continue;
      }
      String name = h.substring(0, colon).trim();
      String value = h.substring(colon + 1).trim();
      String lower = name.toLowerCase(Locale.ROOT);
      switch (lower) {
        case "content-md5" -> commit.header("x-ms-blob-content-md5", value);
        case "content-type" -> commit.header("x-ms-blob-content-type", value);
        case "x-ms-blob-type", "x-ms-version" -> {
          // Put Block List makes a block blob by definition; our version is the one we speak.
        }
        default -> {
          if (lower.startsWith("x-ms-")) {
            commit.header(name, value);
          }
        }
      }
    }
    return client.send(commit, what + " (block list of " + count + " blocks)");
  }
}
