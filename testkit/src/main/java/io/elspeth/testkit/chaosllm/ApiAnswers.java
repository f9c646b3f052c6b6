package io.elspeth.testkit.chaosllm;

import static io.elspeth.testkit.chaosllm.ChaosLlmServer.CONTENT_SAFETY;
import static io.elspeth.testkit.chaosllm.ChaosLlmServer.PROMPT_SHIELD;
import static io.elspeth.testkit.chaosllm.HttpReplies.JSON;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The bodies a well-behaved service would send: chat completions (with usage counted by a stable
 * stand-in for a tokenizer), Content Safety analyses and Prompt Shield results.
 */
final class ApiAnswers {
  private ApiAnswers() {}

  /** The body a well-behaved service would send. */
  static ObjectNode answer(
      HttpExchange exchange,
      ChaosEngine current,
      String endpoint,
      @Nullable String deployment,
      JsonNode request) {
    return switch (endpoint) {
      case CONTENT_SAFETY ->
          current
              .scorer()
              .analyze(
                  request.path("text").asText(),
                  ContentSafetyScorer.requestedCategories(request.get("categories")),
                  "EightSeverityLevels".equals(request.path("outputType").asText()));
      case PROMPT_SHIELD -> {
        List<String> documents = new ArrayList<>();
        request.path("documents").forEach(d -> documents.add(d.asText()));
        yield current.scorer().shield(request.path("userPrompt").asText(""), documents);
      }
      default -> chatCompletion(exchange, current, deployment, request);
    };
  }

  /** For faults built on a real answer: a failing template must not turn the fault into a 500. */
  static ObjectNode answerOrEmpty(
      HttpExchange exchange,
      ChaosEngine current,
      String endpoint,
      @Nullable String deployment,
      JsonNode request) {
    try {
      return answer(exchange, current, endpoint, deployment, request);
    } catch (ResponseGenerator.GenerationException e) {
      return JSON.createObjectNode();
    }
  }

  static ObjectNode chatCompletion(
      HttpExchange exchange, ChaosEngine current, @Nullable String deployment, JsonNode request) {
    return chatCompletion(
        current,
        deployment,
        request,
        exchange.getRequestHeaders().getFirst("X-Fake-Response-Mode"),
        exchange.getRequestHeaders().getFirst("X-Fake-Template"));
  }

  static ObjectNode chatCompletion(
      ChaosEngine current,
      @Nullable String deployment,
      JsonNode request,
      @Nullable String modeHeader,
      @Nullable String templateHeader) {
    String model =
        request.path("model").isTextual()
            ? request.path("model").asText()
            : deployment != null ? deployment : "gpt-4o";
    int choices = Math.max(1, request.path("n").asInt(1));
    ObjectNode completion = JSON.createObjectNode();
    completion.put(
        "id", "chatcmpl-" + UUID.randomUUID().toString().replace("-", "").substring(0, 24));
    completion.put("object", "chat.completion");
    completion.put("created", Instant.now().getEpochSecond());
    completion.put("model", model);
    completion.put("system_fingerprint", "fp_chaosllm");
    ArrayNode array = completion.putArray("choices");
    int completionTokens = 0;
    for (int i = 0; i < choices; i++) {
      String content =
          current.responses().content(request, model, deployment, modeHeader, templateHeader);
      completionTokens += tokens(content);
      ObjectNode choice = array.addObject();
      choice.put("index", i);
      choice.putObject("message").put("role", "assistant").put("content", content);
      choice.put("finish_reason", "stop");
      choice.putNull("logprobs");
    }
    int promptTokens = 0;
    for (JsonNode message : request.path("messages")) {
      promptTokens += tokens(ResponseGenerator.text(message.path("content"))) + 4;
    }
    completion
        .putObject("usage")
        .put("prompt_tokens", promptTokens)
        .put("completion_tokens", completionTokens)
        .put("total_tokens", promptTokens + completionTokens);
    return completion;
  }

  /** A stable stand-in for a tokenizer: one token per whitespace-separated word. */
  private static int tokens(String text) {
    String trimmed = text.strip();
    return trimmed.isEmpty() ? 0 : trimmed.split("\\s+").length;
  }
}
