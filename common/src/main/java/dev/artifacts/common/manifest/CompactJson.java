package dev.artifacts.common.manifest;

import java.io.IOException;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * A compact JSON byte writer for manifests. Two rule sets: {@link Rules#STANDARD} escapes only what
 * JSON requires and writes all other characters as raw UTF-8; {@link Rules#GO} follows Go's {@code
 * encoding/json} as wandb-core uses it: HTML characters and U+2028/U+2029 escaped, map keys sorted
 * bytewise, every number passed through {@code float64}.
 *
 * <p>Jackson 2.15 cannot do either: its UTF-8 generator writes supplementary characters (emoji) as
 * escaped surrogate pairs ({@code \uD83D\uDE00}) and, with custom escapes, uppercase hex ({@code
 * \u003C}), where Go and the recommended output write raw UTF-8 and lowercase hex.
 */
final class CompactJson {
  private static final byte[] HEX =
      "0123456789abcdef".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

  enum Rules {
    STANDARD,
    GO
  }

  /** A growable byte buffer that drains into an output stream. Not thread-safe. */
  static final class Sink {
    private final OutputStream out;
    private final boolean go;
    private byte[] buf = new byte[1 << 16];
    private int len;

    Sink(OutputStream out, Rules rules) {
      this.out = out;
      this.go = rules == Rules.GO;
    }

    Sink ascii(String s) throws IOException {
      ensure(s.length());
      for (int i = 0; i < s.length(); i++) {
        buf[len++] = (byte) s.charAt(i);
      }
      return this;
    }

    Sink b(int b) throws IOException {
      ensure(1);
      buf[len++] = (byte) b;
      return this;
    }

    Sink string(String s) throws IOException {
      // Worst case: 6 bytes per UTF-16 unit (\\u00xx); 4 bytes per surrogate pair are fewer.
      ensure(6 * s.length() + 2);
      buf[len++] = '"';
      for (int i = 0, n = s.length(); i < n; i++) {
        char c = s.charAt(i);
        if (c < 0x80) {
          if (c >= 0x20 && c != '"' && c != '\\' && !(go && (c == '<' || c == '>' || c == '&'))) {
            buf[len++] = (byte) c;
          } else {
            escapeAscii(c);
          }
        } else if (c < 0x800) {
          buf[len++] = (byte) (0xC0 | (c >> 6));
          buf[len++] = (byte) (0x80 | (c & 0x3F));
        } else if (go && (c == 0x2028 || c == 0x2029)) {
          unicodeEscape(c);
        } else if (Character.isSurrogate(c)) {
          if (Character.isHighSurrogate(c)
              && i + 1 < n
              && Character.isLowSurrogate(s.charAt(i + 1))) {
            int cp = Character.toCodePoint(c, s.charAt(++i));
            buf[len++] = (byte) (0xF0 | (cp >> 18));
            buf[len++] = (byte) (0x80 | ((cp >> 12) & 0x3F));
            buf[len++] = (byte) (0x80 | ((cp >> 6) & 0x3F));
            buf[len++] = (byte) (0x80 | (cp & 0x3F));
          } else if (go) {
            // Go replaces invalid UTF-8 with U+FFFD and writes it escaped.
            unicodeEscape(0xFFFD);
          } else {
            throw new IllegalArgumentException(
                "Cannot write '" + s + "' as UTF-8 JSON: it contains an unpaired surrogate");
          }
        } else {
          buf[len++] = (byte) (0xE0 | (c >> 12));
          buf[len++] = (byte) (0x80 | ((c >> 6) & 0x3F));
          buf[len++] = (byte) (0x80 | (c & 0x3F));
        }
      }
      buf[len++] = '"';
      return this;
    }

    private void escapeAscii(char c) {
      switch (c) {
        case '"' -> shortEscape('"');
        case '\\' -> shortEscape('\\');
        case '\b' -> shortEscape('b');
        case '\f' -> shortEscape('f');
        case '\n' -> shortEscape('n');
        case '\r' -> shortEscape('r');
        case '\t' -> shortEscape('t');
        default -> unicodeEscape(c);
      }
    }

    private void shortEscape(char c) {
      buf[len++] = '\\';
      buf[len++] = (byte) c;
    }

    private void unicodeEscape(int c) {
      buf[len++] = '\\';
      buf[len++] = 'u';
      buf[len++] = HEX[(c >> 12) & 0xF];
      buf[len++] = HEX[(c >> 8) & 0xF];
      buf[len++] = HEX[(c >> 4) & 0xF];
      buf[len++] = HEX[c & 0xF];
    }

    /**
     * Any JSON value: {@code null}, strings, booleans, numbers, maps and collections. Under Go
     * rules as Go writes an {@code interface{}} decoded from JSON (keys sorted, numbers as
     * float64); otherwise keys in map order and numbers as Java prints them.
     */
    Sink value(Object v) throws IOException {
      if (v == null) {
        return ascii("null");
      }
      if (v instanceof String s) {
        return string(s);
      }
      if (v instanceof Boolean bool) {
        return ascii(bool ? "true" : "false");
      }
      if (v instanceof Number num) {
        return ascii(go ? formatFloat64(num.doubleValue()) : formatNumber(num));
      }
      if (v instanceof Map<?, ?> map) {
        List<String> keys = new ArrayList<>(map.size());
        map.keySet().forEach(k -> keys.add(String.valueOf(k)));
        if (go) {
          keys.sort(dev.artifacts.common.digest.Digests.CODE_POINT_ORDER);
        }
        b('{');
        for (int i = 0; i < keys.size(); i++) {
          if (i > 0) {
            b(',');
          }
          string(keys.get(i)).b(':');
          value(map.get(keys.get(i)));
        }
        return b('}');
      }
      if (v instanceof Collection<?> list) {
        b('[');
        int i = 0;
        for (Object item : list) {
          if (i++ > 0) {
            b(',');
          }
          value(item);
        }
        return b(']');
      }
      throw new IllegalArgumentException(
          "Cannot write a " + v.getClass().getName() + " as a JSON value");
    }

    private void ensure(int n) throws IOException {
      if (len + n > buf.length) {
        flush();
        if (n > buf.length) {
          buf = new byte[n];
        }
      }
    }

    void flush() throws IOException {
      out.write(buf, 0, len);
      len = 0;
    }
  }

  private CompactJson() {}

  /** JSON text of a number; integral types exactly, NaN and infinities rejected. */
  static String formatNumber(Number n) {
    if (n instanceof Double || n instanceof Float) {
      double d = n.doubleValue();
      if (Double.isNaN(d) || Double.isInfinite(d)) {
        throw new IllegalArgumentException("Cannot write " + d + " as JSON");
      }
      return Double.toString(d);
    }
    if (n instanceof BigDecimal bd) {
      return bd.toString();
    }
    return n.toString();
  }

  /**
   * Go's {@code encoding/json} float64 encoding: the shortest decimal that round-trips, in plain
   * notation for 1e-6 &lt;= |f| &lt; 1e21 and in exponent notation ({@code 1e+21}, {@code 1e-7})
   * otherwise.
   *
   * @throws IllegalArgumentException for NaN and infinities, which Go refuses to encode
   */
  static String formatFloat64(double f) {
    if (Double.isNaN(f) || Double.isInfinite(f)) {
      throw new IllegalArgumentException("Cannot write " + f + " as JSON: Go rejects it");
    }
    if (f == 0) {
      return (Double.doubleToRawLongBits(f) < 0) ? "-0" : "0";
    }
    BigDecimal d = shortest(f);
    double abs = Math.abs(f);
    if (abs >= 1e-6 && abs < 1e21) {
      return d.toPlainString();
    }
    String digits = d.unscaledValue().abs().toString();
    int exponent = digits.length() - 1 - d.scale();
    StringBuilder sb = new StringBuilder();
    if (f < 0) {
      sb.append('-');
    }
    sb.append(digits.charAt(0));
    if (digits.length() > 1) {
      sb.append('.').append(digits, 1, digits.length());
    }
    sb.append('e').append(exponent < 0 ? '-' : '+');
    int e = Math.abs(exponent);
    // strconv writes at least two exponent digits; encoding/json then turns e-07 into e-7.
    if (e < 10 && exponent >= 0) {
      sb.append('0');
    }
    sb.append(e);
    return sb.toString();
  }

  private static BigDecimal shortest(double f) {
    BigDecimal exact = new BigDecimal(f);
    for (int precision = 1; precision < 17; precision++) {
      BigDecimal candidate = exact.round(new MathContext(precision, RoundingMode.HALF_EVEN));
      if (candidate.doubleValue() == f) {
        return candidate.stripTrailingZeros();
      }
    }
    return exact.round(new MathContext(17, RoundingMode.HALF_EVEN)).stripTrailingZeros();
  }
}
