package io.elspeth.pipelines.e2e;

import static io.elspeth.pipelines.e2e.CliHarness.count;
import static io.elspeth.pipelines.e2e.CliHarness.query;
import static io.elspeth.pipelines.e2e.LlmTransformsEndToEndTest.SECRET;
import static io.elspeth.pipelines.e2e.LlmTransformsEndToEndTest.assertCallHashesRecompute;
import static io.elspeth.pipelines.e2e.LlmTransformsEndToEndTest.assertNoSecret;
import static io.elspeth.pipelines.e2e.LlmTransformsEndToEndTest.footer;
import static io.elspeth.pipelines.e2e.LlmTransformsEndToEndTest.header;
import static io.elspeth.pipelines.e2e.LlmTransformsEndToEndTest.jsonl;
import static io.elspeth.pipelines.e2e.LlmTransformsEndToEndTest.payload;
import static io.elspeth.pipelines.e2e.LlmTransformsEndToEndTest.run;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.in;
import static org.hamcrest.Matchers.instanceOf;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.notNullValue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.elspeth.testkit.chaosllm.ChaosConfig;
import io.elspeth.testkit.chaosllm.ChaosLlmServer;
import io.elspeth.testkit.chaosllm.FaultKind;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code response_format: structured} end to end through the CLI: each query sends a strict JSON
 * schema built from the {@code output_mapping} (through the Azure SDK and over OpenRouter's HTTP
 * API), the fake server answers within it, and answers that break it are transform errors with the
 * raw response recorded, never a crash.
 */
