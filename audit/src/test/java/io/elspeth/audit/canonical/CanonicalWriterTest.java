package io.elspeth.audit.canonical;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.erdtman.jcs.JsonCanonicalizer;
import org.junit.jupiter.api.Test;

/**
 * The one-pass writer gives the JCS library's text byte for byte: random values made of every type
 * a row holds are written both ways, the library's way being the old path (plain JSON by Jackson,
 * then {@link JsonCanonicalizer}).
 */
class CanonicalWriterTest {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  @Test
  void writesWhatTheReferenceSerialiserWritesForRandomValues() throws Exception {
    Random random = new Random(8785);
    for (int i = 0; i < 20_000; i++) {
      Object value = randomValue(random, 0);
      Object document;
      if (random.nextBoolean()) {
        List<Object> list = new ArrayList<>();
        list.add(value);
        document = list;
      } else {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("v", value);
        document = map;
      }
      String reference =
          new JsonCanonicalizer(MAPPER.writeValueAsString(document)).getEncodedString();
      assertThat("value " + document, CanonicalJson.canonicalize(document), is(reference));
    }
  }

  @Test
  void writesScalarsAlone() {
    assertThat(CanonicalJson.canonicalize(1.0), is("1"));
    assertThat(CanonicalJson.canonicalize(-0.0), is("0"));
    assertThat(CanonicalJson.canonicalize(1e21), is("1e+21"));
    assertThat(CanonicalJson.canonicalize("a\u0001\"b"), is("\"a\\u0001\\\"b\""));
    assertThat(CanonicalJson.canonicalize(null), is("null"));
    assertThat(CanonicalJson.canonicalize(new BigDecimal("1.50")), is("\"1.50\""));
    assertThat(
        CanonicalJson.canonicalize(Instant.parse("2026-01-02T03:04:05.000006Z")),
        is("\"2026-01-02T03:04:05.000006+00:00\""));
  }

  @Test
  void namesThePathOfARefusedValue() {
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("a", List.of(1, Map.of("b", Double.NaN)));
    CanonicalizationException e =
        assertThrows(CanonicalizationException.class, () -> CanonicalJson.canonicalize(row));
    assertThat(e.getMessage(), is("non-finite float NaN at $.a[1].b cannot be canonicalized"));
    e =
        assertThrows(
            CanonicalizationException.class,
            () -> CanonicalJson.canonicalize(Map.of("n", List.of(BigInteger.TWO.pow(70)))));
    assertThat(
        e.getMessage(),
        is(
            "integer "
                + BigInteger.TWO.pow(70)
                + " at $.n[0] is outside ±(2^53-1) and cannot be canonicalized"));
    e =
        assertThrows(
            CanonicalizationException.class,
            () -> CanonicalJson.canonicalize(Map.of("x", Map.of(1, "one"))));
    assertThat(e.getMessage(), is("non-string key 1 at $.x"));
    e =
        assertThrows(
            CanonicalizationException.class,
            () -> CanonicalJson.canonicalize(List.of(new Object())));
    assertThat(e.getMessage(), containsString("unsupported type Object at $[0]"));
  }

  private static Object randomValue(Random random, int depth) {
    int kind = random.nextInt(depth > 3 ? 7 : 9);
    return switch (kind) {
      case 0 -> null;
      case 1 -> random.nextBoolean();
      case 2 -> random.nextLong() % (random.nextBoolean() ? 1000 : CanonicalJson.MAX_SAFE_INTEGER);
      case 3 -> randomDouble(random);
      case 4, 5 -> randomString(random);
      case 6 -> random.nextInt();
      case 7 -> {
        Map<String, Object> map = new LinkedHashMap<>();
        int n = random.nextInt(6);
        for (int i = 0; i < n; i++) {
          map.put(randomString(random), randomValue(random, depth + 1));
        }
        yield map;
      }
      default -> {
        List<Object> list = new ArrayList<>();
        int n = random.nextInt(5);
        for (int i = 0; i < n; i++) {
          list.add(randomValue(random, depth + 1));
        }
        yield list;
      }
    };
  }

  private static double randomDouble(Random random) {
    return switch (random.nextInt(5)) {
      case 0 -> random.nextDouble();
      case 1 -> (random.nextDouble() - 0.5) * Math.pow(10, random.nextInt(40) - 20);
      case 2 -> Double.longBitsToDouble(random.nextLong() & 0x7FEFFFFFFFFFFFFFL);
      case 3 -> Math.rint(random.nextDouble() * 1e6) / 100;
      default -> random.nextInt(1000);
    };
  }

  private static String randomString(Random random) {
    StringBuilder s = new StringBuilder();
    int n = random.nextInt(8);
    for (int i = 0; i < n; i++) {
      s.append(
          switch (random.nextInt(6)) {
            case 0 -> (char) random.nextInt(0x20);
            case 1 -> "\"\\/".charAt(random.nextInt(3));
            case 2 -> (char) (0x80 + random.nextInt(0x800));
            case 3 -> "\uD83D\uDE00";
            case 4 -> (char) (0xE000 + random.nextInt(0x1000));
            default -> (char) ('a' + random.nextInt(26));
          });
    }
    return s.toString();
  }
}
