package io.elspeth.pipelines.e2e;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.allOf;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad settings and bad data through the CLI: a clear error or a quarantine, and nothing lost. */
@Tag("e2e")
class BadInputEndToEndTest {
  @TempDir Path dir;

  private String csvPipeline(String input, String schemaFields) {
    return """
        source:
          plugin: csv
          options:
            path: %s
            schema:
              mode: strict
              fields: [%s]
            on_validation_failure: quarantine
        sinks:
          out:
            plugin: csv
            options: {path: %s}
          quarantine:
            plugin: json
            options: {path: %s}
        default_sink: out
        landscape:
          url: sqlite:///%s
        """
        .formatted(
            input,
            schemaFields,
            dir.resolve("out.csv"),
            dir.resolve("q.jsonl"),
            dir.resolve("audit.db"));
  }

  @Test
  void malformedYamlNamesTheFileAndLine() throws Exception {
    Path s = CliHarness.settings(dir, "source:\n  plugin: csv\n   options: [\n");
    CliHarness.Result r = CliHarness.run("run", "-s", s.toString(), "--execute");
    assertThat(r.exitCode(), is(1));
    assertThat(
        r.err(),
        allOf(
            containsString(s.toString()),
            containsString("malformed YAML"),
            containsString("line")));
  }

  @Test
  void everySettingsProblemIsReportedAtOnceWithItsKeyPath() throws Exception {
    Path s =
        CliHarness.settings(
            dir,
            """
        source:
          plugin: csv
          options: {path: in.csv, on_validation_failure: nowhere, delimter: ";"}
        transforms:
          - plugin: passthrough
          - plugin: no_such_plugin
          - plugin: truncate
            options: {fields: 12}
        gates:
          - name: g
            condition: "__import__('os').system('rm -rf /')"
            routes: {"true": missing_sink, "false": continue}
        sinks:
          out: {plugin: csv, options: {path: out.csv}}
        default_sink: out
        """);
    CliHarness.Result r = CliHarness.run("validate", "-s", s.toString());
    assertThat(r.exitCode(), is(1));
    assertThat(
        r.err(),
        allOf(
            containsString(s.toString()),
            containsString("source.options.on_validation_failure: no sink named 'nowhere'"),
            containsString("source.options.delimter: unknown option"),
            containsString("transforms[1].plugin: unknown plugin 'no_such_plugin'"),
            containsString(
                "transforms[2].options.fields: expected a mapping of strings to integers"),
            containsString("gates[0].condition:"),
            containsString("gates[0].routes.true: no sink named 'missing_sink'")));
  }

  @Test
  void aGateExpressionOutsideTheLanguageIsRejectedBeforeAnythingRuns() throws Exception {
    Path s =
        CliHarness.settings(
            dir,
            csvPipeline("in.csv", "\"id: int\"")
                + """
        gates:
          - name: sneaky
            condition: "row.__class__"
            routes: {"true": out}
        """);
    CliHarness.Result r = CliHarness.run("run", "-s", s.toString(), "--execute");
    assertThat(r.exitCode(), is(1));
    assertThat(r.err(), containsString("gates[0].condition"));
    assertThat(Files.exists(dir.resolve("audit.db")), is(false));
  }

  @Test
  void aRaggedCsvRowAndAFailedCoercionAreQuarantinedAndCountsReconcile() throws Exception {
    Path input = dir.resolve("in.csv");
    Files.writeString(input, "id,amount\n1,10\n2\n3,abc\n4,40,extra\n5,50\n");
    Path s =
        CliHarness.settings(dir, csvPipeline(input.toString(), "\"id: int\", \"amount: int\""));
    CliHarness.Result r = CliHarness.run("run", "-s", s.toString(), "--execute");
    assertThat(r.err(), r.exitCode(), is(0));
    assertThat(
        CliHarness.lines(dir.resolve("out.csv")),
        equalTo(java.util.List.of("id,amount", "1,10", "5,50")));
    assertThat(CliHarness.lines(dir.resolve("q.jsonl")), hasSize(3));
    try (Connection c = CliHarness.landscape(dir.resolve("audit.db"))) {
      LandscapeInvariants.assertReconciles(c);
      assertThat(
          LandscapeInvariants.outcomes(c),
          equalTo(Map.of("completed@out", 2L, "quarantined@quarantine", 3L)));
      assertThat(CliHarness.count(c, "SELECT COUNT(*) FROM validation_errors"), is(3L));
      assertThat(
          CliHarness.query(c, "SELECT error FROM validation_errors ORDER BY error").toString(),
          allOf(
              containsString("expected 2 fields, got 1"),
              containsString("expected 2 fields, got 3"),
              containsString("field 'amount'")));
    }
  }

