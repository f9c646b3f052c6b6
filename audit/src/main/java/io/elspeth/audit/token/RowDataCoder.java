package io.elspeth.audit.token;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.elspeth.audit.canonical.CanonicalJson;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.coders.AtomicCoder;
import org.apache.beam.sdk.coders.CoderException;
import org.apache.beam.sdk.util.VarInt;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Coder of a row's data (an ordered map of JSON values) in its own field order: equal rows encode
 * to equal bytes, and a decoded row holds the plain values a step reads (String, Long, Double,
 * Boolean, List, Map, null). {@link TokenCoder} encodes a token's data with it.
 *
 * <p>The values rows are made of are written in a small tagged binary form (one pass each way, the
 * whole row read with one call): on Flink every row crosses this coder several times, and writing
 * JSON with Jackson and reading it back through a tree were the pipeline's largest coder cost. A
 * value of any other type (a BigInteger, a Float, a non-finite double, a set, a map with keys that
 * are not strings, ...) is written as its JSON and read back as plain values, exactly as the JSON
 * coder before did, so a decoded row is the same whichever form carried it.
 *
 * <p>Rows encoded by the earlier JSON form (a sink's durable manifest read again by a resume's
 * repair) still decode: that form started with the JSON's length, never 0; this one starts with a 0
 * byte.
 */
public final class RowDataCoder extends AtomicCoder<Map<String, Object>> {
  private static final RowDataCoder INSTANCE = new RowDataCoder();
  private static final ObjectMapper MAPPER = new ObjectMapper();

  /** First byte of the binary form; the JSON form's first byte (its length) is never 0. */
  private static final int BINARY = 0;

  private static final byte NULL = 0;
  private static final byte FALSE = 1;
  private static final byte TRUE = 2;
  private static final byte LONG = 3;
  private static final byte DOUBLE = 4;
  private static final byte STRING = 5;
  private static final byte LIST = 6;
  private static final byte MAP = 7;
  private static final byte JSON = 8;

  private RowDataCoder() {}

  public static RowDataCoder of() {
    return INSTANCE;
  }

  @Override
  public void encode(Map<String, Object> row, OutputStream out) throws IOException {
    Writer writer = new Writer();
    writer.map(row);
    out.write(BINARY);
    VarInt.encode(writer.size, out);
    out.write(writer.bytes, 0, writer.size);
  }

  @Override
  @SuppressWarnings("unchecked")
  public Map<String, Object> decode(InputStream in) throws IOException {
    int first = in.read();
    if (first < 0) {
      throw new CoderException("row data: unexpected end of input");
    }
    if (first != BINARY) {
      return decodeJson(first, in);
    }
    int length = VarInt.decodeInt(in);
    byte[] bytes = in.readNBytes(length);
    if (bytes.length != length) {
      throw new CoderException("row data: unexpected end of input");
    }
    Reader reader = new Reader(bytes);
    Map<String, Object> row = reader.map();
    if (reader.at != length) {
      throw new CoderException("row data: " + (length - reader.at) + " bytes left over");
    }
    return row;
  }

  /** The JSON form: a var-int length (whose first byte was already read), then JSON text. */
  @SuppressWarnings("unchecked")
  private static Map<String, Object> decodeJson(int first, InputStream in) throws IOException {
    long length = first & 0x7F;
    int shift = 7;
    int b = first;
    while ((b & 0x80) != 0) {
      b = in.read();
      if (b < 0 || shift > 28) {
        throw new CoderException("row data: malformed length");
      }
      length |= (long) (b & 0x7F) << shift;
      shift += 7;
    }
    byte[] json = in.readNBytes((int) length);
    if (json.length != length) {
      throw new CoderException("row data: unexpected end of input");
    }
    Object data = CanonicalJson.toPlain(MAPPER.readTree(json));
    if (!(data instanceof Map)) {
      throw new CoderException("row data is not a JSON object");
    }
    return (Map<String, Object>) data;
  }

  @Override
  public void verifyDeterministic() {}

  @Override
  public boolean consistentWithEquals() {
    return true;
  }

  /** Appends tagged values to a growing array. */
  private static final class Writer {
    byte[] bytes = new byte[256];
    int size;

    void map(Map<?, ?> map) throws IOException {
      tag(MAP);
      varint(map.size());
      for (Map.Entry<?, ?> e : map.entrySet()) {
        // Nested maps get here with string keys only; a row's own keys are strings by type.
        string(String.valueOf(e.getKey()));
        value(e.getValue());
      }
    }

