package dev.artifacts.common.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import okhttp3.HttpUrl;
import okhttp3.mockwebserver.Dispatcher;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;

/**
 * A local stand-in for Azure Blob Storage reached through SAS URLs, as W&amp;B's Azure-backed
 * deployments hand them out ({@code uploadHeaders} carrying {@code x-ms-blob-type}). It speaks the
 * block-blob part of the REST API strictly, failing requests the real service fails, with its error
 * codes:
 *
 * <ul>
 *   <li>every request needs a SAS signature ({@code sig} and {@code sv} query parameters) and must
 *       not carry {@code Authorization} (403 {@code AuthenticationFailed}; recorded in {@link
 *       #authViolations});
 *   <li>Put Blob needs {@code x-ms-blob-type: BlockBlob} (400 {@code MissingRequiredHeader}) and
 *       {@code Content-Length}; a {@code Content-MD5} is checked against the body (400 {@code
 *       Md5Mismatch}); bodies above {@link #maxPutBlobBytes} are refused (413 {@code
 *       RequestBodyTooLarge}), so tests can prove large files go in blocks;
 *   <li>Put Block needs a {@code blockid} that is valid base64 of at most 64 bytes, of the same
 *       length as the blob's other uncommitted blocks (400 {@code InvalidBlobOrBlock}), and at most
 *       {@link #maxBlockBytes} of body;
 *   <li>Put Block List names uncommitted blocks only ({@code Latest} or {@code Uncommitted}; this
 *       fake keeps no blocks of earlier commits), else 400 {@code InvalidBlockList}; it commits
 *       them in order, stores {@code x-ms-blob-content-md5}/{@code x-ms-blob-content-type} as
 *       properties and drops the other uncommitted blocks;
 *   <li>GET returns a committed blob with its properties.
 * </ul>
 */
public final class FakeAzureBlobStorage implements AutoCloseable {
  private static final Pattern BLOCK =
      Pattern.compile("<(Latest|Committed|Uncommitted)>([^<]*)</\\1>");

  /** A committed blob: bytes and the properties set with it. */
  public record Blob(byte[] bytes, String contentMd5, String contentType, List<String> blockIds) {}

  private final MockWebServer server = new MockWebServer();
  private final Object lock = new Object();
  private final Map<String, Blob> blobs = new HashMap<>();
  private final Map<String, Map<String, byte[]>> uncommitted = new HashMap<>();

  /** Requests ({@code METHOD path?comp}) in arrival order. */
  public final List<String> requests = new CopyOnWriteArrayList<>();

  /** Requests that carried {@code Authorization}: must stay empty. */
  public final List<String> authViolations = new CopyOnWriteArrayList<>();

  /** Requests refused, with Azure's error code. */
  public final List<String> rejections = new CopyOnWriteArrayList<>();

  public volatile long maxPutBlobBytes = 5000L << 20;
  public volatile long maxBlockBytes = 4000L << 20;

  public FakeAzureBlobStorage() throws IOException {
    server.setDispatcher(
        new Dispatcher() {
          @Override
          public MockResponse dispatch(RecordedRequest request) {
            return handle(request);
          }
        });
    server.start(InetAddress.getByName("127.0.0.1"), 0);
  }

  /** A SAS URL for a blob in container {@code wandb}, as the W&amp;B server would presign it. */
  public String sasUrl(String blobName) {
    return "http://127.0.0.1:"
        + server.getPort()
        + "/wandb/"
        + blobName
        + "?sv=2021-12-02&sr=b&sp=cw&se=2099-01-01T00%3A00%3A00Z&sig=c2lnbmF0dXJl";
  }

  public Blob blob(String blobName) {
    synchronized (lock) {
      return blobs.get("/wandb/" + blobName);
    }
  }

  private MockResponse handle(RecordedRequest request) {
    HttpUrl url = request.getRequestUrl();
    String comp = url.queryParameter("comp");
    String path = url.encodedPath();
    requests.add(request.getMethod() + " " + path + (comp == null ? "" : "?comp=" + comp));
    if (request.getHeader("Authorization") != null) {
      authViolations.add(request.getMethod() + " " + path);
      return error(403, "AuthenticationFailed", "Authorization header sent with a SAS URL");
    }
    if (url.queryParameter("sig") == null || url.queryParameter("sv") == null) {
      return error(403, "AuthenticationFailed", "no SAS signature");
    }
    byte[] body = request.getBody().readByteArray();
    synchronized (lock) {
      if (request.getMethod().equals("GET") && comp == null) {
        Blob b = blobs.get(path);
        if (b == null) {
          return error(404, "BlobNotFound", path);
        }
        MockResponse r = new MockResponse().setBody(new okio.Buffer().write(b.bytes()));
        if (b.contentMd5() != null) {
          r.setHeader("Content-MD5", b.contentMd5());
        }
        return r;
      }
      if (!request.getMethod().equals("PUT")) {
        return error(405, "UnsupportedHttpVerb", request.getMethod());
      }
      if (request.getHeader("Content-Length") == null) {
        return error(411, "MissingContentLengthHeader", "Content-Length");
      }
      if (comp == null) {
        return putBlob(request, path, body);
      }
      if (comp.equals("block")) {
        return putBlock(url, path, body, request);
      }
      if (comp.equals("blocklist")) {
        return putBlockList(request, path, body);
      }
      return error(400, "InvalidQueryParameterValue", "comp=" + comp);
    }
  }

