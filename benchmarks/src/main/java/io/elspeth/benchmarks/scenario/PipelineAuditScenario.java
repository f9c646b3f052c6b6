package io.elspeth.benchmarks.scenario;

import io.elspeth.audit.secrets.SecretFingerprinter;
import io.elspeth.benchmarks.report.Figure;
import io.elspeth.pipelines.graph.PipelineGraphBuilder;
import io.elspeth.pipelines.graph.PipelinePlan;
import io.elspeth.pipelines.settings.PipelineSettings;
import io.elspeth.runners.RunnerProfile;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.apache.beam.sdk.Pipeline;

/**
 * Scenario 1: CSV → field_mapper → gate → two CSV sinks. rows/s of a full run (the launcher: run
 * and graph registration, the commit of every audit record, reconciliation) ÷ rows/s of the same
 * pipeline whose audit records are made but not committed. On the DirectRunner with a SQLite
 * Landscape ({@code pipeline-landscape-on-off}), or on flink-local with parallelism 2 and a
 * PostgreSQL Landscape, as Flink needs ({@code flink-local-landscape-on-off}).
 */
public final class PipelineAuditScenario implements Scenario {
  private final int rows;
  private final RunnerProfile profile;

  public PipelineAuditScenario(int rows) {
    this(rows, RunnerProfile.DIRECT);
  }

  public PipelineAuditScenario(int rows, RunnerProfile profile) {
    this.rows = rows;
    this.profile = profile;
  }

  @Override
  public String name() {
    return profile == RunnerProfile.DIRECT
        ? "pipeline-landscape-on-off"
        : profile.configName() + "-landscape-on-off";
  }

  @Override
  public Figure run(int runs, Path workDir) throws Exception {
    Path input = workDir.resolve("scenario1-input-" + rows + ".csv");
    ScenarioPipeline.writeInput(input, rows);
    List<String> schemas = new ArrayList<>();
    SideBySide.Rates rates;
    try {
      rates =
          SideBySide.rates(
              runs,
              rows,
              () -> ScenarioPipeline.timeRun(settings(workDir, input, schemas)),
              () -> timeWithoutCommit(settings(workDir, input, schemas)));
    } finally {
      ScenarioPipeline.dropSchemas(schemas);
    }
    return new Figure(
        name(),
        "CSV -> field_mapper -> gate -> 2 CSV sinks, "
            + rows
            + " rows, "
            + (profile == RunnerProfile.DIRECT
                ? "DirectRunner, SQLite"
                : profile.configName()
                    + " parallelism "
                    + FlinkLocalScenario.FLINK_PARALLELISM
                    + ", PostgreSQL")
            + " Landscape: Landscape on vs audit not committed",
        "rows/s",
        rates.measured(),
        rates.baseline(),
        0.5);
  }

  private PipelineSettings settings(Path workDir, Path input, List<String> schemas)
      throws Exception {
    if (profile == RunnerProfile.DIRECT) {
      return ScenarioPipeline.settings(workDir, input, "");
    }
    PipelineSettings settings =
        ScenarioPipeline.settings(
            workDir, input, ScenarioPipeline.newPostgresLandscape(schemas), "");
    return settings.onRunner(
        settings
            .runner()
            .withProfile(profile)
            .withParallelism(FlinkLocalScenario.FLINK_PARALLELISM));
  }

  private double timeWithoutCommit(PipelineSettings settings) {
    long start = System.nanoTime();
    Pipeline pipeline = Pipeline.create(settings.runner().pipelineOptions());
    PipelineGraphBuilder.build(
        pipeline,
        PipelinePlan.of("bench-" + UUID.randomUUID(), settings, new SecretFingerprinter(null)),
        false);
    pipeline.run().waitUntilFinish();
    return (System.nanoTime() - start) / 1e9;
  }
}
