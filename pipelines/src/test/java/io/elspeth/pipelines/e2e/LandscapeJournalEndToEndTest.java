package io.elspeth.pipelines.e2e;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.is;

import io.elspeth.audit.canonical.CanonicalJson;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code landscape.dump_to_jsonl} through the CLI: the journal holds exactly the records the
 * Landscape committed (table by table), on SQLite with the direct runner and on PostgreSQL with
 * Flink's local cluster; a journal that cannot be written stops (or, with fail_on_error, fails the
 * run).
 */
@Tag("e2e")
class LandscapeJournalEndToEndTest {
  /** Every table of audit records. */
  private static final List<String> TABLES =
      List.of(
          "runs",
          "nodes",
          "edges",
          "rows",
          "tokens",
          "token_parents",
          "node_states",
          "token_outcomes",
          "routing_events",
          "operations",
          "calls",
          "batches",
          "batch_members",
          "artifacts",
          "checkpoints",
          "preflight_results",
          "transform_errors",
          "validation_errors");

  @TempDir Path dir;

  /** Records journaled per table: one per single INSERT, one per parameter set of a batch. */
  private static Map<String, Long> journaled(Path journal) throws Exception {
    Map<String, Long> counts = new TreeMap<>();
    for (String line : Files.readAllLines(journal)) {
      @SuppressWarnings("unchecked")
      Map<String, Object> m = (Map<String, Object>) CanonicalJson.parse(line);
      String sql = (String) m.get("statement");
      if (!sql.startsWith("INSERT INTO ")) {
        continue;
      }
      String table = sql.substring("INSERT INTO ".length(), sql.indexOf(" ("));
      long n =
          Boolean.TRUE.equals(m.get("executemany")) ? ((List<?>) m.get("parameters")).size() : 1;
      counts.merge(table, n, Long::sum);
    }
    return counts;
  }

  private static Map<String, Long> stored(Connection c) throws Exception {
    Map<String, Long> counts = new TreeMap<>();
    for (String table : TABLES) {
      long n = CliHarness.count(c, "SELECT COUNT(*) FROM " + table);
      if (n > 0) {
        counts.put(table, n);
      }
    }
    return counts;
  }

  private Path settings(String landscape, String runner) throws Exception {
    Path input = dir.resolve("in.jsonl");
    StringBuilder rows = new StringBuilder();
    for (int i = 0; i < 40; i++) {
      rows.append("{\"id\": ").append(i).append(", \"note\": \"n").append(i).append("\"}\n");
    }
    Files.writeString(input, rows);
    return CliHarness.settings(
        dir,
        """
        source:
          plugin: json
          options:
            path: %s
            format: jsonl
            schema: {mode: strict, fields: ["id: int", "note: str"]}
            on_validation_failure: discard
        transforms:
          - plugin: passthrough
        gates:
          - name: even
            condition: "row['id'] %% 2 == 0"
            routes: {"true": evens, "false": continue}
        sinks:
          odds: {plugin: json, options: {path: %s, format: jsonl}}
          evens: {plugin: json, options: {path: %s, format: jsonl}}
        default_sink: odds
        landscape: %s
        %s
        """
            .formatted(
                input, dir.resolve("odds.jsonl"), dir.resolve("evens.jsonl"), landscape, runner));
  }

  @Test
  void theExampleJournalsEveryCommittedRecordAfterItsCommit() throws Exception {
    Path settings = CliHarness.example("landscape_journal", dir);
    CliHarness.Result r = CliHarness.run("run", "-s", settings.toString(), "-x");
    assertThat(r.err(), r.exitCode(), is(0));
    Path journal = dir.resolve("landscape.journal.jsonl");
    try (Connection c = CliHarness.landscape(dir.resolve("landscape.db"))) {
      assertThat(journaled(journal), is(stored(c)));
    }
    List<String> lines = Files.readAllLines(journal);
    assertThat(lines.get(0), containsString("\"statement\": \"INSERT INTO runs ("));
    assertThat(lines, hasItem(containsString("\"statement\": \"UPDATE runs SET status = ?")));
  }

  @Test
  void theDefaultJournalSitsBesideTheSqliteDatabase() throws Exception {
    Path settings =
        settings("{url: \"sqlite:///" + dir.resolve("audit.db") + "\", dump_to_jsonl: true}", "");
    CliHarness.Result r = CliHarness.run("run", "-s", settings.toString(), "-x");
    assertThat(r.err(), r.exitCode(), is(0));
    try (Connection c = CliHarness.landscape(dir.resolve("audit.db"))) {
      assertThat(journaled(dir.resolve("audit.journal.jsonl")), is(stored(c)));
    }
  }

  @Test
  void aPostgresqlLandscapeOnFlinksLocalClusterJournalsEveryRecordOnce() throws Exception {
    try (CliHarness.PgSchema schema = new CliHarness.PgSchema()) {
      Path journal = dir.resolve("pg.journal.jsonl");
      Path settings =
          settings(
              "{url: \""
                  + schema.url()
                  + "\", dump_to_jsonl: true,"
                  + " dump_to_jsonl_path: "
                  + journal
                  + "}",
              "runner: {profile: flink-local, parallelism: 2}");
      CliHarness.Result r = CliHarness.run("run", "-s", settings.toString(), "-x");
      assertThat(r.err(), r.exitCode(), is(0));
      try (Connection c = schema.connect()) {
        assertThat(journaled(journal), is(stored(c)));
      }
    }
  }

  @Test
  void anUnwritableJournalStopsWithoutFailingTheRunUnlessFailOnError() throws Exception {
    Path folder = Files.createDirectories(dir.resolve("journal-is-a-folder"));
    Path lenient =
        settings(
            "{url: \"sqlite:///"
                + dir.resolve("a.db")
                + "\", dump_to_jsonl:"
                + " true, dump_to_jsonl_path: "
                + folder
                + "}",
            "");
    CliHarness.Result r = CliHarness.run("run", "-s", lenient.toString(), "-x");
    assertThat(r.err(), r.exitCode(), is(0));

    Path strict =
        settings(
            "{url: \"sqlite:///"
                + dir.resolve("b.db")
                + "\", dump_to_jsonl:"
                + " true, dump_to_jsonl_path: "
                + folder
                + ", dump_to_jsonl_fail_on_error: true}",
            "");
    r = CliHarness.run("run", "-s", strict.toString(), "-x");
    assertThat(r.exitCode(), is(1));
    assertThat(r.err(), containsString("cannot write the Landscape journal " + folder));
  }

  @Test
  void aServerLandscapeNeedsAJournalPath() throws Exception {
    Path settings =
        settings(
            "{url: \"postgresql://postgres@127.0.0.1:5432/test\"," + " dump_to_jsonl: true}", "");
    CliHarness.Result r = CliHarness.run("validate", "-s", settings.toString());
    assertThat(r.exitCode(), is(1));
    assertThat(
        r.err(),
        containsString(
            "landscape.dump_to_jsonl_path: required when"
                + " dump_to_jsonl is on and the Landscape is not a SQLite file"));
  }
}
