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
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * kill -9 of runs whose gate forks one source row several times: each row is expanded (or its rows
 * are batched) before a gate that forks every token to two sinks, and the process is killed once
 * one sink has published and the other has not. After {@code elspeth resume}, each derived token is
 * in each sink exactly once: the resumed gate forks every expansion child and every batch output
 * only to the branches not yet delivered for it.
 */
@Tag("e2e")
class ForkAfterExpansionCrashEndToEndTest {
  static final int ROWS = 400;

  @TempDir Path dir;

  private Path db() {
    return dir.resolve("audit.db");
  }

  /** Row i holds 1 + i % 4 items, item k being i * 10 + k: every item value is unique. */
  private Path orders() throws Exception {
    Path input = dir.resolve("orders.jsonl");
    StringBuilder jsonl = new StringBuilder();
    for (int i = 0; i < ROWS; i++) {
      List<String> items = new ArrayList<>();
      for (int k = 0; k <= i % 4; k++) {
        items.add(String.valueOf(i * 10 + k));
      }
      jsonl
          .append("{\"id\": ")
          .append(i)
          .append(", \"items\": [")
          .append(String.join(", ", items))
          .append("]}\n");
    }
    Files.writeString(input, jsonl);
    return input;
  }

  private static long items() {
    long n = 0;
    for (int i = 0; i < ROWS; i++) {
      n += 1 + i % 4;
    }
    return n;
  }

  private Path expandThenFork(String landscapeUrl) throws Exception {
    return CliHarness.settings(
        dir,
        """
        source:
          plugin: json
          options:
            path: %s
            schema: {mode: free, fields: ["id: int"]}
            on_validation_failure: discard
        transforms:
          - plugin: json_explode
            options: {array_field: items, output_field: item, include_index: true}
        gates:
          - name: both
            condition: "row['item'] >= 0"
            routes: {"true": fork, "false": continue}
            fork_to: [left, right]
        sinks:
          left: {plugin: csv, options: {path: %s}}
          right: {plugin: json, options: {path: %s}}
        default_sink: left
        landscape: {url: "%s"}
        """
            .formatted(
                orders(),
                dir.resolve("out/left.csv"),
                dir.resolve("out/right.jsonl"),
                landscapeUrl));
  }

  /** Kills the run at {@code point}, resumes it, and checks that the resume completed. */
  private void killAndResume(String point, Path settings, Connection landscape) throws Exception {
    CrashHarness.Outcome o =
        CrashHarness.elspeth(dir, point, "run", "-s", settings.toString(), "-x");
    assertThat(o.output(), o.killed(), is(true));
    String runId = CrashHarness.runToResume(landscape);
    CrashHarness.Outcome r =
        CrashHarness.elspeth(dir, null, "resume", runId, "-s", settings.toString(), "-x");
    assertThat(r.output(), r.exitCode(), is(0));
    assertThat(r.output(), containsString("completed"));
    assertThat(
        CliHarness.query(landscape, "SELECT status FROM runs ORDER BY started_at DESC")
            .get(0)
            .get("status"),
        equalTo("completed"));
    assertThat(
        CliHarness.count(
            landscape, "SELECT COUNT(*) FROM elspeth_sink_publications WHERE settled_ms IS NULL"),
        is(0L));
  }

  private void assertEveryItemOnceInEachSink() throws Exception {
    Map<Long, Integer> left = new HashMap<>();
    List<String> lines = Files.readAllLines(dir.resolve("out/left.csv"), StandardCharsets.UTF_8);
    List<String> header = List.of(lines.get(0).split(","));
    for (String line : lines.subList(1, lines.size())) {
      left.merge(Long.parseLong(line.split(",")[header.indexOf("item")]), 1, Integer::sum);
    }
    Map<Long, Integer> right = new HashMap<>();
    ObjectMapper mapper = new ObjectMapper();
    for (String line : Files.readAllLines(dir.resolve("out/right.jsonl"), StandardCharsets.UTF_8)) {
      JsonNode n = mapper.readTree(line);
      right.merge(n.get("item").asLong(), 1, Integer::sum);
    }
    for (Map<Long, Integer> sink : List.of(left, right)) {
      List<String> wrong = new ArrayList<>();
      for (int i = 0; i < ROWS; i++) {
        for (int k = 0; k <= i % 4; k++) {
          int n = sink.getOrDefault((long) i * 10 + k, 0);
          if (n != 1) {
            wrong.add((i * 10 + k) + " x" + n);
          }
        }
      }
      assertThat(
          "items not exactly once (first 20): " + wrong.subList(0, Math.min(20, wrong.size())),
          wrong.size(),
          is(0));
      assertThat((long) sink.size(), is(items()));
    }
  }

  @ParameterizedTest(name = "expand, then fork to two sinks, kill -9 at {0}")
  @ValueSource(strings = {"sink.published", "commit.outcomes_committed@3"})
  void everyExpansionChildIsInEachSinkOnce(String point) throws Exception {
    Path settings = expandThenFork("sqlite:///" + db());
    try (Connection c = CrashHarness.sqlite(db())) {
      killAndResume(point, settings, c);
      assertEveryItemOnceInEachSink();
      CrashHarness.assertArtifactsMatchFiles(
          c, dir.resolve("out/left.csv"), dir.resolve("out/right.jsonl"));
    }
  }

  @ParameterizedTest(name = "batch aggregation, then fork to two sinks, kill -9 at {0}")
  @ValueSource(strings = {"sink.published"})
  void everyBatchOutputIsInEachSinkOnce(String point) throws Exception {
    Path input = dir.resolve("in.csv");
    StringBuilder csv = new StringBuilder("id,price\n");
    long expectedSum = 0;
    for (int i = 0; i < ROWS; i++) {
      csv.append(i).append(',').append(i % 23).append('\n');
      expectedSum += i % 23;
    }
    Files.writeString(input, csv);
    Path settings =
        CliHarness.settings(
            dir,
            """
        source:
          plugin: csv
          options:
            path: %s
            schema: {mode: strict, fields: ["id: int", "price: int"]}
            on_validation_failure: discard
        aggregations:
          - name: totals
            plugin: batch_stats
            trigger: {count: 7}
            output_mode: transform
            options: {value_field: price}
        gates:
          - name: both
            condition: "row['count'] > 0"
            routes: {"true": fork, "false": continue}
            fork_to: [left, right]
        sinks:
          left: {plugin: csv, options: {path: %s}}
          right: {plugin: csv, options: {path: %s}}
        default_sink: left
        landscape: {url: "sqlite:///%s"}
        """
                .formatted(input, dir.resolve("out/left.csv"), dir.resolve("out/right.csv"), db()));
    try (Connection c = CrashHarness.sqlite(db())) {
      killAndResume(point, settings, c);
      for (String sink : List.of("left.csv", "right.csv")) {
        long[] totals = DagCrashResumeEndToEndTest.countAndSum(dir.resolve("out").resolve(sink));
        assertThat("rows counted in the batches of " + sink, totals[0], is((long) ROWS));
        assertThat("sum over the batches of " + sink, totals[1], is(expectedSum));
      }
      CrashHarness.assertArtifactsMatchFiles(
          c, dir.resolve("out/left.csv"), dir.resolve("out/right.csv"));
    }
  }
}
