package dev.artifacts.flink.sink;

import dev.artifacts.flink.Serialization;
import java.io.IOException;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;

/**
 * Serializes {@link ArtifactCommittable}s, which live in the committer's state and, with {@link
 * VersionPolicy#END_OF_INPUT}, in the aggregator's state. Version 1: jobId, operatorId,
 * checkpointId, stagedManifestLocation, entryCount, digest, totalSize.
 */
final class ArtifactCommittableSerializer
    implements SimpleVersionedSerializer<ArtifactCommittable> {
  static final int VERSION_1 = 1;

  @Override
  public int getVersion() {
    return VERSION_1;
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
    return out.getCopyOfBuffer();
  }

  @Override
  public ArtifactCommittable deserialize(int version, byte[] serialized) throws IOException {
    if (version != VERSION_1) {
      throw Serialization.unknownVersion("an artifact committable", version, VERSION_1);
    }
    DataInputDeserializer in = new DataInputDeserializer(serialized);
    return new ArtifactCommittable(
        Serialization.readString(in),
        Serialization.readString(in),
        in.readLong(),
        Serialization.readString(in),
        in.readLong(),
        Serialization.readString(in),
        in.readLong());
  }
}
