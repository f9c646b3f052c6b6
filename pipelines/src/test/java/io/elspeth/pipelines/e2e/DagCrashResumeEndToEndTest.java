package io.elspeth.pipelines.e2e;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.is;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * kill -9 of runs whose rows do not travel alone: a batch aggregation (a row's terminal {@code
 * consumed_in_batch} says nothing about whether its batch's output reached a sink) and a fork whose
 * branches end at different sinks (one branch published, the other not). After {@code elspeth
 * resume}, every row counts once in the published batch outputs, and every branch of every row is
 * in its sink exactly once.
 */
@Tag("e2e")
class DagCrashResumeEndToEndTest {
  static final int ROWS = 600;

  @TempDir Path dir;

  private Path input() throws Exception {
    Path input = dir.resolve("in.csv");
    StringBuilder csv = new StringBuilder("id,price,category\n");
    for (int i = 0; i < ROWS; i++) {
      csv.append(i).append(',').append(i % 23).append(",c").append(i % 3).append('\n');
    }
    Files.writeString(input, csv);
    return input;
  }

  private Path db() {
    return dir.resolve("audit.db");
  }

  private void runKilledAt(String point, Path settings) throws Exception {
    CrashHarness.Outcome o =
        CrashHarness.elspeth(dir, point, "run", "-s", settings.toString(), "-x");
    assertThat(o.output(), o.killed(), is(true));
    String runId;
    try (Connection c = CrashHarness.sqlite(db())) {
      runId = CrashHarness.runToResume(c);
    }
    CrashHarness.Outcome r =
        CrashHarness.elspeth(dir, null, "resume", runId, "-s", settings.toString(), "-x");
    assertThat(r.output(), r.exitCode(), is(0));
    assertThat(r.output(), containsString("completed"));
    try (Connection c = CrashHarness.sqlite(db())) {
      assertThat(
          CliHarness.query(c, "SELECT status FROM runs ORDER BY started_at DESC")
              .get(0)
              .get("status"),
          equalTo("completed"));
      assertThat(
          CliHarness.count(
              c, "SELECT COUNT(*) FROM elspeth_sink_publications WHERE settled_ms IS NULL"),
          is(0L));
    }
  }

  @ParameterizedTest(name = "batch aggregation, kill -9 at {0}")
  @ValueSource(strings = {"commit.outcomes_committed@2", "sink.intent_recorded", "sink.published"})
  void everyRowCountsOnceInThePublishedBatches(String point) throws Exception {
    Path input = input();
    Path out = dir.resolve("out/batches.csv");
    Path settings =
        CliHarness.settings(
            dir,
            """
        source:
          plugin: csv
          options:
            path: %s
            schema: {mode: strict, fields: ["id: int", "price: int", "category: str"]}
            on_validation_failure: discard
        aggregations:
          - name: totals
            plugin: batch_stats
            trigger: {count: 7}
            output_mode: transform
            options: {value_field: price}
        sinks:
          out: {plugin: csv, options: {path: %s}}
        default_sink: out
        landscape: {url: "sqlite:///%s"}
        """
                .formatted(input, out, db()));
    runKilledAt(point, settings);
    long[] totals = countAndSum(out);
    long expectedSum = 0;
    for (int i = 0; i < ROWS; i++) {
      expectedSum += i % 23;
    }
    assertThat("rows counted in the published batches", totals[0], is((long) ROWS));
    assertThat("sum over the published batches", totals[1], is(expectedSum));
    try (Connection c = CrashHarness.sqlite(db())) {
      CrashHarness.assertArtifactsMatchFiles(c, out);
    }
    // Every row is explained from the newest run, wherever in the chain it was finished.
    for (String row : List.of("0", String.valueOf(ROWS - 1))) {
      CrashHarness.Outcome explained =
          CrashHarness.elspeth(
              dir,
              null,
              "explain",
              "--database",
              "sqlite:///" + db(),
              "--run",
              "latest",
              "--row",
              row);
      assertThat(explained.output(), explained.exitCode(), is(0));
      assertThat(explained.output(), containsString("Row " + row + " "));
    }
  }

  /** The {@code count} and the {@code sum} over the rows of a CSV file of batch_stats outputs. */
  static long[] countAndSum(Path csv) throws Exception {
    long count = 0;
    long sum = 0;
    List<String> lines = Files.readAllLines(csv, StandardCharsets.UTF_8);
    List<String> header = List.of(lines.get(0).split(","));
    for (String line : lines.subList(1, lines.size())) {
      String[] f = line.split(",");
      count += Long.parseLong(f[header.indexOf("count")]);
      sum += (long) Double.parseDouble(f[header.indexOf("sum")]); // a float, as ELSPETH's
    }
    return new long[] {count, sum};
  }

