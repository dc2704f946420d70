package dev.artifacts.common.manifest;

import dev.artifacts.common.digest.ArtifactDigester;
import dev.artifacts.common.digest.DigestingOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.Objects;

/**
 * Streams a manifest v1 as compact JSON while computing both digests W&amp;B needs: the artifact
 * digest (over paths and entry digests) and the base64 MD5 of the exact bytes written. Entries must
 * arrive in code point order of their paths, so millions of entries never need to be in memory at
 * once. Not thread-safe.
 *
 * <p>{@link Style#CANONICAL} is the shape this project writes (accepted by both W&amp;B readers):
 * entry members {@code digest, ref, size, birthArtifactID, extra}; raw UTF-8. {@link Style#GO_CORE}
 * reproduces wandb-core's bytes ({@code size} and {@code skip_cache} always present, HTML
 * characters escaped, {@code extra} keys sorted and its numbers formatted as Go float64; never
 * {@code local_path}) and exists to prove byte compatibility.
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

  private final DigestingOutputStream out;
  private final CompactJson.Sink json;
  private final boolean go;
  private final ArtifactDigester digester = new ArtifactDigester();
  private long entryCount;
  private long totalSize;
  private boolean finished;

  public ManifestWriter(
      OutputStream target, String storageLayout, String storageRegion, Style style)
      throws IOException {
    Objects.requireNonNull(target, "target is null");
    Objects.requireNonNull(storageLayout, "storageLayout is null");
    Objects.requireNonNull(style, "style is null");
    this.out = new DigestingOutputStream(target);
    this.go = style == Style.GO_CORE;
    this.json = new CompactJson.Sink(out, go ? CompactJson.Rules.GO : CompactJson.Rules.STANDARD);
    json.ascii("{\"version\":1,\"storagePolicy\":")
        .string(Manifest.STORAGE_POLICY)
        .ascii(",\"storagePolicyConfig\":{\"storageLayout\":")
        .string(storageLayout);
    if (storageRegion != null && !storageRegion.isEmpty()) {
      json.ascii(",\"storageRegion\":").string(storageRegion);
    }
    json.ascii("},\"contents\":{");
  }

  public ManifestWriter(OutputStream target) throws IOException {
    this(target, Manifest.STORAGE_LAYOUT_V2, null, Style.CANONICAL);
  }

  /**
   * Writes the next entry; its path must sort after the previous entry's.
   *
   * @throws IllegalArgumentException if the entry is out of order or duplicates the previous path
   *     (nothing of it has been written then)
   */
  public void add(ManifestEntry e) throws IOException {
    if (finished) {
      throw new IllegalStateException("The manifest was already finished");
    }
    digester.add(e.path(), e.digest());
    if (entryCount > 0) {
      json.b(',');
    }
    if (go) {
      addGo(e);
    } else {
      addCanonical(e);
    }
    entryCount++;
    if (e.size() != null) {
      totalSize += e.size();
    }
  }

  private void addCanonical(ManifestEntry e) throws IOException {
    json.string(e.path()).ascii(":{\"digest\":").string(e.digest());
    if (e.ref() != null) {
      json.ascii(",\"ref\":").string(e.ref());
    }
    if (e.size() != null) {
      json.ascii(",\"size\":").ascii(Long.toString(e.size()));
    }
    if (e.birthArtifactId() != null) {
      json.ascii(",\"birthArtifactID\":").string(e.birthArtifactId());
    }
    if (!e.extra().isEmpty()) {
      json.ascii(",\"extra\":").value(e.extra());
    }
    json.b('}');
  }

  /** Field order and omitempty rules of {@code core/pkg/artifacts/manifest.go}. */
  private void addGo(ManifestEntry e) throws IOException {
    json.string(e.path()).ascii(":{\"digest\":").string(e.digest());
    if (e.ref() != null && !e.ref().isEmpty()) {
      json.ascii(",\"ref\":").string(e.ref());
    }
    json.ascii(",\"size\":").ascii(Long.toString(e.size() == null ? 0 : e.size()));
    if (e.birthArtifactId() != null && !e.birthArtifactId().isEmpty()) {
      json.ascii(",\"birthArtifactID\":").string(e.birthArtifactId());
    }
    json.ascii(",\"skip_cache\":false");
    if (!e.extra().isEmpty()) {
      json.ascii(",\"extra\":").value(e.extra());
    }
    json.b('}');
  }

  /** Closes the JSON document and flushes; the target stream stays open. */
  public Result finish() throws IOException {
    if (finished) {
      throw new IllegalStateException("The manifest was already finished");
    }
    finished = true;
    json.ascii("}}");
    json.flush();
    out.flush();
    return new Result(digester.finish(), out.digest().base64(), out.size(), entryCount, totalSize);
  }

  /** A manifest serialised in memory, with the digests computed while writing it. */
  public record Serialized(byte[] bytes, Result result) {}

  /** Serialises a whole manifest in the canonical style. */
  public static byte[] toBytes(Manifest manifest) {
    return toBytes(manifest, Style.CANONICAL);
  }

  public static byte[] toBytes(Manifest manifest, Style style) {
    return serialize(manifest, style).bytes();
  }

  /**
   * Serialises in one pass that also yields the artifact digest and the file MD5, so a commit does
   * not walk a large manifest three times.
   */
  public static Serialized serialize(Manifest manifest, Style style) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try {
      Result result = write(manifest, bytes, style);
      return new Serialized(bytes.toByteArray(), result);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Streams a whole manifest to {@code target} (flushed, left open) in one pass that also yields
   * the artifact digest and the file MD5; the bytes are those of {@link #serialize}.
   */
  public static Result write(Manifest manifest, OutputStream target, Style style)
      throws IOException {
    ManifestWriter writer =
        new ManifestWriter(target, manifest.storageLayout(), manifest.storageRegion(), style);
    for (ManifestEntry e : manifest.entries()) {
      writer.add(e);
    }
    return writer.finish();
  }
}
