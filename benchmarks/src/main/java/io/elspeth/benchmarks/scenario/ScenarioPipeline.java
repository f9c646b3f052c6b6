package io.elspeth.benchmarks.scenario;

import io.elspeth.pipelines.launch.RunLauncher;
import io.elspeth.pipelines.launch.RunObserver;
import io.elspeth.pipelines.launch.RunPhase;
import io.elspeth.pipelines.launch.RunSummary;
import io.elspeth.pipelines.plugins.PluginRegistry;
import io.elspeth.pipelines.settings.PipelineSettings;
import io.elspeth.pipelines.settings.SettingsLoader;
import io.elspeth.pipelines.settings.SettingsValidator;
import java.io.BufferedWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import org.checkerframework.checker.nullness.qual.Nullable;

/** The pipeline of scenario 1 (CSV → field_mapper → gate → two CSV sinks), shared by scenarios. */
final class ScenarioPipeline {
  private ScenarioPipeline() {}

  static void writeInput(Path input, int rows) throws Exception {
    Random random = new Random(42);
    try (BufferedWriter w = Files.newBufferedWriter(input)) {
      w.write("id,customer,amount,note\n");
      for (int i = 0; i < rows; i++) {
        w.write(
            i
                + ",customer-"
                + (i % 977)
                + ","
                + String.format("%.2f", random.nextDouble() * 2000)
                + ",\"a note, with a comma\"\n");
      }
    }
  }

  /**
   * Settings of the scenario pipeline in a fresh folder with a SQLite Landscape there; {@code
   * extraYaml} is appended.
   */
  static PipelineSettings settings(Path workDir, Path input, String extraYaml) throws Exception {
    return settings(workDir, input, null, extraYaml);
  }

  /**
   * Settings of the scenario pipeline in a fresh folder, with the Landscape at {@code landscapeUrl}
   * (null: a SQLite file in the folder); {@code extraYaml} is appended.
   */
  static PipelineSettings settings(
      Path workDir, Path input, @Nullable String landscapeUrl, String extraYaml) throws Exception {
    Path file = settingsFile(workDir, input, landscapeUrl, extraYaml);
    return new SettingsValidator(PluginRegistry.builtIn())
        .validate(file, SettingsLoader.load(file, null, Map.of()));
  }

  /** The scenario's settings file with a SQLite Landscape beside it (see the overload below). */
  static Path settingsFile(Path workDir, Path input, String extraYaml) throws Exception {
    return settingsFile(workDir, input, null, extraYaml);
  }

  /**
   * Writes the scenario's settings file in a fresh folder (outputs and payloads there, the
   * Landscape at {@code landscapeUrl}, null: {@code landscape.db} there) and returns its path.
   */
  static Path settingsFile(
      Path workDir, Path input, @Nullable String landscapeUrl, String extraYaml) throws Exception {
    settleDisk();
    Path out = workDir.resolve("s1-" + UUID.randomUUID());
    Files.createDirectories(out);
    String landscape =
        landscapeUrl != null ? landscapeUrl : "sqlite:///" + out.resolve("landscape.db");
    Path file = out.resolve("settings.yaml");
    Files.writeString(
        file,
        """
        source:
          plugin: csv
          options:
            path: %s
            schema: {mode: strict, fields: ["id: int", "customer: str", "amount: float", "note: str"]}
            on_validation_failure: discard
        transforms:
          - plugin: field_mapper
            options: {mapping: {customer: client}}
        gates:
          - name: big
            condition: "row['amount'] > 1000"
            routes: {"true": high, "false": continue}
        sinks:
          normal: {plugin: csv, options: {path: %s}}
          high: {plugin: csv, options: {path: %s}}
        default_sink: normal
        landscape: {url: "%s"}
        payload_store: {base_path: %s}
        """
                .formatted(
                    input,
                    out.resolve("normal.csv"),
                    out.resolve("high.csv"),
                    landscape,
                    out.resolve("payloads"))
            + extraYaml);
    return file;
  }

  /**
   * Waits for the disk to write back what earlier runs left (a 100,000-row run leaves about 0.75
   * GB: its SQLite Landscape, payloads, sink files), so that a run does not share the disk with the
   * write-back of the one before it, and its SQLite syncs do not wait behind that. Called before
   * the timed part of each run.
   */
  private static void settleDisk() throws InterruptedException {
    try {
      new ProcessBuilder("sync").inheritIO().start().waitFor();
    } catch (java.io.IOException e) {
      // No sync command (not Linux): the runs are only noisier.
    }
  }

  /** The PostgreSQL server the scenarios with a PostgreSQL Landscape use. */
  static final String PG_SERVER = "jdbc:postgresql://127.0.0.1:5432/test?user=postgres";

  /**
   * Creates a fresh schema on {@link #PG_SERVER}, adds it to {@code schemas} (for {@link
   * #dropSchemas}) and returns the Landscape URL of a run in it.
   */
  static String newPostgresLandscape(List<String> schemas) throws Exception {
    String schema = "bench_" + UUID.randomUUID().toString().replace("-", "");
    try (Connection c = DriverManager.getConnection(PG_SERVER);
        Statement s = c.createStatement()) {
      s.execute("CREATE SCHEMA " + schema);
    }
    schemas.add(schema);
    return "postgresql://postgres@127.0.0.1:5432/test?currentSchema=" + schema;
  }

  static void dropSchemas(List<String> schemas) throws Exception {
    try (Connection c = DriverManager.getConnection(PG_SERVER);
        Statement s = c.createStatement()) {
      for (String schema : schemas) {
        s.execute("DROP SCHEMA " + schema + " CASCADE");
      }
    }
  }

  /** Seconds of a full run through the launcher. */
  static double timeRun(PipelineSettings settings) {
    return timeRunPhases(settings).seconds();
  }

  /** A full run's wall seconds, and those of its reconciliation phase (part of them). */
  record Timed(double seconds, double reconcileSeconds) {}

  /** A full run through the launcher, timed whole and in its reconciliation phase. */
  static Timed timeRunPhases(PipelineSettings settings) {
    double[] reconcile = {0};
    RunObserver observer =
        new RunObserver() {
          @Override
          public void phaseCompleted(RunPhase phase, double durationSeconds) {
            if (phase == RunPhase.RECONCILE) {
              reconcile[0] = durationSeconds;
            }
          }
        };
    long start = System.nanoTime();
    RunSummary summary = new RunLauncher(observer, null).run(settings);
    double seconds = (System.nanoTime() - start) / 1e9;
    if (!summary.succeeded()) {
      throw new IllegalStateException("benchmark run failed: " + summary.failure());
    }
    return new Timed(seconds, reconcile[0]);
  }
}
