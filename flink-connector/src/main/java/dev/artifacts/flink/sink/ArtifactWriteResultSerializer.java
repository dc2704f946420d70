package dev.artifacts.flink.sink;

import dev.artifacts.common.manifest.ManifestEntry;
import dev.artifacts.flink.Serialization;
import java.io.IOException;
import java.util.Map;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;

/**
 * Serializes {@link ArtifactWriteResult}s. Version 1: path, digest, nullable ref, size. Part files
 * never carry {@code birthArtifactID} or {@code extra}, so neither is encoded.
 */
final class ArtifactWriteResultSerializer
    implements SimpleVersionedSerializer<ArtifactWriteResult> {
  static final int VERSION_1 = 1;

  @Override
  public int getVersion() {
    return VERSION_1;
  }

  @Override
  public byte[] serialize(ArtifactWriteResult result) throws IOException {
    ManifestEntry e = result.entry();
    if (e.birthArtifactId() != null || !e.extra().isEmpty()) {
      throw new IOException(
          "Cannot serialize the write result of '"
              + e.path()
              + "': version "
              + VERSION_1
              + " has no birthArtifactID or extra fields");
    }
    DataOutputSerializer out = new DataOutputSerializer(64 + e.path().length());
    Serialization.writeString(out, e.path());
    Serialization.writeString(out, e.digest());
    Serialization.writeNullableString(out, e.ref());
    out.writeLong(e.size());
    return out.getCopyOfBuffer();
  }

  @Override
  public ArtifactWriteResult deserialize(int version, byte[] serialized) throws IOException {
    if (version != VERSION_1) {
      throw Serialization.unknownVersion("an artifact write result", version, VERSION_1);
    }
    DataInputDeserializer in = new DataInputDeserializer(serialized);
    String path = Serialization.readString(in);
    String digest = Serialization.readString(in);
    String ref = Serialization.readNullableString(in);
    long size = in.readLong();
    return new ArtifactWriteResult(new ManifestEntry(path, digest, ref, size, null, Map.of()));
  }
}
