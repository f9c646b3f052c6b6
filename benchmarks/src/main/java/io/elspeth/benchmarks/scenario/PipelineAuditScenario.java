package io.elspeth.benchmarks.scenario;

import io.elspeth.audit.secrets.SecretFingerprinter;
import io.elspeth.benchmarks.report.Figure;
import io.elspeth.pipelines.graph.PipelineGraphBuilder;
import io.elspeth.pipelines.graph.PipelinePlan;
import io.elspeth.pipelines.launch.RunLauncher;
import io.elspeth.pipelines.launch.RunSummary;
import io.elspeth.pipelines.plugins.PluginRegistry;
import io.elspeth.pipelines.settings.PipelineSettings;
import io.elspeth.pipelines.settings.SettingsLoader;
import io.elspeth.pipelines.settings.SettingsValidator;
import io.elspeth.runners.RunnerProfile;
import java.io.BufferedWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
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
    writeInput(input);
    List<Double> on = new ArrayList<>();
    List<Double> off = new ArrayList<>();
    for (int i = 0; i < runs; i++) {
      if (i % 2 == 0) {
        on.add(rows / timeWithLandscape(settings(workDir, input)));
        off.add(rows / timeWithoutCommit(settings(workDir, input)));
      } else {
        off.add(rows / timeWithoutCommit(settings(workDir, input)));
        on.add(rows / timeWithLandscape(settings(workDir, input)));
      }
    }
    return new Figure(name(), "CSV -> field_mapper -> gate -> 2 CSV sinks, " + rows
        + " rows, DirectRunner: Landscape on vs audit not committed", "rows/s", on, off, 0.5);
  }

  private void writeInput(Path input) throws Exception {
    Random random = new Random(42);
    try (BufferedWriter w = Files.newBufferedWriter(input)) {
      w.write("id,customer,amount,note\n");
      for (int i = 0; i < rows; i++) {
        w.write(i + ",customer-" + (i % 977) + "," + String.format("%.2f",
            random.nextDouble() * 2000) + ",\"a note, with a comma\"\n");
      }
    }
  }

  private PipelineSettings settings(Path workDir, Path input) throws Exception {
    Path out = workDir.resolve("s1-" + UUID.randomUUID());
    Files.createDirectories(out);
    Path file = out.resolve("settings.yaml");
    Files.writeString(file, """
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
        landscape: {url: "sqlite:///%s"}
        payload_store: {base_path: %s}
        """.formatted(input, out.resolve("normal.csv"), out.resolve("high.csv"),
        out.resolve("landscape.db"), out.resolve("payloads")));
    return new SettingsValidator(PluginRegistry.builtIn()).validate(file,
        SettingsLoader.load(file, null, Map.of()));
  }

  private double timeWithLandscape(PipelineSettings settings) {
    long start = System.nanoTime();
    RunSummary summary = new RunLauncher(RunnerProfile.DIRECT, 0).run(settings);
    double seconds = (System.nanoTime() - start) / 1e9;
    if (!summary.succeeded()) {
      throw new IllegalStateException("benchmark run failed: " + summary.failure());
    }
    return seconds;
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
