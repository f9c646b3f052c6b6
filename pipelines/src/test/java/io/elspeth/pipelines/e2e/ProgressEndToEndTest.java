package io.elspeth.pipelines.e2e;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.in;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code elspeth run} reports while it works: progress read from the Landscape at the interval
 * asked for, phase changes (the reconciliation after the rows included), as text on stderr or as
 * JSON lines with ELSPETH's event names; {@code --quiet} reports nothing but the summary.
 */
@Tag("e2e")
class ProgressEndToEndTest {
  /**
   * Rows for a run of a second or more; the tests report every 0.2 s, so that several reports fall
   * in a run even on a fast machine with a warm JVM (8,000 rows can take one second).
   */
  private static final int ROWS = 8_000;

  private static final Pattern TEXT_PROGRESS =
      Pattern.compile(
          "^progress: ([\\d,]+) rows read, ([\\d,]+) processed \\(([\\d,]+) succeeded, ([\\d,]+)"
              + " routed, ([\\d,]+) quarantined, ([\\d,]+) failed\\), [\\d,]+ rows/s, .* elapsed.*$");
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;

  private Path settings(String name) throws Exception {
    Path input = dir.resolve("input.csv");
    if (!Files.exists(input)) {
      StringBuilder csv = new StringBuilder("id,amount\n");
      for (int i = 0; i < ROWS; i++) {
        csv.append(i).append(',').append(i % 2000).append('\n');
      }
      Files.writeString(input, csv);
    }
    Path run = Files.createDirectories(dir.resolve(name));
    return CliHarness.settings(
        run,
        """
        source:
          plugin: csv
          options:
            path: %s
            schema: {mode: strict, fields: ["id: int", "amount: int"]}
            on_validation_failure: discard
        gates:
          - name: big
            condition: "row['amount'] > 1000"
            routes: {"true": high, "false": continue}
        sinks:
          normal: {plugin: csv, options: {path: %s}}
          high: {plugin: csv, options: {path: %s}}
        default_sink: normal
        landscape: {url: "sqlite:///%s"}
        payload_store: {base_path: %s}
        """
            .formatted(
                input,
                run.resolve("normal.csv"),
                run.resolve("high.csv"),
                run.resolve("landscape.db"),
                run.resolve("payloads")));
  }

  @Test
  void textProgressOnStderrCountsUpToTheRunAndNamesThePhases() throws Exception {
    CliHarness.Result r =
        CliHarness.run(
            "run", "-s", settings("text").toString(), "--execute", "--progress-interval", "0.2");
    assertThat(r.err(), r.exitCode(), is(0));
    List<long[]> progress = new ArrayList<>();
    for (String line : r.err().split("\n")) {
      Matcher m = TEXT_PROGRESS.matcher(line);
      if (m.matches()) {
        long[] counts = new long[6];
        for (int i = 0; i < 6; i++) {
          counts[i] = Long.parseLong(m.group(i + 1).replace(",", ""));
        }
        progress.add(counts);
      }
    }
    assertThat(r.err(), progress.size(), greaterThanOrEqualTo(2));
    for (int i = 1; i < progress.size(); i++) {
      assertThat(
          "rows read never go down",
          progress.get(i)[0],
          greaterThanOrEqualTo(progress.get(i - 1)[0]));
      assertThat(
          "processed never goes down",
          progress.get(i)[1],
          greaterThanOrEqualTo(progress.get(i - 1)[1]));
    }
    long[] first = progress.get(0);
    long[] last = progress.get(progress.size() - 1);
    assertThat(r.err(), last[1], greaterThan(first[1]));
    assertThat("the last report has every row", last[0], is((long) ROWS));
    assertThat(last[1], is((long) ROWS));
    assertThat("succeeded + routed", last[2] + last[3], is((long) ROWS));
    assertThat(r.err(), containsString("[PROCESS] processing csv..."));
    assertThat(r.err(), containsString("[RECONCILE] checking..."));
    assertThat(r.err(), containsString("[RECONCILE] done in "));
    assertThat("stdout keeps the summary", r.out(), containsString(": completed"));
  }

