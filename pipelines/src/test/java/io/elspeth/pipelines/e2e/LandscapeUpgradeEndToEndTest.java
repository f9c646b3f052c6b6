package io.elspeth.pipelines.e2e;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.allOf;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.elspeth.audit.schema.LandscapeSchema;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Landscape written by the first release (schema version 1, before migrations) is upgraded in
 * place by the next run's launcher, and its old run explains exactly as the first release explained
 * it. The resources under {@code landscape-v1/} were made by the first release's CLI: {@code
 * elspeth run} of the threshold_gate example (with a seventh, malformed row), and {@code elspeth
 * explain --json} of rows 1 and 6 of that run.
 */
@Tag("e2e")
class LandscapeUpgradeEndToEndTest {
  private static final Path V1 =
      Path.of("src/test/resources/io/elspeth/pipelines/landscape-v1").toAbsolutePath();
  private static final String OLD_RUN = "01a25088cc7b7767b098a01a9f3ed5bb";

  @TempDir Path dir;

  @Test
  void aRunUpgradesAFirstReleaseLandscapeInPlaceAndItsOldRunExplainsAsBefore() throws Exception {
    Path db = dir.resolve("landscape.db");
    Files.copy(V1.resolve("threshold-gate-landscape.db"), db);

    // Openers other than the launcher only check: explain refuses the unmigrated Landscape.
    CliHarness.Result refused = explain(db, "1");
    assertThat(refused.exitCode(), not(is(0)));
    assertThat(
        refused.err(),
        allOf(
            containsString("written by the first release"),
            containsString("not migrated yet"),
            containsString("elspeth run --execute")));
    try (Connection c = CliHarness.landscape(db)) {
      assertThat(LandscapeSchema.readVersion(c), is(1));
    }

    // The launcher of the next run migrates it, then runs as usual.
    Path settings = CliHarness.example("threshold_gate", dir);
    CliHarness.Result run = CliHarness.run("run", "--settings", settings.toString(), "--execute");
    assertThat(run.err(), run.exitCode(), is(0));

    try (Connection c = CliHarness.landscape(db)) {
      assertMigratedFromTheFirstRelease(c);
      assertThat(
          CliHarness.count(c, "SELECT COUNT(*) FROM runs WHERE status = 'completed'"), is(2L));
    }
    assertOldRunExplainsAsTheFirstReleaseDid(db);
  }

  @Test
  void landscapeMigrateUpgradesAFirstReleaseLandscapeWithoutARunAndExplainThenWorks()
      throws Exception {
    Path db = dir.resolve("landscape.db");
    Files.copy(V1.resolve("threshold-gate-landscape.db"), db);

    // The refusal names the command that migrates this very file.
    CliHarness.Result refused = explain(db, "1");
    assertThat(refused.exitCode(), is(1));
    assertThat(refused.err(), containsString("`elspeth landscape migrate --database " + db + "`"));

    CliHarness.Result migrated =
        CliHarness.run("landscape", "migrate", "--database", db.toString());
    assertThat(migrated.err(), migrated.exitCode(), is(0));
    assertThat(
        migrated.out(),
        containsString(
            "migrated from schema version 1 to version " + LandscapeSchema.CURRENT_VERSION));
    try (Connection c = CliHarness.landscape(db)) {
      assertMigratedFromTheFirstRelease(c);
      // No run was started: the Landscape holds the first release's one run only.
      assertThat(CliHarness.count(c, "SELECT COUNT(*) FROM runs"), is(1L));
    }

    assertOldRunExplainsAsTheFirstReleaseDid(db);

    // A second migrate finds nothing to do and changes nothing.
    CliHarness.Result again = CliHarness.run("landscape", "migrate", "--database", db.toString());
    assertThat(again.err(), again.exitCode(), is(0));
    assertThat(again.out(), containsString("nothing to migrate"));
  }

  @Test
  void landscapeMigrateRefusesAMissingFileAndCreatesNothing() {
    Path db = dir.resolve("absent.db");

    CliHarness.Result refused = CliHarness.run("landscape", "migrate", "--database", db.toString());

    assertThat(refused.exitCode(), is(1));
    assertThat(refused.err(), containsString("no Landscape database at " + db));
    assertThat(Files.exists(db), is(false));
  }

  /** The history of a first-release Landscape brought to the current version. */
  private static void assertMigratedFromTheFirstRelease(Connection c) throws Exception {
    assertThat(LandscapeSchema.readVersion(c), is(LandscapeSchema.CURRENT_VERSION));
    assertThat(
        CliHarness.query(
            c, "SELECT version, type FROM landscape_schema_history" + " ORDER BY installed_rank"),
        contains(
            Map.of("version", "1", "type", "BASELINE"),
            Map.of("version", "2", "type", "SQL"),
            Map.of("version", "3", "type", "SQL"),
            Map.of("version", "4", "type", "SQL")));
  }

  private static void assertOldRunExplainsAsTheFirstReleaseDid(Path db) throws Exception {
    ObjectMapper json = new ObjectMapper();
    for (String row : List.of("1", "6")) {
      CliHarness.Result explained = explain(db, row);
      assertThat(explained.err(), explained.exitCode(), is(0));
      JsonNode expected = json.readTree(V1.resolve("explain-row" + row + ".json").toFile());
      assertThat("row " + row, json.readTree(explained.out()), equalTo(expected));
    }
  }

  private static CliHarness.Result explain(Path db, String row) {
    return CliHarness.run(
        "explain",
        "--database",
        "sqlite:///" + db,
        "--run",
        OLD_RUN,
        "--row",
        row,
        "--json",
        "--payload-dir",
        V1.resolve("payloads").toString());
  }
}
