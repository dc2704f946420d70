package dev.artifacts.common.registry.wandb;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.artifacts.common.ArtifactException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okhttp3.ResponseBody;
import okio.BufferedSink;
import okio.Okio;
import okio.Source;

/**
 * GraphQL client for {@code {base}/graphql} plus the presigned uploads and downloads around it.
 * Every answer is checked twice: the HTTP status and the GraphQL {@code errors} array; messages
 * quote the operation, the entity/project it concerns and the server's words, never the key.
 */
final class WandbClient implements AutoCloseable {
  static final ObjectMapper JSON = new ObjectMapper();
  private static final MediaType JSON_TYPE = MediaType.get("application/json; charset=utf-8");
  private static final int MAX_QUOTED = 500;

  /**
   * A failed call. {@link #outcomeUnknown} is true when the server may have acted on it (no answer,
   * or 5xx after every retry): a failed {@code commitArtifact} of that kind is a {@link
   * ArtifactException.CommitStateUnknown}.
   */
  static final class CallException extends ArtifactException {
    final boolean outcomeUnknown;
    final int status;

    CallException(String message, int status, boolean outcomeUnknown, Throwable cause) {
      super(message, cause);
      this.status = status;
      this.outcomeUnknown = outcomeUnknown;
    }
  }

  final Transport transport;
  private final HttpUrl graphqlUrl;

  WandbClient(WandbSettings settings) {
    this.transport = new Transport(settings);
    this.graphqlUrl = HttpUrl.get(settings.baseUrl + "/graphql");
  }

  WandbSettings settings() {
    return transport.settings;
  }

  /**
   * Runs one operation and returns its {@code data}.
   *
   * @param scope {@code entity/project} (or the artifact) the call concerns, for messages
   */
  JsonNode call(String operation, String document, Map<String, Object> variables, String scope) {
    ObjectNode body = JSON.createObjectNode();
    body.put("query", document);
    body.set("variables", JSON.valueToTree(variables));
    body.put("operationName", operation);
    Request request;
    try {
      request =
          Transport.api(new Request.Builder())
              .tag(Transport.Operation.class, new Transport.Operation(operation))
              .url(graphqlUrl)
              .header("Accept", "application/json")
              .header("User-Agent", "artifact-connectors")
              .post(RequestBody.create(JSON.writeValueAsBytes(body), JSON_TYPE))
              .build();
    } catch (IOException e) {
      throw new IllegalStateException("Cannot serialise variables of " + operation, e);
    }
    try (Response response = transport.execute(request)) {
      String text = response.body() == null ? "" : response.body().string();
      int code = response.code();
      if (code == 401) {
        throw new CallException(
            "Cannot run W&B "
                + operation
                + " for "
                + scope
                + (transport.settings.credentials instanceof WandbSettings.ApiKey
                    ? ": invalid API key (HTTP 401 from "
                        + transport.settings.baseUrl
                        + "); check WANDB_API_KEY or the netrc entry for machine "
                        + WandbSettings.netrcMachine(transport.settings.baseUrl)
                    : ": the access token was refused (HTTP 401 from "
                        + transport.settings.baseUrl
                        + "); check "
                        + transport.settings.credentials.source()),
            code,
            false,
            null);
      }
      if (code == 403) {
        throw new CallException(
            "Cannot run W&B "
                + operation
                + " for "
                + scope
                + ": permission denied (HTTP 403); the user of "
                + transport.settings.credentials.source()
                + " lacks access to "
                + scope
                + serverMessage(text),
            code,
            false,
            null);
      }
      if (code < 200 || code >= 300) {
        throw new CallException(
            "Cannot run W&B "
                + operation
                + " for "
                + scope
                + ": HTTP "
                + code
                + serverMessage(text),
            code,
            code >= 500,
            null);
      }
      JsonNode root;
      try {
        root = JSON.readTree(text);
      } catch (IOException e) {
        throw new CallException(
            "Cannot run W&B "
                + operation
                + " for "
                + scope
                + ": the answer is not JSON: "
                + quote(text),
            code,
            false,
            e);
      }
      JsonNode errors = root == null ? null : root.get("errors");
      if (errors != null && errors.isArray() && !errors.isEmpty()) {
        StringBuilder sb = new StringBuilder();
        for (JsonNode e : errors) {
          if (sb.length() > 0) {
            sb.append("; ");
          }
          sb.append(e.path("message").asText(e.toString()));
        }
        throw new CallException(
            "Cannot run W&B " + operation + " for " + scope + ": server error: " + quote(sb),
            code,
            false,
            null);
      }
      JsonNode data = root == null ? null : root.get("data");
      if (data == null || data.isNull()) {
        throw new CallException(
            "Cannot run W&B " + operation + " for " + scope + ": the answer has no data",
            code,
            false,
            null);
      }
      return data;
    } catch (Credentials.Rejected e) {
      // Nothing was sent: the request never left without credentials.
      throw new CallException(
          "Cannot run W&B " + operation + " for " + scope + ": " + e.getMessage(), -1, false, e);
    } catch (IOException e) {
      throw new CallException(
          "Cannot run W&B "
              + operation
              + " for "
              + scope
              + ": no answer from "
              + transport.settings.baseUrl
              + " after retries: "
              + e,
          -1,
          true,
          e);
    }
  }

