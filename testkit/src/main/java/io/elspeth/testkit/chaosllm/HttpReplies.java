package io.elspeth.testkit.chaosllm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.UUID;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * How ChaosLLM writes to the wire: JSON and raw bodies with the request-id headers the real
 * services send, error bodies in their shape, pauses, and a deliberate dropped connection.
 */
final class HttpReplies {
  static final ObjectMapper JSON = new ObjectMapper();

  private HttpReplies() {}

  /** Thrown inside a handler to make the JDK server drop the connection mid-response. */
  static final class DropConnection extends RuntimeException {
    private static final long serialVersionUID = 1L;

    DropConnection() {
      super("ChaosLLM dropped the connection on purpose", null, false, false);
    }
  }

  static ObjectNode error(String code, @Nullable String message, String type) {
    ObjectNode body = JSON.createObjectNode();
    body.putObject("error").put("code", code).put("message", message).put("type", type);
    return body;
  }

  static byte[] bytes(JsonNode json) {
    try {
      return JSON.writeValueAsBytes(json);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static void sendJson(
      HttpExchange exchange, int status, JsonNode body, Map<String, String> headers)
      throws IOException {
    send(exchange, status, "application/json", bytes(body), headers);
  }

  static void send(
      HttpExchange exchange,
      int status,
      String contentType,
      byte[] body,
      Map<String, String> headers)
      throws IOException {
    exchange.getResponseHeaders().set("Content-Type", contentType);
    String requestId = UUID.randomUUID().toString();
    exchange.getResponseHeaders().set("x-request-id", requestId);
    exchange.getResponseHeaders().set("apim-request-id", requestId);
    headers.forEach(exchange.getResponseHeaders()::set);
    exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
    if (body.length > 0) {
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    }
  }

  static void sleepMs(long millis) throws InterruptedException {
    if (millis > 0) {
      Thread.sleep(millis);
    }
  }
}