    void value(@Nullable Object value) throws IOException {
      if (value == null) {
        tag(NULL);
      } else if (value instanceof String s) {
        tag(STRING);
        string(s);
      } else if (value instanceof Boolean b) {
        tag(b ? TRUE : FALSE);
      } else if ((value instanceof Long
              || value instanceof Integer
              || value instanceof Short
              || value instanceof Byte)
          && isSafe(((Number) value).longValue())) {
        tag(LONG);
        long l = ((Number) value).longValue();
        varlong((l << 1) ^ (l >> 63));
      } else if (value instanceof Double d && Double.isFinite(d)) {
        tag(DOUBLE);
        long bits = Double.doubleToRawLongBits(d);
        ensure(8);
        for (int shift = 56; shift >= 0; shift -= 8) {
          bytes[size++] = (byte) (bits >>> shift);
        }
      } else if (value instanceof List<?> list) {
        tag(LIST);
        varint(list.size());
        for (Object element : list) {
          value(element);
        }
      } else if (value instanceof Map<?, ?> map && hasStringKeys(map)) {
        map(map);
      } else {
        // Whatever else JSON carried before is carried as JSON, read back as before.
        tag(JSON);
        byte[] json = MAPPER.writeValueAsBytes(value);
        varint(json.length);
        raw(json);
      }
    }

    private static boolean isSafe(long l) {
      // Outside ±(2^53-1) the JSON form read some integers back as doubles: keep that reading.
      return l >= -CanonicalJson.MAX_SAFE_INTEGER && l <= CanonicalJson.MAX_SAFE_INTEGER;
    }

    private static boolean hasStringKeys(Map<?, ?> map) {
      for (Object key : map.keySet()) {
        if (!(key instanceof String)) {
          return false;
        }
      }
      return true;
    }

    void string(String s) {
      byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
      varint(utf8.length);
      raw(utf8);
    }

    void tag(byte tag) {
      ensure(1);
      bytes[size++] = tag;
    }

    void varint(int v) {
      varlong(v & 0xFFFFFFFFL);
    }

    void varlong(long v) {
      ensure(10);
      while ((v & ~0x7FL) != 0) {
        bytes[size++] = (byte) ((v & 0x7F) | 0x80);
        v >>>= 7;
      }
      bytes[size++] = (byte) v;
    }

    void raw(byte[] b) {
      ensure(b.length);
      System.arraycopy(b, 0, bytes, size, b.length);
      size += b.length;
    }

    private void ensure(int more) {
      if (size + more > bytes.length) {
        bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, size + more));
      }
    }
  }

  /** Reads tagged values from one row's bytes. */
  private static final class Reader {
    private final byte[] bytes;
    int at;

    Reader(byte[] bytes) {
      this.bytes = bytes;
    }

    Map<String, Object> map() throws IOException {
      if (next() != MAP) {
        throw new CoderException("row data is not a map");
      }
      return mapEntries();
    }

    private Map<String, Object> mapEntries() throws IOException {
      int n = varint();
      Map<String, Object> map = new LinkedHashMap<>(Math.max(4, (int) (n / 0.75f) + 1));
      for (int i = 0; i < n; i++) {
        String key = string();
        map.put(key, value());
      }
      return map;
    }

    @Nullable Object value() throws IOException {
      byte tag = next();
      switch (tag) {
        case NULL:
          return null;
        case FALSE:
          return Boolean.FALSE;
        case TRUE:
          return Boolean.TRUE;
        case LONG:
          {
            long z = varlong();
            return (z >>> 1) ^ -(z & 1);
          }
        case DOUBLE:
          {
            check(8);
            long bits = 0;
            for (int i = 0; i < 8; i++) {
              bits = (bits << 8) | (bytes[at++] & 0xFF);
            }
            return Double.longBitsToDouble(bits);
          }
        case STRING:
          return string();
        case LIST:
          {
            int n = varint();
            List<Object> list = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
              list.add(value());
            }
            return list;
          }
        case MAP:
          return mapEntries();
        case JSON:
          {
            int n = varint();
            check(n);
            Object plain = CanonicalJson.toPlain(MAPPER.readTree(bytes, at, n));
            at += n;
            return plain;
          }
        default:
          throw new CoderException("row data: unknown value tag " + tag);
      }
    }

    private String string() throws IOException {
      int n = varint();
      check(n);
      String s = new String(bytes, at, n, StandardCharsets.UTF_8);
      at += n;
      return s;
    }

    private byte next() throws IOException {
      check(1);
      return bytes[at++];
    }

    private int varint() throws IOException {
      long v = varlong();
      if (v < 0 || v > Integer.MAX_VALUE) {
        throw new CoderException("row data: malformed length " + v);
      }
      return (int) v;
    }

    private long varlong() throws IOException {
      long v = 0;
      for (int shift = 0; shift < 64; shift += 7) {
        check(1);
        byte b = bytes[at++];
        v |= (long) (b & 0x7F) << shift;
        if (b >= 0) {
          return v;
        }
      }
      throw new CoderException("row data: malformed var-int");
    }

    private void check(int n) throws CoderException {
      if (n < 0 || at + n > bytes.length) {
        throw new CoderException("row data: unexpected end of input");
      }
    }
  }
}
