package io.elspeth.api;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.elspeth.audit.record.AuditRecord;
import io.elspeth.audit.record.RoutingEventRecord;
import io.elspeth.audit.record.TokenOutcomeRecord;
import io.elspeth.audit.token.Token;
import io.elspeth.pipelines.settings.PipelineSettings;
import io.elspeth.testkit.beam.ElspethExtension;
import io.elspeth.testkit.beam.TestLandscape;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.values.PCollection;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sources and sinks as transforms of their own with typed options ({@link ElspethSources}, {@link
 * ElspethSinks}): applied alone, and in a built pipeline whose settings are the ones the same YAML
 * declares and whose run reconciles.
 */
@ExtendWith(ElspethExtension.class)
class ElspethSourcesSinksTest {
  @TempDir Path dir;

  private Path input() throws IOException {
    Path input = dir.resolve("orders.csv");
    Files.writeString(input, "id,amt\n1,250\n2,1500\nthree,999\n4,2000\n");
    return input;
  }

  private static Map<String, Object> schema() {
    return Map.of("mode", "fixed", "fields", List.of("id: int", "amt: int"));
  }

  @Test
  void aCsvSourceAloneGivesItsValidRowsAsTokensAndRoutesTheRest(TestPipeline p) throws IOException {
    StepResult read =
        p.apply(
            "orders",
            ElspethSources.csv(input()).withSchema(schema()).withOnValidationFailure("rejects"));

    PAssert.that(read.main())
        .satisfies(
            tokens -> {
              List<Long> ids = new ArrayList<>();
              for (Token t : tokens) {
                ids.add(((Number) t.data().get("id")).longValue());
              }
              assertThat(ids, containsInAnyOrder(1L, 2L, 4L));
              return null;
            });
    PAssert.that(read.routed())
        .satisfies(
            tokens -> {
              List<String> routed = new ArrayList<>();
              for (Token t : tokens) {
                routed.add(t.data().get("id") + "->" + t.destination() + "/" + t.pendingOutcome());
              }
              assertThat(
                  "the row whose id is not an int goes to on_validation_failure",
                  routed,
                  contains("three->rejects/quarantined"));
              return null;
            });
    PAssert.that(read.audit())
        .satisfies(
            records -> {
              List<String> tables = new ArrayList<>();
              records.forEach(r -> tables.add(r.table()));
              assertThat(tables, hasItem("validation_errors"));
              return null;
            });
    p.run().waitUntilFinish();
  }

  @Test
  void aJsonSinkAloneWritesTheTokensItIsGiven(TestPipeline p) throws IOException {
    Path out = dir.resolve("out.jsonl");
    p.apply(ElspethTransforms.rows(List.of(Map.of("id", 1L), Map.of("id", 2L))))
        .apply("out", ElspethSinks.json(out).withFormat("jsonl").named("out"));
    p.run().waitUntilFinish();

    ObjectMapper json = new ObjectMapper();
    List<Long> ids = new ArrayList<>();
    for (String line : Files.readAllLines(out, StandardCharsets.UTF_8)) {
      ids.add(json.readTree(line).get("id").asLong());
    }
    assertThat(ids, containsInAnyOrder(1L, 2L));
  }

