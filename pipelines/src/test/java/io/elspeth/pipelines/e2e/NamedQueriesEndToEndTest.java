package io.elspeth.pipelines.e2e;

import static io.elspeth.pipelines.e2e.CliHarness.count;
import static io.elspeth.pipelines.e2e.CliHarness.query;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.allOf;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.elspeth.testkit.chaosllm.ChaosConfig;
import io.elspeth.testkit.chaosllm.ChaosLlmServer;
import io.elspeth.testkit.chaosllm.FaultKind;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * ELSPETH's named multi-query ({@code plugin: llm} with {@code queries}) through the CLI against
 * ChaosLLM: the project's own pipeline in both formats (same sink files), ELSPETH's output fields,
 * error reasons and success reason, every query's call in the Landscape, a replay that answers
 * every query from the recording; and ELSPETH's own example run unchanged.
 */
@Tag("e2e")
class NamedQueriesEndToEndTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * ELSPETH's repository (a git directory holding commit {@value #REFERENCE_COMMIT}); the example
   * test is skipped when it is not there. Set with {@code -Delspeth.reference.repo=}.
   */
  private static final Path REFERENCE =
      Path.of(
          System.getProperty("elspeth.reference.repo", "/work/.mirror/tachyon-beep+elspeth/repo"));

  private static final String REFERENCE_COMMIT = "de732358";

  /**
   * Answers as a model would: the tone query gets a JSON object (a wrong type for Bob's order,
   * whose notes mention a password), the summary query plain text.
   */
  private static final String ANSWERS =
      "{% if user_message.startsWith('Tone of') %}"
          + "{% if 'password' in user_message %}{\"score\": \"high\", \"mood\": \"calm\"}"
          + "{% else %}{\"score\": 4, \"mood\": \"calm\"}{% endif %}"
          + "{% else %}Summary: {{ user_message }}{% endif %}";

  @TempDir Path dir;

  private static ChaosLlmServer server() {
    return ChaosLlmFixture.with(
        ChaosConfig.builder()
            .responseMode(ChaosConfig.ResponseMode.TEMPLATE)
            .template(ANSWERS)
            .build());
  }

  private static String resource(String name) throws Exception {
    try (InputStream in =
        NamedQueriesEndToEndTest.class.getResourceAsStream("/current-format/" + name)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  /** A resource pipeline in its own folder beside a copy of the input, {@code @LLM@} set. */
  private Path pipeline(String name, String folder, ChaosLlmServer server, String extra)
      throws Exception {
    Path into = Files.createDirectories(dir.resolve(folder));
    Files.writeString(into.resolve("orders.csv"), resource("orders.csv"));
    String yaml = resource(name).replace("@LLM@", server.httpUrl() + "/api/v1") + extra;
    return CliHarness.settings(into, yaml.replace("@DIR@", into.toString()));
  }

  private static void runs(Path settings) {
    CliHarness.Result r = CliHarness.run("run", "-s", settings.toString(), "--execute");
    assertThat(r.err(), r.exitCode(), is(0));
  }

  @Test
  void namedQueriesWriteElspethsFieldsAndRecordEveryQuerysCall() throws Exception {
    ChaosLlmServer server = server();
    Path current = pipeline("queries-current.yaml", "current", server, "");
    Path rc2 = pipeline("queries-rc2.yaml", "rc2", server, "");
    runs(current);
    runs(rc2);
    for (String sink : List.of("assessed.jsonl", "llm_errors.jsonl")) {
      assertThat(
          sink,
          Files.readString(current.resolveSibling(sink)),
          equalTo(Files.readString(rc2.resolveSibling(sink))));
    }

    List<Map<String, Object>> out =
        LlmTransformsEndToEndTest.jsonl(current.resolveSibling("assessed.jsonl"));
    assertThat(out, hasSize(6));
    Map<String, Object> ada = out.get(0);
    assertThat(ada.get("tone_score"), equalTo(4));
    assertThat(ada.get("tone_mood"), equalTo("calm"));
    assertThat(
        "the answer's text is kept beside the fields read from it",
        ada.get("tone_llm_response"),
        equalTo("{\"score\": 4, \"mood\": \"calm\"}"));
    assertThat(ada.get("tone_llm_response_model"), equalTo("openai/gpt-4o-mini"));
    assertThat(ada.get("tone_llm_response_usage"), not(equalTo(null)));
    assertThat(
        "a query without its own template renders the transform's",
        ada.get("summary_llm_response"),
        equalTo("Summary: Summarise the customer Ada"));
    assertThat(
        ada.keySet().stream()
            .filter(k -> k.startsWith("tone_") || k.startsWith("summary_"))
            .sorted()
            .toList(),
        equalTo(
            List.of(
                "summary_llm_response",
                "summary_llm_response_model",
                "summary_llm_response_usage",
                "tone_llm_response",
                "tone_llm_response_model",
                "tone_llm_response_usage",
                "tone_mood",
                "tone_score")));

    // Bob's tone answer has the wrong type: the row fails whole, with ELSPETH's reason.
    List<Map<String, Object>> errors =
        LlmTransformsEndToEndTest.jsonl(current.resolveSibling("llm_errors.jsonl"));
    assertThat(errors, hasSize(1));
    assertThat(errors.get(0).get("customer"), equalTo("Bob"));
    assertThat(
        errors.get(0).keySet().stream().filter(k -> k.startsWith("tone_")).toList(), hasSize(0));

    try (Connection c = CliHarness.landscape(current.resolveSibling("landscape.db"))) {
      LandscapeInvariants.assertReconciles(c);
      // With a pool every query is asked, a failing row's too: 7 rows x 2 queries.
      assertThat(count(c, "SELECT COUNT(*) FROM calls WHERE status = 'success'"), is(14L));
      assertThat(
          query(c, "SELECT plugin_name FROM nodes WHERE node_type = 'transform'")
              .get(0)
              .get("plugin_name"),
          equalTo("openrouter_multi_query_llm"));
      Map<?, ?> reason =
          JSON.readValue(
              (String)
                  query(c, "SELECT error_details_json FROM" + " transform_errors")
                      .get(0)
                      .get("error_details_json"),
              Map.class);
      assertThat(reason.get("reason"), equalTo("field_type_mismatch"));
      assertThat(reason.get("query_name"), equalTo("tone"));
      assertThat(reason.get("field"), equalTo("score"));
      assertThat(reason.get("error"), equalTo("expected integer, got str"));
      assertThat(reason.get("failed_queries"), equalTo(List.of("tone")));
      assertThat(reason.get("discarded_successful_queries"), equalTo(1));
      assertThat(reason.get("total_count"), equalTo(2));
      // ELSPETH's success reason: the fields added and each query's provenance.
      List<Map<String, Object>> states =
          query(
              c,
              "SELECT success_reason_json FROM node_states"
                  + " WHERE success_reason_json IS NOT NULL");
      assertThat(states, hasSize(6));
      Map<?, ?> success =
          JSON.readValue((String) states.get(0).get("success_reason_json"), Map.class);
      assertThat(success.get("action"), equalTo("multi_query_enriched"));
      assertThat(success.get("queries_completed"), equalTo(2));
      Map<?, ?> metadata = (Map<?, ?>) success.get("metadata");
      assertThat(metadata.get("model"), equalTo("openai/gpt-4o-mini"));
      assertThat((String) metadata.get("tone_llm_response_template_hash"), not(equalTo(null)));
      assertThat((String) metadata.get("summary_llm_response_variables_hash"), not(equalTo(null)));
      // Every query's prompt and request as sent: its own template, lookup, JSON schema.
      List<String> requests = new ArrayList<>();
      for (Map<String, Object> call : query(c, "SELECT request_ref FROM calls")) {
        requests.add(
            Files.readString(
                LlmTransformsEndToEndTest.payload(
                    current.resolveSibling("payloads"), (String) call.get("request_ref"))));
      }
      assertThat(
          requests,
          org.hamcrest.Matchers.hasItem(
              allOf(
                  containsString("Tone of first order by Ada (order 1), scale 1-5"),
                  containsString("\"name\":\"tone_output\""),
                  not(containsString("max_tokens")))));
      assertThat(
          requests,
          org.hamcrest.Matchers.hasItem(
              allOf(
                  containsString("Summarise the customer Ada"),
                  containsString("\"max_tokens\":20"),
                  not(containsString("response_format")))));
    }
  }

  @Test
  void replayAnswersEveryNamedQueryFromTheRecording() throws Exception {
    ChaosLlmServer server = server();
    Path live = pipeline("queries-current.yaml", "live", server, "");
    runs(live);
    String recorded;
    try (Connection c = CliHarness.landscape(live.resolveSibling("landscape.db"))) {
      recorded = (String) query(c, "SELECT run_id FROM runs").get(0).get("run_id");
    }
    // From now on any request fails: a replay that asked the server would differ.
    ChaosLlmFixture.with(ChaosConfig.builder().fault(FaultKind.INTERNAL_ERROR, 100).build());
    Path replay = Files.createDirectories(dir.resolve("replay"));
    Files.writeString(replay.resolve("orders.csv"), resource("orders.csv"));
    String yaml =
        resource("queries-current.yaml")
                .replace("@LLM@", server.httpUrl() + "/api/v1")
                .replace(
                    "sqlite:///@DIR@/landscape.db",
                    "sqlite:///" + live.resolveSibling("landscape.db"))
                .replace(
                    "base_path: \"@DIR@/payloads\"",
                    "base_path: \"" + live.resolveSibling("payloads") + "\"")
                .replace("@DIR@", replay.toString())
            + "run_mode: replay\nreplay_from: "
            + recorded
            + "\n";
    runs(CliHarness.settings(replay, yaml));

    assertThat(server.stats().totalRequests(), is(0L));
    for (String sink : List.of("assessed.jsonl", "llm_errors.jsonl")) {
      assertThat(
          sink,
          Files.readString(replay.resolve(sink)),
          equalTo(Files.readString(live.resolveSibling(sink))));
    }
    try (Connection c = CliHarness.landscape(live.resolveSibling("landscape.db"))) {
      assertThat(count(c, "SELECT COUNT(*) FROM calls"), is(28L));
    }
  }

  /** Writes {@code path} of ELSPETH's repository at the reference commit under {@code into}. */
  private static void extract(Path into, String path) throws Exception {
    Process p =
        new ProcessBuilder("git", "-C", REFERENCE.toString(), "show", REFERENCE_COMMIT + ":" + path)
            .redirectErrorStream(false)
            .start();
    byte[] content = p.getInputStream().readAllBytes();
    assertThat("git show " + path, p.waitFor(), is(0));
    Path file = into.resolve(path);
    Files.createDirectories(file.getParent());
    Files.write(file, content);
  }

  /**
   * ELSPETH's OpenRouter named-query examples, unchanged, run from a checkout of their folder as
   * ELSPETH's READMEs run them, the endpoint and key from the environment. {@code
   * schema_contracts_llm_assessment} names its input fields by their normalized headers ({@code
   * CS1: Symptoms & Signs} as {@code cs1_symptoms_signs}).
   */
  @ParameterizedTest
  @ValueSource(strings = {"openrouter_multi_query_assessment", "schema_contracts_llm_assessment"})
  void elspethsOpenRouterNamedQueryExamplesRunUnchanged(String name) throws Exception {
    assumeTrue(Files.isDirectory(REFERENCE), "ELSPETH's repository is not at " + REFERENCE);
    ChaosLlmServer server =
        ChaosLlmFixture.with(
            ChaosConfig.builder()
                .responseMode(ChaosConfig.ResponseMode.TEMPLATE)
                .template("{\"score\": 72, \"rationale\": \"consistent\"}")
                .build());
    String example = "examples/" + name + "/";
    for (String f : List.of("settings.yaml", "input.csv")) {
      extract(dir, example + f);
    }
    Files.createDirectories(dir.resolve(example + "output"));
    Files.createDirectories(dir.resolve(example + "runs"));

    CliHarness.Result r =
        CliHarness.runInNewJvm(
            dir,
            Map.of(
                "OPENROUTER_BASE_URL",
                server.httpUrl() + "/api/v1",
                "OPENROUTER_API_KEY",
                "example-test-key"),
            "run",
            "-s",
            example + "settings.yaml",
            "--execute");
    assertThat(r.err(), r.exitCode(), is(0));

    List<String> lines = Files.readAllLines(dir.resolve(example + "output/results.csv"));
    assertThat(lines, hasSize(4));
    List<String> header = List.of(lines.get(0).split(","));
    for (String cs : List.of("cs1", "cs2")) {
      for (String criterion : List.of("diagnosis", "treatment", "prognosis", "risk", "followup")) {
        assertThat(
            header,
            org.hamcrest.Matchers.hasItems(
                cs + "_" + criterion + "_score",
                cs + "_" + criterion + "_rationale",
                cs + "_" + criterion + "_llm_response"));
      }
    }
    assertThat(
        lines.subList(1, 4),
        everyItem(
            allOf(startsWith("user-00"), containsString(",72,"), containsString(",consistent,"))));
    try (Connection c = CliHarness.landscape(dir.resolve(example + "runs/audit.db"))) {
      LandscapeInvariants.assertReconciles(c);
      // 3 rows x 10 named queries, each its own audited call.
      assertThat(count(c, "SELECT COUNT(*) FROM calls WHERE status = 'success'"), is(30L));
      assertThat(
          count(
              c,
              "SELECT COUNT(*) FROM node_states WHERE success_reason_json LIKE"
                  + " '%multi_query_enriched%'"),
          is(3L));
    }
    assertThat(
        Files.readString(dir.resolve(example + "runs/audit.db"), StandardCharsets.ISO_8859_1),
        not(containsString("example-test-key")));
  }

  /** One row, four named queries with their own templates, asked with {@code pool}. */
  private Path fourQueries(ChaosLlmServer server, int pool) throws Exception {
    Path into = Files.createDirectories(dir.resolve("pool-" + pool));
    Files.writeString(into.resolve("one.csv"), "id,customer\n1,Ada\n");
    StringBuilder queries = new StringBuilder();
    for (String q : List.of("first", "second", "third", "fourth")) {
      queries
          .append("        ")
          .append(q)
          .append(": {input_fields: {who: customer}, template: \"")
          .append(q)
          .append(" about {{ row.who }}\"}\n");
    }
    String yaml =
        """
        source:
          plugin: csv
          on_success: loaded
          options:
            path: "@DIR@/one.csv"
            schema: {mode: fixed, fields: ['id: int', 'customer: str']}
            on_validation_failure: discard
        transforms:
          - name: assess
            plugin: llm
            input: loaded
            on_success: assessed
            on_error: llm_errors
            options:
              provider: openrouter
              model: openai/gpt-4o-mini
              base_url: "@LLM@"
              api_key: current-format-test-key
              template: "unused {{ row.who }}"
              pool_size: @POOL@
              required_input_fields: []
              schema: {mode: observed}
              queries:
        """
            + queries
            + """
        sinks:
          assessed: {plugin: json, on_write_failure: discard, options: {path: "@DIR@/assessed.jsonl", format: jsonl, schema: {mode: observed}}}
          llm_errors: {plugin: json, on_write_failure: discard, options: {path: "@DIR@/llm_errors.jsonl", format: jsonl, schema: {mode: observed}}}
        landscape:
          url: "sqlite:///@DIR@/landscape.db"
        """;
    return CliHarness.settings(
        into,
        yaml.replace("@LLM@", server.httpUrl() + "/api/v1")
            .replace("@POOL@", Integer.toString(pool))
            .replace("@DIR@", into.toString()));
  }

  @Test
  void aRowsQueriesAreAskedTogetherUpToPoolSizeAndAssembledInTheirOrder() throws Exception {
    // Each answer takes 300 ms, so queries sent together are held by the server together: its
    // observed concurrency says whether they overlapped, whatever the machine's speed.
    ChaosLlmServer server =
        ChaosLlmFixture.with(
            ChaosConfig.builder()
                .responseMode(ChaosConfig.ResponseMode.TEMPLATE)
                .template("Answer: {{ user_message }}")
                .latency(300, 0)
                .build());
    Path pooled = fourQueries(server, 3);
    runs(pooled);
    int overlapped = server.maxConcurrentRequests();
    assertThat(
        "one row's four queries overlap at the server, at most pool_size at once",
        overlapped,
        allOf(org.hamcrest.Matchers.greaterThan(1), org.hamcrest.Matchers.lessThanOrEqualTo(3)));
    List<Map<String, Object>> out =
        LlmTransformsEndToEndTest.jsonl(pooled.resolveSibling("assessed.jsonl"));
    assertThat(out, hasSize(1));
    assertThat(
        "the answers are assembled in the declared order, whatever order they came in",
        out.get(0).keySet().stream().filter(k -> k.endsWith("_llm_response")).toList(),
        equalTo(
            List.of(
                "first_llm_response",
                "second_llm_response",
                "third_llm_response",
                "fourth_llm_response")));
    for (String q : List.of("first", "second", "third", "fourth")) {
      assertThat(out.get(0).get(q + "_llm_response"), equalTo("Answer: " + q + " about Ada"));
    }
    try (Connection c = CliHarness.landscape(pooled.resolveSibling("landscape.db"))) {
      // Every query's call is recorded under the row's one node state, indexes 0..3.
      assertThat(
          query(
                  c,
                  "SELECT c.call_index FROM calls c JOIN node_states s ON s.state_id = c.state_id"
                      + " JOIN nodes n ON n.node_id = s.node_id WHERE n.node_type = 'transform'"
                      + " ORDER BY c.call_index")
              .stream()
              .map(m -> ((Number) m.get("call_index")).intValue())
              .toList(),
          equalTo(List.of(0, 1, 2, 3)));
      LandscapeInvariants.assertReconciles(c);
    }

    // pool_size 1: ELSPETH's sequential mode, one query at a time.
    server.reset();
    runs(fourQueries(server, 1));
    assertThat(server.maxConcurrentRequests(), is(1));
  }
}
