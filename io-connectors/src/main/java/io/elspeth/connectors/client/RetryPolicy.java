package io.elspeth.connectors.client;

import java.io.Serializable;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Map;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The settings' {@code retry} section: how often a call failing with a retryable error (429, 5xx,
 * timeout, connection failure) is tried, and the exponential back-off between attempts.
 *
 * @param maxAttempts attempts in all, 1 or more
 */
public record RetryPolicy(
    int maxAttempts, double initialDelaySeconds, double maxDelaySeconds, double exponentialBase)
    implements Serializable {

  public RetryPolicy {
    if (maxAttempts < 1) {
      throw new IllegalArgumentException("retry.max_attempts must be 1 or more");
    }
  }

  /** ELSPETH's defaults: 3 attempts, 1 s doubling up to 60 s. */
  public static RetryPolicy defaults() {
    return new RetryPolicy(3, 1.0, 60.0, 2.0);
  }

  /** From a validated {@code retry} section; defaults for what it leaves out. */
  public static RetryPolicy from(@Nullable Map<String, Object> section) {
    RetryPolicy d = defaults();
    if (section == null) {
      return d;
    }
    return new RetryPolicy(
        ((Number) section.getOrDefault("max_attempts", d.maxAttempts)).intValue(),
        ((Number) section.getOrDefault("initial_delay_seconds", d.initialDelaySeconds))
            .doubleValue(),
        ((Number) section.getOrDefault("max_delay_seconds", d.maxDelaySeconds)).doubleValue(),
        ((Number) section.getOrDefault("exponential_base", d.exponentialBase)).doubleValue());
  }

  /** The wait before attempt {@code attempt + 1}, after {@code attempt} (1-based) failed. */
  public Duration backoff(int attempt) {
    double seconds =
        Math.min(
            maxDelaySeconds,
            initialDelaySeconds * Math.pow(exponentialBase, Math.max(0, attempt - 1)));
    return Duration.ofNanos((long) (Math.max(0, seconds) * 1_000_000_000L));
  }

  /**
   * The wait a failed response asks for: {@code retry-after-ms} (Azure OpenAI and OpenAI send it,
   * in milliseconds) when readable, else {@code Retry-After}; null when neither says.
   */
  public static @Nullable Duration retryAfter(
      @Nullable String retryAfterMs, @Nullable String retryAfter, Instant now) {
    if (retryAfterMs != null) {
      try {
        double ms = Double.parseDouble(retryAfterMs.strip());
        if (!Double.isNaN(ms) && !Double.isInfinite(ms)) {
          return Duration.ofNanos((long) (Math.max(0, ms) * 1_000_000L));
        }
      } catch (NumberFormatException e) {
        // Unreadable: Retry-After decides.
      }
    }
    return parseRetryAfter(retryAfter, now);
  }

  /**
   * The wait a {@code Retry-After} header asks for: delay-seconds (RFC 9110; a decimal is accepted,
   * as some services send one) or an HTTP date, measured from {@code now}. Null when the header is
   * absent or unreadable; never negative.
   */
  public static @Nullable Duration parseRetryAfter(@Nullable String value, Instant now) {
    if (value == null || value.isBlank()) {
      return null;
    }
    String v = value.strip();
    try {
      double seconds = Double.parseDouble(v);
      if (Double.isNaN(seconds) || Double.isInfinite(seconds)) {
        return null;
      }
      return Duration.ofNanos((long) (Math.max(0, seconds) * 1_000_000_000L));
    } catch (NumberFormatException notSeconds) {
      try {
        Instant at = ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
        Duration wait = Duration.between(now, at);
        return wait.isNegative() ? Duration.ZERO : wait;
      } catch (DateTimeParseException notDate) {
        return null;
      }
    }
  }
}
