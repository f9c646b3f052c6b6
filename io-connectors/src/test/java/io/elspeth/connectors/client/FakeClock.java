package io.elspeth.connectors.client;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A {@link CallClock} whose time moves only when something waits on it: each wait is recorded and
 * added to the time, and returns at once. Tests read the sequence of waits instead of timing real
 * time.
 */
final class FakeClock implements CallClock {
  private static final long serialVersionUID = 1L;
  private long now = 1_000_000_000L;
  private final List<Duration> sleeps = new ArrayList<>();

  @Override
  public synchronized long nanoTime() {
    return now;
  }

  @Override
  public synchronized void sleep(Duration duration) {
    if (!duration.isNegative() && !duration.isZero()) {
      sleeps.add(duration);
      now += duration.toNanos();
    }
  }

  /** Moves the time on without a wait (work that takes time). */
  synchronized void advance(Duration duration) {
    now += duration.toNanos();
  }

  /** Every wait so far, in order. */
  synchronized List<Duration> sleeps() {
    return List.copyOf(sleeps);
  }

  /** The total of every wait so far. */
  synchronized Duration slept() {
    return sleeps.stream().reduce(Duration.ZERO, Duration::plus);
  }
}
