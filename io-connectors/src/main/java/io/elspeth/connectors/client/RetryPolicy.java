package io.elspeth.connectors.client;

import java.io.Serializable;
import java.time.Duration;
import java.util.Map;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The settings' {@code retry} section: how often a call failing with a retryable error (429,
 * 5xx, timeout, connection failure) is tried, and the exponential back-off between attempts.
 *
 * @param maxAttempts attempts in all, 1 or more
 */
public record RetryPolicy(int maxAttempts, double initialDelaySeconds, double maxDelaySeconds,
    double exponentialBase) implements Serializable {

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
    double seconds = Math.min(maxDelaySeconds,
        initialDelaySeconds * Math.pow(exponentialBase, Math.max(0, attempt - 1)));
    return Duration.ofNanos((long) (Math.max(0, seconds) * 1_000_000_000L));
  }
}
