package io.elspeth.audit.canonical;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CanonicalJsonTest {
  @Test
  void matchesTheReferenceGoldenVector() {
    Map<String, Object> input = new LinkedHashMap<>();
    input.put("string", "hello");
    input.put("int", 42L);
    input.put("float", 3.14);
    input.put("bool", true);
    input.put("null", null);
    input.put("list", List.of(1L, 2L, 3L));
    input.put("nested", Map.of("a", 1L));
    assertThat(
        CanonicalJson.canonicalize(input),
        is(
            "{\"bool\":true,\"float\":3.14,\"int\":42,\"list\":[1,2,3],\"nested\":{\"a\":1},"
                + "\"null\":null,\"string\":\"hello\"}"));
    assertThat(
        CanonicalJson.stableHash(input),
        is("aed53055632a45e17618f46527c07dba463b2ae719e2f6832b2735308a3bf2e1"));
  }

  @Test
  void mapOrderDoesNotChangeTheHash() {
    Map<String, Object> a = new LinkedHashMap<>();
    a.put("b", 1L);
    a.put("a", 2L);
    Map<String, Object> b = new LinkedHashMap<>();
    b.put("a", 2L);
    b.put("b", 1L);
    assertThat(CanonicalJson.stableHash(a), equalTo(CanonicalJson.stableHash(b)));
  }

  @Test
  void rejectsNanAndInfinity() {
    assertThrows(CanonicalizationException.class, () -> CanonicalJson.canonicalize(Double.NaN));
    CanonicalizationException e =
        assertThrows(
            CanonicalizationException.class,
            () -> CanonicalJson.canonicalize(Map.of("x", Double.POSITIVE_INFINITY)));
    assertThat(e.getMessage(), containsString("$.x"));
  }

  @Test
  void rejectsIntegersBeyondTheSafeRange() {
    assertThat(CanonicalJson.canonicalize(9007199254740991L), is("9007199254740991"));
    assertThrows(
        CanonicalizationException.class, () -> CanonicalJson.canonicalize(9007199254740992L));
    assertThrows(
        CanonicalizationException.class,
        () -> CanonicalJson.canonicalize(new BigInteger("-9007199254740992")));
  }

  @Test
  void writesFloatsInEcmaScriptForm() {
    assertThat(
        CanonicalJson.canonicalize(List.of(1.0, -0.0, 1e21, 1e-7, 0.1)),
        is("[1,0,1e+21,1e-7,0.1]"));
  }

  @Test
  void encodesBytesDecimalsAndDateTimesAsTheReferenceDoes() {
    assertThat(CanonicalJson.canonicalize(new byte[] {1, 2, 3}), is("{\"__bytes__\":\"AQID\"}"));
    assertThat(CanonicalJson.canonicalize(new BigDecimal("1E+100")), is("\"1E+100\""));
    assertThat(
        CanonicalJson.canonicalize(Instant.parse("2024-01-01T00:00:00Z")),
        is("\"2024-01-01T00:00:00+00:00\""));
    assertThat(
        CanonicalJson.canonicalize(LocalDateTime.parse("2024-01-01T10:30:00")),
        is("\"2024-01-01T10:30:00+00:00\""));
    assertThat(
        CanonicalJson.canonicalize(
            OffsetDateTime.of(2024, 1, 1, 12, 0, 0, 0, ZoneOffset.ofHours(2))),
        is("\"2024-01-01T10:00:00+00:00\""));
  }

  @Test
  void sortsKeysByUtf16CodeUnits() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("\u00e9", 1L);
    m.put("z", 2L);
    m.put("A", 3L);
    assertThat(CanonicalJson.canonicalize(m), is("{\"A\":3,\"z\":2,\"\u00e9\":1}"));
  }

  @Test
  void tolerantHashFallsBackForNonCanonicalData() {
    Map<String, Object> bad = Map.of("x", Double.NaN);
    assertThat(CanonicalJson.tolerantHash(bad), is(CanonicalJson.sha256Hex(bad.toString())));
    assertThat(CanonicalJson.tolerantJson(bad), containsString("__canonical_error__"));
  }

  @Test
  void parsesJsonIntoPlainValues() {
    Object v = CanonicalJson.parse("{\"a\":1,\"b\":2.5,\"c\":[true,null]}");
    assertThat(v, equalTo(Map.of("a", 1L, "b", 2.5, "c", java.util.Arrays.asList(true, null))));
  }

  @Test
  void aLargeDoubleReadsBackFromItsCanonicalTextAsTheSameValue() {
    // Found by CanonicalJsonFuzzTest: RFC 8785 writes -1e20 as integer digits.
    String canonical = CanonicalJson.canonicalize(java.util.List.of(-1.0e20));

    assertThat(canonical, is("[-100000000000000000000]"));
    assertThat(CanonicalJson.canonicalize(CanonicalJson.parse(canonical)), is(canonical));
    // ... and 100000000000000992 (a double) is written as 100000000000001000.
    String rounded = CanonicalJson.canonicalize(java.util.List.of(100000000000000992.0));
    assertThat(rounded, is("[100000000000001000]"));
    assertThat(CanonicalJson.canonicalize(CanonicalJson.parse(rounded)), is(rounded));
  }

  @Test
  void anUnsafeIntegerThatNoDoubleHoldsIsStillRefused() {
    Object parsed = CanonicalJson.parse("[9007199254740993, 1152921504606846976]");

    org.junit.jupiter.api.Assertions.assertThrows(
        CanonicalizationException.class, () -> CanonicalJson.canonicalize(parsed));
  }
}
