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
 * Scenario 5: scenario 1's pipeline (CSV → field_mapper → gate → two CSV sinks, Landscape on)
 * through the launcher on {@code flink-local} with parallelism 2 ÷ the same on {@code direct}. Both
 * sides use a PostgreSQL Landscape (each run its own schema), since Flink refuses SQLite: the ratio
 * compares the runners, not the databases.
 */
public final class FlinkLocalScenario implements Scenario {
  private static final String PG_SERVER = "jdbc:postgresql://127.0.0.1:5432/test?user=postgres";
  static final int FLINK_PARALLELISM = 2;
  private final int rows;

  public FlinkLocalScenario(int rows) {
    this.rows = rows;
  }

  @Override
  public String name() {
    return "flink-local-vs-direct";
  }

  @Override
  public Figure run(int runs, Path workDir) throws Exception {
    Path input = workDir.resolve("scenario5-input.csv");
    ScenarioPipeline.writeInput(input, rows);
    List<String> schemas = new ArrayList<>();
    SideBySide.Rates rates;
    try {
      rates =
          SideBySide.rates(
              runs,
              rows,
              () -> time(workDir, input, RunnerProfile.FLINK_LOCAL, schemas),
              () -> time(workDir, input, RunnerProfile.DIRECT, schemas));
    } finally {
      dropSchemas(schemas);
    }
    return new Figure(
        name(),
        "CSV -> field_mapper -> gate -> 2 CSV sinks, "
            + rows
            + " rows, PostgreSQL Landscape: flink-local parallelism "
            + FLINK_PARALLELISM
            + " vs direct",
        "rows/s",
        rates.measured(),
        rates.baseline(),
        null);
  }

  private double time(Path workDir, Path input, RunnerProfile profile, List<String> schemas)
      throws Exception {
    String schema = "bench_" + UUID.randomUUID().toString().replace("-", "");
    try (Connection c = DriverManager.getConnection(PG_SERVER);
        Statement s = c.createStatement()) {
      s.execute("CREATE SCHEMA " + schema);
    }
    schemas.add(schema);
    PipelineSettings settings =
        ScenarioPipeline.settings(
            workDir,
            input,
            "postgresql://postgres@127.0.0.1:5432/test?currentSchema=" + schema,
            "");
    settings =
        settings.onRunner(
            settings
                .runner()
                .withProfile(profile)
                .withParallelism(profile == RunnerProfile.DIRECT ? 0 : FLINK_PARALLELISM));
    return ScenarioPipeline.timeRun(settings);
  }

  private static void dropSchemas(List<String> schemas) throws Exception {
    try (Connection c = DriverManager.getConnection(PG_SERVER);
        Statement s = c.createStatement()) {
      for (String schema : schemas) {
        s.execute("DROP SCHEMA " + schema + " CASCADE");
      }
    }
  }
}