  @Test
  void jsonFormatPrintsElspethsEventsAsJsonLines() throws Exception {
    CliHarness.Result r =
        CliHarness.run(
            "run",
            "-s",
            settings("json").toString(),
            "--execute",
            "--progress-interval",
            "0.2",
            "--format",
            "json");
    assertThat(r.err(), r.exitCode(), is(0));
    List<JsonNode> events = new ArrayList<>();
    for (String line : r.out().split("\n")) {
      if (!line.isBlank()) {
        events.add(JSON.readTree(line));
      }
    }
    List<String> names = events.stream().map(e -> e.get("event").asText()).toList();
    assertThat(
        names,
        everyItem(is(in(Set.of("progress", "phase_started", "phase_completed", "run_completed")))));
    List<JsonNode> progress =
        events.stream().filter(e -> e.get("event").asText().equals("progress")).toList();
    assertThat(r.out(), progress.size(), greaterThanOrEqualTo(2));
    for (int i = 1; i < progress.size(); i++) {
      assertThat(
          progress.get(i).get("rows_processed").asLong(),
          greaterThanOrEqualTo(progress.get(i - 1).get("rows_processed").asLong()));
    }
    JsonNode last = progress.get(progress.size() - 1);
    assertThat(last.get("rows_processed").asLong(), is((long) ROWS));
    assertThat(last.get("rows_read").asLong(), is((long) ROWS));
    assertThat(
        last.get("rows_succeeded").asLong() + last.get("rows_routed").asLong(), is((long) ROWS));
    assertThat(last.get("rows_failed").asLong(), is(0L));
    assertThat(last.get("rows_quarantined").asLong(), is(0L));
    assertThat(
        "the file is under the sampled MiB: its count is exact",
        last.get("estimated_rows").asLong(),
        is((long) ROWS));
    assertThat(
        last.has("rows_per_second") && last.has("elapsed_seconds") && last.has("eta_seconds"),
        is(true));
    List<String> started =
        events.stream()
            .filter(e -> e.get("event").asText().equals("phase_started"))
            .map(e -> e.get("phase").asText())
            .toList();
    assertThat(started, hasItem("process"));
    assertThat(started, hasItem("reconcile"));
    JsonNode summary = events.get(events.size() - 1);
    assertThat(summary.get("event").asText(), is("run_completed"));
    assertThat(summary.get("status").asText(), is("completed"));
    assertThat(summary.get("total_rows").asLong(), is((long) ROWS));
    assertThat(summary.get("succeeded").asLong() + summary.get("routed").asLong(), is((long) ROWS));
    assertThat(summary.get("exit_code").asInt(), is(0));
    assertThat(summary.get("run_id").asText().isEmpty(), is(false));
  }

  @Test
  void quietPrintsNoProgressAndNoPhases() throws Exception {
    CliHarness.Result r =
        CliHarness.run(
            "run",
            "-s",
            settings("quiet").toString(),
            "--execute",
            "--progress-interval",
            "1",
            "--quiet");
    assertThat(r.err(), r.exitCode(), is(0));
    assertThat(r.err(), not(containsString("progress:")));
    assertThat(r.err(), not(containsString("[PROCESS]")));
    assertThat(r.err(), not(containsString("[RECONCILE]")));
    assertThat(r.out(), containsString("rows: " + ROWS + " recorded"));
  }

  @Test
  void aProgressIntervalOfZeroIsAUsageError() throws Exception {
    CliHarness.Result r =
        CliHarness.run(
            "run", "-s", settings("zero").toString(), "--execute", "--progress-interval", "0");
    assertThat(r.exitCode(), is(2));
    assertThat(
        r.err(), containsString("--progress-interval: expected a number of seconds above 0"));
  }
}
