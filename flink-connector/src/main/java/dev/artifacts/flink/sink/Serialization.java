package dev.artifacts.flink.sink;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.IOException;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * Field encodings shared by the sink's serializers. Strings are length-prefixed UTF-8 rather than
 * {@code writeUTF}, whose modified UTF-8 and 64 KiB limit would constrain entry paths.
 */
final class Serialization {
  private Serialization() {}

  static void writeString(DataOutputView out, String value) throws IOException {
    byte[] bytes = value.getBytes(UTF_8);
    out.writeInt(bytes.length);
    out.write(bytes);
  }

  static String readString(DataInputView in) throws IOException {
    int length = in.readInt();
    if (length < 0) {
      throw new IOException("Invalid string length " + length + " in serialized sink data");
    }
    byte[] bytes = new byte[length];
    in.readFully(bytes);
    return new String(bytes, UTF_8);
  }

  static void writeNullableString(DataOutputView out, String value) throws IOException {
    out.writeBoolean(value != null);
    if (value != null) {
      writeString(out, value);
    }
  }

  static String readNullableString(DataInputView in) throws IOException {
    return in.readBoolean() ? readString(in) : null;
  }

  static IOException unknownVersion(String what, int version, int supported) {
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
