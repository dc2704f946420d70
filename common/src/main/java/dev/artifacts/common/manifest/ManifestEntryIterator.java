package dev.artifacts.common.manifest;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.artifacts.common.ArtifactException;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Set;

/**
 * Pulls the entries of a manifest v1 JSON document one at a time from a stream, in file order, with
 * Jackson's streaming parser: memory stays constant however many entries the manifest holds, so a
 * reader or {@code verify} can walk a 10-million-entry version next to a directory listing or a
 * download queue. {@link ManifestReader} is built on it and accepts exactly the same documents
 * (both W&amp;B writer shapes, any key order, unknown members ignored).
 *
 * <p>Because the top-level members may come in any order, the {@link #header()} and the checks of
 * {@code version} and {@code storagePolicy} are complete only after the last entry: a consumer that
 * must not act on a corrupted manifest acts after {@link #hasNext()} returned {@code false}. Every
 * problem is an {@link ArtifactException.Corrupted} naming the source. Duplicate paths are detected
 * when adjacent (always so in files written in code point order). Not thread-safe; {@link #close}
 * closes the stream.
 */
public final class ManifestEntryIterator implements Iterator<ManifestEntry>, Closeable {
  /**
   * No {@code String.intern()} of field names: every path is a field name, and interning a million
   * unique paths more than doubled read time. Canonicalisation stays on although it costs too:
   * without it Jackson 2.15 silently decodes invalid UTF-8 in field names to U+FFFD instead of
   * failing, and a path must never change on the way in.
   */
  private static final ObjectMapper MAPPER =
      new ObjectMapper(
          JsonFactory.builder().disable(JsonFactory.Feature.INTERN_FIELD_NAMES).build());

  private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() {};

  private final JsonParser p;
  private final String source;
  private final Set<String> seen = new HashSet<>();
  private Integer version;
  private String policy;
  private boolean sawConfig;
  private boolean sawContents;
  private String layout;
  private String region;
  private boolean inContents;
  private String previousPath;
  private ManifestEntry next;
  private ManifestReader.Header header;

  private ManifestEntryIterator(JsonParser p, String source) {
    this.p = p;
    this.source = source;
  }

  /**
   * Starts reading {@code in}; {@code source} names the manifest in error messages.
   *
   * @throws ArtifactException.Corrupted if the stream does not start a JSON object
   */
  public static ManifestEntryIterator open(InputStream in, String source) {
    Objects.requireNonNull(in, "in is null");
    JsonParser parser;
    try {
      parser = MAPPER.getFactory().createParser(in);
    } catch (IOException e) {
      throw new ArtifactException.Corrupted(
          "Corrupted manifest " + source + ": cannot read it (" + e.getMessage() + ")", e);
    }
    parser.setCodec(MAPPER);
    ManifestEntryIterator it = new ManifestEntryIterator(parser, source);
    try {
      if (parser.nextToken() != JsonToken.START_OBJECT) {
        throw corrupted(source, "it is not a JSON object");
      }
    } catch (IOException | RuntimeException e) {
      it.closeQuietly(e);
      throw e instanceof IOException io ? it.translate(io) : (RuntimeException) e;
    }
    return it;
  }

  @Override
  public boolean hasNext() {
    if (next != null) {
      return true;
    }
    if (header != null) {
      return false;
    }
    try {
      advance();
    } catch (IOException e) {
      throw translate(e);
    }
    return next != null;
  }

  @Override
  public ManifestEntry next() {
    if (!hasNext()) {
      throw new NoSuchElementException("No more entries in manifest " + source);
    }
    ManifestEntry e = next;
    next = null;
    return e;
  }

  /**
   * The storage policy configuration, once all entries were read and the document was checked.
   *
   * @throws IllegalStateException before {@link #hasNext()} returned {@code false}
   */
  public ManifestReader.Header header() {
    if (header == null) {
      throw new IllegalStateException(
          "The header of manifest " + source + " is known only after its last entry was read");
    }
    return header;
  }

  @Override
  public void close() {
    try {
      p.close();
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot close manifest " + source, e);
    }
  }

