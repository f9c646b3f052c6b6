package io.elspeth.api;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.hasSize;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.elspeth.audit.record.AuditRecord;
import io.elspeth.audit.record.BatchRecord;
import io.elspeth.audit.record.TokenOutcomeRecord;
import io.elspeth.audit.token.Token;
import io.elspeth.pipelines.settings.PipelineSettings;
import io.elspeth.testkit.beam.ElspethExtension;
import io.elspeth.testkit.beam.TestLandscape;
import io.elspeth.transforms.dag.AggregationStep;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.StreamSupport;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.values.PCollectionList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Aggregations, forks and coalesces from Java with typed options: applied alone on the steps the
 * settings run (AggregationStep, GateStep with fork paths, CoalesceStep), and added to a built
 * pipeline whose settings are the ones the same YAML declares and whose run reconciles.
 */
@ExtendWith(ElspethExtension.class)
class ElspethDagTransformsTest {
  @TempDir Path dir;

  private static List<Map<String, Object>> orders() {
    List<Map<String, Object>> rows = new ArrayList<>();
    long[] amounts = {250, 1500, 999, 2000};
    for (int i = 0; i < amounts.length; i++) {
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("id", (long) i);
      row.put("amt", amounts[i]);
      rows.add(row);
    }
    return rows;
  }

  private static List<Object> field(Iterable<Token> tokens, String name) {
    return StreamSupport.stream(tokens.spliterator(), false).map(t -> t.data().get(name)).toList();
  }

  @Test
  void anAggregationAloneSummarisesEachBatchAndRecordsIt(TestPipeline p) {
    StepResult totals =
        p.apply(ElspethTransforms.rows(orders()))
            .apply("totals", ElspethTransforms.batchStats("amt").named("totals").withCount(4));

    PAssert.that(totals.main())
        .satisfies(
            tokens -> {
              assertThat(field(tokens, "count"), contains(4L));
              assertThat(((Number) field(tokens, "sum").get(0)).doubleValue(), equalTo(4749.0));
              for (Token t : tokens) {
                assertThat("a summary derives from every member", t.parentTokenIds(), hasSize(4));
              }
              return null;
            });
    PAssert.that(totals.audit())
        .satisfies(
            records -> {
              List<String> batches = new ArrayList<>();
              List<String> consumed = new ArrayList<>();
              for (AuditRecord r : records) {
                if (r instanceof BatchRecord b) {
                  batches.add(b.status() + "/" + b.triggerType());
                } else if (r instanceof TokenOutcomeRecord o && o.isTerminal() == 1) {
                  consumed.add(o.outcome());
                }
              }
              assertThat(batches, contains("completed/count"));
              assertThat(consumed, hasSize(4));
              assertThat(consumed, everyItem(equalTo("consumed_in_batch")));
              return null;
            });
    p.run().waitUntilFinish();
  }

  @Test
  void aPassthroughAggregationLetsItsMembersContinue(TestPipeline p) {
    StepResult held =
        p.apply(ElspethTransforms.rows(orders()))
            .apply(
                ElspethTransforms.batchStats("amt")
                    .withCount(2)
                    .withOutputMode(AggregationStep.OutputMode.PASSTHROUGH));
    PAssert.that(held.main())
        .satisfies(
            tokens -> {
              assertThat(field(tokens, "id"), containsInAnyOrder(0L, 1L, 2L, 3L));
              return null;
            });
    p.run().waitUntilFinish();
  }

  @Test
  void aForkCopiesEachRowToItsPathsAndACoalesceJoinsThemAgain(TestPipeline p) {
    StepResult forked =
        p.apply(ElspethTransforms.rows(orders()))
            .apply(
                "split",
                ElspethTransforms.gate("row['amt'] >= 1000")
                    .named("split")
                    .route("true", "fork")
                    .route("false", "continue")
                    .forkTo("left", "right"));
    assertThat(forked.branchNames(), contains("left", "right"));
    StepResult joined =
        PCollectionList.of(forked.branch("left"))
            .and(forked.branch("right"))
            .apply("join", ElspethTransforms.coalesce("left", "right").named("join").nested());

    PAssert.that(forked.main())
        .satisfies(
            tokens -> {
              assertThat(field(tokens, "id"), containsInAnyOrder(0L, 2L));
              return null;
            });
    PAssert.that(forked.branch("left"))
        .satisfies(
            tokens -> {
              assertThat(field(tokens, "id"), containsInAnyOrder(1L, 3L));
              for (Token t : tokens) {
                assertThat(
                    "a fork child's parent is the forked token", t.parentTokenIds(), hasSize(1));
              }
              return null;
            });
    PAssert.that(joined.main())
        .satisfies(
            tokens -> {
              List<Object> ids = new ArrayList<>();
              for (Token t : tokens) {
                assertThat(t.data().keySet(), containsInAnyOrder("left", "right"));
                ids.add(((Map<?, ?>) t.data().get("left")).get("id"));
              }
              assertThat(ids, containsInAnyOrder(1L, 3L));
              return null;
            });
    p.run().waitUntilFinish();
  }