  @Test
  void aJsonItemThatIsNotAnObjectIsQuarantined() throws Exception {
    Path input = dir.resolve("in.json");
    Files.writeString(input, "[{\"id\": 1}, 42, [1, 2], {\"id\": 2}]");
    Path s =
        CliHarness.settings(
            dir,
            """
        source:
          plugin: json
          options: {path: %s, on_validation_failure: quarantine}
        sinks:
          out: {plugin: json, options: {path: %s}}
          quarantine: {plugin: json, options: {path: %s}}
        default_sink: out
        landscape: {url: "sqlite:///%s"}
        """
                .formatted(
                    input,
                    dir.resolve("out.json"),
                    dir.resolve("q.jsonl"),
                    dir.resolve("audit.db")));
    CliHarness.Result r = CliHarness.run("run", "-s", s.toString(), "--execute");
    assertThat(r.err(), r.exitCode(), is(0));
    assertThat(
        CliHarness.lines(dir.resolve("q.jsonl")),
        equalTo(java.util.List.of("{\"_raw\": 42}", "{\"_raw\": [1, 2]}")));
    try (Connection c = CliHarness.landscape(dir.resolve("audit.db"))) {
      LandscapeInvariants.assertReconciles(c);
      assertThat(
          LandscapeInvariants.outcomes(c),
          equalTo(Map.of("completed@out", 2L, "quarantined@quarantine", 2L)));
    }
  }

  @Test
  void discardedRowsExistOnlyAsValidationErrors() throws Exception {
    Path input = dir.resolve("in.csv");
    Files.writeString(input, "id\n1\nx\n3\n");
    Path s =
        CliHarness.settings(
            dir,
            csvPipeline(input.toString(), "\"id: int\"")
                .replace("on_validation_failure: quarantine", "on_validation_failure: discard"));
    CliHarness.Result r = CliHarness.run("run", "-s", s.toString(), "--execute");
    assertThat(r.err(), r.exitCode(), is(0));
    assertThat(r.out(), containsString("1 discarded at the source"));
    try (Connection c = CliHarness.landscape(dir.resolve("audit.db"))) {
      LandscapeInvariants.assertReconciles(c);
      assertThat(CliHarness.count(c, "SELECT COUNT(*) FROM rows"), is(2L));
      assertThat(
          CliHarness.count(
              c, "SELECT COUNT(*) FROM validation_errors WHERE destination = 'discard'"),
          is(1L));
    }
  }

  @Test
  void aMissingInputFileIsAClearErrorBeforeTheRun() throws Exception {
    Path s =
        CliHarness.settings(dir, csvPipeline(dir.resolve("absent.csv").toString(), "\"id: int\""));
    CliHarness.Result r = CliHarness.run("run", "-s", s.toString(), "--execute");
    assertThat(r.exitCode(), is(1));
    assertThat(r.err(), containsString("input file not found"));
    assertThat(r.err(), containsString("absent.csv"));
  }

  @Test
  void withoutExecuteTheRunOnlyValidatesAndPrintsThePlan() throws Exception {
    Path input = dir.resolve("in.csv");
    Files.writeString(input, "id\n1\n");
    Path s = CliHarness.settings(dir, csvPipeline(input.toString(), "\"id: int\""));
    CliHarness.Result r = CliHarness.run("run", "-s", s.toString());
    assertThat(r.err(), r.exitCode(), is(0));
    assertThat(
        r.out(),
        allOf(
            containsString("step 0  source"),
            containsString("__quarantine__"),
            containsString("--execute")));
    assertThat(Files.exists(dir.resolve("audit.db")), is(false));
    assertThat(Files.exists(dir.resolve("out.csv")), is(false));
  }

  @Test
  void theCliDocumentsEveryCommandAndListsPlugins() {
    for (String[] cmd :
        new String[][] {
          {"--help"},
          {"run", "--help"},
          {"validate", "--help"},
          {"plugins", "list", "--help"},
          {"explain", "--help"}
        }) {
      CliHarness.Result r = CliHarness.run(cmd);
      assertThat(String.join(" ", cmd), r.exitCode(), is(0));
      assertThat(r.out(), containsString("Usage:"));
    }
    CliHarness.Result list = CliHarness.run("plugins", "list");
    assertThat(
        list.out(),
        allOf(
            containsString("csv"),
            containsString("json_explode"),
            containsString("keyword_filter"),
            containsString("field_mapper"),
            containsString("truncate"),
            containsString("passthrough"),
            containsString("null")));
    assertThat(CliHarness.run("no-such-command").exitCode(), not(is(0)));
  }

  @Test
  void anUnknownRunInExplainIsAOneLineError() throws Exception {
    Path input = dir.resolve("in.csv");
    Files.writeString(input, "id\n1\n");
    Path s = CliHarness.settings(dir, csvPipeline(input.toString(), "\"id: int\""));
    assertThat(CliHarness.run("run", "-s", s.toString(), "-x").exitCode(), is(0));
    CliHarness.Result r =
        CliHarness.run(
            "explain",
            "--run",
            "nope",
            "--row",
            "0",
            "--database",
            dir.resolve("audit.db").toString());
    assertThat(r.exitCode(), is(1));
    assertThat(r.err(), containsString("no run 'nope'"));
  }
}
