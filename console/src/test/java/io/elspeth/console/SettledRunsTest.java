package io.elspeth.console;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class SettledRunsTest {
  /** No run has stored aggregates: every settled run is read from its records. */
  private static final SettledRuns.Stored NONE = (c, runId) -> Optional.empty();

  @Test
  void aSettledRunIsReadOnceAndARunningRunEveryTime() throws Exception {
    SettledRuns settled = new SettledRuns(NONE);
    AtomicInteger reads = new AtomicInteger();
    for (int i = 0; i < 3; i++) {
      assertThat(
          settled.get(null, "done", "completed", "rows", () -> (long) reads.incrementAndGet()),
          is(1L));
    }
    assertThat(settled.get(null, "done", "completed", "outcomes", reads::incrementAndGet), is(2));
    assertThat(settled.get(null, "broken", "failed", "rows", reads::incrementAndGet), is(3));
    assertThat(settled.get(null, "broken", "failed", "rows", reads::incrementAndGet), is(3));
    for (String live : new String[] {"running", "interrupted"}) {
      int before = reads.get();
      settled.get(null, "live", live, "rows", reads::incrementAndGet);
      settled.get(null, "live", live, "rows", reads::incrementAndGet);
      assertThat(reads.get(), is(before + 2));
    }
  }

  @Test
  void aSettledRunsStoredAggregatesAreLookedUpOnceAndReadInsteadOfTheRun() throws Exception {
    AtomicInteger lookups = new AtomicInteger();
    SettledRuns settled =
        new SettledRuns(
            (c, runId) -> {
              lookups.incrementAndGet();
              return runId.equals("stored") ? Optional.of(Map.of("rows", 42L)) : Optional.empty();
            });
    AtomicInteger reads = new AtomicInteger();
    assertThat(
        settled.get(null, "stored", "completed", "rows", () -> (long) reads.incrementAndGet()),
        is(42L));
    assertThat(
        settled.get(null, "stored", "completed", "rows", () -> (long) reads.incrementAndGet()),
        is(42L));
    // What the stored aggregates do not hold is read from the run, and kept.
    assertThat(settled.get(null, "stored", "completed", "outcomes", reads::incrementAndGet), is(1));
    assertThat(settled.get(null, "stored", "completed", "outcomes", reads::incrementAndGet), is(1));
    assertThat(settled.get(null, "old", "failed", "rows", reads::incrementAndGet), is(2));
    assertThat(settled.get(null, "old", "failed", "outcomes", reads::incrementAndGet), is(3));
    assertThat("one look-up per settled run", lookups.get(), is(2));
    // A running run has no stored aggregates to look up: it is read every time.
    settled.get(null, "live", "running", "rows", reads::incrementAndGet);
    assertThat(lookups.get(), is(2));
  }

  @Test
  void theLeastRecentlyViewedRunsAreDroppedBeyondTheLimit() throws Exception {
    SettledRuns settled = new SettledRuns(NONE);
    AtomicInteger reads = new AtomicInteger();
    for (int r = 0; r <= SettledRuns.MAX_RUNS; r++) {
      settled.get(null, "run" + r, "completed", "rows", reads::incrementAndGet);
    }
    // run0 was the eldest: read again; the newest is still kept.
    int before = reads.get();
    settled.get(null, "run" + SettledRuns.MAX_RUNS, "completed", "rows", reads::incrementAndGet);
    assertThat(reads.get(), is(before));
    settled.get(null, "run0", "completed", "rows", reads::incrementAndGet);
    assertThat(reads.get(), is(before + 1));
  }
}