  @ParameterizedTest(name = "fork to a sink and a coalesce, kill -9 at {0}")
  @ValueSource(strings = {"sink.published", "commit.outcomes_committed@1"})
  void everyBranchOfEveryRowIsInItsSinkOnce(String point) throws Exception {
    Path input = input();
    Path merged = dir.resolve("out/merged.jsonl");
    Path copies = dir.resolve("out/copies.jsonl");
    Path settings =
        CliHarness.settings(
            dir,
            """
        source:
          plugin: csv
          options:
            path: %s
            schema: {mode: strict, fields: ["id: int", "price: int", "category: str"]}
            on_validation_failure: discard
        gates:
          - name: split
            condition: "row['price'] >= 10"
            routes: {"true": fork, "false": continue}
            fork_to: [path_a, path_b, copies]
        coalesce:
          - name: join
            branches: [path_a, path_b]
            policy: require_all
            merge: nested
        sinks:
          merged: {plugin: json, options: {path: %s}}
          copies: {plugin: json, options: {path: %s}}
        default_sink: merged
        landscape: {url: "sqlite:///%s"}
        """
                .formatted(input, merged, copies, db()));
    runKilledAt(point, settings);
    Map<Long, Integer> mergedIds = new HashMap<>();
    ObjectMapper mapper = new ObjectMapper();
    for (String line : Files.readAllLines(merged, StandardCharsets.UTF_8)) {
      JsonNode n = mapper.readTree(line);
      JsonNode id = n.has("id") ? n.get("id") : n.get("path_a").get("id");
      mergedIds.merge(id.asLong(), 1, Integer::sum);
    }
    CrashHarness.assertExactlyOnce(mergedIds, ROWS);
    Map<Long, Integer> copyIds = CrashHarness.idsInSinks(dir.resolve("none.csv"), copies);
    long forked = 0;
    for (int i = 0; i < ROWS; i++) {
      if (i % 23 >= 10) {
        forked++;
        assertThat("copies of row " + i, copyIds.getOrDefault((long) i, 0), is(1));
      }
    }
    assertThat(copyIds.size(), is((int) forked));
    try (Connection c = CrashHarness.sqlite(db())) {
      CrashHarness.assertArtifactsMatchFiles(c, merged, copies);
    }
  }

  @ParameterizedTest(name = "steps on fork branches, a gate after the coalesce, kill -9 at {0}")
  @ValueSource(strings = {"sink.published", "commit.outcomes_committed@1"})
  void everyRowOfAWiredDagIsInItsSinkOnce(String point) throws Exception {
    Path input = input();
    Path high = dir.resolve("out/high.jsonl");
    Path low = dir.resolve("out/low.jsonl");
    Path copies = dir.resolve("out/copies.jsonl");
    Path small = dir.resolve("out/small.jsonl");
    // ELSPETH's current format: transforms read the fork paths, the coalesce's branches read
    // the transforms' outputs, and a gate reads the merged rows.
    Path settings =
        CliHarness.settings(
            dir,
            """
        source:
          plugin: csv
          on_success: raw
          options:
            path: %s
            schema: {mode: strict, fields: ["id: int", "price: int", "category: str"]}
            on_validation_failure: discard
        gates:
          - name: split
            input: raw
            condition: "row['price'] >= 10"
            routes: {"true": fork, "false": small}
            fork_to: [path_a, path_b, copies]
          - name: by_cost
            input: join
            condition: "row['path_b']['cost'] >= 15"
            routes: {"true": high, "false": low}
        transforms:
          - {name: keep_a, plugin: passthrough, input: path_a, on_success: a_done,
             on_error: discard, options: {schema: {mode: observed}}}
          - {name: map_b, plugin: field_mapper, input: path_b, on_success: b_done,
             on_error: discard, options: {mapping: {id: id, price: cost}, select_only: true,
             schema: {mode: observed}}}
        coalesce:
          - name: join
            branches: {path_a: a_done, path_b: b_done}
            policy: require_all
            merge: nested
        sinks:
          high: {plugin: json, on_write_failure: discard, options: {path: %s}}
          low: {plugin: json, on_write_failure: discard, options: {path: %s}}
          copies: {plugin: json, on_write_failure: discard, options: {path: %s}}
          small: {plugin: json, on_write_failure: discard, options: {path: %s}}
        landscape: {url: "sqlite:///%s"}
        """
                .formatted(input, high, low, copies, small, db()));
    runKilledAt(point, settings);
    ObjectMapper mapper = new ObjectMapper();
    Map<Long, Integer> merged = new HashMap<>();
    for (Path file : List.of(high, low)) {
      for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
        JsonNode n = mapper.readTree(line);
        long id = n.get("path_b").get("id").asLong();
        assertThat(
            "row " + id + " in " + file.getFileName(),
            n.get("path_b").get("cost").asInt() >= 15,
            is(file.equals(high)));
        merged.merge(id, 1, Integer::sum);
      }
    }
    Map<Long, Integer> copied = new HashMap<>();
    for (String line : Files.readAllLines(copies, StandardCharsets.UTF_8)) {
      copied.merge(mapper.readTree(line).get("id").asLong(), 1, Integer::sum);
    }
    Map<Long, Integer> smalls = new HashMap<>();
    for (String line : Files.readAllLines(small, StandardCharsets.UTF_8)) {
      smalls.merge(mapper.readTree(line).get("id").asLong(), 1, Integer::sum);
    }
    for (int i = 0; i < ROWS; i++) {
      boolean forked = i % 23 >= 10;
      assertThat("merged row " + i, merged.getOrDefault((long) i, 0), is(forked ? 1 : 0));
      assertThat("copy of row " + i, copied.getOrDefault((long) i, 0), is(forked ? 1 : 0));
      assertThat("small row " + i, smalls.getOrDefault((long) i, 0), is(forked ? 0 : 1));
    }
    try (Connection c = CrashHarness.sqlite(db())) {
      CrashHarness.assertArtifactsMatchFiles(c, high, low, copies, small);
    }
  }
}
