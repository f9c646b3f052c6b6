package io.elspeth.testkit.chaosllm;

import static io.elspeth.testkit.chaosllm.ApiAnswers.answerOrEmpty;
import static io.elspeth.testkit.chaosllm.ChaosLlmServer.CONTENT_SAFETY;
import static io.elspeth.testkit.chaosllm.ChaosLlmServer.PROMPT_SHIELD;
import static io.elspeth.testkit.chaosllm.HttpReplies.bytes;
import static io.elspeth.testkit.chaosllm.HttpReplies.error;
import static io.elspeth.testkit.chaosllm.HttpReplies.send;
import static io.elspeth.testkit.chaosllm.HttpReplies.sendJson;
import static io.elspeth.testkit.chaosllm.HttpReplies.sleepMs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import io.elspeth.testkit.chaosllm.FaultInjector.Fault;
import io.elspeth.testkit.chaosllm.HttpReplies.DropConnection;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * How ChaosLLM acts out an injected fault: a connection that times out, fails, resets or stalls
 * halfway; an HTTP error in the service's shape (or a proxy's HTML page); or a malformed answer.
 */
final class FaultResponses {
  private FaultResponses() {}

  static void connectionFault(
      HttpExchange exchange,
      ChaosEngine current,
      String endpoint,
      @Nullable String deployment,
      JsonNode request,
      Fault fault)
      throws IOException, InterruptedException {
    FaultKind kind = Objects.requireNonNull(fault.kind(), "a connection fault has a kind");
    switch (kind) {
      case TIMEOUT -> {
        sleepMs(Math.round(fault.delaySec() * 1000));
        sendJson(
            exchange, 504, error("GatewayTimeout", "Gateway timeout.", "server_error"), Map.of());
      }
      case CONNECTION_FAILED -> {
        sleepMs(Math.round(fault.delaySec() * 1000));
        throw new DropConnection();
      }
      case CONNECTION_RESET -> throw new DropConnection();
      case CONNECTION_STALL -> {
        sleepMs(Math.round(fault.delaySec() * 1000));
        byte[] full = bytes(answerOrEmpty(exchange, current, endpoint, deployment, request));
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(200, full.length);
        OutputStream out = exchange.getResponseBody();
        out.write(full, 0, full.length / 2);
        out.flush();
        sleepMs(Math.round(fault.stallSec() * 1000));
        throw new DropConnection();
      }
      default -> throw new IllegalStateException("not a connection fault: " + kind);
    }
  }

  static void httpFault(HttpExchange exchange, Fault fault) throws IOException {
    FaultKind kind = Objects.requireNonNull(fault.kind(), "an HTTP fault has a kind");
    Map<String, String> headers = new HashMap<>();
    if (kind == FaultKind.RATE_LIMIT || kind == FaultKind.CAPACITY_529) {
      headers.put("Retry-After", Integer.toString(fault.retryAfterSec()));
      headers.put("retry-after-ms", Integer.toString(fault.retryAfterSec() * 1000));
    }
    String[] codeAndType =
        switch (kind) {
          case RATE_LIMIT ->
              new String[] {
                "429",
                "rate_limit_error",
                "Rate limit exceeded. Please retry after " + fault.retryAfterSec() + " seconds."
              };
          case CAPACITY_529 ->
              new String[] {
                "529", "capacity_error", "The model is currently overloaded. Please retry later."
              };
          case SERVICE_UNAVAILABLE ->
              new String[] {"503", "server_error", "The service is temporarily unavailable."};
          case BAD_GATEWAY -> new String[] {"502", "server_error", "Bad gateway error."};
          case GATEWAY_TIMEOUT -> new String[] {"504", "server_error", "Gateway timeout."};
          case INTERNAL_ERROR -> new String[] {"500", "server_error", "Internal server error."};
          case FORBIDDEN ->
              new String[] {
                "403", "permission_error", "You do not have permission to access this resource."
              };
          case NOT_FOUND ->
              new String[] {"404", "not_found_error", "The requested resource was not found."};
          case HTML_ERROR_PAGE -> {
            // What a gateway or proxy in front of the service sends: its own page, not JSON.
            send(
                exchange,
                kind.status(),
                "text/html; charset=utf-8",
                ("<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway"
                        + "</h1></center><hr><center>nginx</center></body></html>")
                    .getBytes(StandardCharsets.UTF_8),
                headers);
            yield null;
          }
          default -> throw new IllegalStateException("not an HTTP fault: " + kind);
        };
    if (codeAndType == null) {
      return;
    }
    sendJson(
        exchange, kind.status(), error(codeAndType[0], codeAndType[2], codeAndType[1]), headers);
  }

