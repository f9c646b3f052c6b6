package io.elspeth.api;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.instanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.elspeth.audit.record.AuditRecord;
import io.elspeth.audit.record.TokenOutcomeRecord;
import io.elspeth.pipelines.settings.SettingsException;
import io.elspeth.testkit.beam.ElspethExtension;
import io.elspeth.testkit.beam.TestLandscape;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.StreamSupport;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Java API on a TestPipeline (DirectRunner): settings applied as one transform, the rows each
 * sink receives and the audit records as collections PAssert checks, and a run recorded, reconciled
 * and completed in a fresh Landscape, as the command records it.
 */
@ExtendWith(ElspethExtension.class)
class ElspethPipelineTest {
  @TempDir Path dir;

  /** A gate routing amounts over 1000 to {@code high}; the others go to {@code normal}. */
  private String settings() throws IOException {
    Path input = dir.resolve("input.csv");
    Files.writeString(input, "id,amount\n1,250\n2,1500\n3,999\n4,1000.5\nx,7\n");
    return """
        source:
          plugin: csv
          options:
            path: %s
            schema:
              mode: strict
              fields: ["id: int", "amount: float"]
            on_validation_failure: quarantine
        gates:
          - name: threshold
            condition: "row['amount'] > 1000"
            routes:
              "true": high
              "false": continue
        sinks:
          normal:
            plugin: csv
            options: {path: %s}
          high:
            plugin: json
            options: {path: %s, format: jsonl}
          quarantine:
            plugin: json
            options: {path: %s, format: jsonl}
        default_sink: normal
        landscape:
          url: sqlite:///%s
        """
        .formatted(
            input,
            dir.resolve("normal.csv"),
            dir.resolve("high.jsonl"),
            dir.resolve("quarantine.jsonl"),
            dir.resolve("settings-landscape.db"));
  }

  @Test
  void sinksReceiveTheRowsTheGateRoutesAndTheRunReconciles(TestPipeline p, TestLandscape landscape)
      throws IOException {
    ElspethPipeline elspeth = ElspethPipeline.fromYaml(settings());
    ElspethResult result = p.apply("elspeth", elspeth);
    PAssert.that(result.sink("high"))
        .satisfies(
            rows -> {
              assertThat(ids(rows), containsInAnyOrder(2L, 4L));
              return null;
            });
    PAssert.that(result.sink("normal"))
        .satisfies(
            rows -> {
              assertThat(ids(rows), containsInAnyOrder(1L, 3L));
              return null;
            });
    PAssert.that(result.audit())
        .satisfies(
            records -> {
              List<String> outcomes = new ArrayList<>();
              for (AuditRecord r : records) {
                if (r instanceof TokenOutcomeRecord o) {
                  outcomes.add(o.outcome());
                }
              }
              assertThat(outcomes, hasItem("routed"));
              return null;
            });

    RunResult run = elspeth.run(p);

    assertThat(run.toString(), run.status(), equalTo("completed"));
    assertThat(run.counts().orElseThrow().rows(), equalTo(5L));
    landscape
        .assertRun(run.runId())
        .reconciles()
        .hasStatus("completed")
        .hasOutcomes("high", "routed", 2)
        .hasOutcomes("normal", "completed", 2)
        .hasOutcomes("quarantine", "quarantined", 1)
        .rowReachedSink(1, "high");
    // The extension's landscapeUrl option wins over the settings' landscape.url.
    assertThat(Files.exists(dir.resolve("settings-landscape.db")), equalTo(false));
    assertThat(Files.readString(dir.resolve("high.jsonl")), containsString("1500"));
  }

