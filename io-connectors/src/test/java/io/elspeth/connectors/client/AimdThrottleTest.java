package io.elspeth.connectors.client;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.is;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class AimdThrottleTest {
  private final FakeClock clock = new FakeClock();

  private static PoolSettings pool(long min, long max, double multiplier, long step) {
    return new PoolSettings(4, min, max, multiplier, step, 3600);
  }

  @Test
  void startsAtTheMinimumAndDispatchesWithoutWaiting() throws Exception {
    AimdThrottle t = new AimdThrottle(pool(0, 5000, 2.0, 50), clock);
    t.beforeDispatch();
    assertThat(t.currentDelayMs(), is(0L));
    assertThat(clock.sleeps(), is(empty()));
  }

  @Test
  void capacityErrorsMultiplyTheDelayUpToTheMaximum() {
    AimdThrottle t = new AimdThrottle(pool(0, 1000, 2.0, 50), clock);
    List<Long> delays = new ArrayList<>();
    for (int i = 0; i < 7; i++) {
      t.onCapacityError();
      delays.add(t.currentDelayMs());
    }
    // From zero the first step is one recovery step, so doubling has something to double.
    assertThat(delays, contains(50L, 100L, 200L, 400L, 800L, 1000L, 1000L));
  }

  @Test
  void successesTakeOneStepOffDownToTheMinimum() {
    AimdThrottle t = new AimdThrottle(pool(20, 1000, 3.0, 40), clock);
    assertThat(t.currentDelayMs(), is(20L));
    t.onCapacityError();
    assertThat("max(20 x 3, one step)", t.currentDelayMs(), is(60L));
    t.onCapacityError();
    assertThat(t.currentDelayMs(), is(180L));
    List<Long> delays = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      t.onSuccess();
      delays.add(t.currentDelayMs());
    }
    assertThat(delays, contains(140L, 100L, 60L, 20L, 20L, 20L));
  }

  @Test
  void eachDispatchWaitsTheCurrentDelay() throws Exception {
    AimdThrottle t = new AimdThrottle(pool(0, 5000, 2.0, 50), clock);
    t.onCapacityError();
    t.beforeDispatch();
    t.onCapacityError();
    t.beforeDispatch();
    t.onSuccess();
    t.beforeDispatch();
    assertThat(
        clock.sleeps(),
        contains(Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(50)));
  }

  @Test
  void aMultiplierOfOneStillBacksOffByAStep() {
    AimdThrottle t = new AimdThrottle(pool(0, 5000, 1.0, 50), clock);
    t.onCapacityError();
    t.onCapacityError();
    assertThat(t.currentDelayMs(), is(50L));
  }
}
