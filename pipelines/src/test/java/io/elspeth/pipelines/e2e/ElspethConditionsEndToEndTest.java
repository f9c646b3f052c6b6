package io.elspeth.pipelines.e2e;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.allOf;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.is;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Gate conditions written for ELSPETH run unchanged, and those ELSPETH refuses are refused. */
@Tag("e2e")
class ElspethConditionsEndToEndTest {
  @TempDir Path dir;

  private String pipeline(Path input, String gates) {
    return """
        source:
          plugin: csv
          options:
            path: %s
            schema: {mode: strict, fields: ["id: int", "tag: str", "big: int"]}
            on_validation_failure: discard
        gates:
        %s
        sinks:
          out: {plugin: csv, options: {path: %s}}
          tagged: {plugin: csv, options: {path: %s}}
          huge: {plugin: csv, options: {path: %s}}
        default_sink: out
        landscape: {url: "sqlite:///%s"}
        """
        .formatted(
            input,
            gates.indent(2).stripTrailing(),
            dir.resolve("out.csv"),
            dir.resolve("tagged.csv"),
            dir.resolve("huge.csv"),
            dir.resolve("audit.db"));
  }

  /** Ints past ±2^53 cannot enter the Landscape's canonical JSON, so the row holds 2^53 - 1. */
  @Test
  void setLiteralsBuiltInsAndBigIntsRouteRows() throws Exception {
    Path input = dir.resolve("in.csv");
    Files.writeString(input, "id,tag,big\n1,a,1\n2,z,9007199254740991\n3,c,2\n");
    Path s =
        CliHarness.settings(
            dir,
            pipeline(
                input,
                """
        - name: by_tag
          condition: "row['tag'] in {'a', 'b', 'c'} and len(str(row.get('tag', ''))) == 1"
          routes: {"true": tagged, "false": continue}
        - name: by_size
          condition: "row['big'] * row['big'] > 9223372036854775807"
          routes: {"true": huge, "false": continue}
        """));
    CliHarness.Result r = CliHarness.run("run", "-s", s.toString(), "--execute");
    assertThat(r.err(), r.exitCode(), is(0));
    assertThat(
        CliHarness.lines(dir.resolve("tagged.csv")),
        equalTo(List.of("id,tag,big", "1,a,1", "3,c,2")));
    assertThat(
        CliHarness.lines(dir.resolve("huge.csv")),
        equalTo(List.of("id,tag,big", "2,z,9007199254740991")));
    try (Connection c = CliHarness.landscape(dir.resolve("audit.db"))) {
      LandscapeInvariants.assertReconciles(c);
      assertThat(
          LandscapeInvariants.outcomes(c), equalTo(Map.of("routed@tagged", 2L, "routed@huge", 1L)));
    }
  }

  @Test
  void conditionsElspethRefusesAreRefusedByValidate() throws Exception {
    Path input = dir.resolve("in.csv");
    Files.writeString(input, "id,tag,big\n1,a,1\n");
    Path s =
        CliHarness.settings(
            dir,
            pipeline(
                input,
                """
        - name: identity
          condition: "row['tag'] is 'active'"
          routes: {"true": tagged, "false": continue}
        - name: literal_subscript
          condition: "'abc'[0] == row['tag']"
          routes: {"true": tagged, "false": continue}
        """));
    CliHarness.Result r = CliHarness.run("validate", "-s", s.toString());
    assertThat(r.exitCode(), is(1));
    assertThat(
        r.err(),
        allOf(
            containsString("gates[0].condition: 'is' and 'is not' are only allowed in None checks"),
            containsString("gates[1].condition: subscripts are only allowed on row")));
  }
}
