package io.elspeth.api;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.equalTo;

import io.elspeth.testkit.beam.LandscapeAssert;
import io.elspeth.testkit.postgres.TestPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.UUID;
import java.util.stream.StreamSupport;
import org.apache.beam.runners.flink.FlinkPipelineOptions;
import org.apache.beam.runners.flink.FlinkRunner;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.testing.PAssert;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Java API on a Beam user's own FlinkRunner pipeline (an embedded mini-cluster) with a
 * PostgreSQL Landscape: the sinks' rows asserted with PAssert, the run recorded, reconciled and
 * completed as on the DirectRunner.
 */
@Tag("e2e")
class ElspethPipelineFlinkTest {
  private static final String SERVER = TestPostgres.get().jdbcUrl();

  @TempDir Path dir;

  private final String schema = "api_flink_" + UUID.randomUUID().toString().replace("-", "");

  @AfterEach
  void dropSchema() throws Exception {
    try (Connection c = DriverManager.getConnection(SERVER);
        Statement s = c.createStatement()) {
      s.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
    }
  }

  @Test
  void aFlinkPipelineRunsTheSettingsAndItsLandscapeReconciles() throws Exception {
    try (Connection c = DriverManager.getConnection(SERVER);
        Statement s = c.createStatement()) {
      s.execute("CREATE SCHEMA " + schema);
    }
    Path input = dir.resolve("input.csv");
    StringBuilder csv = new StringBuilder("id,amount\n");
    for (int i = 1; i <= 40; i++) {
      csv.append(i).append(',').append(i * 50).append('\n');
    }
    Files.writeString(input, csv);
    ElspethPipeline elspeth =
        ElspethPipeline.fromYaml(
                """
        source:
          plugin: csv
          options:
            path: %s
            schema: {mode: strict, fields: ["id: int", "amount: int"]}
            on_validation_failure: discard
        gates:
          - name: threshold
            condition: "row['amount'] > 1000"
            routes: {"true": high, "false": continue}
        sinks:
          normal: {plugin: csv, options: {path: %s}}
          high: {plugin: csv, options: {path: %s}}
        default_sink: normal
        payload_store: {base_path: %s}
        """
                    .formatted(
                        input,
                        dir.resolve("normal.csv"),
                        dir.resolve("high.csv"),
                        dir.resolve("payloads")))
            .withLandscape(TestPostgres.get().url() + "?currentSchema=" + schema);
    FlinkPipelineOptions options = PipelineOptionsFactory.as(FlinkPipelineOptions.class);
    options.setRunner(FlinkRunner.class);
    options.setFlinkMaster("[local]");
    options.setParallelism(2);
    Pipeline p = Pipeline.create(options);

    ElspethResult result = p.apply("elspeth", elspeth);
    PAssert.that(result.sink("high"))
        .satisfies(
            rows -> {
              assertThat(
                  StreamSupport.stream(rows.spliterator(), false)
                      .map(r -> ((Number) r.get("id")).longValue())
                      .toList(),
                  containsInAnyOrder(
                      java.util.stream.LongStream.rangeClosed(21, 40)
                          .boxed()
                          .toArray(Long[]::new)));
              return null;
            });
    RunResult run = elspeth.run(p);

    assertThat(run.toString(), run.status(), equalTo("completed"));
    new LandscapeAssert(
            () -> DriverManager.getConnection(SERVER + "&currentSchema=" + schema), run.runId())
        .reconciles()
        .hasOutcomes("high", "routed", 20)
        .hasOutcomes("normal", "completed", 20);
    assertThat(Files.readAllLines(dir.resolve("high.csv")).size(), equalTo(21));
  }
}
