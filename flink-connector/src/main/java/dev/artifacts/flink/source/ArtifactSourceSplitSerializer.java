package dev.artifacts.flink.source;

import static dev.artifacts.flink.Serialization.readString;
import static dev.artifacts.flink.Serialization.writeString;

import dev.artifacts.flink.Serialization;
import java.io.IOException;
import org.apache.flink.annotation.Internal;
import org.apache.flink.connector.file.src.util.CheckpointedPosition;
import org.apache.flink.core.fs.Path;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.core.memory.DataOutputView;

/**
 * Versioned encoding of {@link ArtifactSourceSplit}, in reader state and enumerator checkpoints.
 * Version 1: ID, physical path, offset, length, modification time, file size, host names, reader
 * position, logical path, version index.
 */
@Internal
public final class ArtifactSourceSplitSerializer
    implements SimpleVersionedSerializer<ArtifactSourceSplit> {
  static final int VERSION_1 = 1;

  public static final ArtifactSourceSplitSerializer INSTANCE = new ArtifactSourceSplitSerializer();

  @Override
  public int getVersion() {
    return VERSION_1;
  }

  @Override
  public byte[] serialize(ArtifactSourceSplit split) throws IOException {
    DataOutputSerializer out = new DataOutputSerializer(128);
    write(split, out);
    return out.getCopyOfBuffer();
  }

  @Override
  public ArtifactSourceSplit deserialize(int version, byte[] serialized) throws IOException {
    if (version != VERSION_1) {
      throw Serialization.unknownVersion("an artifact source split", version, VERSION_1);
    }
    return read(new DataInputDeserializer(serialized));
  }

  static void write(ArtifactSourceSplit split, DataOutputView out) throws IOException {
    writeString(out, split.splitId());
    writeString(out, split.path().toString());
    out.writeLong(split.offset());
    out.writeLong(split.length());
    out.writeLong(split.fileModificationTime());
    out.writeLong(split.fileSize());
    String[] hosts = split.hostnames();
    out.writeInt(hosts.length);
    for (String host : hosts) {
      writeString(out, host);
    }
    CheckpointedPosition position = split.getReaderPosition().orElse(null);
    out.writeBoolean(position != null);
    if (position != null) {
      out.writeLong(position.getOffset());
      out.writeLong(position.getRecordsAfterOffset());
    }
    writeString(out, split.logicalPath());
    out.writeInt(split.versionIndex());
  }

  static ArtifactSourceSplit read(DataInputView in) throws IOException {
    String id = readString(in);
    Path path = new Path(readString(in));
    long offset = in.readLong();
    long length = in.readLong();
    long modificationTime = in.readLong();
    long fileSize = in.readLong();
    int hostCount = in.readInt();
    if (hostCount < 0) {
      throw new IOException("Invalid host count " + hostCount + " in serialized split " + id);
    }
    String[] hosts = new String[hostCount];
    for (int i = 0; i < hostCount; i++) {
      hosts[i] = readString(in);
    }
    CheckpointedPosition position =
        in.readBoolean() ? new CheckpointedPosition(in.readLong(), in.readLong()) : null;
    String logicalPath = readString(in);
    int versionIndex = in.readInt();
    return new ArtifactSourceSplit(
        id,
        path,
        offset,
        length,
        modificationTime,
        fileSize,
        hosts,
        position,
        logicalPath,
        versionIndex);
  }
}
