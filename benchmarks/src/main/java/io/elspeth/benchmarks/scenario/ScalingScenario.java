package io.elspeth.benchmarks.scenario;

import io.elspeth.benchmarks.report.Figure;
import io.elspeth.pipelines.settings.PipelineSettings;
import io.elspeth.runners.RunnerProfile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.util.ArrayList;
import java.util.List;

/**
 * Does a run's cost grow linearly with its rows? Scenario 1's pipeline (CSV → field_mapper → gate →
 * two CSV sinks, Landscape on, reconciliation included) at {@code rows} and at ten times as many,
 * on one runner and Landscape database: rows/s at the large size ÷ rows/s at the small one. Linear
 * cost gives 1; the goal, 10/11, is time(10 n) ≤ 11 time(n). The harness's default sizes are small
 * (fixed costs weigh more there, which flatters the figure); the are 100,000 and 1,000,000
 * ({@code --scaling-rows 100000}).
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

  private static final int FACTOR = 10;
  private static final int WARMUP_ROWS = 20_000;
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
    return runAll(runs, workDir).get(0);
  }

  /**
   * The scaling figure, and from the same large runs the share of reconciliation: rows/s of the
   * whole run ÷ rows/s of the run without its reconciliation phase, that is 1 - the share (the
   * goal, a share under 5 %, is a ratio of at least 0.95). Also prints the Landscape's bytes per
   * row of each size.
   */
  @Override
  public List<Figure> runAll(int runs, Path workDir) throws Exception {
    Path small = workDir.resolve("scaling-" + rows + ".csv");
    Path large = workDir.resolve("scaling-" + (rows * FACTOR) + ".csv");
    ScenarioPipeline.writeInput(small, rows);
    ScenarioPipeline.writeInput(large, rows * FACTOR);
    List<String> schemas = new ArrayList<>();
    List<Double> largeRates = new ArrayList<>();
    List<Double> smallRates = new ArrayList<>();
    List<Double> largeWithoutReconcile = new ArrayList<>();
    try {
      // One unmeasured run of at most WARMUP_ROWS: the JIT's first minute is not the
      // pipeline's cost (a whole 100,000-row run for it took minutes of a 1M-row measurement).
      if (rows <= WARMUP_ROWS) {
        time(workDir, small, rows, schemas);
      } else {
        Path warmup = workDir.resolve("scaling-warmup-" + WARMUP_ROWS + ".csv");
        ScenarioPipeline.writeInput(warmup, WARMUP_ROWS);
        time(workDir, warmup, WARMUP_ROWS, schemas);
      }
      for (int i = 0; i < runs; i++) {
        ScenarioPipeline.Timed ts = time(workDir, small, rows, schemas);
        ScenarioPipeline.Timed tl = time(workDir, large, rows * FACTOR, schemas);
        System.err.printf(
            "  %d rows: %.1f s (reconcile %.1f s); %d rows: %.1f s (reconcile"
                + " %.1f s, %.1f %%); time ratio %.2f%n",
            rows,
            ts.seconds(),
            ts.reconcileSeconds(),
            rows * FACTOR,
            tl.seconds(),
            tl.reconcileSeconds(),
            100 * tl.reconcileSeconds() / tl.seconds(),
            tl.seconds() / ts.seconds());
        smallRates.add(rows / ts.seconds());
        largeRates.add(rows * (double) FACTOR / tl.seconds());
        largeWithoutReconcile.add(rows * (double) FACTOR / (tl.seconds() - tl.reconcileSeconds()));
      }
    } finally {
      ScenarioPipeline.dropSchemas(schemas);
    }
    String what =
        "CSV -> field_mapper -> gate -> 2 CSV sinks on "
            + setup.profile.configName()
            + ", "
            + (setup.postgresql ? "PostgreSQL" : "SQLite")
            + " Landscape";
    return List.of(
        new Figure(
            name(),
            what + ": rows/s at " + rows * FACTOR + " rows vs at " + rows + " rows",
            "rows/s",
            largeRates,
            smallRates,
            1.0 / 1.1),
        new Figure(
            name() + "-reconcile",
            what
                + ", "
                + rows * FACTOR
                + " rows: rows/s of the"
                + " whole run vs without its reconciliation (1 - reconciliation's share)",
            "rows/s",
            largeRates,
            largeWithoutReconcile,
            0.95));
  }

  private ScenarioPipeline.Timed time(Path workDir, Path input, int inputRows, List<String> schemas)
      throws Exception {
    String url = null;
    String schema = null;
    if (setup.postgresql) {
      url = ScenarioPipeline.newPostgresLandscape(schemas);
      schema = schemas.get(schemas.size() - 1);
    }
    PipelineSettings settings = ScenarioPipeline.settings(workDir, input, url, "");
    settings =
        settings.onRunner(
            settings
                .runner()
                .withProfile(setup.profile)
                .withParallelism(
                    setup.profile == RunnerProfile.DIRECT
                        ? 0
                        : FlinkLocalScenario.FLINK_PARALLELISM));
    ScenarioPipeline.Timed timed = ScenarioPipeline.timeRunPhases(settings);
    long bytes =
        schema != null
            ? postgresBytes(schema)
            : sqliteBytes(settings.landscape().jdbcUrl().substring("jdbc:sqlite:".length()));
    System.err.printf(
        "  landscape: %d rows, %.1f MB, %.0f bytes per row%n",
        inputRows, bytes / 1e6, bytes / (double) inputRows);
    return timed;
  }

  /** The SQLite Landscape's file and whatever its WAL still holds. */
  private static long sqliteBytes(String file) throws Exception {
    long bytes = Files.size(Path.of(file));
    Path wal = Path.of(file + "-wal");
    return Files.exists(wal) ? bytes + Files.size(wal) : bytes;
  }

  /** The tables of the schema with their indexes and TOAST, as PostgreSQL stores them. */
  private static long postgresBytes(String schema) throws Exception {
    try (Connection c = DriverManager.getConnection(ScenarioPipeline.PG_SERVER);
        java.sql.PreparedStatement ps =
            c.prepareStatement(
                "SELECT COALESCE(SUM("
                    + "pg_total_relation_size(t.oid)), 0) FROM pg_class t JOIN pg_namespace n"
                    + " ON n.oid = t.relnamespace WHERE n.nspname = ? AND t.relkind = 'r'")) {
      ps.setString(1, schema);
      try (java.sql.ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    }
  }
}
