package io.elspeth.pipelines.e2e;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.is;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Random small DAGs (a filter with an error sink, a routing gate, a passthrough aggregation, a fork
 * to two joined paths and optionally a sink path, each coalesce policy) over random rows, run
 * through the CLI: the outcomes of every path in the Landscape and the lines of every sink file
 * equal what a model of the DAG predicts, so rows in = out + routed + quarantined + failed on each
 * path, and the run reconciles. A handful of seeds keeps it fast.
 */
@Tag("e2e")
class DagPropertyEndToEndTest {
  @TempDir Path dir;

  @ParameterizedTest
  @ValueSource(longs = {1, 7, 42, 1234})
  void everyRowIsAccountedForOnEveryPath(long seed) throws Exception {
    Random random = new Random(seed);
    int n = random.nextInt(14);
    boolean filter = random.nextBoolean();
    boolean route = random.nextBoolean();
    boolean aggregate = random.nextBoolean();
    boolean sinkPath = random.nextBoolean();
    String policy = List.of("require_all", "best_effort", "first", "quorum").get(random.nextInt(4));
    String merge = List.of("union", "nested", "select").get(random.nextInt(3));

    StringBuilder csv = new StringBuilder("id,amount,note\n");
    long bad = 0;
    long high = 0;
    long forked = 0;
    long plain = 0;
    for (int i = 0; i < n; i++) {
      long amount = random.nextInt(200);
      boolean isBad = random.nextInt(4) == 0;
      csv.append(i)
          .append(',')
          .append(amount)
          .append(',')
          .append(isBad ? "bad" : "ok")
          .append('\n');
      if (filter && isBad) {
        bad++;
      } else if (route && amount > 150) {
        high++;
      } else if (amount % 2 == 0) {
        forked++;
      } else {
        plain++;
      }
    }
    Files.writeString(dir.resolve("input.csv"), csv.toString());
    StringBuilder yaml = new StringBuilder();
    yaml.append("source:\n  plugin: csv\n  options:\n    path: ")
        .append(dir.resolve("input.csv"))
        .append(
            "\n    schema: {mode: strict, fields: [\"id: int\", \"amount: int\","
                + " \"note: str\"]}\n    on_validation_failure: discard\n");
    if (filter) {
      yaml.append(
          "transforms:\n  - plugin: keyword_filter\n    options: {fields: note,"
              + " blocked_patterns: [\"bad\"], on_error: rejected}\n");
    }
    if (aggregate) {
      yaml.append("aggregations:\n  - name: hold\n    plugin: batch_stats\n    trigger: {count: ")
          .append(1 + random.nextInt(4))
          .append("}\n    output_mode: passthrough\n" + "    options: {value_field: amount}\n");
    }
    yaml.append("gates:\n");
    if (route) {
      yaml.append(
          "  - name: big\n    condition: \"row['amount'] > 150\"\n"
              + "    routes: {\"true\": high, \"false\": continue}\n");
    }
    yaml.append(
            "  - name: split\n    condition: \"row['amount'] % 2 == 0\"\n"
                + "    routes: {\"true\": fork, \"false\": continue}\n    fork_to: [p1, p2")
        .append(sinkPath ? ", copies" : "")
        .append("]\n");
    yaml.append("coalesce:\n  - name: join\n    branches: [p1, p2]\n    policy: ")
        .append(policy)
        .append("\n    merge: ")
        .append(merge)
        .append('\n');
    if (policy.equals("quorum")) {
      yaml.append("    quorum_count: 1\n");
    }
    if (merge.equals("select")) {
      yaml.append("    select_branch: p1\n");
    }
    yaml.append("sinks:\n");
    for (String sink : List.of("out", "rejected", "high", "copies")) {
      yaml.append("  ")
          .append(sink)
          .append(": {plugin: json, options: {path: ")
          .append(dir.resolve(sink + ".jsonl"))
          .append("}}\n");
    }
    yaml.append("default_sink: out\nlandscape:\n  url: sqlite:///")
        .append(dir.resolve("landscape.db"))
        .append('\n');
    Path settings = CliHarness.settings(dir, yaml.toString());
    CliHarness.Result r = CliHarness.run("run", "-s", settings.toString(), "--execute");
    assertThat(yaml + r.err(), r.exitCode(), is(0));

    // With 'first' or a quorum of one, the join is made on the first branch and the second
    // branch token arrives late; whether a select join finds p1 then depends on arrival order,
    // so those combinations are checked on totals rather than exact counts.
    boolean racy = (policy.equals("first") || policy.equals("quorum"));
    try (Connection c = CliHarness.landscape(dir.resolve("landscape.db"))) {
      LandscapeInvariants.assertReconciles(c);
      Map<String, Long> outcomes = new TreeMap<>(LandscapeInvariants.outcomes(c));
      String label = yaml.toString();
      assertThat(label, outcomes.getOrDefault("routed@rejected", 0L), is(bad));
      assertThat(label, outcomes.getOrDefault("routed@high", 0L), is(high));
      assertThat(label, outcomes.getOrDefault("forked", 0L), is(forked));
      assertThat(label, outcomes.getOrDefault("completed@copies", 0L), is(sinkPath ? forked : 0));
      long merged = outcomes.getOrDefault("completed@out", 0L) - plain;
      long failed = outcomes.getOrDefault("failed", 0L);
      long coalesced = outcomes.getOrDefault("coalesced", 0L);
      if (!racy) {
        assertThat(label, merged, is(forked));
        assertThat(label, coalesced, is(2 * forked));
        assertThat(label, failed, is(0L));
      } else {
        // Per forked row: one join made or failed, and both branch tokens end coalesced or failed.
        assertThat(label, coalesced + failed, is(2 * forked));
        assertThat(label, merged <= forked, is(true));
      }
      // The path into the coalesce: every branch token ends coalesced or failed.
      assertThat(
          label,
          CliHarness.count(c, "SELECT COUNT(*) FROM tokens WHERE branch_name IN" + " ('p1', 'p2')"),
          is(2 * forked));
      // rows in = out + routed + quarantined + failed, on the main path.
      assertThat(label, (long) n, equalTo(plain + bad + high + forked));
      // The sink files hold exactly the rows the Landscape says reached them.
      for (String sink : List.of("out", "rejected", "high", "copies")) {
        long lines =
            CliHarness.lines(dir.resolve(sink + ".jsonl")).stream()
                .filter(l -> !l.isBlank())
                .count();
        long recorded =
            outcomes.getOrDefault("completed@" + sink, 0L)
                + outcomes.getOrDefault("routed@" + sink, 0L);
        assertThat(label + sink, lines, is(recorded));
      }
    }
  }
}