  @Test
  void badTriggersForksAndJoinsFailWhenAppliedWithTheSettingsMessages(TestPipeline p) {
    var tokens = p.apply(ElspethTransforms.rows(orders()));
    IllegalArgumentException noTrigger =
        assertThrows(
            IllegalArgumentException.class,
            () -> tokens.apply(ElspethTransforms.batchStats("amt")));
    assertThat(
        noTrigger.getMessage(),
        containsString(
            "aggregations[batch_stats].trigger: needs at least one of count, timeout_seconds,"
                + " condition"));
    IllegalArgumentException noValueField =
        assertThrows(
            IllegalArgumentException.class,
            () -> tokens.apply(ElspethTransforms.aggregation("batch_stats").withCount(2)));
    assertThat(
        noValueField.getMessage(),
        containsString("aggregations[batch_stats].options.value_field: required option missing"));
    IllegalArgumentException forkWithoutPaths =
        assertThrows(
            IllegalArgumentException.class,
            () -> tokens.apply(ElspethTransforms.gate("True").route("true", "fork")));
    assertThat(forkWithoutPaths.getMessage(), containsString("'fork' needs the gate's fork_to"));
    StepResult forked =
        tokens.apply(ElspethTransforms.gate("True").route("true", "fork").forkTo("a", "b"));
    IllegalArgumentException select =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                PCollectionList.of(forked.branch("a"))
                    .and(forked.branch("b"))
                    .apply(ElspethTransforms.coalesce("a", "b").select("c")));
    assertThat(select.getMessage(), containsString("coalesce[coalesce].select_branch"));
    assertThrows(IllegalArgumentException.class, () -> forked.branch("c"));
    p.enableAbandonedNodeEnforcement(false);
  }

  private Path input() throws IOException {
    Path input = dir.resolve("orders.csv");
    Files.writeString(input, "id,amt\n1,250\n2,1500\n3,999\n4,2000\n");
    return input;
  }

  /** Totals of two rows each, forked to two paths joined again and to a sink of copies. */
  private ElspethPipeline built(Path input) {
    return ElspethPipeline.builder()
        .source(
            ElspethSources.csv(input)
                .withSchema(Map.of("mode", "fixed", "fields", List.of("id: int", "amt: int")))
                .withOnValidationFailure("discard"))
        .aggregation(ElspethTransforms.batchStats("amt").named("pairs").withCount(2))
        .gate(
            ElspethTransforms.gate("row['count'] == 2")
                .named("split")
                .route("true", "fork")
                .route("false", "continue")
                .forkTo("left", "right", "copies"))
        .coalesce(ElspethTransforms.coalesce("left", "right").named("join").union())
        .sink("out", ElspethSinks.json(dir.resolve("out.jsonl")).withFormat("jsonl"))
        .sink("copies", ElspethSinks.csv(dir.resolve("copies.csv")))
        .defaultSink("out")
        .build();
  }

  @Test
  void aBuiltPipelinesAggregationForkAndCoalesceAreTheSettingsTheSameYamlDeclares()
      throws IOException {
    Path input = input();
    PipelineSettings built = built(input).settings();
    PipelineSettings yaml =
        ElspethPipeline.fromYaml(
                """
        source:
          plugin: csv
          options:
            path: %s
            schema: {mode: fixed, fields: ["id: int", "amt: int"]}
            on_validation_failure: discard
        aggregations:
          - name: pairs
            plugin: batch_stats
            trigger: {count: 2}
            options: {value_field: amt}
        gates:
          - name: split
            condition: "row['count'] == 2"
            routes: {"true": fork, "false": continue}
            fork_to: [left, right, copies]
        coalesce:
          - name: join
            branches: [left, right]
            policy: require_all
            merge: union
        sinks:
          out: {plugin: json, options: {path: %s, format: jsonl}}
          copies: {plugin: csv, options: {path: %s}}
        default_sink: out
        """
                    .formatted(input, dir.resolve("out.jsonl"), dir.resolve("copies.csv")))
            .settings();
    assertThat(built.resolved(), equalTo(yaml.resolved()));
    assertThat(built.aggregations().get(0).config(), equalTo(yaml.aggregations().get(0).config()));
    assertThat(built.coalesce().get(0).config(), equalTo(yaml.coalesce().get(0).config()));
    assertThat(built.gates().get(0).forkTo(), equalTo(yaml.gates().get(0).forkTo()));
  }

  @Test
  void aBuiltPipelineRunsItsAggregationForkAndCoalesceAndTheRunReconciles(
      TestPipeline p, TestLandscape landscape) throws IOException {
    ElspethPipeline elspeth = built(input());
    ElspethResult result = p.apply("elspeth", elspeth);
    PAssert.that(result.sink("out"))
        .satisfies(
            rows -> {
              // Batches are made in arrival order: which rows pair up is the runner's, the totals
              // not.
              List<Long> counts = new ArrayList<>();
              double total = 0;
              for (Map<String, Object> r : rows) {
                counts.add(((Number) r.get("count")).longValue());
                total += ((Number) r.get("sum")).doubleValue();
              }
              assertThat(counts, contains(2L, 2L));
              assertThat(total, equalTo(4749.0));
              return null;
            });
    PAssert.that(result.sink("copies"))
        .satisfies(
            rows -> {
              List<Long> counts = new ArrayList<>();
              rows.forEach(r -> counts.add(((Number) r.get("count")).longValue()));
              assertThat(counts, contains(2L, 2L));
              return null;
            });

    RunResult run = elspeth.run(p);

    assertThat(run.toString(), run.status(), equalTo("completed"));
    landscape
        .assertRun(run.runId())
        .reconciles()
        .hasOutcomes("out", "completed", 2)
        .hasOutcomes("copies", "completed", 2);
  }
}
