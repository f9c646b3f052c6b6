package io.elspeth.benchmarks.report;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * One figure of the harness: a throughput measured with the thing under test ({@code measured}) and
 * without it or against its reference ({@code baseline}), side by side in the same run, once per
 * repetition. The figure is the ratio measured ÷ baseline: its median over the repetitions, and its
 * spread (min and max).
 *
 * @param goal the ratio the project aims for, or null when the issue sets none
 */
public record Figure(
    String scenario,
    String description,
    String unit,
    List<Double> measured,
    List<Double> baseline,
    @Nullable Double goal) {

  public Figure {
    if (measured.size() != baseline.size() || measured.isEmpty()) {
      throw new IllegalArgumentException("a figure needs one baseline per measurement");
    }
    measured = List.copyOf(measured);
    baseline = List.copyOf(baseline);
  }

  public List<Double> ratios() {
    List<Double> r = new ArrayList<>();
    for (int i = 0; i < measured.size(); i++) {
      r.add(measured.get(i) / baseline.get(i));
    }
    return r;
  }

  public double medianRatio() {
    return median(ratios());
  }

  public double minRatio() {
    return Collections.min(ratios());
  }

  public double maxRatio() {
    return Collections.max(ratios());
  }

  public double medianMeasured() {
    return median(measured);
  }

  public double medianBaseline() {
    return median(baseline);
  }

  /** Whether the median ratio reaches the goal (true when there is no goal). */
  public boolean meetsGoal() {
    return goal == null || medianRatio() >= goal;
  }

  static double median(List<Double> values) {
    List<Double> sorted = new ArrayList<>(values);
    Collections.sort(sorted);
    int n = sorted.size();
    return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
  }
}