  @Test
  void badSourceAndSinkOptionsFailWhenAppliedWithThePluginsOwnMessages(TestPipeline p) {
    IllegalArgumentException missing =
        assertThrows(
            IllegalArgumentException.class,
            () -> p.apply(ElspethSources.csv(dir.resolve("x.csv")).withObservedSchema()));
    assertThat(
        missing.getMessage(),
        containsString("source.options.on_validation_failure: required option missing"));
    IllegalArgumentException delimiter =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                p.apply(
                    ElspethSources.csv(dir.resolve("x.csv"))
                        .withDelimiter(";;")
                        .withObservedSchema()
                        .withOnValidationFailure("discard")));
    assertThat(
        delimiter.getMessage(),
        containsString("source.options.delimiter: expected a single character"));
    var tokens = p.apply(ElspethTransforms.rows(List.of(Map.of("id", 1L))));
    IllegalArgumentException mode =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                tokens.apply(
                    ElspethSinks.csv(dir.resolve("o.csv")).withMode("overwrite").named("o")));
    assertThat(mode.getMessage(), containsString("sinks.o.options.mode"));
    IllegalArgumentException divert =
        assertThrows(
            IllegalArgumentException.class,
            () -> tokens.apply(ElspethSinks.csv(dir.resolve("o.csv")).withOnWriteFailure("other")));
    assertThat(divert.getMessage(), containsString("needs that sink: give it as a transform"));
    IllegalArgumentException chained =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                tokens.apply(
                    "chained",
                    ElspethSinks.csv(dir.resolve("o.csv"))
                        .named("o")
                        .withOnWriteFailure(
                            ElspethSinks.json(dir.resolve("f.jsonl"))
                                .named("f")
                                .withOnWriteFailure("other"))));
    assertThat(chained.getMessage(), containsString("sinks.f.on_write_failure: sink 'f' receives"));
    p.enableAbandonedNodeEnforcement(false);
  }

  /** Rows of {@code id, name} in field order; row 1's name cannot be written as US-ASCII. */
  private static List<Map<String, Object>> names() {
    List<Map<String, Object>> rows = new ArrayList<>();
    String[] names = {"alice", "caf\u00e9", "bob"};
    for (int i = 0; i < names.length; i++) {
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("id", (long) i);
      row.put("name", names[i]);
      rows.add(row);
    }
    return rows;
  }

  private static void assertDiverted(Path failed) throws IOException {
    List<String> lines = Files.readAllLines(failed, StandardCharsets.UTF_8);
    assertThat(lines, hasSize(1));
    Map<?, ?> row = new ObjectMapper().readValue(lines.get(0), Map.class);
    assertThat(row.get("name"), is("caf\u00e9"));
    assertThat(row.get("__diverted_from"), is("out"));
    assertThat(
        (String) row.get("__diversion_reason"), containsString("cannot be encoded in US-ASCII"));
  }

  @Test
  void aSinkAloneDivertsTheRowsItCannotWriteToItsFallbackSink(TestPipeline p) throws IOException {
    Path out = dir.resolve("out.csv");
    Path failed = dir.resolve("failed.jsonl");
    PCollection<AuditRecord> audit =
        p.apply(ElspethTransforms.rows(names()))
            .apply(
                "out",
                ElspethSinks.csv(out)
                    .withEncoding("ascii")
                    .named("out")
                    .withOnWriteFailure(
                        ElspethSinks.json(failed).withFormat("jsonl").named("failed")));
    PAssert.that(audit)
        .satisfies(
            records -> {
              List<String> outcomes = new ArrayList<>();
              List<String> routes = new ArrayList<>();
              for (AuditRecord r : records) {
                if (r instanceof TokenOutcomeRecord o) {
                  outcomes.add(o.outcome() + "@" + o.sinkName());
                } else if (r instanceof RoutingEventRecord e) {
                  routes.add(e.mode());
                }
              }
              assertThat(
                  outcomes,
                  containsInAnyOrder("completed@out", "completed@out", "diverted@failed"));
              assertThat(routes, contains("divert"));
              return null;
            });
    p.run().waitUntilFinish();

    assertThat(
        Files.readAllLines(out, StandardCharsets.UTF_8), contains("id,name", "0,alice", "2,bob"));
    assertDiverted(failed);
  }

  @Test
  void aBuiltPipelineDivertsToATypedFallbackSinkAndReconciles(
      TestPipeline p, TestLandscape landscape) throws IOException {
    Path input = dir.resolve("names.csv");
    Files.writeString(input, "id,name\n0,alice\n1,caf\u00e9\n2,bob\n", StandardCharsets.UTF_8);
    Path failed = dir.resolve("failed.jsonl");
    ElspethPipeline elspeth =
        ElspethPipeline.builder()
            .source(
                ElspethSources.csv(input)
                    .withSchema(Map.of("mode", "strict", "fields", List.of("id: int", "name: str")))
                    .withOnValidationFailure("discard"))
            .sink(
                "out",
                ElspethSinks.csv(dir.resolve("out.csv"))
                    .withEncoding("ascii")
                    .withOnWriteFailure(
                        ElspethSinks.json(failed).withFormat("jsonl").named("failed")))
            .defaultSink("out")
            .build();
    assertThat(elspeth.settings().sinks().keySet(), contains("out", "failed"));
    assertThat(elspeth.settings().sinks().get("out").onWriteFailure(), is("failed"));
    ElspethResult result = p.apply("elspeth", elspeth);
    PAssert.that(result.sink("failed"))
        .satisfies(
            rows -> {
              List<Object> diverted = new ArrayList<>();
              rows.forEach(r -> diverted.add(r.get("name") + " from " + r.get("__diverted_from")));
              assertThat(diverted, contains("caf\u00e9 from out"));
              return null;
            });

    RunResult run = elspeth.run(p);

    assertThat(run.toString(), run.status(), equalTo("completed"));
    landscape
        .assertRun(run.runId())
        .reconciles()
        .hasOutcomes("out", "completed", 2)
        .hasOutcomes("failed", "diverted", 1);
    assertThat(
        Files.readAllLines(dir.resolve("out.csv"), StandardCharsets.UTF_8),
        contains("id,name", "0,alice", "2,bob"));
    assertDiverted(failed);
  }

  private ElspethPipeline built(Path input, Path db) {
    return ElspethPipeline.builder()
        .source(ElspethSources.csv(input).withSchema(schema()).withOnValidationFailure("discard"))
        .gate(
            ElspethTransforms.gate("row['amt'] > 1000")
                .named("threshold")
                .route("true", "high")
                .route("false", "continue"))
        .sink("normal", ElspethSinks.csv(dir.resolve("normal.csv")))
        .sink(
            "high",
            ElspethSinks.database("sqlite:///" + db, "high_orders")
                .withIfExists("replace")
                .withOnWriteFailure("discard"))
        .defaultSink("normal")
        .build();
  }

  @Test
  void typedSourcesAndSinksAreTheSettingsTheSameYamlDeclares() throws IOException {
    Path input = input();
    Path db = dir.resolve("shop.db");
    PipelineSettings built = built(input, db).settings();
    PipelineSettings yaml =
        ElspethPipeline.fromYaml(
                """
        source:
          plugin: csv
          options:
            path: %s
            schema: {mode: fixed, fields: ["id: int", "amt: int"]}
            on_validation_failure: discard
        gates:
          - name: threshold
            condition: "row['amt'] > 1000"
            routes: {"true": high, "false": continue}
        sinks:
          normal: {plugin: csv, options: {path: %s}}
          high:
            plugin: database
            options: {url: "sqlite:///%s", table: high_orders, if_exists: replace}
            on_write_failure: discard
        default_sink: normal
        """
                    .formatted(input, dir.resolve("normal.csv"), db))
            .settings();
    assertThat(built.resolved(), equalTo(yaml.resolved()));
    assertThat(built.sinks().get("high").config(), equalTo(yaml.sinks().get("high").config()));
  }

  @Test
  void blobSourcesAndSinksAreWrittenAsTheirSettings() {
    Map<String, Object> source =
        ElspethSources.azureBlob("in", "orders/*.csv")
            .withConnectionString("${AZURE_STORAGE_CONNECTION_STRING}")
            .withFormat("csv")
            .withObservedSchema()
            .withOnValidationFailure("discard")
            .settingsEntry();
    assertThat(source.get("plugin"), is("azure_blob"));
    assertThat(
        ((Map<?, ?>) source.get("options")).keySet(),
        contains(
            "container",
            "blob_path",
            "connection_string",
            "format",
            "schema",
            "on_validation_failure"));
    Map<String, Object> sink =
        ElspethSinks.azureBlob("out", "runs/{{ run_id }}.jsonl")
            .withSasToken("https://acct.blob.core.windows.net", "${SAS}")
            .withFormat("jsonl")
            .withOverwrite(false)
            .settingsEntry();
    assertThat(
        ((Map<?, ?>) sink.get("options")).keySet(),
        contains("container", "blob_path", "account_url", "sas_token", "format", "overwrite"));
  }

  @Test
  void aBuiltPipelineWithTypedSourceAndSinksWritesTheDatabaseAndReconciles(
      TestPipeline p, TestLandscape landscape) throws Exception {
    Path db = dir.resolve("shop.db");
    ElspethPipeline elspeth = built(input(), db);
    p.apply("elspeth", elspeth);

    RunResult run = elspeth.run(p);

    assertThat(run.toString(), run.status(), equalTo("completed"));
    landscape
        .assertRun(run.runId())
        .reconciles()
        .hasOutcomes("high", "routed", 2)
        .hasOutcomes("normal", "completed", 1);
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT id FROM high_orders ORDER BY id")) {
      List<Long> ids = new ArrayList<>();
      while (rs.next()) {
        ids.add(rs.getLong(1));
      }
      assertThat(ids, contains(2L, 4L));
    }
  }
}