  /**
   * Reads until the next entry ({@link #next} set) or the end of the document ({@link #header}).
   */
  private void advance() throws IOException {
    while (true) {
      if (inContents) {
        if (p.nextToken() == JsonToken.FIELD_NAME) {
          String path = p.currentName();
          if (path.equals(previousPath)) {
            throw corrupted(source, "duplicate manifest entry '" + path + "'");
          }
          previousPath = path;
          p.nextToken();
          next = readEntry(p, path, source);
          return;
        }
        inContents = false;
      }
      if (p.nextToken() != JsonToken.FIELD_NAME) {
        finishDocument();
        return;
      }
      String field = p.currentName();
      JsonToken value = p.nextToken();
      if (!seen.add(field)) {
        throw corrupted(source, "member '" + field + "' appears twice");
      }
      switch (field) {
        case "version" -> {
          if (value != JsonToken.VALUE_NUMBER_INT
              || p.getNumberType() != JsonParser.NumberType.INT) {
            throw corrupted(
                source, "unsupported manifest version " + p.getText() + " (expected 1)");
          }
          version = p.getIntValue();
        }
        case "storagePolicy" -> {
          if (value != JsonToken.VALUE_STRING) {
            throw corrupted(source, "'storagePolicy' must be a string");
          }
          policy = p.getText();
        }
        case "storagePolicyConfig" -> {
          if (value != JsonToken.START_OBJECT) {
            throw corrupted(source, "'storagePolicyConfig' must be an object");
          }
          sawConfig = true;
          Map<String, Object> config = p.readValueAs(MAP);
          layout = config.get("storageLayout") instanceof String s ? s : null;
          region = config.get("storageRegion") instanceof String s ? s : null;
        }
        case "contents" -> {
          if (value != JsonToken.START_OBJECT) {
            throw corrupted(source, "'contents' must be an object");
          }
          sawContents = true;
          inContents = true;
        }
        default -> p.skipChildren();
      }
    }
  }

  private void finishDocument() throws IOException {
    if (p.currentToken() != JsonToken.END_OBJECT) {
      throw corrupted(source, "the JSON document is truncated");
    }
    if (p.nextToken() != null) {
      throw corrupted(source, "unexpected content after the manifest object");
    }
    if (version == null || version != Manifest.VERSION) {
      throw corrupted(source, "unsupported manifest version " + version + " (expected 1)");
    }
    if (!Manifest.STORAGE_POLICY.equals(policy)) {
      throw corrupted(source, "unsupported storage policy '" + policy + "'");
    }
    if (!sawConfig || !sawContents) {
      throw corrupted(source, "missing '" + (sawConfig ? "contents" : "storagePolicyConfig") + "'");
    }
    // A config without a layout is V1 for W&B's fallback URLs.
    header = new ManifestReader.Header(layout == null ? "V1" : layout, region);
  }

  private ArtifactException.Corrupted translate(IOException e) {
    if (e instanceof JsonParseException jpe) {
      return corrupted(source, "invalid JSON (" + jpe.getOriginalMessage() + ")");
    }
    if (e.getMessage() != null && e.getMessage().contains("end-of-input")) {
      return corrupted(source, "the JSON document is truncated");
    }
    return new ArtifactException.Corrupted(
        "Corrupted manifest " + source + ": cannot read it (" + e.getMessage() + ")", e);
  }

  private void closeQuietly(Exception failure) {
    try {
      p.close();
    } catch (IOException e) {
      failure.addSuppressed(e);
    }
  }

  private static ManifestEntry readEntry(JsonParser p, String path, String source)
      throws IOException {
    if (path.isEmpty()) {
      throw corrupted(source, "an entry has an empty path");
    }
    if (p.currentToken() != JsonToken.START_OBJECT) {
      throw corrupted(source, "entry '" + path + "' is not an object");
    }
    String digest = null;
    String ref = null;
    Long size = null;
    String birth = null;
    Map<String, Object> extra = Map.of();
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String field = p.currentName();
      JsonToken value = p.nextToken();
      switch (field) {
        case "digest" -> {
          if (value != JsonToken.VALUE_STRING) {
            throw corrupted(source, "entry '" + path + "' has a non-string digest");
          }
          digest = p.getText();
        }
        case "ref" -> ref = optionalString(p, value, path, field, source);
        case "size" -> {
          if (value == JsonToken.VALUE_NULL) {
            size = null;
          } else if (value != JsonToken.VALUE_NUMBER_INT
              || p.getNumberType() == JsonParser.NumberType.BIG_INTEGER
              || p.getLongValue() < 0) {
            String text = value.isScalarValue() ? p.getText() : value.asString();
            p.skipChildren();
            throw corrupted(
                source,
                "entry '"
                    + path
                    + "' has an invalid size '"
                    + text
                    + "' (expected an integer >= 0)");
          } else {
            size = p.getLongValue();
          }
        }
        case "birthArtifactID", "birth_artifact_id" ->
            birth = optionalString(p, value, path, field, source);
        case "extra" -> {
          if (value == JsonToken.START_OBJECT) {
            extra = p.readValueAs(MAP);
          } else if (value != JsonToken.VALUE_NULL) {
            throw corrupted(source, "entry '" + path + "' has an 'extra' that is not an object");
          }
        }
        default -> p.skipChildren();
      }
    }
    if (digest == null) {
      throw corrupted(source, "entry '" + path + "' has no digest");
    }
    return new ManifestEntry(path, digest, ref, size, birth, extra);
  }

  private static String optionalString(
      JsonParser p, JsonToken value, String path, String field, String source) throws IOException {
    if (value == JsonToken.VALUE_NULL) {
      return null;
    }
    if (value != JsonToken.VALUE_STRING) {
      throw corrupted(source, "entry '" + path + "' has a non-string '" + field + "'");
    }
    return p.getText();
  }

  private static ArtifactException.Corrupted corrupted(String source, String why) {
    return new ArtifactException.Corrupted("Corrupted manifest " + source + ": " + why);
  }
}
