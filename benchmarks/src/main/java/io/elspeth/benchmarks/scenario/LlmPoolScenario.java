package io.elspeth.benchmarks.scenario;

import io.elspeth.benchmarks.report.Figure;
import io.elspeth.pipelines.launch.RunLauncher;
import io.elspeth.pipelines.launch.RunSummary;
import io.elspeth.pipelines.plugins.PluginRegistry;
import io.elspeth.pipelines.settings.PipelineSettings;
import io.elspeth.pipelines.settings.SettingsLoader;
import io.elspeth.pipelines.settings.SettingsValidator;
import io.elspeth.runners.RunnerProfile;
import io.elspeth.testkit.chaosllm.ChaosConfig;
import io.elspeth.testkit.chaosllm.ChaosLlmServer;
import java.io.BufferedWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.beam.runners.direct.DirectOptions;

/**
 * Scenario 3: an {@code azure_llm} step (the real Azure SDK, HTTPS) against the fake server at 100
 * ms latency. rows/s of the step (rows ÷ the span from its first node state's start to its last
 * one's end, read from the Landscape) ÷ the ideal (pool_size × parallel instances ÷ 0.1 s). The
 * parallel instances are the DirectRunner's workers ({@code targetParallelism}): its fixed pool of
 * that many threads runs one bundle, so one instance of the step, at a time each. Must run before
 * any other TLS use in the JVM: the JVM reads its trust store once.
 */
public final class LlmPoolScenario implements Scenario {
  private static final int LATENCY_MS = 100;
  private static final int POOL_SIZE = 4;

  private final int rows;

  public LlmPoolScenario(int rows) {
    this.rows = rows;
  }

  @Override
  public String name() {
    return "azure-llm-pool";
  }

  @Override
  public Figure run(int runs, Path workDir) throws Exception {
    int instances = RunnerProfile.DIRECT.options(0).as(DirectOptions.class).getTargetParallelism();
    double ideal = POOL_SIZE * instances / (LATENCY_MS / 1000.0);
    List<Double> measured = new ArrayList<>();
    List<Double> baseline = new ArrayList<>();
    try (ChaosLlmServer server =
        ChaosLlmServer.start(
            ChaosConfig.builder()
                .latency(LATENCY_MS, 0)
                .responseMode(ChaosConfig.ResponseMode.ECHO)
                .build())) {
      System.setProperty("javax.net.ssl.trustStore", server.trustStorePath().toString());
      System.setProperty("javax.net.ssl.trustStorePassword", server.trustStorePassword());
      System.setProperty("javax.net.ssl.trustStoreType", "PKCS12");
      Path input = workDir.resolve("llm-input.csv");
      try (BufferedWriter w = Files.newBufferedWriter(input)) {
        w.write("id,text\n");
        for (int i = 0; i < rows; i++) {
          w.write(i + ",review number " + i + " was fine\n");
        }
      }
      for (int i = 0; i < runs; i++) {
        measured.add(stepRowsPerSecond(settings(workDir, input, server)));
        baseline.add(ideal);
      }
    }
    return new Figure(
        name(),
        "azure_llm, "
            + rows
            + " rows, fake server at "
            + LATENCY_MS
            + " ms: step rows/s vs pool_size "
            + POOL_SIZE
            + " x "
            + instances
            + " instances / 0.1 s",
        "rows/s",
        measured,
        baseline,
        0.9);
  }

  private PipelineSettings settings(Path workDir, Path input, ChaosLlmServer server)
      throws Exception {
    Path out = workDir.resolve("s3-" + UUID.randomUUID());
    Files.createDirectories(out);
    Path file = out.resolve("settings.yaml");
    Files.writeString(
        file,
        """
        source:
          plugin: csv
          options:
            path: %s
            schema: {mode: strict, fields: ["id: int", "text: str"]}
            on_validation_failure: discard
        transforms:
          - plugin: azure_llm
            options:
              deployment_name: bench
              endpoint: "%s"
              api_key: bench-key
              template: "{{ row.text }}"
              response_field: answer
              pool_size: %d
              on_error: errors
        sinks:
          out: {plugin: json, options: {path: %s}}
          errors: {plugin: json, options: {path: %s}}
        default_sink: out
        landscape: {url: "sqlite:///%s"}
        payload_store: {base_path: %s}
        """
            .formatted(
                input,
                server.httpsUrl(),
                POOL_SIZE,
                out.resolve("out.jsonl"),
                out.resolve("errors.jsonl"),
                out.resolve("landscape.db"),
                out.resolve("payloads")));
    return new SettingsValidator(PluginRegistry.builtIn())
        .validate(file, SettingsLoader.load(file, null, Map.of()));
  }

  private double stepRowsPerSecond(PipelineSettings settings) throws Exception {
    RunSummary summary = new RunLauncher().run(settings);
    if (!summary.succeeded()) {
      throw new IllegalStateException("benchmark run failed: " + summary.failure());
    }
    String db = settings.landscape().jdbcUrl();
    try (Connection c = DriverManager.getConnection(db);
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT MIN(started_at), MAX(completed_at), COUNT(*) FROM"
                    + " node_states s JOIN nodes n ON n.node_id = s.node_id AND n.run_id = s.run_id"
                    + " WHERE n.plugin_name = 'azure_llm' AND s.run_id = '"
                    + summary.runId()
                    + "'")) {
      rs.next();
      Instant first = time(rs.getString(1));
      Instant last = time(rs.getString(2));
      long states = rs.getLong(3);
      return states / (java.time.Duration.between(first, last).toNanos() / 1e9);
    }
  }

  private static Instant time(String sqliteTime) {
    return LocalDateTime.parse(sqliteTime.replace(' ', 'T')).toInstant(ZoneOffset.UTC);
  }
}