  /** The node at {@code path} (dot-separated), failing with the operation quoted if absent. */
  static JsonNode require(JsonNode data, String path, String operation, String scope) {
    JsonNode n = data;
    for (String part : path.split("\\.")) {
      n = n == null ? null : n.get(part);
    }
    if (n == null || n.isNull()) {
      throw new CallException(
          "Cannot run W&B "
              + operation
              + " for "
              + scope
              + ": the server's answer has no '"
              + path
              + "': "
              + quote(data),
          200,
          false,
          null);
    }
    return n;
  }

  // ---- presigned transfers (never authenticated: see Transport.AuthBoundary) ----------------

  /**
   * PUTs {@code length} bytes of {@code file} from {@code offset} with exactly the given headers
   * ({@code "Key:Value"}, split at the first {@code ':'}). Returns the response's {@code ETag}.
   */
  String put(String url, List<String> headers, Path file, long offset, long length, String what)
      throws IOException {
    if (AzureBlockUpload.isAzure(headers) && length > settings().azureSinglePutMax) {
      return AzureBlockUpload.upload(this, url, headers, file, offset, length, what);
    }
    RequestBody body = fileSlice(file, offset, length);
    Request.Builder b = new Request.Builder().url(url).put(body);
    for (String h : headers) {
      int colon = h.indexOf(':');
      if (colon <= 0) {
        throw new ArtifactException(
            "Cannot upload " + what + ": invalid upload header from the server: " + quote(h));
      }
      b.addHeader(h.substring(0, colon).trim(), h.substring(colon + 1).trim());
    }
    return send(b, what);
  }

  /** PUTs bytes (the manifest) with the given headers. */
  String put(String url, List<String> headers, byte[] bytes, String what) throws IOException {
    Request.Builder b = new Request.Builder().url(url).put(RequestBody.create(bytes, null));
    for (String h : headers) {
      int colon = h.indexOf(':');
      if (colon > 0) {
        b.addHeader(h.substring(0, colon).trim(), h.substring(colon + 1).trim());
      }
    }
    return send(b, what);
  }

  /** PUTs a part with {@code Content-MD5} (base64) as S3 multipart uploads require. */
  String putPart(
      String url, String contentType, String md5Base64, Path file, long offset, long length)
      throws IOException {
    Request.Builder b =
        new Request.Builder()
            .url(url)
            .put(fileSlice(file, offset, length))
            .header("Content-MD5", md5Base64);
    if (contentType != null) {
      b.header("Content-Type", contentType);
    }
    return send(b, "part at offset " + offset + " of " + file.getFileName());
  }

  String send(Request.Builder b, String what) throws IOException {
    Request request = b.build();
    try (Response r = transport.execute(request)) {
      if (!r.isSuccessful()) {
        String text = r.body() == null ? "" : r.body().string();
        throw new IOException(
            "Cannot upload "
                + what
                + " to "
                + Transport.redact(request.url())
                + ": HTTP "
                + r.code()
                + serverMessage(text));
      }
      return r.header("ETag");
    }
  }

  /** GETs a small document (the manifest) without credentials. */
  byte[] getBytes(String url, String what) throws IOException {
    Request request = new Request.Builder().url(url).get().build();
    try (Response r = transport.execute(request)) {
      if (!r.isSuccessful()) {
        throw new IOException(
            "Cannot download "
                + what
                + " from "
                + Transport.redact(request.url())
                + ": HTTP "
                + r.code());
      }
      return r.body().bytes();
    }
  }

  /** A download answered with a failing status after the transport's own retries. */
  static final class StatusFailure extends IOException {
    StatusFailure(String message) {
      super(message);
    }
  }

  /** Thrown when a presigned URL was refused (401/403): it expired, fetch a fresh one. */
  static final class UrlRefused extends IOException {
    UrlRefused(String message) {
      super(message);
    }
  }

