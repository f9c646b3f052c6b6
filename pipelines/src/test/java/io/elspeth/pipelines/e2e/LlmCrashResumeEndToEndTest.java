package io.elspeth.pipelines.e2e;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.is;

import io.elspeth.testkit.chaosllm.ChaosConfig;
import io.elspeth.testkit.chaosllm.ChaosLlmServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * kill -9 of a run whose rows each pay an LLM call (openrouter_llm against ChaosLLM, several calls
 * in flight), then {@code elspeth resume}: exactly once in the sinks, the artifacts hash the files,
 * the chain reconciles, and no call is paid again for a row whose outcome the killed run committed:
 * the resumed run calls the model only for the other rows, and the server answered exactly as many
 * requests during the resume as the Landscape records calls for it.
 */
@Tag("e2e")
class LlmCrashResumeEndToEndTest {
  static final int ROWS = 600;

  @TempDir Path dir;

  private Path settings(ChaosLlmServer server) throws Exception {
    Path input = dir.resolve("in.csv");
    StringBuilder csv = new StringBuilder("id,text\n");
    for (int i = 0; i < ROWS; i++) {
      csv.append(i).append(",review ").append(i).append(i % 3 == 0 ? " awful\n" : " great\n");
    }
    Files.writeString(input, csv);
    return CliHarness.settings(
        dir,
        """
        source:
          plugin: csv
          options:
            path: %s
            schema: {mode: strict, fields: ["id: int", "text: str"]}
            on_validation_failure: discard
        transforms:
          - plugin: openrouter_llm
            options:
              model: openai/gpt-4o-mini
              base_url: %s/api/v1
              api_key: sk-crash-test
              template: "Sentiment of {{ row.text }}"
              response_field: sentiment
              pool_size: 4
        gates:
          - name: negative
            condition: "row['sentiment'] == 'negative'"
            routes: {"true": negative, "false": continue}
        sinks:
          normal: {plugin: csv, options: {path: %s}}
          negative: {plugin: json, options: {path: %s}}
        default_sink: normal
        landscape: {url: "sqlite:///%s"}
        """
            .formatted(
                input,
                server.httpUrl(),
                dir.resolve("out/normal.csv"),
                dir.resolve("out/negative.jsonl"),
                dir.resolve("audit.db")));
  }

  @ParameterizedTest(name = "LLM step, kill -9 at {0}")
  @ValueSource(strings = {"transform.called@150", "commit.outcomes_committed@1"})
  void noCallIsPaidAgainForACommittedRow(String point) throws Exception {
    // A few milliseconds per answer keeps calls in flight on the pool when the process dies.
    ChaosLlmServer server =
        ChaosLlmFixture.with(
            ChaosConfig.builder()
                .latency(3, 2)
                .responseMode(ChaosConfig.ResponseMode.TEMPLATE)
                .template("{% if 'awful' in user_message %}negative{% else %}positive{% endif %}")
                .build());
    Path settings = settings(server);
    CrashHarness.Outcome killed =
        CrashHarness.elspeth(dir, point, "run", "-s", settings.toString(), "-x");
    assertThat(killed.output(), killed.killed(), is(true));

    String first;
    Set<Long> committedBeforeResume;
    try (Connection c = CrashHarness.sqlite(dir.resolve("audit.db"))) {
      first = CrashHarness.runToResume(c);
      committedBeforeResume = CrashHarness.rowsWithTerminalOutcome(c, first);
      assertThat(
          "the killed run paid at least the calls it recorded",
          server.stats().totalRequests(),
          greaterThanOrEqualTo(CrashHarness.llmCalls(c, first)));
    }
    server.reset();

    CrashHarness.Outcome resumed =
        CrashHarness.elspeth(dir, null, "resume", first, "-s", settings.toString(), "-x");
    assertThat(resumed.output(), resumed.exitCode(), is(0));
    assertThat(resumed.output(), containsString("completed"));

    CrashHarness.assertExactlyOnce(
        CrashHarness.idsInSinks(dir.resolve("out/normal.csv"), dir.resolve("out/negative.jsonl")),
        ROWS);
    try (Connection c = CrashHarness.sqlite(dir.resolve("audit.db"))) {
      String second =
          CliHarness.query(
                  c,
                  "SELECT resumed_by_run_id FROM elspeth_resumptions"
                      + " WHERE resumed_run_id = '"
                      + first
                      + "'")
              .get(0)
              .get("resumed_by_run_id")
              .toString();
      CrashHarness.assertArtifactsMatchFiles(
          c, dir.resolve("out/normal.csv"), dir.resolve("out/negative.jsonl"));
      CrashHarness.assertOneTerminalOutcomePerRow(c);
      assertThat(
          CliHarness.query(c, "SELECT status FROM runs WHERE run_id = '" + second + "'")
              .get(0)
              .get("status"),
          equalTo("completed"));

      Set<Long> calledOnResume = CrashHarness.rowsCalled(c, second);
      Set<Long> paidTwice = new HashSet<>(calledOnResume);
      paidTwice.retainAll(committedBeforeResume);
      assertThat(
          "rows whose outcome the killed run committed, called again", paidTwice, is(empty()));
      // The repair may finish rows of the killed run (published, outcome not yet committed):
      // those are not called again either; every row the resume finished was called once.
      Set<Long> finishedByFirst = CrashHarness.rowsWithTerminalOutcome(c, first);
      Set<Long> calledAgain = new HashSet<>(calledOnResume);
      calledAgain.retainAll(finishedByFirst);
      assertThat("rows the killed run finished, called again", calledAgain, is(empty()));
      Set<Long> finishedBySecond = CrashHarness.rowsWithTerminalOutcome(c, second);
      assertThat(calledOnResume, equalTo(finishedBySecond));
      if (point.startsWith("transform.called")) {
        assertThat(
            "a row in flight is finished by the resume", finishedBySecond.size(), greaterThan(0));
      } else {
        assertThat(
            "the killed run committed outcomes", committedBeforeResume.size(), greaterThan(0));
      }
      long resumeCalls = CrashHarness.llmCalls(c, second);
      assertThat(
          "one call per row the resume finished", resumeCalls, is((long) finishedBySecond.size()));
      assertThat(
          "the server answered exactly the calls the Landscape records for the resume",
          server.stats().totalRequests(),
          is(resumeCalls));
    }
    try (var files = Files.list(dir.resolve("out"))) {
      assertThat(
          "only the sink files are left",
          files.map(p -> p.getFileName().toString()).sorted().toList(),
          equalTo(List.of("negative.jsonl", "normal.csv")));
    }
  }
}
