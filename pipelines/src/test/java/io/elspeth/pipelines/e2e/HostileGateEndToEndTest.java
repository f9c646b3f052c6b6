package io.elspeth.pipelines.e2e;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.allOf;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.is;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Gate conditions built to exhaust memory (each repetition under the old repetition cap, 250 of
 * them concatenated) fail their rows on the evaluation budget, or are refused by validation when
 * the breach follows from literals alone; the JVM survives and the counts reconcile.
 */
@Tag("e2e")
class HostileGateEndToEndTest {
  @TempDir Path dir;

  private static String concatenated(String part) {
    return String.join(" + ", Collections.nCopies(250, part));
  }

  private String pipeline(Path input, String gates) {
    return """
        source:
          plugin: csv
          options:
            path: %s
            schema: {mode: strict, fields: ["id: int", "kind: str", "customer: str"]}
            on_validation_failure: discard
        gates:
        %s
        sinks:
          out: {plugin: csv, options: {path: %s}}
        default_sink: out
        landscape: {url: "sqlite:///%s"}
        """
        .formatted(
            input,
            gates.indent(2).stripTrailing(),
            dir.resolve("out.csv"),
            dir.resolve("audit.db"));
  }

  private static String gate(String name, String condition) {
    return """
        - name: %s
          condition: "%s"
          routes: {"true": continue, "false": continue}
        """
        .formatted(name, condition);
  }

  @Test
  void hostileConditionsFailTheirRowsWithTheReasonAndTheRunCompletes() throws Exception {
    Path input = dir.resolve("in.csv");
    Files.writeString(
        input,
        "id,kind,customer\n1,plain,a\n2,text,a\n3,list,a\n" + "4,plain,z\n5,text,z\n6,list,z\n");
    Path s =
        CliHarness.settings(
            dir,
            pipeline(
                input,
                gate(
                        "strings",
                        "row['kind'] != 'text' or "
                            + concatenated("row['customer']*9999999")
                            + " == ''")
                    + gate(
                        "lists",
                        "row['kind'] != 'list' or "
                            + concatenated("[row['customer']]*99999")
                            + " == []")));
    CliHarness.Result r = CliHarness.run("run", "-s", s.toString(), "--execute");
    assertThat(r.err(), r.exitCode(), is(0));
    assertThat(
        CliHarness.lines(dir.resolve("out.csv")),
        equalTo(List.of("id,kind,customer", "1,plain,a", "4,plain,z")));
    try (Connection c = CliHarness.landscape(dir.resolve("audit.db"))) {
      LandscapeInvariants.assertReconciles(c);
      assertThat(
          LandscapeInvariants.outcomes(c), equalTo(Map.of("completed@out", 2L, "failed", 4L)));
      assertThat(
          CliHarness.count(
              c,
              "SELECT COUNT(*) FROM node_states WHERE status = 'failed'"
                  + " AND error_json LIKE '%budget exceeded%1000000 characters%'"),
          is(2L));
      assertThat(
          CliHarness.count(
              c,
              "SELECT COUNT(*) FROM node_states WHERE status = 'failed'"
                  + " AND error_json LIKE '%budget exceeded%100000 list, tuple, set or dict elements%'"),
          is(2L));
    }
  }

  @Test
  void conditionsWhoseLiteralsAloneBreachTheBudgetAreRefusedByValidate() throws Exception {
    Path input = dir.resolve("in.csv");
    Files.writeString(input, "id,kind,customer\n1,plain,acme\n");
    Path s =
        CliHarness.settings(
            dir,
            pipeline(
                input,
                gate("strings", "row['kind'] == " + concatenated("'a'*9999999"))
                    + gate("lists", "row['kind'] in " + concatenated("[1]*99999"))));
    CliHarness.Result r = CliHarness.run("validate", "-s", s.toString());
    assertThat(r.exitCode(), is(1));
    assertThat(
        r.err(),
        allOf(
            containsString(
                "gates[0].condition: a part that does not depend on the row can never be"
                    + " evaluated: budget exceeded"),
            containsString("1000000 characters"),
            containsString("gates[1].condition: a part that does not depend on the row"),
            containsString("100000 list, tuple, set or dict elements")));
    CliHarness.Result run = CliHarness.run("run", "-s", s.toString(), "--execute");
    assertThat(run.exitCode(), is(1));
    assertThat(Files.exists(dir.resolve("audit.db")), is(false));
  }
}
