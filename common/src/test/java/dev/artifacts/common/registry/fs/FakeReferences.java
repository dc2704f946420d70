package dev.artifacts.common.registry.fs;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.artifacts.common.digest.Digests;
import dev.artifacts.common.manifest.ManifestEntry;
import dev.artifacts.common.reference.ReferenceResolver;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** References to in-memory objects {@code mem://<key>}; the digest is the MD5 of the bytes. */
final class FakeReferences implements ReferenceResolver {
  final Map<String, byte[]> objects = new ConcurrentHashMap<>();

  FakeReferences put(String uri, String text) {
    objects.put(uri, text.getBytes(UTF_8));
    return this;
  }

  @Override
  public List<ManifestEntry> resolve(String uri, String name, boolean checksum, long maxObjects) {
    byte[] bytes = objects.get(uri);
    String path = name != null ? name : uri.substring(uri.lastIndexOf('/') + 1);
    return List.of(
        ManifestEntry.reference(
            path, Digests.md5Base64(bytes), uri, (long) bytes.length, Map.of("etag", "x")));
  }

  @Override
  public InputStream open(ManifestEntry entry) {
    return new ByteArrayInputStream(objects.get(entry.ref()));
  }
}
