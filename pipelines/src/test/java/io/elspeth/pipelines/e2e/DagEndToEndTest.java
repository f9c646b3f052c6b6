package io.elspeth.pipelines.e2e;

import static io.elspeth.pipelines.e2e.CliHarness.count;
import static io.elspeth.pipelines.e2e.CliHarness.lines;
import static io.elspeth.pipelines.e2e.CliHarness.query;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.is;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The DAG examples through the CLI: fork and coalesce, batch aggregation, deaggregation. Each
 * checks the sink files, the Landscape (one terminal outcome per token, every child's parents,
 * batches and members) and that {@code explain} walks back from an output to its source rows.
 */
@Tag("e2e")
class DagEndToEndTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;

  private void runExample(String name) throws Exception {
    Path settings = CliHarness.example(name, dir);
    CliHarness.Result r = CliHarness.run("run", "-s", settings.toString(), "--execute");
    assertThat(r.err(), r.exitCode(), is(0));
    assertThat(r.out(), containsString(": completed"));
  }

  private String explain(String row) {
    CliHarness.Result r =
        CliHarness.run(
            "explain",
            "--run",
            "latest",
            "--row",
            row,
            "--database",
            dir.resolve("landscape.db").toString());
    assertThat(r.err(), r.exitCode(), is(0));
    return r.out();
  }

  /** Every token with a fork, join or expand group has parent links to tokens of the run. */
  private static void assertChildrenHaveParents(Connection c) throws Exception {
    assertThat(
        "children without parents",
        count(
            c,
            "SELECT COUNT(*) FROM tokens t WHERE"
                + " (t.fork_group_id IS NOT NULL OR t.join_group_id IS NOT NULL OR t.expand_group_id IS"
                + " NOT NULL) AND NOT EXISTS (SELECT 1 FROM token_parents p WHERE p.token_id ="
                + " t.token_id)"),
        is(0L));
    assertThat(
        "parent links to missing tokens",
        count(
            c,
            "SELECT COUNT(*) FROM token_parents p"
                + " WHERE NOT EXISTS (SELECT 1 FROM tokens t WHERE t.token_id = p.parent_token_id)"),
        is(0L));
  }

  @Test
  void forkCoalesceJoinsBothPathsAndExplainWalksBackThroughTheFork() throws Exception {
    runExample("fork_coalesce");
    List<String> merged = lines(dir.resolve("merged_results.jsonl"));
    assertThat(merged, hasSize(5));
    JsonNode widget = JSON.readTree(merged.get(0));
    assertThat(widget.get("path_a").get("product").asText(), equalTo("Widget"));
    assertThat(widget.get("path_b").get("product").asText(), equalTo("Widget"));
    assertThat(JSON.readTree(merged.get(1)).get("product").asText(), equalTo("Gadget"));
    assertThat(lines(dir.resolve("audit_copy.csv")), hasSize(4)); // header + 3 forked rows
    try (Connection c = CliHarness.landscape(dir.resolve("landscape.db"))) {
      LandscapeInvariants.assertReconciles(c);
      assertChildrenHaveParents(c);
      assertThat(
          LandscapeInvariants.outcomes(c),
          equalTo(
              Map.of(
                  "forked",
                  3L,
                  "coalesced",
                  6L,
                  "completed@output",
                  5L,
                  "completed@audit_copy",
                  3L)));
      assertThat(
          "fork children carry their branch",
          count(
              c,
              "SELECT COUNT(*) FROM tokens"
                  + " WHERE fork_group_id IS NOT NULL AND branch_name IS NULL"),
          is(0L));
      assertThat(
          "each merged token has both branch tokens as parents",
          count(
              c,
              "SELECT COUNT(*) FROM tokens t WHERE t.join_group_id IS NOT NULL AND (SELECT COUNT(*)"
                  + " FROM token_parents p WHERE p.token_id = t.token_id) <> 2"),
          is(0L));
      assertThat(
          "forked outcomes list the paths",
          count(
              c,
              "SELECT COUNT(*) FROM token_outcomes"
                  + " WHERE outcome = 'forked' AND expected_branches_json ="
                  + " '[\"path_a\",\"path_b\",\"audit_copy\"]'"),
          is(3L));
    }
    String text = explain("0");
    assertThat(text, containsString("outcome: forked"));
    assertThat(text, containsString("branch 'path_a'"));
    assertThat(text, containsString("branch 'audit_copy'"));
    assertThat(text, containsString("join group"));
    assertThat(text, containsString("outcome: coalesced"));
    assertThat(text, containsString("completed at sink 'output'"));
  }

  @Test
  void batchAggregationSummarisesBatchesAndExplainListsEveryMemberRow() throws Exception {
    runExample("batch_aggregation");
    List<String> out = lines(dir.resolve("batch_summaries.csv"));
    assertThat(out, hasSize(4)); // header + batches of 5, 5 and 2
    assertThat(
        "ELSPETH's batch_stats fields, in its order",
        out.get(0),
        equalTo("count,sum,batch_size,mean,category"));
    long total = 0;
    for (String line : out.subList(1, out.size())) {
      String[] f = line.split(",");
      total += Long.parseLong(f[0]);
      assertThat("batch_size is the batch's row count", f[2], equalTo(f[0]));
      assertThat("sum is a float", f[1], org.hamcrest.Matchers.matchesPattern("-?\\d+\\.\\d+"));
    }
    assertThat("every row is counted once", total, is(12L));
    try (Connection c = CliHarness.landscape(dir.resolve("landscape.db"))) {
      LandscapeInvariants.assertReconciles(c);
      assertChildrenHaveParents(c);
      assertThat(
          LandscapeInvariants.outcomes(c),
          equalTo(Map.of("consumed_in_batch", 12L, "completed@output", 3L)));
      assertThat(count(c, "SELECT COUNT(*) FROM batches WHERE status = 'completed'"), is(3L));
      assertThat(count(c, "SELECT COUNT(*) FROM batches WHERE trigger_type = 'count'"), is(2L));
      assertThat(
          count(c, "SELECT COUNT(*) FROM batches WHERE trigger_type = 'end_of_source'"), is(1L));
      assertThat(count(c, "SELECT COUNT(*) FROM batch_members"), is(12L));
      assertThat(
          "each row was buffered before it was consumed",
          count(
              c,
              "SELECT COUNT(*) FROM"
                  + " token_outcomes WHERE outcome = 'buffered' AND is_terminal = 0"),
          is(12L));
      Map<String, Object> output =
          query(
                  c,
                  "SELECT t.row_id, t.token_id FROM tokens t"
                      + " WHERE t.expand_group_id IS NOT NULL AND (SELECT COUNT(*)"
                      + " FROM token_parents p WHERE p.token_id = t.token_id) = 5 LIMIT 1")
              .get(0);
      String text = explain(output.get("row_id").toString());
      assertThat(text, containsString("batch "));
      assertThat(text, containsString("trigger count"));
      assertThat(text.split("  member ", -1).length - 1, is(5));
      assertThat(text, containsString("output 0: token " + output.get("token_id")));
    }
  }

  @Test
  void deaggregationReplicatesRowsAsChildrenOfTheRowTheyCopy() throws Exception {
    runExample("deaggregation");
    List<String> out = lines(dir.resolve("replicated.csv"));
    assertThat(out, hasSize(12)); // header + 2+1+3+2+1+2
    assertThat(out.get(0), equalTo("id,name,copies,copy_index"));
    assertThat(out.get(1), equalTo("1,alpha,2,0"));
    assertThat(out.get(2), equalTo("1,alpha,2,1"));
    try (Connection c = CliHarness.landscape(dir.resolve("landscape.db"))) {
      LandscapeInvariants.assertReconciles(c);
      assertChildrenHaveParents(c);
      assertThat(
          LandscapeInvariants.outcomes(c),
          equalTo(Map.of("consumed_in_batch", 6L, "completed@output", 11L)));
      assertThat(
          "each copy belongs to the row of its one parent",
          count(
              c,
              "SELECT COUNT(*)"
                  + " FROM tokens t JOIN token_parents p ON p.token_id = t.token_id JOIN tokens q ON"
                  + " q.token_id = p.parent_token_id WHERE t.expand_group_id IS NOT NULL AND"
                  + " q.row_id <> t.row_id"),
          is(0L));
    }
    String text = explain("2"); // gamma: three copies
    assertThat(text, containsString("outcome: consumed_in_batch"));
    assertThat(text.split("outcome: completed at sink 'output'", -1).length - 1, is(3));
    assertThat(text, containsString("member "));
  }
}
