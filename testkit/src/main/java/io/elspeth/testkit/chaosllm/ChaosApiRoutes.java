package io.elspeth.testkit.chaosllm;

import static io.elspeth.testkit.chaosllm.ApiAnswers.answer;
import static io.elspeth.testkit.chaosllm.ApiAnswers.chatCompletion;
import static io.elspeth.testkit.chaosllm.ApiRequests.authorized;
import static io.elspeth.testkit.chaosllm.ApiRequests.queryParam;
import static io.elspeth.testkit.chaosllm.ApiRequests.validate;
import static io.elspeth.testkit.chaosllm.ChaosLlmServer.CHAT_AZURE;
import static io.elspeth.testkit.chaosllm.ChaosLlmServer.CHAT_OPENAI;
import static io.elspeth.testkit.chaosllm.ChaosLlmServer.CHAT_OPENROUTER;
import static io.elspeth.testkit.chaosllm.ChaosLlmServer.CONTENT_SAFETY;
import static io.elspeth.testkit.chaosllm.ChaosLlmServer.PROMPT_SHIELD;
import static io.elspeth.testkit.chaosllm.FaultResponses.connectionFault;
import static io.elspeth.testkit.chaosllm.FaultResponses.httpFault;
import static io.elspeth.testkit.chaosllm.FaultResponses.malformed;
import static io.elspeth.testkit.chaosllm.HttpReplies.JSON;
import static io.elspeth.testkit.chaosllm.HttpReplies.error;
import static io.elspeth.testkit.chaosllm.HttpReplies.send;
import static io.elspeth.testkit.chaosllm.HttpReplies.sendJson;
import static io.elspeth.testkit.chaosllm.HttpReplies.sleepMs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import io.elspeth.testkit.chaosllm.FaultInjector.Fault;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The service endpoints of ChaosLLM: routes a request to its endpoint, authenticates and validates
 * it as the real service would, then answers it well or acts out the fault the injector decides;
 * Batch API requests go to {@link ChaosBatchApi}, never faulted. Every request is counted.
 */
final class ChaosApiRoutes {
  private static final Pattern AZURE_CHAT =
      Pattern.compile("/openai/deployments/([^/]+)/chat/completions");

  private final ChaosCounters counters;
  private final ChaosBatchApi batchApi;

  ChaosApiRoutes(ChaosCounters counters, ChaosBatchApi batchApi) {
    this.counters = counters;
    this.batchApi = batchApi;
  }

  /** One API request: route, authenticate, validate, then the injected fate or the real answer. */
  void api(HttpExchange exchange, ChaosEngine current, String method, String path, byte[] body)
      throws IOException, InterruptedException {
    String endpoint;
    @Nullable String deployment = null;
    Matcher azure = AZURE_CHAT.matcher(path);
    if (ChaosBatchApi.routes(path)) {
      batch(exchange, current, method, path, body);
      return;
    }
    if (path.equals(CHAT_OPENAI)
        || path.equals(CHAT_OPENROUTER)
        || path.equals(CONTENT_SAFETY)
        || path.equals(PROMPT_SHIELD)) {
      endpoint = path;
    } else if (azure.matches()) {
      endpoint = CHAT_AZURE;
      deployment = URLDecoder.decode(azure.group(1), StandardCharsets.UTF_8);
    } else {
      counters.count("unrouted", "no_route", 404);
      sendJson(
          exchange,
          404,
          error(
              "NotFound", "Resource not found: no route " + method + " " + path, "not_found_error"),
          Map.of());
      return;
    }
    if (!method.equals("POST")) {
      counters.count(endpoint, "bad_request", 405);
      sendJson(
          exchange,
          405,
          error(
              "MethodNotAllowed", endpoint + " takes POST, got " + method, "invalid_request_error"),
          Map.of());
      return;
    }
    if (!authorized(exchange, endpoint, current.config().auth())) {
      counters.count(endpoint, "unauthorized", 401);
      sendJson(
          exchange,
          401,
          error(
              "401",
              "Access denied due to invalid subscription key or wrong API endpoint. "
                  + "Make sure to provide a valid key for an active subscription and use a correct regional API endpoint "
                  + "for your resource.",
              "authentication_error"),
          Map.of());
      return;
    }
    boolean azureFamily = !endpoint.startsWith("/v1/") && !endpoint.startsWith("/api/");
    if (azureFamily && queryParam(exchange.getRequestURI(), "api-version") == null) {
      counters.count(endpoint, "bad_request", 400);
      sendJson(
          exchange,
          400,
          error(
              "BadRequest",
              "Missing the required query parameter api-version.",
              "invalid_request_error"),
          Map.of());
      return;
    }
    JsonNode request;
    try {
      request = JSON.readTree(body);
    } catch (IOException e) {
      request = MissingNode.getInstance(); // not an object: answered 400 just below
    }
    String invalid =
        !request.isObject()
            ? "the request body must be a JSON object"
            : validate(endpoint, request);
    if (invalid != null) {
      counters.count(endpoint, "bad_request", 400);
      sendJson(
          exchange, 400, error("InvalidRequestBody", invalid, "invalid_request_error"), Map.of());
      return;
    }

    Fault fault = current.faults().decide();
    FaultKind kind = fault.kind();
    if (kind == null || kind == FaultKind.SLOW_RESPONSE) {
      succeed(exchange, current, endpoint, deployment, request, fault, kind);
      return;
    }
    counters.count(endpoint, kind.key(), kind.status());
    switch (kind.category()) {
      case CONNECTION -> connectionFault(exchange, current, endpoint, deployment, request, fault);
      case HTTP -> httpFault(exchange, fault);
      case MALFORMED -> malformed(exchange, current, endpoint, deployment, request, kind);
    }
  }

