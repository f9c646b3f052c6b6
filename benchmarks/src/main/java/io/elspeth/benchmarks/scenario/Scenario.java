package io.elspeth.benchmarks.scenario;

import io.elspeth.benchmarks.report.Figure;
import java.nio.file.Path;

/** One end-to-end benchmark: measures its subject and its baseline side by side, {@code runs} times. */
public interface Scenario {
  String name();

  Figure run(int runs, Path workDir) throws Exception;
}
