package io.elspeth.audit.token;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.elspeth.audit.canonical.CanonicalJson;
import java.io.ByteArrayInputStream;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.beam.sdk.coders.CoderException;
import org.apache.beam.sdk.util.CoderUtils;
import org.junit.jupiter.api.Test;

/**
 * The binary row form decodes to exactly what the JSON form decoded to (the same plain values,
 * types included), for every kind of value a row may hold; JSON-form bytes still decode; equal rows
 * give equal bytes.
 */
class RowDataCoderTest {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  @Test
  void decodesWhatTheJsonFormDecodedForRandomRows() throws Exception {
    Random random = new Random(20261207);
    for (int i = 0; i < 5_000; i++) {
      Map<String, Object> row = randomRow(random);
      Object viaJson = CanonicalJson.toPlain(MAPPER.readTree(MAPPER.writeValueAsBytes(row)));
      Map<String, Object> viaBinary = roundTrip(row);
      assertThat("row " + row, viaBinary, is(viaJson));
      assertThat("types of " + row, types(viaBinary), is(types(viaJson)));
      // Field order is kept.
      assertThat(new ArrayList<>(viaBinary.keySet()), is(new ArrayList<>(row.keySet())));
    }
  }

  @Test
  void decodesTheEarlierJsonForm() throws Exception {
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("id", 7L);
    row.put("note", "x".repeat(300));
    row.put("nested", List.of(Map.of("a", 1.5)));
    // The earlier form: the row's JSON as a length-prefixed byte array.
    java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
    org.apache.beam.sdk.coders.ByteArrayCoder.of().encode(MAPPER.writeValueAsBytes(row), bytes);
    byte[] json = bytes.toByteArray();
    Map<String, Object> decoded = RowDataCoder.of().decode(new ByteArrayInputStream(json));
    assertThat(decoded, is(row));
  }

  @Test
  void equalRowsEncodeToEqualBytes() throws Exception {
    Random random = new Random(3);
    for (int i = 0; i < 1_000; i++) {
      Map<String, Object> row = randomRow(random);
      Map<String, Object> copy = roundTrip(row);
      assertThat(
          Arrays.equals(
              CoderUtils.encodeToByteArray(RowDataCoder.of(), copy),
              CoderUtils.encodeToByteArray(RowDataCoder.of(), roundTrip(copy))),
          is(true));
    }
  }

  @Test
  void refusesTruncatedBytes() throws Exception {
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("a", "some text");
    byte[] bytes = CoderUtils.encodeToByteArray(RowDataCoder.of(), row);
    assertThrows(
        CoderException.class,
        () ->
            CoderUtils.decodeFromByteArray(
                RowDataCoder.of(), Arrays.copyOf(bytes, bytes.length - 3)));
  }

  private static Map<String, Object> roundTrip(Map<String, Object> row) throws Exception {
    return CoderUtils.decodeFromByteArray(
        RowDataCoder.of(), CoderUtils.encodeToByteArray(RowDataCoder.of(), row));
  }

  /** The value's class names, recursively, to compare types as well as values. */
  private static Object types(Object value) {
    if (value instanceof Map<?, ?> map) {
      Map<Object, Object> out = new LinkedHashMap<>();
      map.forEach((k, v) -> out.put(k, types(v)));
      return out;
    }
    if (value instanceof List<?> list) {
      List<Object> out = new ArrayList<>();
      list.forEach(v -> out.add(types(v)));
      return out;
    }
    return value == null ? "null" : value.getClass().getName();
  }

  private static Map<String, Object> randomRow(Random random) {
    Map<String, Object> row = new LinkedHashMap<>();
    int n = random.nextInt(8);
    for (int i = 0; i < n; i++) {
      row.put("f" + random.nextInt(20), randomValue(random, 0));
    }
    return row;
  }

  private static Object randomValue(Random random, int depth) {
    int kind = random.nextInt(depth > 2 ? 16 : 19);
    return switch (kind) {
      case 0 -> null;
      case 1 -> random.nextBoolean();
      case 2 -> random.nextLong();
      case 3 -> random.nextLong() % 100_000;
      case 4 -> random.nextInt();
      case 5 -> random.nextDouble() * 1000;
      case 6 -> Double.longBitsToDouble(random.nextLong());
      case 7 ->
          new double[] {Double.NaN, Double.POSITIVE_INFINITY, -0.0, 1e20, 1e21}[random.nextInt(5)];
      case 8 -> random.nextFloat();
      case 9 -> BigInteger.valueOf(random.nextLong()).multiply(BigInteger.valueOf(1L << 40));
      case 10 -> new BigDecimal(random.nextInt(100_000)).movePointLeft(random.nextInt(5));
      case 11 -> "text-\u00e9\uD83D\uDE00-" + random.nextInt(100);
      case 12 -> "";
      case 13 -> (short) random.nextInt(100);
      case 14 -> new byte[] {1, 2, (byte) random.nextInt()};
      case 15 -> 9007199254740993L;
      case 16 -> {
        Map<Object, Object> map = new LinkedHashMap<>();
        int n = random.nextInt(4);
        for (int i = 0; i < n; i++) {
          map.put(
              random.nextInt(10) == 0 ? (Object) random.nextInt(9) : "k" + random.nextInt(9),
              randomValue(random, depth + 1));
        }
        yield map;
      }
      case 17 -> {
        List<Object> list = new ArrayList<>();
        int n = random.nextInt(4);
        for (int i = 0; i < n; i++) {
          list.add(randomValue(random, depth + 1));
        }
        yield list;
      }
      default -> new LinkedHashSet<>(List.of("a" + random.nextInt(3), "b"));
    };
  }
}
