package io.elspeth.connectors.client;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * A failed external call, classified (ELSPETH's LLM error classes): whether another attempt may
 * succeed, and whether the service said it is at capacity (429/503), which the AIMD throttle
 * answers by slowing down. The call is already recorded when this is thrown. Messages never carry
 * credentials.
 */
public final class ExternalCallException extends Exception {
  /** The classes of failure. */
  public enum Kind {
    RATE_LIMIT("RateLimitError", true, true),
    SERVICE_UNAVAILABLE("ServerError", true, true),
    SERVER("ServerError", true, false),
    NETWORK("NetworkError", true, false),
    CONTENT_POLICY("ContentPolicyError", false, false),
    CONTEXT_LENGTH("ContextLengthError", false, false),
    CLIENT("LLMClientError", false, false),
    INVALID_RESPONSE("ResponseProcessingError", false, false);

    private final String type;
    private final boolean retryable;
    private final boolean capacity;

    Kind(String type, boolean retryable, boolean capacity) {
      this.type = type;
      this.retryable = retryable;
      this.capacity = capacity;
    }

    public String type() {
      return type;
    }
  }

  private final Kind kind;
  private final @Nullable Integer statusCode;
  private final int attempts;
  private final @Nullable Duration retryAfter;

  public ExternalCallException(Kind kind, String message, @Nullable Integer statusCode) {
    this(kind, message, statusCode, 1, null);
  }

  private ExternalCallException(
      Kind kind,
      String message,
      @Nullable Integer statusCode,
      int attempts,
      @Nullable Duration retryAfter) {
    super(message);
    this.kind = kind;
    this.statusCode = statusCode;
    this.attempts = attempts;
    this.retryAfter = retryAfter;
  }

  /** This failure, with the wait the service asked for ({@code Retry-After}); null: none. */
  public ExternalCallException withRetryAfter(@Nullable Duration wait) {
    return new ExternalCallException(kind, message(), statusCode, attempts, wait);
  }

  /** The class of an HTTP error status. */
  public static Kind forStatus(int status) {
    if (status == 429) {
      return Kind.RATE_LIMIT;
    }
    if (status == 503 || status == 529) {
      return Kind.SERVICE_UNAVAILABLE;
    }
    if (status >= 500 || status == 408) {
      return Kind.SERVER;
    }
    return Kind.CLIENT;
  }

  public Kind kind() {
    return kind;
  }

  public boolean retryable() {
    return kind.retryable;
  }

  public boolean capacity() {
    return kind.capacity;
  }

  public @Nullable Integer statusCode() {
    return statusCode;
  }

  /** How many attempts were made before giving up. */
  public int attempts() {
    return attempts;
  }

  /** How long the service asked the client to wait before trying again; null when it did not. */
  public @Nullable Duration retryAfter() {
    return retryAfter;
  }

  /** The message this was constructed with (never null: every constructor takes one). */
  private String message() {
    return Objects.requireNonNull(getMessage(), "constructed with a message");
  }

  ExternalCallException afterAttempts(int n) {
    return new ExternalCallException(kind, message(), statusCode, n, retryAfter);
  }

  /** The error reason of a row whose call failed for good: {reason, error, attempts}. */
  public Map<String, Object> rowError(String reason) {
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("reason", reason);
    r.put("error", toError());
    r.put("attempts", attempts());
    return r;
  }

  /** The call's error record: {type, message, retryable, status_code?}. */
  public Map<String, Object> toError() {
    Map<String, Object> e = new LinkedHashMap<>();
    e.put("type", kind.type);
    e.put("message", getMessage());
    e.put("retryable", kind.retryable);
    if (statusCode != null) {
      e.put("status_code", statusCode);
    }
    return e;
  }
}
