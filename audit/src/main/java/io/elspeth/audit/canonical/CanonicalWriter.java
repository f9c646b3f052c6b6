package io.elspeth.audit.canonical;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Base64;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.erdtman.jcs.NumberToJSON;

/**
 * Writes the RFC 8785 canonical JSON of a value in one pass, applying ELSPETH's normalisation as it
 * goes. It replaces "normalise into a copy, write plain JSON with Jackson, parse that text with the
 * JCS library and serialise it again": three passes and two copies of every row, which were the
 * largest single cost of the pipeline's own code in profiles (every row is hashed several times).
 * The output is the JCS library's byte for byte: object members sorted by their UTF-16 code units
 * ({@link String#compareTo}), numbers in ECMAScript form ({@link NumberToJSON}), strings escaped as
 * ECMAScript's {@code JSON.stringify} does; a test compares the two on random values.
 *
 * <p>The path of an offending value ({@code $.a[2].b}) is built only when a value is refused: each
 * level adds its segment while the exception unwinds.
 */
final class CanonicalWriter {
  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private final StringBuilder out = new StringBuilder(256);

  private CanonicalWriter() {}

  static String write(@Nullable Object value) {
    CanonicalWriter writer = new CanonicalWriter();
    try {
      writer.value(value);
    } catch (Refused refused) {
      throw new CanonicalizationException(refused.message());
    }
    return writer.out.toString();
  }

  private void value(@Nullable Object value) {
    if (value == null) {
      out.append("null");
    } else if (value instanceof String s) {
      string(s);
    } else if (value instanceof Boolean b) {
      out.append(b ? "true" : "false");
    } else if (value instanceof Long
        || value instanceof Integer
        || value instanceof Short
        || value instanceof Byte) {
      integer(((Number) value).longValue());
    } else if (value instanceof Double || value instanceof Float) {
      number(((Number) value).doubleValue());
    } else if (value instanceof Map<?, ?> map) {
      object(map);
    } else if (value instanceof List<?> list) {
      array(list);
    } else if (value instanceof BigInteger bi) {
      if (bi.bitLength() > 63) {
        throw new Refused(unsafeInteger(bi.toString()));
      }
      integer(bi.longValue());
    } else if (value instanceof BigDecimal bd) {
      string(bd.toString());
    } else if (value instanceof byte[] bytes) {
      out.append("{\"__bytes__\":");
      string(Base64.getEncoder().encodeToString(bytes));
      out.append('}');
    } else if (value instanceof Instant instant) {
      string(CanonicalJson.isoUtc(instant.atOffset(ZoneOffset.UTC)));
    } else if (value instanceof OffsetDateTime odt) {
      string(CanonicalJson.isoUtc(odt));
    } else if (value instanceof ZonedDateTime zdt) {
      string(CanonicalJson.isoUtc(zdt.toOffsetDateTime()));
    } else if (value instanceof LocalDateTime ldt) {
      string(CanonicalJson.isoUtc(ldt.atOffset(ZoneOffset.UTC)));
    } else if (value instanceof Enum<?> e) {
      string(e.name().toLowerCase(Locale.ROOT));
    } else if (value instanceof JsonNode node) {
      value(CanonicalJson.toPlain(node));
    } else if (value instanceof Object[] array) {
      array(Arrays.asList(array));
    } else {
      throw new Refused("unsupported type " + value.getClass().getSimpleName() + " at ");
    }
  }

  private void integer(long l) {
    if (l < -CanonicalJson.MAX_SAFE_INTEGER || l > CanonicalJson.MAX_SAFE_INTEGER) {
      throw new Refused(unsafeInteger(Long.toString(l)));
    }
    out.append(l);
  }

  private static String unsafeInteger(String digits) {
    return "integer " + digits + " at \u0000 is outside ±(2^53-1) and cannot be canonicalized";
  }

  private void number(double d) {
    if (Double.isNaN(d) || Double.isInfinite(d)) {
      throw new Refused("non-finite float " + d + " at \u0000 cannot be canonicalized");
    }
    try {
      out.append(NumberToJSON.serializeNumber(d));
    } catch (IOException e) {
      throw new IllegalStateException("a finite double always has an RFC 8785 form", e);
    }
  }

  private void object(Map<?, ?> map) {
    String[] keys = new String[map.size()];
    int n = 0;
    for (Object key : map.keySet()) {
      if (!(key instanceof String s)) {
        throw new Refused("non-string key " + key + " at ");
      }
      keys[n++] = s;
    }
    if (n > 1) {
      Arrays.sort(keys, 0, n);
    }
    out.append('{');
    for (int i = 0; i < n; i++) {
      if (i > 0) {
        out.append(',');
      }
      string(keys[i]);
      out.append(':');
      try {
        value(map.get(keys[i]));
      } catch (Refused refused) {
        throw refused.under("." + keys[i]);
      }
    }
    out.append('}');
  }

  private void array(List<?> list) {
    out.append('[');
    int i = 0;
    for (Object element : list) {
      if (i > 0) {
        out.append(',');
      }
      try {
        value(element);
      } catch (Refused refused) {
        throw refused.under("[" + i + "]");
      }
      i++;
    }
    out.append(']');
  }

  private void string(String s) {
    out.append('"');
    int length = s.length();
    int plainFrom = 0;
    for (int i = 0; i < length; i++) {
      char c = s.charAt(i);
      if (c >= 0x20 && c != '"' && c != '\\') {
        continue;
      }
      out.append(s, plainFrom, i);
      plainFrom = i + 1;
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\b' -> out.append("\\b");
        case '\f' -> out.append("\\f");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        default -> out.append("\\u00").append(HEX[c >> 4]).append(HEX[c & 0xF]);
      }
    }
    out.append(s, plainFrom, length).append('"');
  }

  /**
   * A refused value, unwinding to {@link #write}: its message holds the path's place (a NUL
   * character, or the end of the message) and each level it crosses adds its path segment.
   */
  private static final class Refused extends RuntimeException {
    private final String template;
    private final Deque<String> segments = new ArrayDeque<>();

    Refused(String template) {
      super(null, null, false, false);
      this.template = template;
    }

    Refused under(String segment) {
      segments.addFirst(segment);
      return this;
    }

    String message() {
      String path = "$" + String.join("", segments);
      int at = template.indexOf('\u0000');
      return at >= 0
          ? template.substring(0, at) + path + template.substring(at + 1)
          : template + path;
    }
  }
}
