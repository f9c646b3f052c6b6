package io.elspeth.audit.canonical;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.erdtman.jcs.NumberToJSON;

/**
 * RFC 8785 (JCS) canonical JSON with ELSPETH's normalisation rules, and the SHA-256 hashes built on
 * it. The same value always gives the same bytes, whatever map order it was built in.
 *
 * <p>Normalisation (ELSPETH {@code core/canonical.py}): NaN and infinities are rejected, integers
 * outside ±(2^53−1) are rejected, {@code byte[]} becomes {@code {"__bytes__": base64}}, date-times
 * become UTC ISO-8601 strings with a {@code +00:00} offset (naive values are taken as UTC), and
 * {@link BigDecimal} becomes its string form.
 */
public final class CanonicalJson {

  /** Stored in every run: the version of the canonicalisation and hash rules. */
  public static final String CANONICAL_VERSION = "sha256-rfc8785-v1";

  /** The largest integer canonical JSON keeps exact (2^53 - 1), as ELSPETH does. */
  public static final long MAX_SAFE_INTEGER = 9007199254740991L;

  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final DateTimeFormatter SECONDS =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss");

  private CanonicalJson() {}

  /**
   * Canonical JSON text of a value made of maps, lists, strings, numbers, booleans and nulls,
   * written in one pass ({@link CanonicalWriter}): the same text RFC 8785's reference serialiser
   * gives for the value's plain JSON, without writing and re-parsing that JSON.
   */
  public static String canonicalize(@Nullable Object value) {
    return CanonicalWriter.write(value);
  }

  /** UTF-8 bytes of {@link #canonicalize}. */
  public static byte[] canonicalBytes(@Nullable Object value) {
    return canonicalize(value).getBytes(StandardCharsets.UTF_8);
  }

  /** Lowercase hex SHA-256 of the canonical JSON of a value: ELSPETH's {@code stable_hash}. */
  public static String stableHash(@Nullable Object value) {
    return sha256Hex(canonicalBytes(value));
  }

  /** Lowercase hex SHA-256 of raw bytes. */
  public static String sha256Hex(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required by the Java platform", e);
    }
  }

  /** Lowercase hex SHA-256 of a string's UTF-8 bytes. */
  public static String sha256Hex(String text) {
    return sha256Hex(text.getBytes(StandardCharsets.UTF_8));
  }

  /**
   * Hash of Tier-3 data that may not be canonical (a quarantined row): the canonical hash when
   * there is one, else SHA-256 of its text form.
   */
  public static String tolerantHash(@Nullable Object value) {
    try {
      return stableHash(value);
    } catch (CanonicalizationException e) {
      return sha256Hex(String.valueOf(value));
    }
  }

  /** Canonical JSON of Tier-3 data, or a canonical description of it when it has none. */
  public static String tolerantJson(@Nullable Object value) {
    try {
      return canonicalize(value);
    } catch (CanonicalizationException e) {
      Map<String, Object> repr = new LinkedHashMap<>();
      repr.put("__repr__", String.valueOf(value));
      repr.put("__canonical_error__", String.valueOf(e.getMessage()));
      return canonicalize(repr);
    }
  }

  /**
   * Parses JSON text into plain Java values (LinkedHashMap, ArrayList, String, Long, Double...).
   */
  public static @Nullable Object parse(String json) {
    try {
      return toPlain(MAPPER.readTree(json));
    } catch (JsonProcessingException e) {
      throw new CanonicalizationException("invalid JSON: " + e.getOriginalMessage(), e);
    }
  }

  /** Converts a Jackson tree into plain Java values, integers as Long, decimals as Double. */
  public static @Nullable Object toPlain(@Nullable JsonNode node) {
    if (node == null || node.isNull() || node.isMissingNode()) {
      return null;
    }
    if (node.isObject()) {
      Map<String, Object> map = new LinkedHashMap<>();
      node.fields().forEachRemaining(e -> map.put(e.getKey(), toPlain(e.getValue())));
      return map;
    }
    if (node.isArray()) {
      List<Object> list = new ArrayList<>(node.size());
      node.forEach(n -> list.add(toPlain(n)));
      return list;
    }
    if (node.isBoolean()) {
      return node.booleanValue();
    }
    if (node.isIntegralNumber()) {
      return integral(node);
    }
    if (node.isNumber()) {
      return node.doubleValue();
    }
    return node.asText();
  }

  /**
   * An integer literal as a Long, except one outside ±(2^53−1) that is exactly RFC 8785's text for
   * a double: JCS writes doubles below 1e21 (1e20, 1.00000000000001e17) as integer digits, so that
   * text reads back as the double it was made from (same canonical text, same hash). Other unsafe
   * integers stay integers, which canonicalisation refuses.
   */
  private static Object integral(JsonNode node) {
    if (node.canConvertToLong()) {
      long l = node.longValue();
      if (l >= -MAX_SAFE_INTEGER && l <= MAX_SAFE_INTEGER) {
        return l;
      }
    }
    BigInteger big = node.bigIntegerValue();
    double d = big.doubleValue();
    try {
      if (!Double.isInfinite(d) && NumberToJSON.serializeNumber(d).equals(big.toString())) {
        return d;
      }
    } catch (IOException e) {
      throw new IllegalStateException("a finite double always has an RFC 8785 form", e);
    }
    return node.canConvertToLong() ? (Object) node.longValue() : big;
  }

  /** Python's {@code isoformat()} of the instant in UTC: microseconds only when not zero. */
  public static String isoformat(java.time.Instant value) {
    return isoUtc(value.atOffset(ZoneOffset.UTC));
  }

  /** Python's {@code isoformat()} of the UTC value: microseconds only when not zero. */
  static String isoUtc(OffsetDateTime value) {
    OffsetDateTime utc = value.withOffsetSameInstant(ZoneOffset.UTC);
    int micros = utc.getNano() / 1000;
    return SECONDS.format(utc) + (micros == 0 ? "" : String.format(".%06d", micros)) + "+00:00";
  }

  static void checkSafeInteger(BigInteger value, String path) {
    if (value.abs().compareTo(BigInteger.valueOf(MAX_SAFE_INTEGER)) > 0) {
      throw new CanonicalizationException(
          "integer " + value + " at " + path + " is outside ±(2^53-1) and cannot be canonicalized");
    }
  }
}
