package io.elspeth.connectors.client;

import java.io.Serializable;
import java.time.Duration;

/**
 * Makes one logical call with retries, every attempt being its own audited call (the attempt
 * function records it): each dispatch waits for the AIMD delay and the service's rate limit;
 * a capacity error (429/503) slows the throttle and is retried for up to the pool's
 * {@code max_capacity_retry_seconds}; another retryable error is retried up to
 * {@code retry.max_attempts} with exponential back-off; anything else fails at once.
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
  private transient AimdThrottle throttle;

  public CallRetrier(ClientSettings settings, PoolSettings pool, String service) {
    this.settings = settings;
    this.pool = pool;
    this.service = service;
  }

  private synchronized AimdThrottle throttle() {
    if (throttle == null) {
      throttle = new AimdThrottle(pool);
    }
    return throttle;
  }

  /** The shared throttle of this instance (for tests and pool statistics). */
  public AimdThrottle aimd() {
    return throttle();
  }

  public <T> T call(Attempt<T> attempt) throws ExternalCallException, InterruptedException {
    long started = System.nanoTime();
    long capacityBudget = Duration.ofSeconds(pool.maxCapacityRetrySeconds()).toNanos();
    int attempts = 0;
    int failures = 0;
    while (true) {
      attempts++;
      throttle().beforeDispatch();
      settings.rateLimits().acquire(service);
      try {
        T result = attempt.call();
        throttle().onSuccess();
        return result;
      } catch (ExternalCallException e) {
        if (e.capacity()) {
          throttle().onCapacityError();
          if (System.nanoTime() - started < capacityBudget) {
            continue;
          }
          throw e.afterAttempts(attempts);
        }
        failures++;
        if (!e.retryable() || failures >= settings.retry().maxAttempts()) {
          throw e.afterAttempts(attempts);
        }
        Thread.sleep(settings.retry().backoff(failures).toMillis());
      }
    }
  }
}
