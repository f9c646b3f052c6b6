package io.elspeth.connectors.client;

import io.elspeth.connectors.client.AuditedLlmClient.ChatRequest;
import io.elspeth.connectors.client.AuditedLlmClient.ChatResponse;
import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The OpenRouter back end of {@link AuditedLlmClient}: OpenRouter's OpenAI-compatible HTTP API,
 * {@code POST {baseUrl}/chat/completions} with a bearer token, through the {@link
 * AuditedHttpClient} (call type {@code http}, the bearer token fingerprinted).
 */
final class OpenRouterChat implements LlmChatBackend {
  private final AuditedHttpClient http;
  private final String chatUrl;
  private final String apiKey;
  private final Duration timeout;

  private OpenRouterChat(AuditedHttpClient http, String chatUrl, String apiKey, Duration timeout) {
    this.http = http;
    this.chatUrl = chatUrl;
    this.apiKey = apiKey;
    this.timeout = timeout;
  }

  static OpenRouterChat create(
      String baseUrl, String apiKey, Duration timeout, Collection<String> secretUrlParams) {
    // The path goes before any query or fragment the base URL carries.
    int cut = firstOf(baseUrl, "?#");
    String base = baseUrl.substring(0, cut);
    String url =
        (base.endsWith("/") ? base + "chat/completions" : base + "/chat/completions")
            + baseUrl.substring(cut);
    AuditedHttpClient http = AuditedHttpClient.create(timeout, secretUrlParams);
    return new OpenRouterChat(http, url, apiKey, timeout);
  }

  private static int firstOf(String s, String chars) {
    for (int i = 0; i < s.length(); i++) {
      if (chars.indexOf(s.charAt(i)) >= 0) {
        return i;
      }
    }
    return s.length();
  }

  @Override
  public String provider() {
    return "openrouter";
  }

  @Override
  public ChatResponse chat(ChatRequest r, CallSink sink) throws ExternalCallException {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("model", r.model());
    body.put("messages", r.messages());
    body.put("temperature", r.temperature());
    if (r.maxTokens() != null) {
      body.put("max_tokens", r.maxTokens());
    }
    if (r.responseFormat() != null) {
      body.put("response_format", r.responseFormat());
    }
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("Authorization", "Bearer " + apiKey);
    headers.put("Content-Type", "application/json");
    return http.post(chatUrl, headers, body, timeout, sink, answer -> readOpenRouter(r, answer));
  }

  /** A 2xx answer as a chat completion; anything else fails the (then error-recorded) call. */
  private static ChatResponse readOpenRouter(ChatRequest r, AuditedHttpClient.Response answer)
      throws ExternalCallException {
    Object parsed = answer.body();
    if (answer.raw().length == 0) {
      throw new ExternalCallException(
          ExternalCallException.Kind.INVALID_RESPONSE, "empty response body", answer.statusCode());
    }
    if (AuditedHttpClient.isUnparsedJson(parsed) || !(parsed instanceof Map<?, ?> json)) {
      throw new ExternalCallException(
          ExternalCallException.Kind.INVALID_RESPONSE,
          "response is not a JSON object",
          answer.statusCode());
    }
    if (!(json.get("choices") instanceof List<?> choices)
        || choices.isEmpty()
        || !(choices.get(0) instanceof Map<?, ?> choice)
        || !(choice.get("message") instanceof Map<?, ?> message)) {
      throw new ExternalCallException(
          ExternalCallException.Kind.INVALID_RESPONSE,
          "LLM returned no choices",
          answer.statusCode());
    }
    Object content = message.get("content");
    if (content == null) {
      throw new ExternalCallException(
          ExternalCallException.Kind.CONTENT_POLICY,
          "LLM returned null content (finish_reason " + choice.get("finish_reason") + ")",
          answer.statusCode());
    }
    Map<String, Object> usage = new LinkedHashMap<>();
    if (json.get("usage") instanceof Map<?, ?> u) {
      for (String k : List.of("prompt_tokens", "completion_tokens", "total_tokens")) {
        if (u.get(k) instanceof Number n && !(u.get(k) instanceof Double)) {
          usage.put(k, n.longValue());
        }
      }
    }
    String model = json.get("model") instanceof String s ? s : r.model();
    return new ChatResponse(content.toString(), model, usage);
  }

  @Override
  public void close() {
    http.close();
  }
}