  /**
   * Downloads into {@code part}, resuming from its current length with a {@code Range} request; on
   * a dropped connection it waits and resumes again, up to the retry limit. The caller checks the
   * digest and moves the file into place.
   */
  void download(String url, Path part, String what) throws IOException {
    download(url, Transport.Kind.STORAGE, part, what);
  }

  /**
   * As {@link #download(String, Path, String)}, for a URL of the given kind: {@link
   * Transport.Kind#API} for W&amp;B's fallback download handler under the base URL, which the SDK
   * calls with credentials ({@code WandbStoragePolicy.load_file}); presigned URLs are {@link
   * Transport.Kind#STORAGE} and never get them.
   */
  void download(String url, Transport.Kind kind, Path part, String what) throws IOException {
    WandbSettings s = transport.settings;
    for (int attempt = 1; ; attempt++) {
      long have = Files.exists(part) ? Files.size(part) : 0;
      Request.Builder b = new Request.Builder().url(url).get().tag(Transport.Kind.class, kind);
      if (have > 0) {
        b.header("Range", "bytes=" + have + "-");
      }
      Request request = b.build();
      try (Response r = transport.execute(request)) {
        if (r.code() == 401 || r.code() == 403) {
          throw new UrlRefused(
              "Cannot download " + what + ": the storage URL was refused (HTTP " + r.code() + ")");
        }
        if (r.code() == 416) {
          Files.deleteIfExists(part);
          continue;
        }
        if (!r.isSuccessful()) {
          // The transport already retried this status as its policy says: do not again.
          throw new StatusFailure(
              "Cannot download "
                  + what
                  + " from "
                  + Transport.redact(request.url())
                  + ": HTTP "
                  + r.code());
        }
        boolean append = r.code() == 206 && have > 0;
        ResponseBody body = r.body();
        try (InputStream in = body.byteStream();
            OutputStream out =
                Files.newOutputStream(
                    part,
                    StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE,
                    append ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING)) {
          in.transferTo(out);
        }
        return;
      } catch (UrlRefused | StatusFailure | Credentials.Rejected e) {
        throw e;
      } catch (IOException e) {
        if (attempt > s.maxRetries || Thread.currentThread().isInterrupted()) {
          throw e;
        }
        java.time.Duration wait = Transport.backoff(s, attempt);
        org.slf4j.LoggerFactory.getLogger(WandbClient.class)
            .warn(
                "Resuming download of {} in {} ms (attempt {} of {}): {}",
                what,
                wait.toMillis(),
                attempt + 1,
                s.maxRetries + 1,
                e.toString());
        try {
          s.sleeper.sleep(wait);
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          throw new java.io.InterruptedIOException("Interrupted while downloading " + what);
        }
      }
    }
  }

  static RequestBody fileSlice(Path file, long offset, long length) {
    return new RequestBody() {
      @Override
      public MediaType contentType() {
        // No type: the Content-Type the server asked for goes in the headers, unchanged.
        return null;
      }

      @Override
      public long contentLength() {
        return length;
      }

      @Override
      public void writeTo(BufferedSink sink) throws IOException {
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r");
            FileChannel ch = raf.getChannel()) {
          ch.position(offset);
          InputStream in = Channels.newInputStream(ch);
          try (Source source = Okio.source(new BoundedInput(in, length))) {
            long written = sink.writeAll(source);
            if (written != length) {
              throw new IOException(
                  "Cannot upload " + file + ": it is shorter than expected (changed while read?)");
            }
          }
        }
      }
    };
  }

  /** Reads at most {@code limit} bytes. */
  private static final class BoundedInput extends java.io.FilterInputStream {
    private long left;

    BoundedInput(InputStream in, long limit) {
      super(in);
      this.left = limit;
    }

    @Override
    public int read() throws IOException {
      if (left <= 0) {
        return -1;
      }
      int b = super.read();
      if (b >= 0) {
        left--;
      }
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (left <= 0) {
        return -1;
      }
      int n = super.read(b, off, (int) Math.min(len, left));
      if (n > 0) {
        left -= n;
      }
      return n;
    }
  }

  static String serverMessage(String text) {
    if (text == null || text.isBlank()) {
      return "";
    }
    return ": " + quote(text);
  }

  static String quote(Object text) {
    String s = String.valueOf(text).strip();
    return s.length() > MAX_QUOTED ? s.substring(0, MAX_QUOTED) + "..." : s;
  }

  @Override
  public void close() {
    transport.close();
  }
}
