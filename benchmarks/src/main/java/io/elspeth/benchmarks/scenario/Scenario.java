package io.elspeth.benchmarks.scenario;

import io.elspeth.benchmarks.report.Figure;
import java.nio.file.Path;
import java.util.List;

/**
 * One end-to-end benchmark: measures its subject and its baseline side by side, {@code runs} times.
 */
public interface Scenario {
  String name();

  /** How many measured pairs this scenario runs when the harness asks for {@code requested}. */
  default int runs(int requested) {
    return requested;
  }

  Figure run(int runs, Path workDir) throws Exception;

  /**
   * Every figure of the scenario: {@link #run}'s, and any the same runs also gave (the scaling
   * scenarios' share of reconciliation).
   */
  default List<Figure> runAll(int runs, Path workDir) throws Exception {
    return List.of(run(runs, workDir));
  }
}
