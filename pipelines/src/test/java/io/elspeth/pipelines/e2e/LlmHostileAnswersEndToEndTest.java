package io.elspeth.pipelines.e2e;

import static io.elspeth.pipelines.e2e.CliHarness.count;
import static io.elspeth.pipelines.e2e.CliHarness.query;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.anyOf;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.hasKey;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.notNullValue;

import io.elspeth.audit.canonical.CanonicalJson;
import io.elspeth.testkit.chaosllm.ChaosConfig;
import io.elspeth.testkit.chaosllm.ChaosConfigBuilder;
import io.elspeth.testkit.chaosllm.ChaosLlmServer;
import io.elspeth.testkit.chaosllm.ChaosStats;
import io.elspeth.testkit.chaosllm.FaultKind;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Hostile answers never lose a call or a row: each external-call plugin runs through the CLI
 * against ChaosLLM injecting every fault kind it has (connection drops, stalls, timeouts, every
 * HTTP error, an HTML error page, and every malformed 200: empty body, invalid or truncated JSON,
 * missing fields, no choices, null content, HTML as the content type, schema violations), through
 * the real Azure OpenAI SDK or the audited HTTP client. The Landscape then has exactly one call per
 * request the server received (its {@code /admin/stats}), a received-but-unusable answer is an
 * error call that keeps what came back, and every row ends completed or routed by {@code on_error}:
 * none fails.
 */
@Tag("e2e")
class LlmHostileAnswersEndToEndTest {
  private static final int ROWS = 50;

  @TempDir Path dir;

  /**
   * Every kind at 4% (88% of requests faulted), short holds so the run stays quick. The server
   * draws one fate per request from its seeded sequence whatever order requests arrive in; with
   * seed 183 the first 41 draws reach every kind, and every run here sends at least 50 requests.
   */
  private static ChaosConfig everyFault() {
    ChaosConfigBuilder b =
        ChaosConfig.builder()
            .seed(183)
            .selectionMode("weighted")
            .responseMode(ChaosConfig.ResponseMode.TEMPLATE)
            .template("{\"score\": 3, \"rationale\": \"ok\"}")
            .timeoutSec(2.5, 2.5)
            .slowResponseSec(0.01, 0.05)
            .connectionFailedLeadSec(0, 0.05)
            .connectionStallSec(0, 0, 2.5, 2.5)
            .retryAfterSec(0, 0);
    for (FaultKind kind : FaultKind.values()) {
      b.fault(kind, 4);
    }
    return b.build();
  }

  private String transform(String plugin, ChaosLlmServer server) {
    String secret = LlmTransformsEndToEndTest.SECRET;
    String pool =
        "      pool_size: 4\n      max_dispatch_delay_ms: 20\n"
            + "      max_capacity_retry_seconds: 2\n      on_error: errors\n";
    return "transforms:\n  - plugin: "
        + plugin
        + "\n    options:\n"
        + switch (plugin) {
          case "azure_llm" ->
              "      deployment_name: gpt-4o-mini\n"
                  + "      endpoint: "
                  + server.httpsUrl()
                  + "\n"
                  + "      api_key: "
                  + secret
                  + "\n"
                  + "      template: \"Classify: {{ row.text }}\"\n"
                  + "      timeout_seconds: 2\n";
          case "openrouter_llm" ->
              "      model: openai/gpt-4o-mini\n"
                  + "      base_url: "
                  + server.httpUrl()
                  + "/api/v1\n"
                  + "      api_key: "
                  + secret
                  + "\n"
                  + "      template: \"Classify: {{ row.text }}\"\n"
                  + "      timeout_seconds: 2\n";
          case "openrouter_multi_query_llm" ->
              "      model: openai/gpt-4o-mini\n"
                  + "      base_url: "
                  + server.httpUrl()
                  + "/api/v1\n"
                  + "      api_key: "
                  + secret
                  + "\n"
                  + "      template: \"{{ criterion.name }}: {{ input_1 }}\"\n"
                  + "      case_studies: [{name: cs, input_fields: [text]}]\n"
                  + "      criteria: [{name: tone}, {name: clarity}]\n"
                  + "      output_mapping: {score: {suffix: score, type: integer},"
                  + " rationale: {suffix: why, type: string}}\n"
                  + "      timeout_seconds: 2\n";
          case "azure_content_safety" ->
              "      endpoint: "
                  + server.httpsUrl()
                  + "\n"
                  + "      api_key: "
                  + secret
                  + "\n"
                  + "      fields: text\n"
                  + "      thresholds: {hate: 2, violence: 2, sexual: 2, self_harm: 2}\n";
          case "azure_prompt_shield" ->
              "      endpoint: "
                  + server.httpsUrl()
                  + "\n"
                  + "      api_key: "
                  + secret
                  + "\n"
                  + "      fields: text\n";
          default -> throw new IllegalArgumentException(plugin);
        }
        + pool;
  }

