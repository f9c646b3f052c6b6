package io.elspeth.connectors.client;

import java.io.Serializable;
import java.time.Duration;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Makes one logical call with retries, every attempt being its own audited call (the attempt
 * function records it): each dispatch waits for the AIMD delay and the service's rate limit; a
 * capacity error (429/503) slows the throttle and is retried for up to the pool's {@code
 * max_capacity_retry_seconds}; another retryable error is retried up to {@code retry.max_attempts}
 * with exponential back-off; anything else fails at once. A {@code Retry-After} the service sent is
 * waited out before the next attempt, whatever the back-off or throttle would have waited.
 */
public final class CallRetrier implements Serializable {
  /** One attempt; it records its own call record before returning or throwing. */
  @FunctionalInterface
  public interface Attempt<T> {
    T call() throws ExternalCallException;
  }

  private final ClientSettings settings;
  private final PoolSettings pool;
  private final String service;
  private final CallClock clock;
  private transient @Nullable AimdThrottle
      throttle; // created on first use (transient: not serialised)

  public CallRetrier(ClientSettings settings, PoolSettings pool, String service) {
    this(settings, pool, service, CallClock.SYSTEM);
  }

  /** With the clock the retrier, its throttle and the rate limits read and wait on. */
  public CallRetrier(ClientSettings settings, PoolSettings pool, String service, CallClock clock) {
    this.settings = settings;
    this.pool = pool;
    this.service = service;
    this.clock = clock;
  }

  private synchronized AimdThrottle throttle() {
    if (throttle == null) {
      throttle = new AimdThrottle(pool, clock);
    }
    return throttle;
  }

  /** The shared throttle of this instance (for tests and pool statistics). */
  public AimdThrottle aimd() {
    return throttle();
  }

  /**
   * {@link #call} for a row's step: an interrupt while waiting to retry is a failed call (the
   * thread's interrupt flag kept), so the row is routed with the reason instead of lost.
   */
  public <T> T callOrFail(Attempt<T> attempt) throws ExternalCallException {
    try {
      return call(attempt);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ExternalCallException(
          ExternalCallException.Kind.NETWORK, "interrupted while waiting to retry", null);
    }
  }

  public <T> T call(Attempt<T> attempt) throws ExternalCallException, InterruptedException {
    long started = clock.nanoTime();
    long capacityBudget = Duration.ofSeconds(pool.maxCapacityRetrySeconds()).toNanos();
    int attempts = 0;
    int failures = 0;
    Duration retryAfter = Duration.ZERO;
    while (true) {
      attempts++;
      long paced = clock.nanoTime();
      throttle().beforeDispatch();
      settings.rateLimits().acquire(service, clock);
      // What the pacing above did not already wait of the service's Retry-After.
      Duration owed = retryAfter.minusNanos(clock.nanoTime() - paced);
      if (!owed.isNegative()) {
        clock.sleep(owed);
      }
      try {
        T result = attempt.call();
        throttle().onSuccess();
        return result;
      } catch (ExternalCallException e) {
        retryAfter = e.retryAfter() == null ? Duration.ZERO : e.retryAfter();
        if (e.capacity()) {
          throttle().onCapacityError();
          long spent = clock.nanoTime() - started;
          if (spent + retryAfter.toNanos() < capacityBudget) {
            continue;
          }
          throw e.afterAttempts(attempts);
        }
        failures++;
        if (!e.retryable() || failures >= settings.retry().maxAttempts()) {
          throw e.afterAttempts(attempts);
        }
        Duration backoff = settings.retry().backoff(failures);
        clock.sleep(backoff);
        retryAfter = retryAfter.minus(backoff);
      }
    }
  }
}
