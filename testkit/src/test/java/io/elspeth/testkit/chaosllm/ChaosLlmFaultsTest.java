package io.elspeth.testkit.chaosllm;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.both;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThanOrEqualTo;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.core.JsonProcessingException;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class ChaosLlmFaultsTest {
  private ChaosLlmServer server;
  private Http http;

  private void start(ChaosConfig config) {
    server = ChaosLlmServer.start(config);
    http = new Http(server.httpUrl());
  }

  private void startWith(FaultKind kind) {
    start(ChaosConfig.builder().fault(kind, 100).build());
  }

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  @ParameterizedTest
  @EnumSource(
      value = FaultKind.class,
      names = {
        "RATE_LIMIT",
        "CAPACITY_529",
        "SERVICE_UNAVAILABLE",
        "BAD_GATEWAY",
        "GATEWAY_TIMEOUT",
        "INTERNAL_ERROR",
        "FORBIDDEN",
        "NOT_FOUND"
      })
  void everyHttpFaultAnswersItsStatusWithAnErrorBody(FaultKind kind) throws Exception {
    startWith(kind);
    HttpResponse<String> response = http.azureChat(Http.CHAT);
    assertThat(response.statusCode(), is(kind.status()));
    assertThat(Http.json(response).path("error").path("message").asText().isBlank(), is(false));
    assertThat(server.stats().outcome(kind), is(1L));
    assertThat(server.stats().status(kind.status()), is(1L));
  }

  @Test
  void rateLimitCarriesRetryAfterFromTheConfiguredRange() throws Exception {
    start(ChaosConfig.builder().fault(FaultKind.RATE_LIMIT, 100).retryAfterSec(2, 4).build());
    HttpResponse<String> response = http.chat(Http.CHAT);
    assertThat(response.statusCode(), is(429));
    int retryAfter = Integer.parseInt(response.headers().firstValue("Retry-After").orElseThrow());
    assertThat(retryAfter, both(greaterThanOrEqualTo(2)).and(lessThanOrEqualTo(4)));
    assertThat(
        response.headers().firstValue("retry-after-ms").orElseThrow(), is(retryAfter * 1000 + ""));
  }

  @Test
  void timeoutHoldsTheRequestPastTheClientsTimeout() {
    start(ChaosConfig.builder().fault(FaultKind.TIMEOUT, 100).timeoutSec(5, 5).build());
    assertThrows(
        HttpTimeoutException.class,
        () ->
            http.post(
                "/v1/chat/completions",
                Http.CHAT,
                Map.of("Authorization", "Bearer k"),
                Duration.ofMillis(300)));
    assertThat(server.stats().outcome(FaultKind.TIMEOUT), is(1L));
  }

  @Test
  void timeoutAnswers504OnceTheHoldIsOver() throws Exception {
    start(ChaosConfig.builder().fault(FaultKind.TIMEOUT, 100).timeoutSec(0, 0).build());
    assertThat(http.chat(Http.CHAT).statusCode(), is(504));
  }

  @Test
  void connectionResetDropsTheConnectionWithoutAResponse() {
    startWith(FaultKind.CONNECTION_RESET);
    assertThrows(IOException.class, () -> http.chat(Http.CHAT));
    assertThat(server.stats().outcome(FaultKind.CONNECTION_RESET), is(1L));
    assertThat(server.stats().status(0), is(1L));
  }

  @Test
  void connectionFailedDropsAfterTheLead() {
    start(
        ChaosConfig.builder()
            .fault(FaultKind.CONNECTION_FAILED, 100)
            .connectionFailedLeadSec(0, 0.05)
            .build());
    assertThrows(IOException.class, () -> http.chat(Http.CHAT));
    assertThat(server.stats().outcome(FaultKind.CONNECTION_FAILED), is(1L));
  }

  @Test
  void connectionStallSendsPartOfTheBodyThenDisconnects() {
    start(
        ChaosConfig.builder()
            .fault(FaultKind.CONNECTION_STALL, 100)
            .connectionStallSec(0, 0, 0.05, 0.05)
            .build());
    assertThrows(IOException.class, () -> http.chat(Http.CHAT));
    assertThat(server.stats().outcome(FaultKind.CONNECTION_STALL), is(1L));
  }

  @Test
  void slowResponseStillSucceeds() throws Exception {
    start(
        ChaosConfig.builder()
            .fault(FaultKind.SLOW_RESPONSE, 100)
            .slowResponseSec(0.05, 0.05)
            .build());
    HttpResponse<String> response = http.chat(Http.CHAT);
    assertThat(response.statusCode(), is(200));
    assertThat(Http.json(response).path("object").asText(), is("chat.completion"));
    assertThat(server.stats().outcome(FaultKind.SLOW_RESPONSE), is(1L));
  }

  @Test
  void invalidJsonIsA200ThatDoesNotParse() throws Exception {
    startWith(FaultKind.INVALID_JSON);
    HttpResponse<String> response = http.chat(Http.CHAT);
    assertThat(response.statusCode(), is(200));
    assertThrows(JsonProcessingException.class, () -> Http.json(response));
  }

  @Test
  void truncatedIsTheFirstHalfOfARealBody() throws Exception {
    startWith(FaultKind.TRUNCATED);
    HttpResponse<String> response = http.chat(Http.CHAT);
    assertThat(response.statusCode(), is(200));
    assertThat(response.body(), startsWith("{\"id\":\"chatcmpl-"));
    assertThrows(JsonProcessingException.class, () -> Http.json(response));
  }

  @Test
  void emptyBodyHasNoBytes() throws Exception {
    startWith(FaultKind.EMPTY_BODY);
    HttpResponse<String> response = http.chat(Http.CHAT);
    assertThat(response.statusCode(), is(200));
    assertThat(response.body(), is(""));
  }

  @Test
  void missingFieldsEmptiesChoicesAndDropsUsage() throws Exception {
    startWith(FaultKind.MISSING_FIELDS);
    HttpResponse<String> response = http.chat(Http.CHAT);
    assertThat(response.statusCode(), is(200));
    assertThat(Http.json(response).path("choices").size(), is(0));
    assertThat(Http.json(response).has("usage"), is(false));

    HttpResponse<String> analysis =
        http.post(
            "/contentsafety/text:analyze?api-version=2024-09-01",
            "{\"text\":\"x\"}",
            Map.of("Ocp-Apim-Subscription-Key", "k"));
    assertThat(Http.json(analysis).has("categoriesAnalysis"), is(false));
  }

  @Test
  void weightedSelectionReachesEveryKind() throws Exception {
    ChaosConfigBuilder b =
        ChaosConfig.builder()
            .seed(7)
            .selectionMode("weighted")
            .timeoutSec(0.2, 0.2)
            .connectionFailedLeadSec(0, 0.01)
            .connectionStallSec(0, 0, 0.2, 0.2)
            .slowResponseSec(0.01, 0.02)
            .retryAfterSec(0, 0);
    for (FaultKind kind : FaultKind.values()) {
      b.fault(kind, 4);
    }
    start(b.build());
    for (int i = 0; i < 300; i++) {
      try {
        http.chat(Http.CHAT);
      } catch (IOException e) {
        // dropped and held connections are among the faults
      }
    }
    for (FaultKind kind : FaultKind.values()) {
      assertThat(
          kind.key() + " in " + server.stats().requestsByOutcome(),
          server.stats().outcome(kind),
          greaterThan(0L));
    }
  }

  @Test
  void htmlErrorPageIsA502WithAProxyPage() throws Exception {
    startWith(FaultKind.HTML_ERROR_PAGE);
    HttpResponse<String> response = http.chat(Http.CHAT);
    assertThat(response.statusCode(), is(502));
    assertThat(
        response.headers().firstValue("Content-Type").orElseThrow(), startsWith("text/html"));
    assertThat(response.body(), containsString("502 Bad Gateway"));
    assertThat(server.stats().outcome(FaultKind.HTML_ERROR_PAGE), is(1L));
  }

  @Test
  void nullContentKeepsTheShapeWithANullPayload() throws Exception {
    startWith(FaultKind.NULL_CONTENT);
    HttpResponse<String> response = http.chat(Http.CHAT);
    assertThat(response.statusCode(), is(200));
    var choice = Http.json(response).path("choices").path(0);
    assertThat(choice.path("message").has("content"), is(true));
    assertThat(choice.path("message").path("content").isNull(), is(true));
    assertThat(choice.path("finish_reason").asText(), is("content_filter"));
    HttpResponse<String> analysis =
        http.post(
            "/contentsafety/text:analyze?api-version=2024-09-01",
            "{\"text\":\"x\"}",
            Map.of("Ocp-Apim-Subscription-Key", "k"));
    assertThat(Http.json(analysis).path("categoriesAnalysis").isNull(), is(true));
  }

  @Test
  void missingChoicesDropsThePayloadKey() throws Exception {
    startWith(FaultKind.MISSING_CHOICES);
    HttpResponse<String> response = http.chat(Http.CHAT);
    assertThat(response.statusCode(), is(200));
    assertThat(Http.json(response).has("choices"), is(false));
    assertThat(Http.json(response).has("model"), is(true));
    HttpResponse<String> shield =
        http.post(
            "/contentsafety/text:shieldPrompt?api-version=2024-09-01",
            "{\"userPrompt\":\"x\"}",
            Map.of("Ocp-Apim-Subscription-Key", "k"));
    assertThat(shield.body(), is("{}"));
  }

  @Test
  void wrongContentTypeIsAnHtmlPage() throws Exception {
    startWith(FaultKind.WRONG_CONTENT_TYPE);
    HttpResponse<String> response = http.chat(Http.CHAT);
    assertThat(response.statusCode(), is(200));
    assertThat(
        response.headers().firstValue("Content-Type").orElseThrow(), startsWith("text/html"));
    assertThat(response.body(), containsString("<html>"));
  }

  @Test
  void faultsAlsoHitContentSafetyAndPromptShield() throws Exception {
    startWith(FaultKind.SERVICE_UNAVAILABLE);
    Map<String, String> key = Map.of("Ocp-Apim-Subscription-Key", "k");
    assertThat(
        http.post("/contentsafety/text:analyze?api-version=2024-09-01", "{\"text\":\"x\"}", key)
            .statusCode(),
        is(503));
    assertThat(
        http.post(
                "/contentsafety/text:shieldPrompt?api-version=2024-09-01",
                "{\"userPrompt\":\"x\"}",
                key)
            .statusCode(),
        is(503));
  }

  @Test
  void unauthorizedRequestsAreNeverFaulted() throws Exception {
    startWith(FaultKind.CONNECTION_RESET);
    assertThat(http.post("/v1/chat/completions", Http.CHAT, Map.of()).statusCode(), is(401));
  }

  @Test
  void priorityModeTakesTheFirstKindThatFires() throws Exception {
    start(
        ChaosConfig.builder()
            .fault(FaultKind.RATE_LIMIT, 100)
            .fault(FaultKind.INTERNAL_ERROR, 100)
            .build());
    for (int i = 0; i < 5; i++) {
      assertThat(http.chat(Http.CHAT).statusCode(), is(429));
    }
  }

  @Test
  void weightedModeMixesKindsInProportion() throws Exception {
    start(
        ChaosConfig.builder()
            .seed(7)
            .selectionMode("weighted")
            .fault(FaultKind.RATE_LIMIT, 100)
            .fault(FaultKind.INTERNAL_ERROR, 100)
            .build());
    int requests = 200;
    for (int i = 0; i < requests; i++) {
      http.chat(Http.CHAT);
    }
    ChaosStats stats = server.stats();
    assertThat(
        stats.outcome(FaultKind.RATE_LIMIT) + stats.outcome(FaultKind.INTERNAL_ERROR),
        is((long) requests));
    assertThat(
        stats.outcome(FaultKind.RATE_LIMIT), both(greaterThan(60L)).and(lessThanOrEqualTo(140L)));
    assertThat(stats.outcome("success"), is(0L));
  }

  @Test
  void partialPercentagesLeaveTheRestSuccessful() throws Exception {
    start(ChaosConfig.builder().seed(11).fault(FaultKind.INTERNAL_ERROR, 20).build());
    for (int i = 0; i < 200; i++) {
      http.chat(Http.CHAT);
    }
    ChaosStats stats = server.stats();
    assertThat(stats.outcome(FaultKind.INTERNAL_ERROR) + stats.outcome("success"), is(200L));
    assertThat(
        stats.outcome(FaultKind.INTERNAL_ERROR),
        both(greaterThan(15L)).and(lessThanOrEqualTo(70L)));
  }

  @Test
  void burstRaisesRateLimitsDuringTheStorm() throws Exception {
    // A burst window covering the whole test: the first duration_sec of each interval is a storm.
    start(ChaosConfig.builder().burst(true, 3600, 3600, 100, 0).build());
    assertThat(http.chat(Http.CHAT).statusCode(), is(429));
    assertThat(Http.json(http.get("/health")).path("in_burst").asBoolean(), is(true));
  }

  @Test
  void theSameSeedGivesTheSameFaultsAndTexts() throws Exception {
    ChaosConfig config =
        ChaosConfig.preset("chaos").toBuilder()
            .seed(1234)
            .latency(0, 0)
            .fault(FaultKind.TIMEOUT, 0)
            .fault(FaultKind.SLOW_RESPONSE, 0)
            .fault(FaultKind.RATE_LIMIT, 30)
            .burst(false, 30, 5, 0, 0)
            .build();
    List<String> first = run(config, 60);
    List<String> second = run(config, 60);
    assertThat(second, equalTo(first));
    assertThat(first.stream().filter(s -> !s.startsWith("200")).count(), greaterThan(5L));
    assertThat(run(config.toBuilder().seed(99).build(), 60), not(equalTo(first)));
  }

  @Test
  void resetRestartsTheSeededSequence() throws Exception {
    start(ChaosConfig.builder().seed(5).fault(FaultKind.INTERNAL_ERROR, 50).build());
    List<Integer> before = statuses(20);
    server.reset();
    assertThat(statuses(20), equalTo(before));
  }

  private List<Integer> statuses(int n) throws Exception {
    List<Integer> statuses = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      statuses.add(http.chat(Http.CHAT).statusCode());
    }
    return statuses;
  }

  /** Status and body (for 200s) of n sequential requests; a dropped connection is "dropped". */
  private static List<String> run(ChaosConfig config, int n) throws Exception {
    try (ChaosLlmServer s = ChaosLlmServer.start(config)) {
      Http client = new Http(s.httpUrl());
      List<String> outcomes = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        HttpResponse<String> r;
        try {
          r = client.chat(Http.CHAT);
        } catch (IOException e) {
          outcomes.add("dropped");
          continue;
        }
        String content;
        try {
          content =
              Http.JSON
                  .readTree(r.body())
                  .path("choices")
                  .path(0)
                  .path("message")
                  .path("content")
                  .asText();
        } catch (JsonProcessingException e) {
          content = "unparsable";
        }
        outcomes.add(r.statusCode() + " " + content);
      }
      assertThat(s.stats().totalRequests(), is((long) n));
      return outcomes;
    }
  }
}
