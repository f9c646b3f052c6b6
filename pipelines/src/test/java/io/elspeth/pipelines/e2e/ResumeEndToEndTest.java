package io.elspeth.pipelines.e2e;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.is;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Resuming a run that stopped part-way: only the unfinished rows run again, appended to the sinks.
 */
@Tag("e2e")
class ResumeEndToEndTest {
  @TempDir Path dir;

  private Path settings(String extraTransform) throws Exception {
    Path input = dir.resolve("in.csv");
    Files.writeString(input, "id,name\n0,a\n1,b\n2,c\n3,d\n4,e\n5,f\n");
    return CliHarness.settings(
        dir,
        """
        source:
          plugin: csv
          options:
            path: %s
            schema: {mode: strict, fields: ["id: int", "name: str"]}
            on_validation_failure: discard
        transforms:
          - plugin: passthrough
        %s
        sinks:
          out: {plugin: csv, options: {path: %s}}
        landscape: {url: "sqlite:///%s"}
        """
            .formatted(input, extraTransform, dir.resolve("out.csv"), dir.resolve("audit.db")));
  }

  private String firstRun(Path settings) throws Exception {
    CliHarness.Result r = CliHarness.run("run", "-s", settings.toString(), "-x");
    assertThat(r.err(), r.exitCode(), is(0));
    try (Connection c = CliHarness.landscape(dir.resolve("audit.db"))) {
      return CliHarness.query(c, "SELECT run_id FROM runs").get(0).get("run_id").toString();
    }
  }

  /** The state a crash after three rows leaves: later rows without outcomes or output. */
  private void crashAfterThreeRows(String runId) throws Exception {
    try (Connection c = CliHarness.landscape(dir.resolve("audit.db"));
        Statement s = c.createStatement()) {
      s.execute(
          "DELETE FROM token_outcomes WHERE token_id IN (SELECT t.token_id FROM tokens t"
              + " JOIN rows r ON r.row_id = t.row_id WHERE r.row_index >= 3)");
      s.execute("UPDATE runs SET status = 'failed' WHERE run_id = '" + runId + "'");
    }
    Files.write(dir.resolve("out.csv"), List.of("id,name", "0,a", "1,b", "2,c"));
  }

  @Test
  void aResumedRunProcessesOnlyTheUnfinishedRowsAndAppends() throws Exception {
    Path settings = settings("");
    String first = firstRun(settings);
    crashAfterThreeRows(first);

    CliHarness.Result dry = CliHarness.run("resume", first, "-s", settings.toString());
    assertThat(dry.err(), dry.exitCode(), is(0));
    assertThat(dry.out(), containsString("3 of 6 recorded rows finished"));

    CliHarness.Result r = CliHarness.run("resume", first, "-s", settings.toString(), "-x");
    assertThat(r.err(), r.exitCode(), is(0));
    assertThat(
        CliHarness.lines(dir.resolve("out.csv")),
        equalTo(List.of("id,name", "0,a", "1,b", "2,c", "3,d", "4,e", "5,f")));
    try (Connection c = CliHarness.landscape(dir.resolve("audit.db"))) {
      String second =
          CliHarness.query(c, "SELECT run_id FROM runs WHERE run_id <> '" + first + "'")
              .get(0)
              .get("run_id")
              .toString();
      assertThat(
          CliHarness.count(c, "SELECT COUNT(*) FROM rows WHERE run_id = '" + second + "'"), is(3L));
      assertThat(
          CliHarness.query(
                  c,
                  "SELECT row_index FROM rows WHERE run_id = '" + second + "' ORDER BY row_index")
              .stream()
              .map(m -> ((Number) m.get("row_index")).longValue())
              .toList(),
          equalTo(List.of(3L, 4L, 5L)));
      Map<String, Object> link =
          CliHarness.query(
                  c,
                  "SELECT result_type, result_json FROM"
                      + " preflight_results WHERE run_id = '"
                      + second
                      + "'")
              .get(0);
      assertThat(link.get("result_type"), is("dependency_run"));
      assertThat(link.get("result_json").toString(), containsString(first));
      assertThat(
          CliHarness.count(
              c,
              "SELECT COUNT(*) FROM runs WHERE run_id = '" + second + "' AND status = 'completed'"),
          is(1L));
    }
  }

  @Test
  void aCompletedRunOrAnotherPipelineCannotBeResumed() throws Exception {
    Path settings = settings("");
    String first = firstRun(settings);
    CliHarness.Result done = CliHarness.run("resume", first, "-s", settings.toString(), "-x");
    assertThat(done.exitCode(), is(1));
    assertThat(done.err(), containsString("nothing to resume"));

    crashAfterThreeRows(first);
    Path changed = settings("  - plugin: truncate\n    options: {fields: {name: 5}}");
    CliHarness.Result other = CliHarness.run("resume", first, "-s", changed.toString(), "-x");
    assertThat(other.exitCode(), is(1));
    assertThat(other.err(), containsString("had another pipeline"));
  }
}