  private MockResponse putBlob(RecordedRequest request, String path, byte[] body) {
    if (!"BlockBlob".equals(request.getHeader("x-ms-blob-type"))) {
      return error(400, "MissingRequiredHeader", "x-ms-blob-type");
    }
    if (body.length > maxPutBlobBytes) {
      return error(413, "RequestBodyTooLarge", body.length + " bytes in one Put Blob");
    }
    String md5 = request.getHeader("Content-MD5");
    if (md5 != null && !md5.equals(md5(body))) {
      return error(400, "Md5Mismatch", "Content-MD5 " + md5 + " but body " + md5(body));
    }
    String stored = md5 != null ? md5 : request.getHeader("x-ms-blob-content-md5");
    blobs.put(
        path,
        new Blob(
            body,
            stored != null ? stored : md5(body),
            request.getHeader("x-ms-blob-content-type"),
            List.of()));
    uncommitted.remove(path);
    return created();
  }

  private MockResponse putBlock(HttpUrl url, String path, byte[] body, RecordedRequest request) {
    String id = url.queryParameter("blockid");
    byte[] raw;
    try {
      raw = id == null ? null : Base64.getDecoder().decode(id);
    } catch (IllegalArgumentException e) {
      raw = null;
    }
    if (raw == null || raw.length == 0 || raw.length > 64) {
      return error(400, "InvalidQueryParameterValue", "blockid " + id);
    }
    if (body.length > maxBlockBytes) {
      return error(413, "RequestBodyTooLarge", body.length + " bytes in one block");
    }
    String md5 = request.getHeader("Content-MD5");
    if (md5 != null && !md5.equals(md5(body))) {
      return error(400, "Md5Mismatch", "block " + id);
    }
    Map<String, byte[]> blocks = uncommitted.computeIfAbsent(path, k -> new LinkedHashMap<>());
    for (String other : blocks.keySet()) {
      if (Base64.getDecoder().decode(other).length != raw.length) {
        return error(400, "InvalidBlobOrBlock", "block IDs of one blob must have one length");
      }
    }
    blocks.put(id, body);
    return created();
  }

  private MockResponse putBlockList(RecordedRequest request, String path, byte[] body) {
    String xml = new String(body, StandardCharsets.UTF_8);
    if (!xml.contains("<BlockList>") || !xml.contains("</BlockList>")) {
      return error(400, "InvalidXmlDocument", "no BlockList");
    }
    Map<String, byte[]> pending = uncommitted.getOrDefault(path, Map.of());
    List<String> ids = new ArrayList<>();
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    Matcher m = BLOCK.matcher(xml);
    while (m.find()) {
      // This fake keeps no blocks of earlier commits, so only uncommitted blocks can be named
      // (Latest and Uncommitted); Committed always fails, as it would for a new blob.
      byte[] bytes = m.group(1).equals("Committed") ? null : pending.get(m.group(2));
      if (bytes == null) {
        return error(400, "InvalidBlockList", "unknown block " + m.group(2));
      }
      ids.add(m.group(2));
      out.writeBytes(bytes);
    }
    byte[] bytes = out.toByteArray();
    String md5 = request.getHeader("x-ms-blob-content-md5");
    blobs.put(path, new Blob(bytes, md5, request.getHeader("x-ms-blob-content-type"), ids));
    uncommitted.remove(path);
    return created();
  }

  private static MockResponse created() {
    return new MockResponse()
        .setResponseCode(201)
        .setHeader("ETag", "\"0x8D" + Long.toHexString(System.nanoTime()).toUpperCase() + "\"");
  }

  private MockResponse error(int status, String code, String detail) {
    rejections.add(code + ": " + detail);
    return new MockResponse()
        .setResponseCode(status)
        .setHeader("x-ms-error-code", code)
        .setBody(
            "<?xml version=\"1.0\" encoding=\"utf-8\"?><Error><Code>"
                + code
                + "</Code><Message>"
                + detail
                + "</Message></Error>");
  }

  public static String md5(byte[] bytes) {
    try {
      return Base64.getEncoder().encodeToString(MessageDigest.getInstance("MD5").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() throws IOException {
    server.shutdown();
  }
}
