package io.elspeth.connectors.client;

import java.io.Serializable;
import java.time.Duration;

/**
 * Time as the retry, AIMD and rate-limit classes see it: a monotonic reading and a way to wait.
 * Production uses {@link #SYSTEM}; tests pass a clock that records each wait and moves its own time
 * instead of sleeping, so back-off sequences are checked without timing real time.
 */
public interface CallClock extends Serializable {
  /** The real clock: {@link System#nanoTime()} and {@link Thread#sleep}. */
  CallClock SYSTEM = new SystemClock();

  /** A monotonic reading in nanoseconds, as {@link System#nanoTime()}. */
  long nanoTime();

  /** Waits {@code duration}; nothing for zero or less. */
  void sleep(Duration duration) throws InterruptedException;

  /** The real clock; a named class so it deserialises to the same behaviour. */
  final class SystemClock implements CallClock {
    private static final long serialVersionUID = 1L;

    private SystemClock() {}

    @Override
    public long nanoTime() {
      return System.nanoTime();
    }

    @Override
    public void sleep(Duration duration) throws InterruptedException {
      long nanos = duration.toNanos();
      if (nanos > 0) {
        Thread.sleep(nanos / 1_000_000, (int) (nanos % 1_000_000));
      }
    }
  }
}
