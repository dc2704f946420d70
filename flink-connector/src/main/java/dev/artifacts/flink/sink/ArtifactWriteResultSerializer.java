package dev.artifacts.flink.sink;

import dev.artifacts.common.manifest.ManifestEntry;
import dev.artifacts.flink.Serialization;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;

/**
 * Serializes {@link ArtifactWriteResult}s. Version 1: path, digest, nullable ref, size (no {@code
 * birthArtifactID}, no {@code extra}); still read. Version 2 adds the nullable {@code
 * birthArtifactID} and {@code extra} as string pairs, which S3 references need ({@code extra.etag},
 * see {@code WrittenReferences}).
 */
final class ArtifactWriteResultSerializer
    implements SimpleVersionedSerializer<ArtifactWriteResult> {
  static final int VERSION_1 = 1;
  static final int VERSION_2 = 2;

  @Override
  public int getVersion() {
    return VERSION_2;
  }

  @Override
  public byte[] serialize(ArtifactWriteResult result) throws IOException {
    ManifestEntry e = result.entry();
    DataOutputSerializer out = new DataOutputSerializer(64 + e.path().length());
    Serialization.writeString(out, e.path());
    Serialization.writeString(out, e.digest());
    Serialization.writeNullableString(out, e.ref());
    out.writeLong(e.size());
    Serialization.writeNullableString(out, e.birthArtifactId());
    out.writeInt(e.extra().size());
    for (Map.Entry<String, Object> x : e.extra().entrySet()) {
      if (!(x.getValue() instanceof String value)) {
        throw new IOException(
            "Cannot serialize the write result of '"
                + e.path()
                + "': extra."
                + x.getKey()
                + " is not a string ("
                + x.getValue()
                + ")");
      }
      Serialization.writeString(out, x.getKey());
      Serialization.writeString(out, value);
    }
    return out.getCopyOfBuffer();
  }

  @Override
  public ArtifactWriteResult deserialize(int version, byte[] serialized) throws IOException {
    if (version != VERSION_1 && version != VERSION_2) {
      throw Serialization.unknownVersion("an artifact write result", version, VERSION_2);
    }
    DataInputDeserializer in = new DataInputDeserializer(serialized);
    String path = Serialization.readString(in);
    String digest = Serialization.readString(in);
    String ref = Serialization.readNullableString(in);
    long size = in.readLong();
    String birth = null;
    Map<String, Object> extra = new LinkedHashMap<>();
    if (version == VERSION_2) {
      birth = Serialization.readNullableString(in);
      int n = in.readInt();
      for (int i = 0; i < n; i++) {
        String key = Serialization.readString(in);
        extra.put(key, Serialization.readString(in));
      }
    }
    return new ArtifactWriteResult(new ManifestEntry(path, digest, ref, size, birth, extra));
  }
}
