package dev.artifacts.flink;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.IOException;
import org.apache.flink.annotation.Internal;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * Field encodings shared by the sink's and the source's state serializers. Strings are
 * length-prefixed UTF-8 rather than {@code writeUTF}, whose modified UTF-8 and 64 KiB limit would
 * constrain entry paths.
 */
@Internal
public final class Serialization {
  private Serialization() {}

  public static void writeString(DataOutputView out, String value) throws IOException {
    byte[] bytes = value.getBytes(UTF_8);
    out.writeInt(bytes.length);
    out.write(bytes);
  }

  public static String readString(DataInputView in) throws IOException {
    int length = in.readInt();
    if (length < 0) {
      throw new IOException("Invalid string length " + length + " in serialized connector state");
    }
    byte[] bytes = new byte[length];
    in.readFully(bytes);
    return new String(bytes, UTF_8);
  }

  public static void writeNullableString(DataOutputView out, String value) throws IOException {
    out.writeBoolean(value != null);
    if (value != null) {
      writeString(out, value);
    }
  }

  public static String readNullableString(DataInputView in) throws IOException {
    return in.readBoolean() ? readString(in) : null;
  }

  public static IOException unknownVersion(String what, int version, int supported) {
    return new IOException(
        "Cannot deserialize "
            + what
            + ": unknown serializer version "
            + version
            + " (this connector reads version "
            + supported
            + "); was the state written by a newer connector?");
  }
}
