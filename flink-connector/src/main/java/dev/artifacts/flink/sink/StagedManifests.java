package dev.artifacts.flink.sink;

import dev.artifacts.common.ArtifactException;
import dev.artifacts.common.digest.ArtifactDigester;
import dev.artifacts.common.digest.Digests;
import dev.artifacts.common.digest.FileDigest;
import dev.artifacts.common.manifest.ManifestEntry;
import dev.artifacts.common.manifest.ManifestReader;
import dev.artifacts.common.manifest.ManifestWriter;
import dev.artifacts.common.name.ArtifactPath;
import dev.artifacts.common.registry.ContentStore;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * Partial manifests: one checkpoint's entries, sorted and streamed with {@link ManifestWriter} into
 * a body of the artifact project's content store, where the committer reads them back. Staging in
 * the registry, not in Flink state, keeps checkpoints small however many files a checkpoint wrote.
 * The body is content-addressed, so its location is its MD5, and it is checked on the way back.
 */
final class StagedManifests {
  private StagedManifests() {}

  /** Sorts {@code entries} by path in code point order, the order manifests require. */
  static List<ManifestEntry> sorted(Collection<ManifestEntry> entries, ArtifactPath artifact) {
    List<ManifestEntry> list = new ArrayList<>(entries);
    list.sort((a, b) -> Digests.CODE_POINT_ORDER.compare(a.path(), b.path()));
    for (int i = 1; i < list.size(); i++) {
      if (list.get(i).path().equals(list.get(i - 1).path())) {
        throw new IllegalStateException(
            "Cannot stage a manifest for "
                + artifact
                + ": two part files have the path '"
                + list.get(i).path()
                + "'");
      }
    }
    return list;
  }

  /** MD5 of no bytes, to ask a content store whether it has shared locations at all. */
  private static final String EMPTY_MD5 = "1B2M2Y8AsgTpgAmY7PhCfg==";

  static ArtifactCommittable stage(
      ContentStore store,
      ArtifactPath artifact,
      Collection<ManifestEntry> entries,
      String jobId,
      String operatorId,
      long checkpointId)
      throws IOException {
    List<ManifestEntry> sorted = sorted(entries, artifact);
    if (store.location(EMPTY_MD5).isEmpty()) {
      // A store only this machine sees (the W&B cache): the committer may run elsewhere, so the
      // manifest travels in the committable instead.
      java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
      ManifestWriter writer = new ManifestWriter(bytes);
      for (ManifestEntry e : sorted) {
        writer.add(e);
      }
      ManifestWriter.Result result = writer.finish();
      byte[] json = bytes.toByteArray();
      return new ArtifactCommittable(
          jobId,
          operatorId,
          checkpointId,
          Digests.md5Base64(json),
          result.entryCount(),
          result.artifactDigest(),
          result.totalSize(),
          new String(json, java.nio.charset.StandardCharsets.UTF_8));
    }
    try (ContentStore.BodyWriter body = store.newBody()) {
      OutputStream out = body.stream();
      ManifestWriter writer = new ManifestWriter(out);
      for (ManifestEntry e : sorted) {
        writer.add(e);
      }
      ManifestWriter.Result result = writer.finish();
      out.close();
      FileDigest location = body.commit();
      return new ArtifactCommittable(
          jobId,
          operatorId,
          checkpointId,
          location.base64(),
          result.entryCount(),
          result.artifactDigest(),
          result.totalSize());
    }
  }

  /**
   * Reads a staged manifest back and checks it against the committable.
   *
   * @throws ArtifactException.NotFound if the staged manifest is gone (removed by gc)
   * @throws ArtifactException.Corrupted if it does not match the committable
   */
  static List<ManifestEntry> read(ContentStore store, ArtifactPath artifact, ArtifactCommittable c)
      throws IOException {
    String source = "staged for " + artifact + " checkpoint " + c.checkpointId();
    MessageDigest md5 = Digests.newMd5();
    List<ManifestEntry> entries = new ArrayList<>();
    InputStream raw =
        c.inlineManifest() != null
            ? new java.io.ByteArrayInputStream(
                c.inlineManifest().getBytes(java.nio.charset.StandardCharsets.UTF_8))
            : store.open(c.stagedManifestLocation());
    try (InputStream in = new DigestInputStream(raw, md5)) {
      // The reader closes its input; keep ours open to hash any bytes it did not consume.
      ManifestReader.stream(
          new FilterInputStream(in) {
            @Override
            public void close() {}
          },
          source,
          entries::add);
      in.transferTo(OutputStream.nullOutputStream());
    }
    String actual = Digests.base64(md5.digest());
    ArtifactDigester digester = new ArtifactDigester();
    for (ManifestEntry e : entries) {
      digester.add(e.path(), e.digest());
    }
    String digest = digester.finish();
    if (!actual.equals(c.stagedManifestLocation())
        || entries.size() != c.entryCount()
        || !digest.equals(c.digest())) {
      throw new ArtifactException.Corrupted(
          "Corrupted manifest "
              + source
              + ": expected "
              + c.entryCount()
              + " entries with digest "
              + c.digest()
              + " in body "
              + c.stagedManifestLocation()
              + ", found "
              + entries.size()
              + " entries with digest "
              + digest
              + " in body "
              + actual);
    }
    return entries;
  }
}
