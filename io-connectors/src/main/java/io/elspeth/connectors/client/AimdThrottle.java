package io.elspeth.connectors.client;

import java.time.Duration;

/**
 * Additive-increase/multiplicative-decrease pacing of one DoFn instance's calls: every dispatch
 * waits the current delay; a capacity error (429/503) multiplies it, each success takes one
 * recovery step off, always within the pool's bounds. Shared by the instance's pool threads.
 */
public final class AimdThrottle {
  private final PoolSettings pool;
  private final CallClock clock;
  private long delayMs;

  public AimdThrottle(PoolSettings pool) {
    this(pool, CallClock.SYSTEM);
  }

  public AimdThrottle(PoolSettings pool, CallClock clock) {
    this.pool = pool;
    this.clock = clock;
    this.delayMs = pool.minDispatchDelayMs();
  }

  /** Waits the current dispatch delay. */
  public void beforeDispatch() throws InterruptedException {
    long wait = currentDelayMs();
    if (wait > 0) {
      clock.sleep(Duration.ofMillis(wait));
    }
  }

  public synchronized long currentDelayMs() {
    return delayMs;
  }

  public synchronized void onCapacityError() {
    long grown =
        (long)
            Math.ceil(
                Math.max(delayMs * pool.backoffMultiplier(), Math.max(1, pool.recoveryStepMs())));
    delayMs = Math.min(pool.maxDispatchDelayMs(), Math.max(pool.minDispatchDelayMs(), grown));
  }

  public synchronized void onSuccess() {
    delayMs = Math.max(pool.minDispatchDelayMs(), delayMs - pool.recoveryStepMs());
  }
}
