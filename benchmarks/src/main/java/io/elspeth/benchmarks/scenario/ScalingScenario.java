package io.elspeth.benchmarks.scenario;

import io.elspeth.benchmarks.report.Figure;
import io.elspeth.pipelines.settings.PipelineSettings;
import io.elspeth.runners.RunnerProfile;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Does a run's cost grow linearly with its rows? Scenario 1's pipeline (CSV → field_mapper →
 * gate → two CSV sinks, Landscape on, reconciliation included) at {@code rows} and at ten times
 * as many, on one runner and Landscape database: rows/s at the large size ÷ rows/s at the small
 * one. Linear cost gives 1; the goal, 10/11, is time(10 n) ≤ 11 time(n). The harness's default
 * sizes are small (fixed costs weigh more there, which flatters the figure); the are
 * 100,000 and 1,000,000 ({@code --scaling-rows 100000}).
 */
public final class ScalingScenario implements Scenario {
  /** The runner and Landscape of one figure. */
  public enum Setup {
    DIRECT_SQLITE(RunnerProfile.DIRECT, false),
    DIRECT_POSTGRESQL(RunnerProfile.DIRECT, true),
    FLINK_LOCAL_POSTGRESQL(RunnerProfile.FLINK_LOCAL, true);

    final RunnerProfile profile;
    final boolean postgresql;

    Setup(RunnerProfile profile, boolean postgresql) {
      this.profile = profile;
      this.postgresql = postgresql;
    }
  }

  private static final String PG_SERVER = "jdbc:postgresql://127.0.0.1:5432/test?user=postgres";
  private static final int FACTOR = 10;
  private final Setup setup;
  private final int rows;

  public ScalingScenario(Setup setup, int rows) {
    this.setup = setup;
    this.rows = rows;
  }

  @Override
  public String name() {
    return "scaling-" + setup.name().toLowerCase().replace('_', '-');
  }

  @Override
  public Figure run(int runs, Path workDir) throws Exception {
    Path small = workDir.resolve("scaling-" + rows + ".csv");
    Path large = workDir.resolve("scaling-" + (rows * FACTOR) + ".csv");
    ScenarioPipeline.writeInput(small, rows);
    ScenarioPipeline.writeInput(large, rows * FACTOR);
    List<String> schemas = new ArrayList<>();
    List<Double> largeRates = new ArrayList<>();
    List<Double> smallRates = new ArrayList<>();
    try {
      // One unmeasured small run: the JIT's first minute is not the pipeline's cost.
      time(workDir, small, schemas);
      for (int i = 0; i < runs; i++) {
        double ts = time(workDir, small, schemas);
        double tl = time(workDir, large, schemas);
        System.err.printf("  %d rows: %.1f s; %d rows: %.1f s; time ratio %.2f%n", rows, ts,
            rows * FACTOR, tl, tl / ts);
        smallRates.add(rows / ts);
        largeRates.add(rows * (double) FACTOR / tl);
      }
    } finally {
      dropSchemas(schemas);
    }
    return new Figure(name(), "CSV -> field_mapper -> gate -> 2 CSV sinks on "
        + setup.profile.configName() + ", " + (setup.postgresql ? "PostgreSQL" : "SQLite")
        + " Landscape: rows/s at " + rows * FACTOR + " rows vs at " + rows + " rows", "rows/s",
        largeRates, smallRates, 1.0 / 1.1);
  }

  private double time(Path workDir, Path input, List<String> schemas) throws Exception {
    String url = null;
    if (setup.postgresql) {
      String schema = "bench_" + UUID.randomUUID().toString().replace("-", "");
      try (Connection c = DriverManager.getConnection(PG_SERVER);
          Statement s = c.createStatement()) {
        s.execute("CREATE SCHEMA " + schema);
      }
      schemas.add(schema);
      url = "postgresql://postgres@127.0.0.1:5432/test?currentSchema=" + schema;
    }
    PipelineSettings settings = ScenarioPipeline.settings(workDir, input, url, "");
    settings = settings.onRunner(settings.runner().withProfile(setup.profile)
        .withParallelism(setup.profile == RunnerProfile.DIRECT ? 0
            : FlinkLocalScenario.FLINK_PARALLELISM));
    return ScenarioPipeline.timeRun(settings);
  }

  private static void dropSchemas(List<String> schemas) throws Exception {
    try (Connection c = DriverManager.getConnection(PG_SERVER); Statement s = c.createStatement()) {
      for (String schema : schemas) {
        s.execute("DROP SCHEMA " + schema + " CASCADE");
      }
    }
  }
}
