package io.elspeth.benchmarks.scenario;

import java.util.ArrayList;
import java.util.List;

/**
 * The one way a scenario measures its subject and its baseline: one unmeasured pair first, then
 * {@code runs} pairs in alternating order. Without the warm-up pair the first measured run pays
 * the JVM's class loading and JIT (the DirectRunner's first run in a JVM takes several times its
 * later ones), which biases the ratio against whichever side goes first.
 */
final class SideBySide {
  private SideBySide() {}

  /** One run of a side: its wall seconds. */
  @FunctionalInterface
  interface Side {
    double seconds() throws Exception;
  }

  /** Units per second of every measured run of each side. */
  record Rates(List<Double> measured, List<Double> baseline) {}

  static Rates rates(int runs, double units, Side measured, Side baseline) throws Exception {
    measured.seconds();
    baseline.seconds();
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
    return new Rates(m, b);
  }
}
