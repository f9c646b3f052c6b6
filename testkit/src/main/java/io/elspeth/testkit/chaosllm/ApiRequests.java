package io.elspeth.testkit.chaosllm;

import static io.elspeth.testkit.chaosllm.ChaosLlmServer.CHAT_AZURE;
import static io.elspeth.testkit.chaosllm.ChaosLlmServer.CHAT_OPENAI;
import static io.elspeth.testkit.chaosllm.ChaosLlmServer.CHAT_OPENROUTER;
import static io.elspeth.testkit.chaosllm.ChaosLlmServer.CONTENT_SAFETY;
import static io.elspeth.testkit.chaosllm.ChaosLlmServer.PROMPT_SHIELD;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * What ChaosLLM asks of a request before it answers, as the real services do: the key in each
 * service's header, the query parameters, and the body's required fields.
 */
final class ApiRequests {
  private ApiRequests() {}

  static @Nullable String validate(String endpoint, JsonNode request) {
    switch (endpoint) {
      case CONTENT_SAFETY -> {
        if (!request.path("text").isTextual()) {
          return "The 'text' field is required and must be a string.";
        }
        if (request.path("text").asText().length() > 10_000) {
          return "The 'text' field exceeds the maximum length of 10000 characters.";
        }
        return null;
      }
      case PROMPT_SHIELD -> {
        boolean hasPrompt = request.path("userPrompt").isTextual();
        boolean hasDocuments = request.path("documents").isArray();
        if (!hasPrompt && !hasDocuments) {
          return "At least one of 'userPrompt' (string) or 'documents' (array of strings) is required.";
        }
        return null;
      }
      default -> {
        JsonNode messages = request.path("messages");
        if (!messages.isArray() || messages.isEmpty()) {
          return "'messages' is a required property and must be a non-empty array.";
        }
        return null;
      }
    }
  }

  static boolean authorized(HttpExchange exchange, String endpoint, ChaosConfig.Auth auth) {
    var headers = exchange.getRequestHeaders();
    String key =
        switch (endpoint) {
          case CHAT_OPENAI, CHAT_OPENROUTER -> bearer(headers.getFirst("Authorization"));
          case CHAT_AZURE ->
              firstNonNull(headers.getFirst("api-key"), bearer(headers.getFirst("Authorization")));
          default ->
              firstNonNull(
                  headers.getFirst("Ocp-Apim-Subscription-Key"), headers.getFirst("api-key"));
        };
    if (key == null || key.isBlank()) {
      return false;
    }
    return auth.apiKeys().isEmpty() || auth.apiKeys().contains(key);
  }

  private static @Nullable String bearer(@Nullable String authorization) {
    if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return null;
    }
    return authorization.substring(7).strip();
  }

  private static @Nullable String firstNonNull(@Nullable String a, @Nullable String b) {
    return a != null ? a : b;
  }

  static @Nullable String queryParam(URI uri, String name) {
    String query = uri.getRawQuery();
    if (query == null) {
      return null;
    }
    for (String pair : query.split("&")) {
      int eq = pair.indexOf('=');
      String key = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
      if (key.equals(name)) {
        String value =
            eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
        return value.isEmpty() ? null : value;
      }
    }
    return null;
  }
}
