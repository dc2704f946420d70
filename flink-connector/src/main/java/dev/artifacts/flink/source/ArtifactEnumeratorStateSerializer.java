package dev.artifacts.flink.source;

import dev.artifacts.flink.Serialization;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.annotation.Internal;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;

/**
 * Versioned encoding of {@link ArtifactEnumeratorState}. Version 1: last version index, plan count,
 * split serializer version, split count, then each split in that split serializer version.
 */
@Internal
public final class ArtifactEnumeratorStateSerializer
    implements SimpleVersionedSerializer<ArtifactEnumeratorState> {
  static final int VERSION_1 = 1;

  @Override
  public int getVersion() {
    return VERSION_1;
  }

  @Override
  public byte[] serialize(ArtifactEnumeratorState state) throws IOException {
    DataOutputSerializer out = new DataOutputSerializer(256);
    out.writeInt(state.lastVersionIndex());
    out.writeInt(state.plans());
    out.writeInt(ArtifactSourceSplitSerializer.VERSION_1);
    out.writeInt(state.pendingSplits().size());
    for (ArtifactSourceSplit split : state.pendingSplits()) {
      ArtifactSourceSplitSerializer.write(split, out);
    }
    return out.getCopyOfBuffer();
  }

  @Override
  public ArtifactEnumeratorState deserialize(int version, byte[] serialized) throws IOException {
    if (version != VERSION_1) {
      throw Serialization.unknownVersion("artifact source enumerator state", version, VERSION_1);
    }
    DataInputDeserializer in = new DataInputDeserializer(serialized);
    int lastVersionIndex = in.readInt();
    int plans = in.readInt();
    int splitVersion = in.readInt();
    if (splitVersion != ArtifactSourceSplitSerializer.VERSION_1) {
      throw Serialization.unknownVersion(
          "splits in artifact source enumerator state",
          splitVersion,
          ArtifactSourceSplitSerializer.VERSION_1);
    }
    int count = in.readInt();
    if (count < 0) {
      throw new IOException("Invalid split count " + count + " in enumerator state");
    }
    List<ArtifactSourceSplit> splits = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      splits.add(ArtifactSourceSplitSerializer.read(in));
    }
    return new ArtifactEnumeratorState(lastVersionIndex, plans, splits);
  }
}
