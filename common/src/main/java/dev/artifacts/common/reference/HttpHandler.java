package dev.artifacts.common.reference;

import dev.artifacts.common.ArtifactException;
import dev.artifacts.common.manifest.ManifestEntry;
import java.io.IOException;
import java.io.InputStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.ResponseBody;

/**
 * {@code http://} and {@code https://} references, as W&amp;B's {@code HTTPHandler}: one GET whose
 * body is not read; digest = the {@code ETag} header with surrounding quotes stripped, or the
 * request URL when there is none; {@code size} = {@code Content-Length}; {@code extra.etag} = the
 * raw header.
 *
 * <p>Requests ask for {@code Accept-Encoding: identity}: OkHttp's transparent gzip would otherwise
 * drop {@code Content-Length}, and the recorded size must be the size of the bytes a download
 * writes. Azure blob URLs go through this handler too: the digest equals what W&amp;B's Azure
 * handler records for a readable blob, but {@code extra.etag} keeps the quotes and {@code
 * checksum=False} keeps the query (W&amp;B's Azure handler drops both).
 */
final class HttpHandler implements SchemeHandler {
  private final OkHttpClient client;

  HttpHandler(OkHttpClient client) {
    this.client = Objects.requireNonNull(client, "client is null");
  }

  @Override
  public List<ManifestEntry> resolve(String uri, String name, boolean checksum, long maxObjects)
      throws IOException {
    HttpUrl url = parse(uri);
    String path = name;
    if (path == null) {
      List<String> segments = url.pathSegments();
      path = segments.get(segments.size() - 1);
      if (path.isEmpty()) {
        throw SchemeHandler.nameRequired(uri);
      }
    }
    if (!checksum) {
      return List.of(ManifestEntry.reference(path, uri, uri, null, Map.of()));
    }
    try (Response response = client.newCall(get(url)).execute()) {
      if (!response.isSuccessful()) {
        throw rethrow(failure("Cannot reference " + uri, response));
      }
      String etag = response.header("ETag");
      Map<String, Object> extra = new LinkedHashMap<>();
      String digest = uri;
      if (etag != null) {
        extra.put("etag", etag);
        digest = References.stripQuotes(etag);
      }
      return List.of(ManifestEntry.reference(path, digest, uri, contentLength(response), extra));
    }
  }

  @Override
  public InputStream open(ManifestEntry entry) throws IOException {
    Response response = client.newCall(get(parse(entry.ref()))).execute();
    try {
      if (!response.isSuccessful()) {
        throw rethrow(
            failure(
                "Cannot download " + entry.ref() + " for entry '" + entry.path() + "'", response));
      }
      // Entries made without an ETag (pointers, servers without ETags) cannot be checked here;
      // the caller still checks the size.
      if (entry.extra().containsKey("etag")) {
        String etag = response.header("ETag");
        if (etag == null || !References.stripQuotes(etag).equals(entry.digest())) {
          throw new ArtifactException.Corrupted(
              "Cannot download "
                  + entry.ref()
                  + " for entry '"
                  + entry.path()
                  + "': the object changed since it was referenced (ETag "
                  + etag
                  + ", expected "
                  + entry.extra().get("etag")
                  + ")");
        }
      }
      ResponseBody body = response.body();
      if (body == null) {
        throw new IOException("Cannot download " + entry.ref() + ": the response has no body");
      }
      return body.byteStream();
    } catch (IOException | RuntimeException e) {
      response.close();
      throw e;
    }
  }

  private static IOException rethrow(Exception e) {
    if (e instanceof RuntimeException re) {
      throw re;
    }
    return (IOException) e;
  }

  private static Request get(HttpUrl url) {
    return new Request.Builder().url(url).header("Accept-Encoding", "identity").get().build();
  }

  private static HttpUrl parse(String uri) {
    HttpUrl url = HttpUrl.parse(uri);
    if (url == null) {
      throw new ArtifactException.InvalidInput("Invalid HTTP reference '" + uri + "'");
    }
    return url;
  }

  private static Long contentLength(Response response) {
    String header = response.header("Content-Length");
    if (header == null) {
      return null;
    }
    try {
      return Long.parseLong(header.trim());
    } catch (NumberFormatException e) {
      return null;
    }
  }

  /** 404/410 say the object is gone ({@code NotFound}); anything else may be transient. */
  private static Exception failure(String what, Response response) {
    String message = what + ": HTTP " + response.code() + " " + response.message();
    if (response.code() == 404 || response.code() == 410) {
      return new ArtifactException.NotFound(message);
    }
    return new IOException(message);
  }
}
