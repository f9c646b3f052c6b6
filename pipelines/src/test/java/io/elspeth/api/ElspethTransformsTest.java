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
import io.elspeth.audit.record.NodeStateRecord;
import io.elspeth.audit.record.RoutingEventRecord;
import io.elspeth.audit.token.Token;
import io.elspeth.pipelines.settings.PipelineSettings;
import io.elspeth.testkit.beam.ElspethExtension;
import io.elspeth.testkit.beam.TestLandscape;
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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Plugins as transforms with typed options ({@link ElspethTransforms}): applied alone to tokens
 * with PAssert on what continues, what is routed and the audit records; and added to {@link
 * ElspethPipeline#builder()}, whose settings are the ones a file declares and whose run reconciles
 * in the Landscape.
 */
@ExtendWith(ElspethExtension.class)
class ElspethTransformsTest {
  @TempDir Path dir;

  private static List<Map<String, Object>> orders() {
    List<Map<String, Object>> rows = new ArrayList<>();
    long[] amounts = {250, 1500, 999, 2000};
    for (int i = 0; i < amounts.length; i++) {
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("id", (long) i);
      row.put("amt", amounts[i]);
      row.put("note", "order " + i);
      rows.add(row);
    }
    return rows;
  }

  private static List<Long> field(Iterable<Token> tokens, String name) {
    return StreamSupport.stream(tokens.spliterator(), false)
        .map(t -> ((Number) t.data().get(name)).longValue())
        .toList();
  }

  @Test
  void fieldMapperRenamesFieldsInPlaceAndRecordsACompletedStatePerRow(TestPipeline p) {
    StepResult mapped =
        p.apply(ElspethTransforms.rows(orders()))
            .apply("map", ElspethTransforms.fieldMapper(Map.of("amt", "amount")));

    PAssert.that(mapped.main())
        .satisfies(
            tokens -> {
              assertThat(field(tokens, "amount"), containsInAnyOrder(250L, 1500L, 999L, 2000L));
              for (Token t : tokens) {
                assertThat(
                    "the renamed field keeps its place",
                    List.copyOf(t.data().keySet()),
                    contains("id", "amount", "note"));
              }
              return null;
            });
    PAssert.that(mapped.routed()).empty();
    PAssert.that(mapped.audit())
        .satisfies(
            records -> {
              List<String> states = new ArrayList<>();
              for (AuditRecord r : records) {
                if (r instanceof NodeStateRecord s) {
                  states.add(s.status() + "@" + s.nodeId());
                }
              }
              assertThat(states, hasSize(4));
              assertThat(states, everyItem(equalTo("completed@transform_field_mapper")));
              return null;
            });
    p.run().waitUntilFinish();
  }

  @Test
  void strictFieldMapperRoutesARowMissingAFieldToItsOnErrorSink(TestPipeline p) {
    List<Map<String, Object>> rows = orders();
    rows.get(2).remove("amt");
    StepResult mapped =
        p.apply(ElspethTransforms.rows(rows))
            .apply(
                ElspethTransforms.fieldMapper(Map.of("amt", "amount"))
                    .withStrict(true)
                    .named("rename")
                    .withOnError("rejects"));

    PAssert.that(mapped.main())
        .satisfies(
            tokens -> {
              assertThat(field(tokens, "id"), containsInAnyOrder(0L, 1L, 3L));
              return null;
            });
    PAssert.that(mapped.routed())
        .satisfies(
            tokens -> {
              assertThat(field(tokens, "id"), contains(2L));
              assertThat(tokens.iterator().next().destination(), equalTo("rejects"));
              return null;
            });
    p.run().waitUntilFinish();
  }

  @Test
  void aGateRoutesEachTokenByItsConditionsLabel(TestPipeline p) {
    StepResult gated =
        p.apply(ElspethTransforms.rows(orders()))
            .apply(
                ElspethTransforms.gate("row['amt'] > 1000")
                    .named("threshold")
                    .route("true", "high")
                    .route("false", "continue"));

    PAssert.that(gated.main())
        .satisfies(
            tokens -> {
              assertThat(field(tokens, "id"), containsInAnyOrder(0L, 2L));
              return null;
            });
    PAssert.that(gated.routed())
        .satisfies(
            tokens -> {
              assertThat(field(tokens, "id"), containsInAnyOrder(1L, 3L));
              tokens.forEach(t -> assertThat(t.destination(), equalTo("high")));
              return null;
            });
    PAssert.that(gated.audit())
        .satisfies(
            records -> {
              long routings =
                  StreamSupport.stream(records.spliterator(), false)
                      .filter(RoutingEventRecord.class::isInstance)
                      .count();
              assertThat("one routing event per token", routings, equalTo(4L));
              return null;
            });
    p.run().waitUntilFinish();
  }

  @Test
  void badOptionsFailWhenAppliedWithThePluginsOwnMessages(TestPipeline p) {
    var tokens = p.apply(ElspethTransforms.rows(orders()));
    IllegalArgumentException missing =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                tokens.apply(
                    ElspethTransforms.azureLlm()
                        .withEndpoint("https://x.example")
                        .withTemplate("{{ row.note }}")));
    assertThat(
        missing.getMessage(),
        containsString("transforms[azure_llm].options.deployment_name: required option missing"));
    assertThat(missing.getMessage(), containsString("options.api_key: required option missing"));

    IllegalArgumentException http =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                tokens.apply(
                    ElspethTransforms.azureLlm()
                        .withDeployment("d")
                        .withEndpoint("http://x.example")
                        .withApiKey("k")
                        .withTemplate("{{ row.note }}")));
    assertThat(
        http.getMessage(),
        containsString("endpoint: Azure OpenAI takes key credentials over HTTPS only"));

    IllegalArgumentException gate =
        assertThrows(
            IllegalArgumentException.class,
            () -> tokens.apply(ElspethTransforms.gate("row['amt'] >").route("true", "high")));
    assertThat(gate.getMessage(), containsString("gates[gate].condition"));
    p.enableAbandonedNodeEnforcement(false);
  }

  private Path input() throws IOException {
    Path input = dir.resolve("orders.csv");
    Files.writeString(input, "id,amt,note\n1,250,a\n2,1500,b\n3,999,c\n4,2000,d\n");
    return input;
  }

  private ElspethPipeline built(Path input) {
    return ElspethPipeline.builder()
        .source(
            "csv",
            Map.of(
                "path",
                input.toString(),
                "schema",
                Map.of("mode", "strict", "fields", List.of("id: int", "amt: int", "note: str")),
                "on_validation_failure",
                "discard"))
        .transform(ElspethTransforms.fieldMapper(Map.of("amt", "amount")).named("rename"))
        .gate(
            ElspethTransforms.gate("row['amount'] > 1000")
                .named("threshold")
                .route("true", "high")
                .route("false", "continue"))
        .sink("normal", "csv", Map.of("path", dir.resolve("normal.csv").toString()))
        .sink(
            "high", "json", Map.of("path", dir.resolve("high.jsonl").toString(), "format", "jsonl"))
        .defaultSink("normal")
        .build();
  }

  @Test
  void aBuiltPipelineHasTheSettingsTheSameYamlDeclares() throws IOException {
    Path input = input();
    PipelineSettings built = built(input).settings();
    PipelineSettings yaml =
        ElspethPipeline.fromYaml(
                """
        source:
          plugin: csv
          options:
            path: %s
            schema: {mode: strict, fields: ["id: int", "amt: int", "note: str"]}
            on_validation_failure: discard
        transforms:
          - name: rename
            plugin: field_mapper
            options: {mapping: {amt: amount}}
        gates:
          - name: threshold
            condition: "row['amount'] > 1000"
            routes: {"true": high, "false": continue}
        sinks:
          normal: {plugin: csv, options: {path: %s}}
          high: {plugin: json, options: {path: %s, format: jsonl}}
        default_sink: normal
        """
                    .formatted(input, dir.resolve("normal.csv"), dir.resolve("high.jsonl")))
            .settings();
    assertThat(built.resolved(), equalTo(yaml.resolved()));
    assertThat(built.transforms().get(0).config(), equalTo(yaml.transforms().get(0).config()));
  }

  @Test
  void aBuiltPipelineRunsItsTypedStepsAndTheRunReconciles(TestPipeline p, TestLandscape landscape)
      throws IOException {
    ElspethPipeline elspeth = built(input());
    ElspethResult result = p.apply("elspeth", elspeth);
    PAssert.that(result.sink("high"))
        .satisfies(
            rows -> {
              List<Long> ids = new ArrayList<>();
              rows.forEach(
                  r -> {
                    assertThat(r.keySet(), contains("id", "amount", "note"));
                    ids.add(((Number) r.get("id")).longValue());
                  });
              assertThat(ids, containsInAnyOrder(2L, 4L));
              return null;
            });

    RunResult run = elspeth.run(p);

    assertThat(run.toString(), run.status(), equalTo("completed"));
    landscape
        .assertRun(run.runId())
        .reconciles()
        .hasOutcomes("high", "routed", 2)
        .hasOutcomes("normal", "completed", 2)
        .rowReachedSink(1, "high");
  }

  @Test
  void builtSettingsWithProblemsFailWithTheValidatorsMessages() {
    var e =
        assertThrows(
            io.elspeth.pipelines.settings.SettingsException.class,
            () ->
                ElspethPipeline.builder()
                    .source("csv", Map.of("path", "x.csv"))
                    .transform(ElspethTransforms.transform("no_such_plugin"))
                    .sink("out", "csv", Map.of("path", "out.csv"))
                    .build());
    assertThat(e.getMessage(), containsString(ElspethPipeline.Builder.BUILT_NAME));
    assertThat(e.getMessage(), containsString("unknown plugin 'no_such_plugin'"));
  }
}
