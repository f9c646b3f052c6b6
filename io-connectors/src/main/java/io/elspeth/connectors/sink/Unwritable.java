package io.elspeth.connectors.sink;

import java.nio.charset.Charset;
import java.nio.charset.CharsetEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What the sink writers share to say why a row cannot be written ({@link SinkWriter#cannotWrite}):
 * whether text survives an encoding unchanged, non-finite floats, and field names rendered safely
 * for a reason (reasons name fields, never values, which may be large or secret).
 */
public final class Unwritable {
  private static final int MAX_NAME_CHARS = 80;

  private Unwritable() {}

  /** {@code 'name'}, cut to 80 characters, control characters and lone surrogates escaped. */
  public static String field(String name) {
    StringBuilder sb = new StringBuilder("'");
    int n = Math.min(name.length(), MAX_NAME_CHARS);
    for (int i = 0; i < n; i++) {
      char ch = name.charAt(i);
      if (Character.isHighSurrogate(ch)
          && i + 1 < n
          && Character.isLowSurrogate(name.charAt(i + 1))) {
        sb.append(ch).append(name.charAt(++i));
      } else if (Character.isSurrogate(ch) || Character.isISOControl(ch)) {
        sb.append(String.format("\\u%04x", (int) ch));
      } else {
        sb.append(ch);
      }
    }
    return sb.append(name.length() > n ? "...'" : "'").toString();
  }

  /**
   * Whether {@code charset} encodes {@code text} exactly: a Unicode charset cannot encode a lone
   * surrogate, a legacy one cannot encode characters outside its repertoire (a writer would put
   * {@code ?} in their place).
   */
  public static boolean encodable(String text, Charset charset) {
    if (charset.equals(StandardCharsets.UTF_8) || charset.name().startsWith("UTF-")) {
      for (int i = 0; i < text.length(); i++) {
        char ch = text.charAt(i);
        if (Character.isHighSurrogate(ch)
            && i + 1 < text.length()
            && Character.isLowSurrogate(text.charAt(i + 1))) {
          i++;
        } else if (Character.isSurrogate(ch)) {
          return false;
        }
      }
      return true;
    }
    CharsetEncoder encoder = charset.newEncoder();
    return encoder.canEncode(text);
  }

  /** Whether a field's name and every string in its value (keys included) encode exactly. */
  public static boolean encodableText(String name, Object value, Charset charset) {
    if (!encodable(name, charset)) {
      return false;
    }
    if (value instanceof String s) {
      return encodable(s, charset);
    }
    if (value instanceof Map<?, ?> m) {
      for (Map.Entry<?, ?> e : m.entrySet()) {
        if (!encodableText(String.valueOf(e.getKey()), e.getValue(), charset)) {
          return false;
        }
      }
    } else if (value instanceof List<?> l) {
      for (Object item : l) {
        if (!encodableText("", item, charset)) {
          return false;
        }
      }
    }
    return true;
  }

  /**
   * The path of the first non-finite float (NaN, infinity) in {@code value} ({@code field}, {@code
   * field.key}, {@code field[2]}), if any: JSON has no literal for them.
   */
  public static Optional<String> nonFinite(String path, Object value) {
    if (value instanceof Double d && !Double.isFinite(d)
        || value instanceof Float f && !Float.isFinite(f)) {
      return Optional.of(path);
    }
    if (value instanceof Map<?, ?> m) {
      for (Map.Entry<?, ?> e : m.entrySet()) {
        Optional<String> inner = nonFinite(path + "." + e.getKey(), e.getValue());
        if (inner.isPresent()) {
          return inner;
        }
      }
    } else if (value instanceof List<?> l) {
      for (int i = 0; i < l.size(); i++) {
        Optional<String> inner = nonFinite(path + "[" + i + "]", l.get(i));
        if (inner.isPresent()) {
          return inner;
        }
      }
    }
    return Optional.empty();
  }
}
