package io.elspeth.examples;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;

import io.elspeth.api.ElspethPipeline;
import io.elspeth.api.ElspethResult;
import io.elspeth.api.RunResult;
import io.elspeth.testkit.beam.ElspethExtension;
import io.elspeth.testkit.beam.TestLandscape;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The example program's step, tested as a Beam user tests: TestPipeline, PAssert, testkit. */
@ExtendWith(ElspethExtension.class)
class HighValueOrdersTest {
  @TempDir Path dir;

  @Test
  void totalsTheHighValueOrdersAndTheRunReconciles(TestPipeline p, TestLandscape landscape)
      throws IOException {
    Path input =
        Files.writeString(
            dir.resolve("orders.csv"),
            "id,customer,amount\n1,alice,250\n2,bob,1500.5\n3,carol,2000\n4,dave,oops\n");
    ElspethPipeline elspeth =
        ElspethPipeline.fromYaml(
            """
        source:
          plugin: csv
          options:
            path: %s
            schema: {mode: strict, fields: ["id: int", "customer: str", "amount: float"]}
            on_validation_failure: quarantine
        gates:
          - name: amount_threshold
            condition: "row['amount'] > 1000"
            routes: {"true": high, "false": continue}
        sinks:
          normal: {plugin: csv, options: {path: %s}}
          high: {plugin: csv, options: {path: %s}}
          quarantine: {plugin: json, options: {path: %s}}
        default_sink: normal
        """
                .formatted(
                    input,
                    dir.resolve("normal.csv"),
                    dir.resolve("high.csv"),
                    dir.resolve("quarantine.jsonl")));

    ElspethResult result = p.apply("elspeth", elspeth);
    PAssert.thatSingleton(HighValueOrders.highValueTotal(result)).isEqualTo(3500.5);
    RunResult run = elspeth.run(p);

    assertThat(run.toString(), run.succeeded(), equalTo(true));
    landscape
        .assertRun(run.runId())
        .reconciles()
        .hasOutcomes("high", "routed", 2)
        .hasOutcomes("normal", "completed", 1)
        .hasOutcomes("quarantine", "quarantined", 1)
        .rowReachedSink(2, "high");
  }

  @Test
  void theSamePipelineBuiltInJavaTotalsTheSameAndReconciles(TestPipeline p, TestLandscape landscape)
      throws IOException {
    Path input =
        Files.writeString(
            dir.resolve("orders.csv"),
            "id,customer,amount\n1,alice,250\n2,bob,1500.5\n3,carol,2000\n4,dave,oops\n");
    ElspethPipeline elspeth = HighValueOrders.built(input, dir);

    ElspethResult result = p.apply("elspeth", elspeth);
    PAssert.thatSingleton(HighValueOrders.highValueTotal(result)).isEqualTo(3500.5);
    RunResult run = elspeth.run(p);

    assertThat(run.toString(), run.succeeded(), equalTo(true));
    landscape
        .assertRun(run.runId())
        .reconciles()
        .hasOutcomes("high", "routed", 2)
        .hasOutcomes("quarantine", "quarantined", 1);
  }
}
