package io.elspeth.connectors.client;

import io.elspeth.audit.canonical.CanonicalJson;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.Set;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Turns what a recording says back into what the live call produced: a recorded error into the
 * classified exception the caller (and its retrier) saw, a recorded body into its bytes.
 */
final class ReplayedFailures {
  /** Failures of a request the JDK refused to send (not retryable), by their recorded type. */
  private static final Set<String> CLIENT_SIDE =
      Set.of(
          "IllegalArgumentException",
          "NullPointerException",
          "IllegalStateException",
          "UnsupportedOperationException",
          "SecurityException");

  private ReplayedFailures() {}

  /** The exception a recorded error map ({@code {type, message, retryable?, status_code?}}) was. */
  static ExternalCallException exception(Map<String, Object> error, @Nullable Integer status) {
    String type = String.valueOf(error.get("type"));
    String message = String.valueOf(error.get("message"));
    Integer code = error.get("status_code") instanceof Number n ? n.intValue() : status;
    ExternalCallException.Kind kind = null;
    for (ExternalCallException.Kind k : ExternalCallException.Kind.values()) {
      if (k.type().equals(type)
          && (!(error.get("retryable") instanceof Boolean r)
              || r == new ExternalCallException(k, "", null).retryable())) {
        kind = k;
        break;
      }
    }
    if (code != null && (kind == null || "ServerError".equals(type))) {
      kind = ExternalCallException.forStatus(code);
    }
    if (kind == null) {
      kind =
          CLIENT_SIDE.contains(type)
              ? ExternalCallException.Kind.CLIENT
              : ExternalCallException.Kind.NETWORK;
    }
    return new ExternalCallException(kind, message, code);
  }

  /** The bytes of a body as recorded: text, base64 binary, unparsed JSON text, or JSON. */
  static byte[] bytesOf(@Nullable Object body) {
    if (body == null) {
      return new byte[0];
    }
    if (body instanceof String s) {
      return s.getBytes(StandardCharsets.UTF_8);
    }
    if (body instanceof Map<?, ?> m && m.size() == 1 && m.get("_binary") instanceof String b) {
      return Base64.getDecoder().decode(b);
    }
    if (AuditedHttpClient.isUnparsedJson(body)
        && body instanceof Map<?, ?> m
        && m.get("_raw_text") instanceof String raw) {
      return raw.getBytes(StandardCharsets.UTF_8);
    }
    return CanonicalJson.canonicalBytes(body);
  }
}
