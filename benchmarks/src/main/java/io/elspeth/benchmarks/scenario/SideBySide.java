package io.elspeth.benchmarks.scenario;

import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;

/**
 * The one way a scenario measures its subject and its baseline: unmeasured warm-up pairs first,
 * then {@code runs} pairs in alternating order.
 *
 * <p>Warm-up lasts until the JIT has settled: pairs are repeated (at most {@link
 * #MAX_WARMUP_PAIRS}) until the compiler spent less than {@link #SETTLED_COMPILE_SHARE} of a pair's
 * wall time (or {@link #MAX_WARMUP_SECONDS} have gone). On two cores the JIT compiler threads took
 * up to a core for the first minute of a harness run (16,000 compilations across Beam, SQLite,
 * Jackson and OpenTelemetry), so a pair measured then timed the compiler as much as the pipeline,
 * and the side with more code to compile (telemetry's exporter, the Landscape's commit) paid more
 * of it. A 1M-row run amortises that; these 20,000-row runs do not.
 */
final class SideBySide {
  /** Warm-up ends when the JIT compiled for less than this share of a pair's wall time. */
  static final double SETTLED_COMPILE_SHARE = 0.05;

  /** At most this many warm-up pairs, settled or not (the harness's time stays bounded)... */
  static final int MAX_WARMUP_PAIRS = 6;

  /** ... and no new pair once warm-up has taken this long (a Flink pair takes minutes). */
  static final double MAX_WARMUP_SECONDS = 90;

  private SideBySide() {}

  /** One run of a side: its wall seconds. */
  @FunctionalInterface
  interface Side {
    double seconds() throws Exception;
  }

  /** Units per second of every measured run of each side, and how many warm-up pairs ran first. */
  record Rates(List<Double> measured, List<Double> baseline, int warmupPairs) {}

  static Rates rates(int runs, double units, Side measured, Side baseline) throws Exception {
    return rates(runs, units, measured, baseline, MAX_WARMUP_SECONDS);
  }

  /**
   * As {@link #rates(int, double, Side, Side)}, with no new warm-up pair once warm-up has taken
   * {@code maxWarmupSeconds}: for a scenario whose pairs are long, so that 90 s is only two.
   */
  static Rates rates(int runs, double units, Side measured, Side baseline, double maxWarmupSeconds)
      throws Exception {
    int warmup = warmUp(measured, baseline, maxWarmupSeconds);
    List<Double> m = new ArrayList<>();
    List<Double> b = new ArrayList<>();
    for (int i = 0; i < runs; i++) {
      if (i % 2 == 0) {
        m.add(units / measured.seconds());
        b.add(units / baseline.seconds());
      } else {
        b.add(units / baseline.seconds());
        m.add(units / measured.seconds());
      }
    }
    return new Rates(m, b, warmup);
  }

  /** Runs unmeasured pairs until the JIT has settled (or the cap); returns how many ran. */
  private static int warmUp(Side measured, Side baseline, double maxSeconds) throws Exception {
    CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
    boolean timed = jit != null && jit.isCompilationTimeMonitoringSupported();
    int pairs = 0;
    long warmupStart = System.nanoTime();
    while (true) {
      long compileBefore = timed ? jit.getTotalCompilationTime() : 0;
      long start = System.nanoTime();
      measured.seconds();
      baseline.seconds();
      pairs++;
      double wallMs = (System.nanoTime() - start) / 1e6;
      double share = timed ? (jit.getTotalCompilationTime() - compileBefore) / wallMs : 0;
      if (!timed
          || share < SETTLED_COMPILE_SHARE
          || pairs >= MAX_WARMUP_PAIRS
          || (System.nanoTime() - warmupStart) / 1e9 >= maxSeconds) {
        System.err.printf(
            "  warm-up: %d pair(s); the JIT compiled for %.0f%% of the last one%n",
            pairs, share * 100);
        return pairs;
      }
    }
  }
}
