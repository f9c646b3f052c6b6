package io.elspeth.audit.token;

import io.elspeth.audit.canonical.CanonicalJson;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.UUID;

/**
 * Identifier minting. Row ids are deterministic from (run, source node, position) so a retried
 * source bundle mints the same rows; every other id is unique per attempt and time-ordered (UUID
 * version 7), so records sort by creation and an abandoned attempt never collides with the
 * surviving one.
 */
public final class Ids {
  private static final SecureRandom RANDOM = new SecureRandom();

  private Ids() {}

  /** Deterministic row id: 32 hex chars of SHA-256(run | source node | row index). */
  public static String rowId(String runId, String sourceNodeId, long rowIndex) {
    return CanonicalJson.sha256Hex(runId + "|" + sourceNodeId + "|" + rowIndex).substring(0, 32);
  }

  /** A new run id: 32 hex chars. */
  public static String runId() {
    return uuid7Hex();
  }

  public static String tokenId() {
    return uuid7Hex();
  }

  public static String stateId() {
    return uuid7Hex();
  }

  public static String eventId() {
    return uuid7Hex();
  }

  public static String edgeId() {
    return uuid7Hex();
  }

  public static String artifactId() {
    return uuid7Hex();
  }

  public static String groupId() {
    return uuid7Hex();
  }

  /** {@code op_} + 32 hex chars. */
  public static String operationId() {
    return "op_" + uuid7Hex();
  }

  /**
   * {@code out_} + 12 hex chars, derived from the token: a token has one terminal outcome, so a
   * retried bundle re-recording the same outcome writes the same record (a no-op), and a retried
   * bundle recording a different outcome is caught as a contradiction.
   */
  public static String terminalOutcomeId(String tokenId) {
    return "out_" + CanonicalJson.sha256Hex("terminal|" + tokenId).substring(0, 12);
  }

  /** {@code verr_} + 12 hex chars. */
  public static String validationErrorId() {
    return "verr_" + randomHex(6);
  }

  /** {@code terr_} + 12 hex chars. */
  public static String transformErrorId() {
    return "terr_" + randomHex(6);
  }

  /** Deterministic call id of an operation's call. */
  public static String operationCallId(String operationId, int callIndex) {
    return "call_" + operationId + "_" + callIndex;
  }

  /** The first 16 hex chars of SHA-256 of an error message, as recorded with outcomes. */
  public static String errorHash(String message) {
    return CanonicalJson.sha256Hex(message).substring(0, 16);
  }

  private static String randomHex(int bytes) {
    byte[] b = new byte[bytes];
    RANDOM.nextBytes(b);
    return HexFormat.of().formatHex(b);
  }

  /** UUID v7 (RFC 9562): 48-bit millisecond timestamp, version, random bits; as 32 hex chars. */
  static String uuid7Hex() {
    long millis = System.currentTimeMillis();
    long randA = RANDOM.nextInt(1 << 12);
    long msb = (millis << 16) | (0x7L << 12) | randA;
    long lsb = (RANDOM.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
    return new UUID(msb, lsb).toString().replace("-", "");
  }
}