  /** A Batch API request: authenticated as Azure OpenAI is, never subject to injected faults. */
  void batch(HttpExchange exchange, ChaosEngine current, String method, String path, byte[] body)
      throws IOException {
    String endpoint = ChaosBatchApi.template(path);
    if (!authorized(exchange, CHAT_AZURE, current.config().auth())) {
      counters.count(endpoint, "unauthorized", 401);
      sendJson(
          exchange,
          401,
          error("401", "Access denied due to invalid subscription key.", "authentication_error"),
          Map.of());
      return;
    }
    if (queryParam(exchange.getRequestURI(), "api-version") == null) {
      counters.count(endpoint, "bad_request", 400);
      sendJson(
          exchange,
          400,
          error(
              "BadRequest",
              "Missing the required query parameter api-version.",
              "invalid_request_error"),
          Map.of());
      return;
    }
    ChaosBatchApi.Answer answer =
        batchApi.handle(
            method,
            path,
            exchange.getRequestHeaders().getFirst("Content-Type"),
            body,
            request ->
                chatCompletion(current, request.path("model").asText(null), request, null, null));
    counters.count(endpoint, answer.status() == 200 ? "success" : "bad_request", answer.status());
    byte[] raw = answer.raw();
    if (raw != null) {
      send(exchange, answer.status(), "application/octet-stream", raw, Map.of());
    } else {
      sendJson(
          exchange,
          answer.status(),
          Objects.requireNonNull(
              answer.json(), "a Batch API answer without a raw body has a JSON one"),
          Map.of());
    }
  }

  void succeed(
      HttpExchange exchange,
      ChaosEngine current,
      String endpoint,
      @Nullable String deployment,
      JsonNode request,
      Fault fault,
      @Nullable FaultKind kind)
      throws IOException, InterruptedException {
    ObjectNode answer;
    try {
      answer = answer(exchange, current, endpoint, deployment, request);
    } catch (ResponseGenerator.GenerationException e) {
      counters.count(endpoint, e.status == 400 ? "bad_request" : "template_error", e.status);
      sendJson(
          exchange,
          e.status,
          error(
              e.status == 400 ? "BadRequest" : "InternalServerError",
              e.getMessage(),
              e.status == 400 ? "invalid_request_error" : "server_error"),
          Map.of());
      return;
    }
    counters.count(endpoint, kind == null ? "success" : kind.key(), 200);
    sleepMs(
        current.faults().latencyMs(current.config().latency())
            + Math.round(fault.delaySec() * 1000));
    sendJson(exchange, 200, answer, Map.of());
  }
}