  @Test
  void aFailingAssertionFailsTheTestAndTheRunIsRecordedFailed(
      TestPipeline p, TestLandscape landscape) throws IOException {
    ElspethPipeline elspeth = ElspethPipeline.fromYaml(settings());
    ElspethResult result = p.apply("elspeth", elspeth);
    PAssert.that(result.sink("high"))
        .satisfies(
            rows -> {
              assertThat(ids(rows), containsInAnyOrder(1L));
              return null;
            });

    AssertionError error = assertThrows(AssertionError.class, () -> elspeth.run(p));

    assertThat(error.getMessage(), containsString("Expected"));
    try (var c = landscape.connect();
        var rs = c.createStatement().executeQuery("SELECT status FROM runs")) {
      rs.next();
      assertThat(rs.getString(1), equalTo("failed"));
    } catch (java.sql.SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void badSettingsFailWithTheCommandsMessage(@TempDir Path base) {
    SettingsException e =
        assertThrows(
            SettingsException.class,
            () -> ElspethPipeline.fromYaml("source:\n  plugin: nope\nsinks: {}\n", base));
    assertThat(
        e.getMessage(), containsString(base.resolve(ElspethPipeline.INLINE_NAME).toString()));
    assertThat(e.getMessage(), containsString("source.plugin"));
  }

  @Test
  void relativePathsAreReadAgainstTheBaseFolder(@TempDir Path base) {
    ElspethPipeline elspeth =
        ElspethPipeline.fromYaml(
            """
        source:
          plugin: csv
          options:
            path: in/input.csv
            schema: {mode: observed}
            on_validation_failure: discard
        sinks:
          out: {plugin: csv, options: {path: out.csv}}
          abs: {plugin: csv, options: {path: /tmp/elspeth-abs.csv}}
        default_sink: out
        payload_store: {base_path: payloads}
        landscape: {url: "sqlite:///audit/landscape.db"}
        """,
            base);
    var settings = elspeth.settings();
    assertThat(
        settings.source().options().string("path"),
        equalTo(base.resolve("in/input.csv").toString()));
    assertThat(
        settings.sinks().get("out").options().string("path"),
        equalTo(base.resolve("out.csv").toString()));
    assertThat(
        settings.sinks().get("abs").options().string("path"), equalTo("/tmp/elspeth-abs.csv"));
    assertThat(settings.payloadStoreBasePath(), equalTo(base.resolve("payloads").toString()));
    assertThat(
        settings.landscape().jdbcUrl(),
        equalTo("jdbc:sqlite:" + base.resolve("audit/landscape.db")));
  }

  @Test
  void anUnknownSinkIsNamedWithTheConfiguredOnes(TestPipeline p) throws IOException {
    ElspethResult result = p.apply("elspeth", ElspethPipeline.fromYaml(settings()));
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> result.sink("hihg"));
    assertThat(e.getMessage(), containsString("[normal, high, quarantine]"));
    p.enableAbandonedNodeEnforcement(false);
  }

  @Test
  void profilesApplyAsOnTheCommandLine(TestPipeline p, TestLandscape landscape) throws IOException {
    String flat = settings();
    String profiled =
        "default:\n"
            + flat.indent(2)
            + "profiles:\n  strict:\n    gates:\n"
            + "      - name: threshold\n        condition: \"row['amount'] > 100\"\n"
            + "        routes: {\"true\": high, \"false\": continue}\n";
    ElspethPipeline elspeth = ElspethPipeline.fromYaml(profiled).withProfile("strict");
    ElspethResult result = p.apply("elspeth", elspeth);
    PAssert.that(result.sink("high"))
        .satisfies(
            rows -> {
              assertThat(ids(rows), containsInAnyOrder(1L, 2L, 3L, 4L));
              return null;
            });
    RunResult run = elspeth.run(p);
    assertThat(run.toString(), run.succeeded(), equalTo(true));
    landscape.assertRun(run.runId()).reconciles().hasOutcomes("high", "routed", 4);
  }

  @Test
  void runningAPipelineItWasNotAppliedToIsRefused(TestPipeline p) throws IOException {
    ElspethPipeline elspeth = ElspethPipeline.fromYaml(settings());
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> elspeth.run(p));
    assertThat(e.getMessage(), containsString("apply this ElspethPipeline"));
    assertThat(e, instanceOf(IllegalStateException.class));
  }

  private static List<Long> ids(Iterable<Map<String, Object>> rows) {
    return StreamSupport.stream(rows.spliterator(), false)
        .map(r -> ((Number) r.get("id")).longValue())
        .toList();
  }
}
