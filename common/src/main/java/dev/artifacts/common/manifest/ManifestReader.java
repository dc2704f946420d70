package dev.artifacts.common.manifest;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.artifacts.common.ArtifactException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Reads manifest v1 JSON in both writer shapes (the Python writer's indented, {@code \\uXXXX}
 * escaped form and wandb-core's compact form), in any key order, ignoring unknown members. Entries
 * are streamed to a consumer, so a manifest of millions of entries needs no document tree. Every
 * structural problem is reported as {@link ArtifactException.Corrupted} naming the source.
 */
public final class ManifestReader {
  /** Top-level members other than {@code contents}. */
  public record Header(String storageLayout, String storageRegion) {}

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

  private ManifestReader() {}

  /** Parses a whole manifest into memory. {@code source} names it in error messages. */
  public static Manifest read(InputStream in, String source) {
    List<ManifestEntry> entries = new ArrayList<>();
    Header header = stream(in, source, entries::add);
    try {
      return Manifest.of(header.storageLayout(), header.storageRegion(), entries);
    } catch (IllegalArgumentException e) {
      throw new ArtifactException.Corrupted("Corrupted manifest " + source + ": " + e.getMessage());
    }
  }

  public static Manifest read(byte[] json, String source) {
    return read(new ByteArrayInputStream(json), source);
  }

  /**
   * Streams the entries of a manifest, in file order, to {@code sink}. Entries already handed to
   * the sink stay delivered when a later part of the file turns out to be corrupted, so a sink that
   * must not see a partial manifest buffers until this method returns. Duplicate paths are detected
   * only when they are adjacent (always the case for files written in code point order, as this
   * project and wandb-core write them); {@link #read} detects all of them.
   */
  public static Header stream(InputStream in, String source, Consumer<ManifestEntry> sink) {
    JsonFactory factory = MAPPER.getFactory();
    try (JsonParser p = factory.createParser(in)) {
      p.setCodec(MAPPER);
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw corrupted(source, "it is not a JSON object");
      }
      Set<String> seen = new HashSet<>();
      Integer version = null;
      String policy = null;
      boolean sawConfig = false;
      boolean sawContents = false;
      String layout = null;
      String region = null;
      while (p.nextToken() == JsonToken.FIELD_NAME) {
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
            String previous = null;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
              String path = p.currentName();
              if (path.equals(previous)) {
                throw corrupted(source, "duplicate manifest entry '" + path + "'");
              }
              previous = path;
              p.nextToken();
              sink.accept(readEntry(p, path, source));
            }
          }
          default -> p.skipChildren();
        }
      }
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
        throw corrupted(
            source, "missing '" + (sawConfig ? "contents" : "storagePolicyConfig") + "'");
      }
      // A config without a layout is V1 for W&B's fallback URLs.
      return new Header(layout == null ? "V1" : layout, region);
    } catch (JsonParseException e) {
      throw corrupted(source, "invalid JSON (" + e.getOriginalMessage() + ")");
    } catch (IOException e) {
      if (e.getMessage() != null && e.getMessage().contains("end-of-input")) {
        throw corrupted(source, "the JSON document is truncated");
      }
      throw new ArtifactException.Corrupted(
          "Corrupted manifest " + source + ": cannot read it (" + e.getMessage() + ")", e);
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