  static void malformed(
      HttpExchange exchange,
      ChaosEngine current,
      String endpoint,
      @Nullable String deployment,
      JsonNode request,
      FaultKind kind)
      throws IOException, InterruptedException {
    sleepMs(current.faults().latencyMs(current.config().latency()));
    switch (kind) {
      case INVALID_JSON ->
          send(
              exchange,
              200,
              "application/json",
              "{\"id\": \"chatcmpl-chaos\", \"choices\": [{\"message\": {this is not valid json"
                  .getBytes(StandardCharsets.UTF_8),
              Map.of());
      case TRUNCATED -> {
        byte[] full = bytes(answerOrEmpty(exchange, current, endpoint, deployment, request));
        send(
            exchange,
            200,
            "application/json",
            Arrays.copyOf(full, Math.max(1, full.length / 2)),
            Map.of());
      }
      case EMPTY_BODY -> send(exchange, 200, "application/json", new byte[0], Map.of());
      case MISSING_FIELDS -> {
        ObjectNode broken = answerOrEmpty(exchange, current, endpoint, deployment, request);
        switch (endpoint) {
          case CONTENT_SAFETY -> broken.remove("categoriesAnalysis");
          case PROMPT_SHIELD -> broken.remove("userPromptAnalysis");
          default -> {
            broken.putArray("choices");
            broken.remove("usage");
          }
        }
        sendJson(exchange, 200, broken, Map.of());
      }
      case NULL_CONTENT -> {
        ObjectNode broken = answerOrEmpty(exchange, current, endpoint, deployment, request);
        switch (endpoint) {
          case CONTENT_SAFETY -> broken.putNull("categoriesAnalysis");
          case PROMPT_SHIELD -> broken.putNull("userPromptAnalysis");
          default -> {
            for (JsonNode choice : broken.path("choices")) {
              ((ObjectNode) choice.path("message")).putNull("content");
              ((ObjectNode) choice).put("finish_reason", "content_filter");
            }
          }
        }
        sendJson(exchange, 200, broken, Map.of());
      }
      case MISSING_CHOICES -> {
        ObjectNode broken = answerOrEmpty(exchange, current, endpoint, deployment, request);
        if (endpoint.equals(CONTENT_SAFETY) || endpoint.equals(PROMPT_SHIELD)) {
          broken.removeAll();
        } else {
          broken.remove("choices");
        }
        sendJson(exchange, 200, broken, Map.of());
      }
      case WRONG_CONTENT_TYPE ->
          send(
              exchange,
              200,
              "text/html; charset=utf-8",
              ("<html><head><title>Service Notice</title></head><body><h1>Service Notice</h1>"
                      + "<p>The upstream service returned an unexpected page.</p></body></html>")
                  .getBytes(StandardCharsets.UTF_8),
              Map.of());
      case SCHEMA_VIOLATION -> {
        ObjectNode answer = answerOrEmpty(exchange, current, endpoint, deployment, request);
        if (answer.path("choices").isArray()) {
          for (JsonNode choice : answer.path("choices")) {
            ((ObjectNode) choice.path("message"))
                .put("content", current.responses().violating(request));
          }
        }
        sendJson(exchange, 200, answer, Map.of());
      }
      default -> throw new IllegalStateException("not a malformed-response fault: " + kind);
    }
  }
}