@Tag("e2e")
class LlmStructuredOutputEndToEndTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final List<String> PREFIXES = List.of("cs1_tone", "cs2_tone");

  @TempDir Path dir;

  private Path input(int rows) throws Exception {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < rows; i++) {
      b.append("{\"id\": ")
          .append(i)
          .append(", \"text\": \"review number ")
          .append(i)
          .append("\"}\n");
    }
    Path in = dir.resolve("input.jsonl");
    Files.writeString(in, b.toString());
    return in;
  }

  private static String multiQuery(String plugin, String connection) {
    return "transforms:\n  - plugin: "
        + plugin
        + "\n    options:\n"
        + connection
        + "      api_key: "
        + SECRET
        + "\n"
        + "      template: \"Case {{ case_study.name }} on {{ criterion.name }}: {{ input_1 }}\"\n"
        + "      case_studies:\n"
        + "        - {name: cs1, input_fields: [text]}\n"
        + "        - {name: cs2, input_fields: [text]}\n"
        + "      criteria:\n"
        + "        - {name: tone}\n"
        + "      output_mapping:\n"
        + "        score: {suffix: score, type: integer}\n"
        + "        rationale: {suffix: rationale, type: string}\n"
        + "        confidence: {suffix: confidence, type: enum, values: [low, medium, high]}\n"
        + "        flagged: {suffix: flagged, type: boolean}\n"
        + "      response_format: structured\n"
        + "      pool_size: 2\n"
        + "      on_error: llm_errors\n";
  }

  private static String azure(ChaosLlmServer server) {
    return multiQuery(
        "azure_multi_query_llm",
        "      deployment_name: gpt-4o\n" + "      endpoint: " + server.httpsUrl() + "\n");
  }

  /** The response_format of every recorded request, read back from the payload store. */
  private List<Object> requestFormats(Connection c, String field) throws Exception {
    List<Object> formats = new java.util.ArrayList<>();
    for (Map<String, Object> call : query(c, "SELECT request_ref FROM calls")) {
      Map<?, ?> request =
          JSON.readValue(
              Files.readString(payload(dir.resolve("payloads"), (String) call.get("request_ref"))),
              Map.class);
      Object body = field == null ? request : request.get(field);
      formats.add(((Map<?, ?>) body).get("response_format"));
    }
    return formats;
  }

  private static void assertIsTheSchemaOfTheMapping(Object format) {
    Map<?, ?> f = (Map<?, ?>) format;
    assertThat(f.get("type"), equalTo("json_schema"));
    Map<?, ?> spec = (Map<?, ?>) f.get("json_schema");
    assertThat(spec.get("name"), equalTo("query_response"));
    assertThat(spec.get("strict"), equalTo(true));
    Map<?, ?> schema = (Map<?, ?>) spec.get("schema");
    assertThat(
        schema.get("required"), equalTo(List.of("score", "rationale", "confidence", "flagged")));
    assertThat(schema.get("additionalProperties"), equalTo(false));
    assertThat(
        ((Map<?, ?>) schema.get("properties")).get("confidence"),
        equalTo(Map.of("type", "string", "enum", List.of("low", "medium", "high"))));
  }

  @Test
  void azureStructuredQueriesSendTheSchemaAndFillTypedFieldsFromTheAnswers() throws Exception {
    ChaosLlmServer server = ChaosLlmFixture.with(ChaosConfig.builder().seed(11).build());
    CliHarness.Result r = run(dir, header(dir, input(5)) + azure(server) + footer(dir));
    List<Map<String, Object>> out = jsonl(dir.resolve("out.jsonl"));
    assertThat(out, hasSize(5));
    for (Map<String, Object> row : out) {
      for (String prefix : PREFIXES) {
        assertThat(row.get(prefix + "_score"), instanceOf(Integer.class));
        assertThat(row.get(prefix + "_rationale"), instanceOf(String.class));
        assertThat(row.get(prefix + "_confidence"), is(in(List.of("low", "medium", "high"))));
        assertThat(row.get(prefix + "_flagged"), instanceOf(Boolean.class));
      }
    }
    try (Connection c = CliHarness.landscape(dir.resolve("landscape.db"))) {
      LandscapeInvariants.assertReconciles(c);
      assertThat(count(c, "SELECT COUNT(*) FROM calls WHERE status = 'success'"), is(10L));
      List<Object> formats = requestFormats(c, null);
      assertThat(formats, hasSize(10));
      formats.forEach(LlmStructuredOutputEndToEndTest::assertIsTheSchemaOfTheMapping);
      assertCallHashesRecompute(c, dir.resolve("payloads"));
    }
    assertThat(server.stats().totalRequests(), is(10L));
    assertNoSecret(dir, r);
  }

  @Test
  void answersThatBreakTheSchemaAreTransformErrorsWithTheRawResponse() throws Exception {
    ChaosLlmServer server =
        ChaosLlmFixture.with(
            ChaosConfig.builder().seed(5).fault(FaultKind.SCHEMA_VIOLATION, 100).build());
    CliHarness.Result r = run(dir, header(dir, input(6)) + azure(server) + footer(dir));
    assertThat(jsonl(dir.resolve("out.jsonl")), hasSize(0));
    assertThat(jsonl(dir.resolve("errors.jsonl")), hasSize(6));
    try (Connection c = CliHarness.landscape(dir.resolve("landscape.db"))) {
      LandscapeInvariants.assertReconciles(c);
      assertThat(LandscapeInvariants.outcomes(c).get("routed@llm_errors"), is(6L));
      List<Map<String, Object>> errors =
          query(c, "SELECT error_details_json FROM transform_errors");
      assertThat(errors, hasSize(6));
      for (Map<String, Object> e : errors) {
        Map<?, ?> reason = JSON.readValue(e.get("error_details_json").toString(), Map.class);
        assertThat(reason.get("reason"), equalTo("response_validation_failed"));
        assertThat(reason.get("query"), equalTo("cs1_tone"));
        assertThat("the raw answer is kept", reason.get("raw_response"), notNullValue());
        assertThat(
            reason.get("problems").toString(), reason.get("problems"), instanceOf(List.class));
      }
      // With pool_size 2 a row's two queries are asked at once (ELSPETH's query executor): two
      // calls per row, every one recorded; the row fails on its first query in declared order.
      assertThat(count(c, "SELECT COUNT(*) FROM calls"), is(12L));
      assertThat(query(c, "SELECT status FROM runs").get(0).get("status"), equalTo("completed"));
    }
    assertNoSecret(dir, r);
  }

  @Test
  void anAnswerThatIsNotJsonIsAParseErrorWithTheRawResponse() throws Exception {
    ChaosLlmServer server =
        ChaosLlmFixture.with(
            ChaosConfig.builder()
                .responseMode(ChaosConfig.ResponseMode.TEMPLATE)
                .template("I think it is fine.")
                .build());
    run(dir, header(dir, input(2)) + azure(server) + footer(dir));
    assertThat(jsonl(dir.resolve("errors.jsonl")), hasSize(2));
    try (Connection c = CliHarness.landscape(dir.resolve("landscape.db"))) {
      LandscapeInvariants.assertReconciles(c);
      for (Map<String, Object> e : query(c, "SELECT error_details_json FROM transform_errors")) {
        String details = e.get("error_details_json").toString();
        assertThat(details, containsString("response_parse_failed"));
        assertThat(details, containsString("I think it is fine."));
      }
    }
  }

  @Test
  void openRouterStructuredQueriesSendTheSchemaInTheRequestBody() throws Exception {
    ChaosLlmServer server = ChaosLlmFixture.with(ChaosConfig.builder().seed(3).build());
    CliHarness.Result r =
        run(
            dir,
            header(dir, input(3))
                + multiQuery(
                    "openrouter_multi_query_llm",
                    "      model: openai/gpt-4o\n"
                        + "      base_url: "
                        + server.httpUrl()
                        + "/api/v1\n")
                + footer(dir));
    assertThat(jsonl(dir.resolve("out.jsonl")), hasSize(3));
    try (Connection c = CliHarness.landscape(dir.resolve("landscape.db"))) {
      LandscapeInvariants.assertReconciles(c);
      List<Object> formats = requestFormats(c, "json");
      assertThat(formats, hasSize(6));
      formats.forEach(LlmStructuredOutputEndToEndTest::assertIsTheSchemaOfTheMapping);
    }
    assertNoSecret(dir, r);
  }
}
