package dev.artifacts.common.digest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.artifacts.common.testing.Vectors;
import java.io.ByteArrayOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Per-file digests of {@code files/} against {@code per_file_digests} (§3.1). */
class FileDigestVectorsTest {

  static Stream<Arguments> perFileDigests() {
    List<Arguments> cases = new ArrayList<>();
    for (Map.Entry<String, JsonNode> e : iterable(Vectors.expected().get("per_file_digests"))) {
      JsonNode v = e.getValue();
      cases.add(
          Arguments.of(
              e.getKey(),
              v.get("size").asLong(),
              v.get("md5_b64").asText(),
              v.get("md5_hex").asText()));
    }
    assertThat(cases).hasSize(9);
    return cases.stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("perFileDigests")
  void digestOfPath(String key, long size, String b64, String hex) throws IOException {
    FileDigest d = Digests.digest(Vectors.file(key));

    assertThat(d.base64()).isEqualTo(b64);
    assertThat(d.hex()).isEqualTo(hex);
    assertThat(d.size()).isEqualTo(size);
    assertThat(Digests.base64ToHex(b64)).isEqualTo(hex);
    assertThat(Digests.hexToBase64(hex)).isEqualTo(b64);
    assertThat(Digests.isBase64Md5(b64)).isTrue();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("perFileDigests")
  void digestOfStreamWithShortReads(String key, long size, String b64, String hex)
      throws IOException {
    byte[] bytes = Files.readAllBytes(Vectors.file(key));
    try (InputStream in = new TrickleInputStream(new java.io.ByteArrayInputStream(bytes), 7)) {
      FileDigest d = Digests.digest(in);
      assertThat(d.base64()).isEqualTo(b64);
      assertThat(d.hex()).isEqualTo(hex);
      assertThat(d.size()).isEqualTo(size);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("perFileDigests")
  void digestingOutputStreamInOddChunks(String key, long size, String b64, String hex)
      throws IOException {
    byte[] bytes = Files.readAllBytes(Vectors.file(key));
    ByteArrayOutputStream sink = new ByteArrayOutputStream();
    DigestingOutputStream out = new DigestingOutputStream(sink);
    int[] chunks = {1, 3, 4093, 1, 65537, 13};
    int pos = 0;
    for (int i = 0; pos < bytes.length; i++) {
      int n = Math.min(chunks[i % chunks.length], bytes.length - pos);
      if (n == 1) {
        out.write(bytes[pos]);
      } else {
        out.write(bytes, pos, n);
      }
      pos += n;
    }
    out.close();

    assertThat(out.size()).isEqualTo(size);
    assertThat(out.digest().base64()).isEqualTo(b64);
    assertThat(out.digest().hex()).isEqualTo(hex);
    assertThat(sink.toByteArray()).isEqualTo(bytes);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("perFileDigests")
  void digestingOutputStreamByteByByte(String key, long size, String b64, String hex)
      throws IOException {
    byte[] bytes = Files.readAllBytes(Vectors.file(key));
    DigestingOutputStream out = new DigestingOutputStream(OutputStream.nullOutputStream());
    for (byte b : bytes) {
      out.write(b & 0xff);
    }
    assertThat(out.digest())
        .isEqualTo(new FileDigest(java.util.HexFormat.of().parseHex(hex), size));
    assertThat(out.digest().base64()).isEqualTo(b64);
  }

  @org.junit.jupiter.api.Test
  void zeroLengthReadDoesNotEndTheStream() throws IOException {
    byte[] hello = "hello\n".getBytes(java.nio.charset.StandardCharsets.UTF_8);
    InputStream flaky =
        new FilterInputStream(new java.io.ByteArrayInputStream(hello)) {
          private boolean first = true;

          @Override
          public int read(byte[] b, int off, int len) throws IOException {
            if (first) {
              first = false;
              return 0; // Some wrappers do this despite the contract.
            }
            return super.read(b, off, len);
          }
        };
    assertThat(Digests.digest(flaky).base64()).isEqualTo("sZRqySSS0jR8YjW00mERhA==");
  }

  private static Iterable<Map.Entry<String, JsonNode>> iterable(JsonNode node) {
    return node::fields;
  }

  /** Returns at most {@code max} bytes per read, as sockets and decompressors do. */
  private static final class TrickleInputStream extends FilterInputStream {
    private final int max;

    TrickleInputStream(InputStream in, int max) {
      super(in);
      this.max = max;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      return super.read(b, off, Math.min(len, max));
    }
  }
}
