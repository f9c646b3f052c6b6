package io.elspeth.benchmarks.scenario;

import io.elspeth.audit.secrets.SecretFingerprinter;
import io.elspeth.benchmarks.report.Figure;
import io.elspeth.pipelines.graph.PipelineGraphBuilder;
import io.elspeth.pipelines.graph.PipelinePlan;
import io.elspeth.pipelines.settings.PipelineSettings;
import io.elspeth.runners.RunnerProfile;
import java.nio.file.Path;
import java.util.UUID;
import org.apache.beam.sdk.Pipeline;

/**
 * Scenario 1: CSV → field_mapper → gate → two CSV sinks on the DirectRunner with a SQLite
 * Landscape. rows/s of a full run (the launcher: run and graph registration, the commit of every
 * audit record, reconciliation) ÷ rows/s of the same pipeline whose audit records are made but
 * not committed.
 */
public final class PipelineAuditScenario implements Scenario {
  private final int rows;

  public PipelineAuditScenario(int rows) {
    this.rows = rows;
  }

  @Override
  public String name() {
    return "pipeline-landscape-on-off";
  }

  @Override
  public Figure run(int runs, Path workDir) throws Exception {
    Path input = workDir.resolve("scenario1-input.csv");
    ScenarioPipeline.writeInput(input, rows);
    SideBySide.Rates rates = SideBySide.rates(runs, rows,
        () -> ScenarioPipeline.timeRun(ScenarioPipeline.settings(workDir, input, "")),
        () -> timeWithoutCommit(ScenarioPipeline.settings(workDir, input, "")));
    return new Figure(name(), "CSV -> field_mapper -> gate -> 2 CSV sinks, " + rows
        + " rows, DirectRunner: Landscape on vs audit not committed", "rows/s", rates.measured(), rates.baseline(), 0.5);
  }

  private double timeWithoutCommit(PipelineSettings settings) {
    long start = System.nanoTime();
    Pipeline pipeline = Pipeline.create(RunnerProfile.DIRECT.options(0));
    PipelineGraphBuilder.build(pipeline,
        PipelinePlan.of("bench-" + UUID.randomUUID(), settings, new SecretFingerprinter(null)),
        false);
    pipeline.run().waitUntilFinish();
    return (System.nanoTime() - start) / 1e9;
  }
}
