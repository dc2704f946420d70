package dev.artifacts.common.manifest;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.io.CharacterEscapes;
import com.fasterxml.jackson.core.io.SerializedString;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.artifacts.common.digest.ArtifactDigester;
import dev.artifacts.common.digest.DigestingOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;

/**
 * Streams a manifest v1 as compact JSON while computing both digests W&amp;B needs: the artifact
 * digest (over paths and entry digests) and the base64 MD5 of the exact bytes written. Entries must
 * arrive in code point order of their paths, so millions of entries never need to be in memory at
 * once. Not thread-safe.
 *
 * <p>{@link Style#CANONICAL} is the shape this project writes (accepted by both W&amp;B readers):
 * entry members {@code digest, ref, size, birthArtifactID, extra}. {@link Style#GO_CORE} reproduces
 * wandb-core's bytes exactly ({@code skip_cache} always present, HTML characters escaped) and
 * exists to prove byte compatibility.
 */
public final class ManifestWriter {
  /** Output shapes. */
  public enum Style {
    CANONICAL,
    GO_CORE
  }

  /** What was written. */
  public record Result(
      String artifactDigest, String fileMd5Base64, long bytes, long entryCount, long totalSize) {}

  private static final ObjectMapper MAPPER = new ObjectMapper();

  private final DigestingOutputStream out;
  private final JsonGenerator json;
  private final ArtifactDigester digester = new ArtifactDigester();
  private final Style style;
  private long entryCount;
  private long totalSize;

  public ManifestWriter(
      OutputStream target, String storageLayout, String storageRegion, Style style)
      throws IOException {
    this.out = new DigestingOutputStream(target);
    this.style = style;
    JsonFactory factory = MAPPER.getFactory();
    this.json = factory.createGenerator(out, JsonEncoding.UTF8);
    json.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
    json.setCodec(MAPPER);
    if (style == Style.GO_CORE) {
      json.setCharacterEscapes(GoEscapes.INSTANCE);
    }
    json.writeStartObject();
    json.writeNumberField("version", Manifest.VERSION);
    json.writeStringField("storagePolicy", Manifest.STORAGE_POLICY);
    json.writeObjectFieldStart("storagePolicyConfig");
    json.writeStringField("storageLayout", storageLayout);
    if (storageRegion != null && !storageRegion.isEmpty()) {
      json.writeStringField("storageRegion", storageRegion);
    }
    json.writeEndObject();
    json.writeObjectFieldStart("contents");
  }

  public ManifestWriter(OutputStream target) throws IOException {
    this(target, Manifest.STORAGE_LAYOUT_V2, null, Style.CANONICAL);
  }

  /** Writes the next entry; its path must sort after the previous entry's. */
  public void add(ManifestEntry e) throws IOException {
    digester.add(e.path(), e.digest());
    json.writeObjectFieldStart(e.path());
    json.writeStringField("digest", e.digest());
    if (e.ref() != null) {
      json.writeStringField("ref", e.ref());
    }
    if (style == Style.GO_CORE) {
      json.writeNumberField("size", e.size() == null ? 0 : e.size());
      if (e.birthArtifactId() != null) {
        json.writeStringField("birthArtifactID", e.birthArtifactId());
      }
      json.writeBooleanField("skip_cache", false);
    } else {
      if (e.size() != null) {
        json.writeNumberField("size", e.size());
      }
      if (e.birthArtifactId() != null) {
        json.writeStringField("birthArtifactID", e.birthArtifactId());
      }
    }
    if (!e.extra().isEmpty()) {
      json.writeObjectField("extra", e.extra());
    }
    json.writeEndObject();
    entryCount++;
    if (e.size() != null) {
      totalSize += e.size();
    }
  }

  /** Closes the JSON document and flushes; the target stream stays open. */
  public Result finish() throws IOException {
    json.writeEndObject();
    json.writeEndObject();
    json.flush();
    out.flush();
    return new Result(digester.finish(), out.digest().base64(), out.size(), entryCount, totalSize);
  }

  /** Serialises a whole manifest in the canonical style. */
  public static byte[] toBytes(Manifest manifest) {
    return toBytes(manifest, Style.CANONICAL);
  }

  public static byte[] toBytes(Manifest manifest, Style style) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try {
      ManifestWriter writer =
          new ManifestWriter(bytes, manifest.storageLayout(), manifest.storageRegion(), style);
      for (ManifestEntry e : manifest.entries()) {
        writer.add(e);
      }
      writer.finish();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  /** Go's {@code encoding/json} escapes {@code < > &} and U+2028/U+2029; Jackson does not. */
  private static final class GoEscapes extends CharacterEscapes {
    static final GoEscapes INSTANCE = new GoEscapes();
    private final int[] asciiEscapes;

    private GoEscapes() {
      asciiEscapes = standardAsciiEscapesForJSON();
      asciiEscapes['<'] = ESCAPE_STANDARD;
      asciiEscapes['>'] = ESCAPE_STANDARD;
      asciiEscapes['&'] = ESCAPE_STANDARD;
    }

    @Override
    public int[] getEscapeCodesForAscii() {
      return asciiEscapes;
    }

    @Override
    public SerializableString getEscapeSequence(int ch) {
      if (ch == 0x2028) {
        return new SerializedString("\\u2028");
      }
      if (ch == 0x2029) {
        return new SerializedString("\\u2029");
      }
      return null;
    }
  }
}