  private String payload(String ref) throws Exception {
    return new String(
        Files.readAllBytes(LlmTransformsEndToEndTest.payload(dir.resolve("payloads"), ref)),
        StandardCharsets.UTF_8);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "azure_llm",
        "openrouter_llm",
        "openrouter_multi_query_llm",
        "azure_content_safety",
        "azure_prompt_shield"
      })
  void everyRequestIsOneCallAndEveryRowIsCompletedOrRouted(String plugin) throws Exception {
    ChaosLlmServer server = ChaosLlmFixture.with(everyFault());
    StringBuilder rows = new StringBuilder();
    for (int i = 0; i < ROWS; i++) {
      rows.append("{\"id\": ")
          .append(i)
          .append(", \"text\": \"a calm note number ")
          .append(i)
          .append("\"}\n");
    }
    Path in = dir.resolve("input.jsonl");
    Files.writeString(in, rows.toString());
    String yaml =
        LlmTransformsEndToEndTest.header(dir, in)
            + transform(plugin, server)
            + "sinks:\n"
            + "  out: {plugin: json, options: {path: "
            + dir.resolve("out.jsonl")
            + "}}\n"
            + "  errors: {plugin: json, options: {path: "
            + dir.resolve("errors.jsonl")
            + "}}\n"
            + "default_sink: out\n"
            + "retry: {max_attempts: 3, initial_delay_seconds: 0.01, max_delay_seconds: 0.05}\n"
            + "payload_store: {base_path: "
            + dir.resolve("payloads")
            + "}\n"
            + "landscape: {url: \"sqlite:///"
            + dir.resolve("landscape.db")
            + "\"}\n";
    CliHarness.Result r = LlmTransformsEndToEndTest.run(dir, yaml);
    ChaosStats stats = server.stats();
    for (FaultKind kind : FaultKind.values()) {
      assertThat(
          "the server injected " + kind.key() + ": " + stats.requestsByOutcome(),
          stats.outcome(kind),
          greaterThan(0L));
    }

    List<Object> ids = new ArrayList<>();
    List<Path> sinks = List.of(dir.resolve("out.jsonl"), dir.resolve("errors.jsonl"));
    for (Path sink : sinks) {
      if (Files.exists(sink)) {
        LlmTransformsEndToEndTest.jsonl(sink).forEach(m -> ids.add(m.get("id")));
      }
    }
    assertThat("rows in = rows out + rows routed", ids.size(), is(ROWS));
    assertThat("no row lost or duplicated", ids.stream().distinct().count(), is((long) ROWS));

    try (Connection c = CliHarness.landscape(dir.resolve("landscape.db"))) {
      LandscapeInvariants.assertReconciles(c);
      Map<String, Long> outcomes = LandscapeInvariants.outcomes(c);
      assertThat("no row fails: on_error routes them all", outcomes, not(hasKey("failed")));
      assertThat(outcomes.getOrDefault("routed@errors", 0L), greaterThan(0L));
      assertThat(
          "one call record per request the server received",
          count(c, "SELECT COUNT(*) FROM calls"),
          is(stats.totalRequests()));
      assertThat(
          "no call without its node state",
          count(
              c,
              "SELECT COUNT(*) FROM calls k"
                  + " WHERE NOT EXISTS (SELECT 1 FROM node_states s WHERE s.state_id = k.state_id)"),
          is(0L));
      assertThat(
          "no node state failed as a plugin bug",
          count(
              c,
              "SELECT COUNT(*) FROM node_states WHERE error_json LIKE"
                  + " '%NullPointerException%' OR error_json LIKE '%RuntimeException%'"),
          is(0L));
      // A 200 the client could not use is an error call that keeps the answer as received, and
      // says what was wrong with it. (Counts are not compared: on a loaded machine an answer
      // can arrive after the client's timeout, which is then the recorded error.)
      List<Map<String, Object>> unusable =
          query(
              c,
              "SELECT error_json, response_ref FROM calls"
                  + " WHERE status = 'error' AND (error_json LIKE '%ResponseProcessingError%'"
                  + " OR error_json LIKE '%ContentPolicyError%')");
      for (String problem :
          plugin.endsWith("_llm")
              ? List.of(
                  "empty response body", "LLM returned no choices", "LLM returned null content")
              : List.of("response is not a JSON object", "response lacks")) {
        assertThat(
            problem,
            count(
                c,
                "SELECT COUNT(*) FROM calls WHERE status = 'error'"
                    + " AND response_ref IS NOT NULL AND error_json LIKE '%"
                    + problem
                    + "%'"),
            greaterThan(0L));
      }
      for (Map<String, Object> call : unusable) {
        assertThat("the answer is kept", call.get("response_ref"), notNullValue());
        Object parsed = CanonicalJson.parse(payload((String) call.get("response_ref")));
        assertThat(
            String.valueOf(parsed),
            parsed instanceof Map<?, ?> m
                && (m.containsKey("status_code") || m.containsKey("raw_response")),
            is(true));
      }
      long htmlKept = 0;
      for (Map<String, Object> call :
          query(
              c,
              "SELECT response_ref FROM calls"
                  + " WHERE status = 'error' AND response_ref IS NOT NULL")) {
        htmlKept += payload((String) call.get("response_ref")).contains("<html>") ? 1 : 0;
      }
      assertThat(
          "HTML pages (wrong content type, a proxy's 502) are kept as received",
          htmlKept,
          greaterThan(0L));
      LlmTransformsEndToEndTest.assertCallHashesRecompute(c, dir.resolve("payloads"));
      for (Map<String, Object> e : query(c, "SELECT error_details_json FROM transform_errors")) {
        assertThat(
            e.get("error_details_json").toString(),
            anyOf(
                containsString("call_failed"),
                containsString("response_parse_failed"),
                containsString("response_validation_failed"),
                containsString("violation"),
                containsString("prompt_injection_detected")));
      }
    }
    LlmTransformsEndToEndTest.assertNoSecret(dir, r);
  }
}
