package io.elspeth.testkit.chaosllm;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.in;
import static org.hamcrest.Matchers.is;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Structured outputs: in random mode a request carrying a {@code json_schema} response format gets
 * content that fits it; the {@code schema_violation} fault sends content that does not.
 */
class ChaosLlmStructuredOutputTest {
  private static final String SCHEMA_REQUEST =
      "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":"
          + "\"user\",\"content\":\"Rate it\"}],\"response_format\":{\"type\":\"json_schema\","
          + "\"json_schema\":{\"name\":\"query_response\",\"strict\":true,\"schema\":{\"type\":"
          + "\"object\",\"properties\":{\"score\":{\"type\":\"integer\"},\"rationale\":{\"type\":"
          + "\"string\"},\"confidence\":{\"type\":\"string\",\"enum\":[\"low\",\"high\"]},"
          + "\"flagged\":{\"type\":\"boolean\"},\"weight\":{\"type\":\"number\"}},\"required\":"
          + "[\"score\",\"rationale\",\"confidence\",\"flagged\",\"weight\"],"
          + "\"additionalProperties\":false}}}}";

  private ChaosLlmServer server;

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  private JsonNode content(HttpResponse<String> response) throws Exception {
    assertThat(response.body(), response.statusCode(), is(200));
    return Http.JSON.readTree(
        Http.json(response).path("choices").get(0).path("message").path("content").asText());
  }

  /** The schema's own rules, checked here independently of the server's generator. */
  private static List<String> breaches(JsonNode answer) {
    List<String> out = new ArrayList<>();
    if (!answer.isObject()) {
      out.add("not an object");
      return out;
    }
    List<String> allowed = List.of("score", "rationale", "confidence", "flagged", "weight");
    answer
        .fieldNames()
        .forEachRemaining(
            k -> {
              if (!allowed.contains(k)) {
                out.add("extra " + k);
              }
            });
    if (!answer.path("score").isIntegralNumber()) {
      out.add("score");
    }
    if (!answer.path("rationale").isTextual()) {
      out.add("rationale");
    }
    if (!List.of("low", "high").contains(answer.path("confidence").asText(""))
        || !answer.path("confidence").isTextual()) {
      out.add("confidence");
    }
    if (!answer.path("flagged").isBoolean()) {
      out.add("flagged");
    }
    if (!answer.path("weight").isNumber()) {
      out.add("weight");
    }
    return out;
  }

  @Test
  void randomModeAnswersASchemaRequestWithAnObjectThatFitsIt() throws Exception {
    server = ChaosLlmServer.start(ChaosConfig.builder().seed(7).build());
    Http http = new Http(server.httpUrl());
    for (int i = 0; i < 20; i++) {
      JsonNode answer = content(http.chat(SCHEMA_REQUEST));
      assertThat(answer.toString(), breaches(answer), is(List.of()));
    }
  }

  @Test
  void schemaViolationBreaksTheSchemaEveryTime() throws Exception {
    server =
        ChaosLlmServer.start(
            ChaosConfig.builder().seed(7).fault(FaultKind.SCHEMA_VIOLATION, 100).build());
    Http http = new Http(server.httpUrl());
    List<String> kinds = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      JsonNode answer = content(http.azureChat(SCHEMA_REQUEST));
      List<String> breaches = breaches(answer);
      assertThat(answer.toString(), breaches.isEmpty(), is(false));
      kinds.add(
          breaches.get(0).startsWith("extra")
              ? "extra"
              : answer.has(breaches.get(0)) ? "wrong type" : "missing");
    }
    assertThat(
        "every way of breaking it occurs",
        List.of("extra", "wrong type", "missing"),
        everyItem(is(in(kinds))));
    assertThat(server.stats().outcome(FaultKind.SCHEMA_VIOLATION), is(30L));
  }

  @Test
  void schemaViolationWithoutASchemaIsNotJson() throws Exception {
    server =
        ChaosLlmServer.start(ChaosConfig.builder().fault(FaultKind.SCHEMA_VIOLATION, 100).build());
    HttpResponse<String> response = new Http(server.httpUrl()).chat(Http.CHAT);
    String content =
        Http.json(response).path("choices").get(0).path("message").path("content").asText();
    assertThat(content.startsWith("{"), is(false));
  }
}
