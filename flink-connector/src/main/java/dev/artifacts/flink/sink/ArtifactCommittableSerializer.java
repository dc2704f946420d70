package dev.artifacts.flink.sink;

import dev.artifacts.flink.Serialization;
import java.io.IOException;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;

/**
 * Serializes {@link ArtifactCommittable}s, which live in the committer's state and, with {@link
 * VersionPolicy#END_OF_INPUT}, in the aggregator's state. Version 1: jobId, operatorId,
 * checkpointId, stagedManifestLocation, entryCount, digest, totalSize. Version 2 adds the nullable
 * inline manifest (the W&amp;B backend, whose content store is local to the aggregator).
 */
final class ArtifactCommittableSerializer
    implements SimpleVersionedSerializer<ArtifactCommittable> {
  static final int VERSION_1 = 1;
  static final int VERSION_2 = 2;

  @Override
  public int getVersion() {
    return VERSION_2;
  }

  @Override
  public byte[] serialize(ArtifactCommittable c) throws IOException {
    DataOutputSerializer out = new DataOutputSerializer(256);
    Serialization.writeString(out, c.jobId());
    Serialization.writeString(out, c.operatorId());
    out.writeLong(c.checkpointId());
    Serialization.writeString(out, c.stagedManifestLocation());
    out.writeLong(c.entryCount());
    Serialization.writeString(out, c.digest());
    out.writeLong(c.totalSize());
    Serialization.writeNullableString(out, c.inlineManifest());
    return out.getCopyOfBuffer();
  }

  @Override
  public ArtifactCommittable deserialize(int version, byte[] serialized) throws IOException {
    if (version != VERSION_1 && version != VERSION_2) {
      throw Serialization.unknownVersion("an artifact committable", version, VERSION_2);
    }
    DataInputDeserializer in = new DataInputDeserializer(serialized);
    return new ArtifactCommittable(
        Serialization.readString(in),
        Serialization.readString(in),
        in.readLong(),
        Serialization.readString(in),
        in.readLong(),
        Serialization.readString(in),
        in.readLong(),
        version == VERSION_2 ? Serialization.readNullableString(in) : null);
  }
}
