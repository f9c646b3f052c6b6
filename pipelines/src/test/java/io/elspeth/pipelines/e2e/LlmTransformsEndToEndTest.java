package io.elspeth.pipelines.e2e;

import static io.elspeth.pipelines.e2e.CliHarness.count;
import static io.elspeth.pipelines.e2e.CliHarness.query;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.notNullValue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.elspeth.audit.canonical.CanonicalJson;
import io.elspeth.testkit.chaosllm.ChaosConfig;
import io.elspeth.testkit.chaosllm.ChaosConfigBuilder;
import io.elspeth.testkit.chaosllm.ChaosLlmServer;
import io.elspeth.testkit.chaosllm.FaultKind;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The LLM transforms end to end through the CLI against ChaosLLM, through the real Azure OpenAI SDK
 * (over HTTPS, trusting the fake server's certificate through the JVM trust store) and the audited
 * HTTP client: outputs, one Landscape call per attempt with hashes that recompute from the stored
 * payloads, routing of failed rows, and no secret anywhere.
 */
@Tag("e2e")
class LlmTransformsEndToEndTest {
  static final String SECRET = "sk-elspeth-test-5f1c2b7e9d";
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;

  private Path input(int rows) throws Exception {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < rows; i++) {
      b.append("{\"id\": ")
          .append(i)
          .append(", \"text\": \"review number ")
          .append(i)
          .append(" was ")
          .append(i % 2 == 0 ? "great" : "awful")
          .append("\"}\n");
    }
    Path in = dir.resolve("input.jsonl");
    Files.writeString(in, b.toString());
    return in;
  }

  static String header(Path dir, Path in) {
    return "source:\n  plugin: json\n  options:\n    path: "
        + in
        + "\n"
        + "    schema: {fields: dynamic}\n    on_validation_failure: discard\n";
  }

  static String footer(Path dir) {
    return "sinks:\n"
        + "  out: {plugin: json, options: {path: "
        + dir.resolve("out.jsonl")
        + "}}\n"
        + "  llm_errors: {plugin: json, options: {path: "
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
  }

  static CliHarness.Result run(Path dir, String yaml) throws Exception {
    Path settings = CliHarness.settings(dir, yaml);
    CliHarness.Result r = CliHarness.run("run", "-s", settings.toString(), "--execute");
    assertThat(r.err(), r.exitCode(), is(0));
    return r;
  }

  static List<Map<String, Object>> jsonl(Path file) throws Exception {
    List<Map<String, Object>> rows = new ArrayList<>();
    for (String line : Files.readAllLines(file)) {
      if (!line.isBlank()) {
        @SuppressWarnings("unchecked")
        Map<String, Object> row = JSON.readValue(line, Map.class);
        rows.add(row);
      }
    }
    return rows;
  }

  /** Each call's hashes recompute from the payloads stored under its refs. */
  static void assertCallHashesRecompute(Connection c, Path payloads) throws Exception {
    List<Map<String, Object>> calls =
        query(c, "SELECT request_hash, request_ref, response_hash," + " response_ref FROM calls");
    assertThat(calls.size(), greaterThan(0));
    for (Map<String, Object> call : calls) {
      assertThat(call.get("request_ref"), equalTo(call.get("request_hash")));
      byte[] request = Files.readAllBytes(payload(payloads, (String) call.get("request_ref")));
      assertThat(
          CanonicalJson.stableHash(
              CanonicalJson.parse(new String(request, StandardCharsets.UTF_8))),
          equalTo(call.get("request_hash")));
      if (call.get("response_ref") != null) {
        byte[] response = Files.readAllBytes(payload(payloads, (String) call.get("response_ref")));
        assertThat(
            CanonicalJson.stableHash(
                CanonicalJson.parse(new String(response, StandardCharsets.UTF_8))),
            equalTo(call.get("response_hash")));
      }
    }
  }

  static Path payload(Path base, String key) {
    return base.resolve(key.substring(0, 2)).resolve(key);
  }

  /** The secret appears in no byte of the Landscape, the payload store or the CLI's output. */
  static void assertNoSecret(Path dir, CliHarness.Result r) throws Exception {
    assertThat(r.out() + r.err(), not(containsString(SECRET)));
    byte[] needle = SECRET.getBytes(StandardCharsets.UTF_8);
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        if (f.getFileName().toString().equals("settings.yaml")) {
          continue;
        }
        assertThat("secret in " + f, indexOf(Files.readAllBytes(f), needle), is(-1));
      }
    }
  }

  private static int indexOf(byte[] hay, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= hay.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (hay[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  private String azureLlm(ChaosLlmServer server, String extra) {
    return "transforms:\n  - plugin: azure_llm\n    options:\n"
        + "      deployment_name: gpt-4o-mini\n"
        + "      endpoint: "
        + server.httpsUrl()
        + "\n"
        + "      api_key: "
        + SECRET
        + "\n"
        + "      system_prompt: You classify sentiment.\n"
        + "      template: \"Sentiment of: {{ row.text }}\"\n"
        + "      response_field: sentiment\n"
        + "      on_error: llm_errors\n"
        + extra;
  }

  @Test
  void azureLlmAnswersEveryRowAndRecordsOneCallPerRow() throws Exception {
    ChaosLlmServer server =
        ChaosLlmFixture.with(
            ChaosConfig.builder().responseMode(ChaosConfig.ResponseMode.ECHO).build());
    Path in = input(6);
    CliHarness.Result r =
        run(dir, header(dir, in) + azureLlm(server, "      pool_size: 3\n") + footer(dir));
    List<Map<String, Object>> out = jsonl(dir.resolve("out.jsonl"));
    assertThat(out, hasSize(6));
    for (int i = 0; i < 6; i++) {
      Map<String, Object> row = out.get(i);
      assertThat("rows keep source order", ((Number) row.get("id")).intValue(), is(i));
      assertThat(row.get("sentiment"), equalTo("Sentiment of: " + row.get("text")));
      assertThat(
          row.get("sentiment_template_hash"),
          equalTo(CanonicalJson.sha256Hex("Sentiment of: {{ row.text }}")));
      assertThat(row.get("sentiment_model"), notNullValue());
    }
    try (Connection c = CliHarness.landscape(dir.resolve("landscape.db"))) {
      LandscapeInvariants.assertReconciles(c);
      assertThat(
          count(
              c,
              "SELECT COUNT(*) FROM calls WHERE call_type = 'llm'"
                  + " AND status = 'success' AND call_index = 0"),
          is(6L));
      assertThat(
          "every call belongs to a completed node state of the transform",
          count(
              c,
              "SELECT COUNT(*) FROM calls k JOIN node_states s ON s.state_id = k.state_id"
                  + " WHERE s.status = 'completed'"),
          is(6L));
      // The request recorded is ELSPETH's LLMCallRequest of the rendered prompt.
      Map<String, Object> request = new LinkedHashMap<>();
      request.put("model", "gpt-4o-mini");
      request.put(
          "messages",
          List.of(
              Map.of("role", "system", "content", "You classify sentiment."),
              Map.of("role", "user", "content", "Sentiment of: " + out.get(0).get("text"))));
      request.put("temperature", 0.0);
      request.put("provider", "azure");
      assertThat(
          count(
              c,
              "SELECT COUNT(*) FROM calls WHERE request_hash = '"
                  + CanonicalJson.stableHash(request)
                  + "'"),
          is(1L));
      assertCallHashesRecompute(c, dir.resolve("payloads"));
    }
    assertThat(server.stats().totalRequests(), is(6L));
    assertNoSecret(dir, r);
  }

  @Test
  void openRouterLlmRecordsHttpCallsWithoutTheBearerToken() throws Exception {
    ChaosLlmServer server =
        ChaosLlmFixture.with(
            ChaosConfig.builder()
                .responseMode(ChaosConfig.ResponseMode.TEMPLATE)
                .template("positive")
                .build());
    Path in = input(4);
    String transform =
        "transforms:\n  - plugin: openrouter_llm\n    options:\n"
            + "      model: openai/gpt-4o-mini\n"
            + "      base_url: "
            + server.httpUrl()
            + "/api/v1\n"
            + "      api_key: "
            + SECRET
            + "\n"
            + "      template: \"{{ row.text }}\"\n"
            + "      on_error: llm_errors\n";
    CliHarness.Result r = run(dir, header(dir, in) + transform + footer(dir));
    List<Map<String, Object>> out = jsonl(dir.resolve("out.jsonl"));
    assertThat(out, hasSize(4));
    assertThat(
        out.stream().map(m -> m.get("llm_response")).toList(), everyItem(equalTo("positive")));
    try (Connection c = CliHarness.landscape(dir.resolve("landscape.db"))) {
      LandscapeInvariants.assertReconciles(c);
      assertThat(
          count(
              c, "SELECT COUNT(*) FROM calls WHERE call_type = 'http'" + " AND status = 'success'"),
          is(4L));
      assertCallHashesRecompute(c, dir.resolve("payloads"));
    }
    assertNoSecret(dir, r);
  }

  @Test
  void multiQueryFillsEveryCaseCriterionFieldAndRoutesInvalidAnswers() throws Exception {
    ChaosLlmServer server =
        ChaosLlmFixture.with(
            ChaosConfig.builder()
                .responseMode(ChaosConfig.ResponseMode.TEMPLATE)
                .template(
                    "{% if 'awful' in user_message %}{\"score\": \"bad\", \"rationale\": \"x\"}"
                        + "{% else %}{\"score\": 4, \"rationale\": \"fine\"}{% endif %}")
                .build());
    Path in = input(4);
    String transform =
        "transforms:\n  - plugin: azure_multi_query_llm\n    options:\n"
            + "      deployment_name: gpt-4o\n"
            + "      endpoint: "
            + server.httpsUrl()
            + "\n"
            + "      api_key: "
            + SECRET
            + "\n"
            + "      template: \"Case {{ case_study.name }} on {{ criterion.name }}: {{ input_1 }}\"\n"
            + "      case_studies:\n"
            + "        - {name: cs1, input_fields: [text]}\n"
            + "        - {name: cs2, input_fields: [text], context: second}\n"
            + "      criteria:\n"
            + "        - {name: clarity, code: C1}\n"
            + "        - {name: tone, code: T1, max_tokens: 50}\n"
            + "      output_mapping:\n"
            + "        score: {suffix: score, type: integer}\n"
            + "        rationale: {suffix: rationale, type: string}\n"
            + "      pool_size: 2\n"
            + "      on_error: llm_errors\n";
    run(dir, header(dir, in) + transform + footer(dir));
    List<Map<String, Object>> out = jsonl(dir.resolve("out.jsonl"));
    List<Map<String, Object>> errors = jsonl(dir.resolve("errors.jsonl"));
    assertThat(out, hasSize(2));
    assertThat(errors, hasSize(2));
    for (Map<String, Object> row : out) {
      for (String prefix : List.of("cs1_clarity", "cs1_tone", "cs2_clarity", "cs2_tone")) {
        assertThat(row.get(prefix + "_score"), equalTo(4));
        assertThat(row.get(prefix + "_rationale"), equalTo("fine"));
      }
    }
    try (Connection c = CliHarness.landscape(dir.resolve("landscape.db"))) {
      LandscapeInvariants.assertReconciles(c);
      // With pool_size 2 a row's 4 queries are all asked at once (ELSPETH's query executor), so
      // bad rows make their 4 calls too; each still fails on its first invalid answer in declared
      // order, and every call made is recorded.
      assertThat(count(c, "SELECT COUNT(*) FROM calls"), is(4 * 4L));
      assertThat(
          count(
              c,
              "SELECT COUNT(*) FROM transform_errors WHERE error_details_json LIKE"
                  + " '%response_validation_failed%'"),
          is(2L));
      assertCallHashesRecompute(c, dir.resolve("payloads"));
    }
  }

  @Test
  void withTwentyPercentFaultsEveryRowEndsOnceAndEveryAttemptIsRecorded() throws Exception {
    ChaosConfigBuilder faults =
        ChaosConfig.builder()
            .seed(42)
            .responseMode(ChaosConfig.ResponseMode.ECHO)
            .timeoutSec(1, 1)
            .slowResponseSec(0.05, 0.1)
            .connectionFailedLeadSec(0.05, 0.1)
            .set("error_injection.connection_stall_sec", List.of(1, 1))
            .set("error_injection.connection_stall_start_sec", List.of(0, 0))
            .set("error_injection.retry_after_sec", List.of(0, 0));
    Map<FaultKind, Double> pct = new LinkedHashMap<>();
    pct.put(FaultKind.RATE_LIMIT, 3.0);
    pct.put(FaultKind.CAPACITY_529, 1.0);
    pct.put(FaultKind.SERVICE_UNAVAILABLE, 2.0);
    pct.put(FaultKind.BAD_GATEWAY, 2.0);
    pct.put(FaultKind.GATEWAY_TIMEOUT, 1.0);
    pct.put(FaultKind.INTERNAL_ERROR, 2.0);
    pct.put(FaultKind.FORBIDDEN, 1.0);
    pct.put(FaultKind.NOT_FOUND, 1.0);
    pct.put(FaultKind.TIMEOUT, 1.0);
    pct.put(FaultKind.CONNECTION_FAILED, 1.0);
    pct.put(FaultKind.CONNECTION_STALL, 0.5);
    pct.put(FaultKind.CONNECTION_RESET, 1.0);
    pct.put(FaultKind.SLOW_RESPONSE, 0.5);
    pct.put(FaultKind.INVALID_JSON, 1.0);
    pct.put(FaultKind.TRUNCATED, 0.5);
    pct.put(FaultKind.EMPTY_BODY, 0.5);
    pct.put(FaultKind.MISSING_FIELDS, 0.5);
    pct.put(FaultKind.WRONG_CONTENT_TYPE, 0.5);
    pct.forEach(faults::fault);
    assertThat(pct.values().stream().mapToDouble(Double::doubleValue).sum(), is(20.0));
    ChaosLlmServer server = ChaosLlmFixture.with(faults.build());
    int rows = 40;
    Path in = input(rows);
    CliHarness.Result r =
        run(
            dir,
            header(dir, in)
                + azureLlm(
                    server,
                    "      pool_size: 4\n      timeout_seconds: 0.5\n      max_dispatch_delay_ms: 50\n")
                + footer(dir));
    List<Map<String, Object>> out = jsonl(dir.resolve("out.jsonl"));
    List<Map<String, Object>> errors = jsonl(dir.resolve("errors.jsonl"));
    assertThat("rows in = out + routed", out.size() + errors.size(), is(rows));
    List<Object> ids = new ArrayList<>();
    out.forEach(m -> ids.add(m.get("id")));
    errors.forEach(m -> ids.add(m.get("id")));
    assertThat("no row lost or duplicated", ids.stream().distinct().count(), is((long) rows));
    try (Connection c = CliHarness.landscape(dir.resolve("landscape.db"))) {
      LandscapeInvariants.assertReconciles(c);
      assertThat(
          LandscapeInvariants.outcomes(c).getOrDefault("routed@llm_errors", 0L),
          is((long) errors.size()));
      assertThat(
          "every routed row has its error recorded",
          count(c, "SELECT COUNT(*) FROM transform_errors WHERE destination = 'llm_errors'"),
          is((long) errors.size()));
      // The server counts a request when it has answered it; one it still holds after the
      // client timed out is recorded here but not yet counted there.
      assertThat(
          "a call record for every request the server answered",
          count(c, "SELECT COUNT(*) FROM calls"),
          greaterThanOrEqualTo(server.stats().totalRequests()));
      assertThat(
          "at least one attempt per row",
          count(c, "SELECT COUNT(*) FROM calls WHERE call_index = 0"),
          is((long) rows));
      assertThat(
          "faults were injected and recorded",
          count(c, "SELECT COUNT(*) FROM calls WHERE status = 'error' AND error_json IS NOT NULL"),
          greaterThan(0L));
      assertThat(
          "retries are later call indexes of the same state",
          count(c, "SELECT COUNT(*) FROM calls WHERE call_index > 0"),
          greaterThan(0L));
      assertThat(
          "no call without its node state",
          count(
              c,
              "SELECT COUNT(*) FROM calls k"
                  + " WHERE NOT EXISTS (SELECT 1 FROM node_states s WHERE s.state_id = k.state_id)"),
          is(0L));
      for (Map<String, Object> e : query(c, "SELECT error_details_json FROM transform_errors")) {
        assertThat(e.get("error_details_json").toString(), containsString("llm_call_failed"));
      }
      assertThat(query(c, "SELECT status FROM runs").get(0).get("status"), equalTo("completed"));
      assertCallHashesRecompute(c, dir.resolve("payloads"));
    }
    assertNoSecret(dir, r);
    assertThat(
        "the server injected faults",
        server.stats().totalRequests() - server.stats().outcome("success"),
        greaterThan(0L));
  }
}
