package io.elspeth.console;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class SettledRunsTest {
  @Test
  void aSettledRunIsReadOnceAndARunningRunEveryTime() throws Exception {
    SettledRuns settled = new SettledRuns();
    AtomicInteger reads = new AtomicInteger();
    for (int i = 0; i < 3; i++) {
      assertThat(settled.get("done", "completed", "rows", () -> (long) reads.incrementAndGet()),
          is(1L));
    }
    assertThat(settled.get("done", "completed", "outcomes", reads::incrementAndGet), is(2));
    assertThat(settled.get("broken", "failed", "rows", reads::incrementAndGet), is(3));
    assertThat(settled.get("broken", "failed", "rows", reads::incrementAndGet), is(3));
    for (String live : new String[] {"running", "interrupted"}) {
      int before = reads.get();
      settled.get("live", live, "rows", reads::incrementAndGet);
      settled.get("live", live, "rows", reads::incrementAndGet);
      assertThat(reads.get(), is(before + 2));
    }
  }

  @Test
  void theLeastRecentlyViewedRunsAreDroppedBeyondTheLimit() throws Exception {
    SettledRuns settled = new SettledRuns();
    AtomicInteger reads = new AtomicInteger();
    for (int r = 0; r <= SettledRuns.MAX_RUNS; r++) {
      settled.get("run" + r, "completed", "rows", reads::incrementAndGet);
    }
    // run0 was the eldest: read again; the newest is still kept.
    int before = reads.get();
    settled.get("run" + SettledRuns.MAX_RUNS, "completed", "rows", reads::incrementAndGet);
    assertThat(reads.get(), is(before));
    settled.get("run0", "completed", "rows", reads::incrementAndGet);
    assertThat(reads.get(), is(before + 1));
  }
}
