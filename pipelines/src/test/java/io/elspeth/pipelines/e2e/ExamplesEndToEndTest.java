package io.elspeth.pipelines.e2e;

import static io.elspeth.pipelines.e2e.CliHarness.count;
import static io.elspeth.pipelines.e2e.CliHarness.lines;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.is;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs every shipped example through the CLI and checks its sink files and its Landscape. */
@Tag("e2e")
class ExamplesEndToEndTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;

  private CliHarness.Result runExample(String name) throws Exception {
    Path settings = CliHarness.example(name, dir);
    CliHarness.Result r = CliHarness.run("run", "-s", settings.toString(), "--execute");
    assertThat(r.err(), r.exitCode(), is(0));
    assertThat(r.out(), containsString(": completed"));
    return r;
  }

  @Test
  void thresholdGateRoutesHighAmountsAndReconciles() throws Exception {
    runExample("threshold_gate");
    assertThat(
        lines(dir.resolve("normal.csv")),
        contains("id,customer,amount", "1,alice,250.0", "3,carol,999.99", "5,erin,42.0"));
    assertThat(
        lines(dir.resolve("high_values.csv")),
        contains("id,customer,amount", "2,bob,1500.5", "4,dave,1000.01", "6,frank,20000.0"));
    try (Connection c = CliHarness.landscape(dir.resolve("landscape.db"))) {
      LandscapeInvariants.assertReconciles(c);
      assertThat(
          LandscapeInvariants.outcomes(c),
          equalTo(Map.of("completed@normal", 3L, "routed@high_values", 3L)));
      // One event per gate decision, continue included (as ELSPETH records them).
      assertThat(count(c, "SELECT COUNT(*) FROM routing_events"), is(6L));
      assertThat(
          count(
              c,
              "SELECT COUNT(*) FROM routing_events r JOIN edges e"
                  + " ON e.edge_id = r.edge_id WHERE e.label = 'continue'"),
          is(3L));
      LandscapeInvariants.assertSourceHashes(
          c,
          List.of(
              row(1L, "alice", 250.0),
              row(2L, "bob", 1500.5),
              row(3L, "carol", 999.99),
              row(4L, "dave", 1000.01),
              row(5L, "erin", 42.0),
              row(6L, "frank", 20000.0)));
    }
  }

  private static Map<String, Object> row(long id, String customer, double amount) {
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("id", id);
    r.put("customer", customer);
    r.put("amount", amount);
    return r;
  }

  @Test
  void booleanRoutingSplitsOnACoercedBoolean() throws Exception {
    runExample("boolean_routing");
    List<?> approved = JSON.readValue(dir.resolve("approved.json").toFile(), List.class);
    List<?> rejected = JSON.readValue(dir.resolve("rejected.json").toFile(), List.class);
    assertThat(approved, hasSize(3));
    assertThat(rejected, hasSize(2));
    assertThat(((Map<?, ?>) approved.get(0)).get("approved"), is(true));
    try (Connection c = CliHarness.landscape(dir.resolve("landscape.db"))) {
      LandscapeInvariants.assertReconciles(c);
      assertThat(
          LandscapeInvariants.outcomes(c),
          equalTo(Map.of("routed@approved", 3L, "routed@rejected", 2L)));
    }
  }

  @Test
  void jsonExplodeMakesOneRowPerItemWithLineage() throws Exception {
    runExample("json_explode");
    assertThat(
        lines(dir.resolve("order_items.csv")),
        contains(
            "order_id,customer,item,item_index",
            "1,alice,apple,0",
            "1,alice,pear,1",
            "2,bob,plum,0",
            "4,dave,fig,0",
            "4,dave,kiwi,1",
            "4,dave,lime,2"));
    assertThat(lines(dir.resolve("empty_orders.jsonl")), hasSize(1));
    try (Connection c = CliHarness.landscape(dir.resolve("landscape.db"))) {
      LandscapeInvariants.assertReconciles(c);
      assertThat(
          LandscapeInvariants.outcomes(c),
          equalTo(Map.of("expanded", 3L, "completed@order_items", 6L, "routed@empty_orders", 1L)));
      assertThat(
          "every child links to its parent",
          count(c, "SELECT COUNT(*) FROM token_parents"),
          is(6L));
      assertThat(count(c, "SELECT COUNT(*) FROM transform_errors"), is(1L));
    }
  }

  @Test
  void keywordFilterRoutesBlockedRowsWithTheReason() throws Exception {
    runExample("keyword_filter");
    assertThat(
        lines(dir.resolve("clean.csv")),
        contains(
            "id,text",
            "1,\"Hello, how are you today?\"",
            "3,Quarterly numbers look good",
            "5,A message that is rather long and wil..."));
    List<String> blocked = lines(dir.resolve("blocked.jsonl"));
    assertThat(blocked, hasSize(2));
    try (Connection c = CliHarness.landscape(dir.resolve("landscape.db"))) {
      LandscapeInvariants.assertReconciles(c);
      assertThat(
          LandscapeInvariants.outcomes(c),
          equalTo(Map.of("completed@clean", 3L, "routed@blocked", 2L)));
      List<Map<String, Object>> errors =
          CliHarness.query(
              c,
              "SELECT error_details_json, destination FROM transform_errors ORDER BY created_at");
      assertThat(errors, hasSize(2));
      assertThat(errors.get(0).get("destination"), is("blocked"));
      assertThat(
          errors.get(0).get("error_details_json").toString(),
          containsString("\"matched_pattern\""));
      assertThat(count(c, "SELECT COUNT(*) FROM routing_events WHERE mode = 'divert'"), is(2L));
    }
  }

  @Test
  void validationFailuresAreQuarantinedWithTheirReasons() throws Exception {
    runExample("validation_quarantine");
    assertThat(
        lines(dir.resolve("valid.csv")),
        contains("id,name,age,score", "1,Ada,36,88.5", "4,Dmitri,41,93.25", "5,,52,60.0"));
    List<String> quarantined = lines(dir.resolve("quarantine.csv"));
    assertThat(quarantined.get(0), is("id,name,age,score"));
    assertThat(quarantined, hasSize(4));
    assertThat(quarantined.get(1), is("2,Brian,not-a-number,71.0"));
    try (Connection c = CliHarness.landscape(dir.resolve("landscape.db"))) {
      LandscapeInvariants.assertReconciles(c);
      assertThat(
          LandscapeInvariants.outcomes(c),
          equalTo(Map.of("completed@valid", 3L, "quarantined@quarantine", 3L)));
      assertThat(
          count(c, "SELECT COUNT(*) FROM validation_errors WHERE destination = 'quarantine'"),
          is(3L));
      assertThat(count(c, "SELECT COUNT(*) FROM rows"), is(6L));
    }
  }

  @Test
  void explainShowsTheWholeLineageOfARow() throws Exception {
    runExample("threshold_gate");
    String db = "sqlite:///" + dir.resolve("landscape.db");
    CliHarness.Result text =
        CliHarness.run("explain", "--run", "latest", "--row", "1", "--database", db);
    assertThat(text.err(), text.exitCode(), is(0));
    assertThat(text.out(), containsString("route 'true'"));
    assertThat(text.out(), containsString("high_values.csv"));
    CliHarness.Result json =
        CliHarness.run("explain", "--run", "latest", "--row", "1", "--database", db, "--json");
    assertThat(json.exitCode(), is(0));
    Map<?, ?> tree = JSON.readValue(json.out(), Map.class);
    assertThat(((Map<?, ?>) tree.get("row")).get("row_index"), is(1));
    String token;
    try (Connection c = CliHarness.landscape(dir.resolve("landscape.db"))) {
      token =
          CliHarness.query(
                  c,
                  "SELECT t.token_id FROM tokens t JOIN rows r ON r.row_id ="
                      + " t.row_id WHERE r.row_index = 1")
              .get(0)
              .get("token_id")
              .toString();
    }
    CliHarness.Result byToken =
        CliHarness.run("explain", "--run", "latest", "--token", token, "--database", db);
    assertThat(byToken.err(), byToken.exitCode(), is(0));
    assertThat(byToken.out(), containsString(token));
    assertThat(CliHarness.run("explain", "--run", "latest", "--database", db).exitCode(), is(2));
    assertThat(Files.exists(dir.resolve("high_values.csv")), is(true));
  }
}
