package io.elspeth.connectors.client;

import com.azure.ai.openai.OpenAIClient;
import com.azure.ai.openai.OpenAIClientBuilder;
import com.azure.ai.openai.models.ChatChoice;
import com.azure.ai.openai.models.ChatCompletions;
import com.azure.ai.openai.models.ChatCompletionsJsonResponseFormat;
import com.azure.ai.openai.models.ChatCompletionsOptions;
import com.azure.ai.openai.models.ChatRequestAssistantMessage;
import com.azure.ai.openai.models.ChatRequestMessage;
import com.azure.ai.openai.models.ChatRequestSystemMessage;
import com.azure.ai.openai.models.ChatRequestUserMessage;
import com.azure.ai.openai.models.CompletionsFinishReason;
import com.azure.ai.openai.models.CompletionsUsage;
import com.azure.core.credential.AzureKeyCredential;
import com.azure.core.exception.HttpResponseException;
import com.azure.core.http.HttpClient;
import com.azure.core.http.policy.FixedDelayOptions;
import com.azure.core.http.policy.HttpLogDetailLevel;
import com.azure.core.http.policy.HttpLogOptions;
import com.azure.core.http.policy.HttpPipelinePolicy;
import com.azure.core.http.policy.RetryOptions;
import com.azure.core.util.HttpClientOptions;
import com.azure.core.util.UrlBuilder;
import io.elspeth.audit.canonical.CanonicalJson;
import io.elspeth.audit.record.CallRecord;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeoutException;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * A chat-completion client whose every attempt is one audited call (ELSPETH's
 * {@code AuditedLLMClient}). Two back ends:
 *
 * <ul>
 *   <li>{@link #azure}: the Azure OpenAI SDK ({@code com.azure:azure-ai-openai}) with an API key
 *       credential, its own retries off (every attempt must be recorded, so {@link CallRetrier}
 *       retries). Recorded as call type {@code llm}: request {@code {model, messages, temperature,
 *       provider, max_tokens?, response_format?}}, response {@code {content, model, usage,
 *       raw_response}}, error {@code {type, message, retryable}}.
 *   <li>{@link #openRouter}: OpenRouter's OpenAI-compatible HTTP API through the
 *       {@link AuditedHttpClient}, recorded as call type {@code http} with the bearer token
 *       fingerprinted.
 * </ul>
 *
 * <p>Build in {@code @Setup}; thread-safe. A failed attempt is recorded, then thrown classified.
 */
public final class AuditedLlmClient implements AutoCloseable {
  /** One chat request. */
  public record ChatRequest(String model, List<Map<String, Object>> messages, double temperature,
      @Nullable Integer maxTokens, boolean jsonResponse) {
    public ChatRequest {
      messages = List.copyOf(messages);
    }

    /** A system prompt (when given) followed by one user message. */
    public static ChatRequest of(String model, @Nullable String systemPrompt, String prompt,
        double temperature, @Nullable Integer maxTokens, boolean jsonResponse) {
      List<Map<String, Object>> messages = new ArrayList<>();
      if (systemPrompt != null && !systemPrompt.isEmpty()) {
        messages.add(message("system", systemPrompt));
      }
      messages.add(message("user", prompt));
      return new ChatRequest(model, messages, temperature, maxTokens, jsonResponse);
    }

    private static Map<String, Object> message(String role, String content) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("role", role);
      m.put("content", content);
      return m;
    }
  }

  /** A successful completion. */
  public record ChatResponse(String content, String model, Map<String, Object> usage) {}

  private final String provider;
  private final @Nullable OpenAIClient azure;
  private final @Nullable String deployment;
  private final @Nullable AuditedHttpClient http;
  private final @Nullable String chatUrl;
  private final @Nullable String apiKey;
  private final Duration timeout;

  private AuditedLlmClient(String provider, @Nullable OpenAIClient azure,
      @Nullable String deployment, @Nullable AuditedHttpClient http, @Nullable String chatUrl,
      @Nullable String apiKey, Duration timeout) {
    this.provider = provider;
    this.azure = azure;
    this.deployment = deployment;
    this.http = http;
    this.chatUrl = chatUrl;
    this.apiKey = apiKey;
    this.timeout = timeout;
  }

  /**
   * An Azure OpenAI client for one deployment. The Azure SDK accepts key credentials over HTTPS
   * only; the endpoint's certificate is checked against the JVM's trust store.
   */
  public static AuditedLlmClient azure(String endpoint, String apiKey, String apiVersion,
      String deployment, Duration timeout) {
    HttpClient transport = HttpClient.createDefault(new HttpClientOptions()
        .setResponseTimeout(timeout).setReadTimeout(timeout).setConnectTimeout(timeout));
    // The configured api-version goes on the wire even when this SDK release has no enum
    // constant for it (ELSPETH's default, 2024-10-21, is one of those).
    HttpPipelinePolicy apiVersionPolicy = (context, next) -> {
      context.getHttpRequest().setUrl(UrlBuilder.parse(context.getHttpRequest().getUrl())
          .setQueryParameter("api-version", apiVersion).toString());
      return next.process();
    };
    OpenAIClient client = new OpenAIClientBuilder()
        .endpoint(endpoint)
        .credential(new AzureKeyCredential(apiKey))
        .httpClient(transport)
        .retryOptions(new RetryOptions(new FixedDelayOptions(0, Duration.ofMillis(1))))
        .httpLogOptions(new HttpLogOptions().setLogLevel(HttpLogDetailLevel.NONE))
        .addPolicy(apiVersionPolicy)
        .buildClient();
    return new AuditedLlmClient("azure", client, deployment, null, null, null, timeout);
  }

  /** An OpenRouter client: {@code POST {baseUrl}/chat/completions} with a bearer token. */
  public static AuditedLlmClient openRouter(String baseUrl, String apiKey, Duration timeout) {
    String url = baseUrl.endsWith("/") ? baseUrl + "chat/completions"
        : baseUrl + "/chat/completions";
    return new AuditedLlmClient("openrouter", null, null, AuditedHttpClient.create(timeout), url,
        apiKey, timeout);
  }

  public String provider() {
    return provider;
  }

  /** One attempt: calls the service, records the call under {@code sink}'s state. */
  public ChatResponse chat(ChatRequest request, CallSink sink) throws ExternalCallException {
    return azure != null ? chatAzure(request, sink) : chatOpenRouter(request, sink);
  }

  private Map<String, Object> requestRecord(ChatRequest r) {
    Map<String, Object> rec = new LinkedHashMap<>();
    rec.put("model", r.model());
    rec.put("messages", r.messages());
    rec.put("temperature", r.temperature());
    rec.put("provider", provider);
    if (r.maxTokens() != null) {
      rec.put("max_tokens", r.maxTokens());
    }
    if (r.jsonResponse()) {
      rec.put("response_format", Map.of("type", "json_object"));
    }
    return rec;
  }

  private ChatResponse chatAzure(ChatRequest r, CallSink sink) throws ExternalCallException {
    Map<String, Object> request = requestRecord(r);
    List<ChatRequestMessage> messages = new ArrayList<>();
    for (Map<String, Object> m : r.messages()) {
      String content = String.valueOf(m.get("content"));
      messages.add(switch (String.valueOf(m.get("role"))) {
        case "system" -> new ChatRequestSystemMessage(content);
        case "assistant" -> new ChatRequestAssistantMessage(content);
        default -> new ChatRequestUserMessage(content);
      });
    }
    ChatCompletionsOptions options = new ChatCompletionsOptions(messages)
        .setTemperature(r.temperature()).setModel(r.model());
    if (r.maxTokens() != null) {
      options.setMaxTokens(r.maxTokens());
    }
    if (r.jsonResponse()) {
      options.setResponseFormat(new ChatCompletionsJsonResponseFormat());
    }
    int index = sink.nextCallIndex();
    long started = System.nanoTime();
    ChatCompletions completions;
    try {
      completions = azure.getChatCompletions(deployment, options);
    } catch (RuntimeException e) {
      double latency = CallAudit.millisSince(started);
      ExternalCallException failure = classify(e);
      Map<String, Object> error = new LinkedHashMap<>();
      error.put("type", failure.kind().type());
      error.put("message", failure.getMessage());
      error.put("retryable", failure.retryable());
      CallAudit.record(sink, index, "llm", CallAudit.ERROR, request, null, error, latency,
          new CallRecord.LlmDetails(provider, r.model(), null, null, null));
      throw failure;
    }
    double latency = CallAudit.millisSince(started);
    Map<String, Object> usage = usage(completions.getUsage());
    Object raw;
    try {
      raw = CanonicalJson.parse(completions.toJsonString());
    } catch (IOException | RuntimeException e) {
      raw = Map.of("_serialization_failed", e.getClass().getSimpleName());
    }
    List<ChatChoice> choices = completions.getChoices();
    String content = null;
    String problem = null;
    if (choices == null || choices.isEmpty()) {
      problem = "LLM returned no choices";
    } else {
      ChatChoice first = choices.get(0);
      content = first.getMessage() == null ? null : first.getMessage().getContent();
      if (content == null && CompletionsFinishReason.TOOL_CALLS.equals(first.getFinishReason())) {
        content = "";
      } else if (content == null) {
        problem = "LLM returned null content (finish_reason "
            + first.getFinishReason() + ")";
      }
    }
    String model = completions.getModel() == null ? r.model() : completions.getModel();
    Map<String, Object> response = new LinkedHashMap<>();
    response.put("content", content);
    response.put("model", model);
    response.put("usage", usage);
    response.put("raw_response", raw);
    if (problem != null) {
      ExternalCallException.Kind kind = choices == null || choices.isEmpty()
          ? ExternalCallException.Kind.INVALID_RESPONSE
          : ExternalCallException.Kind.CONTENT_POLICY;
      Map<String, Object> error = new LinkedHashMap<>();
      error.put("type", kind.type());
      error.put("message", problem);
      error.put("retryable", false);
      CallAudit.record(sink, index, "llm", CallAudit.ERROR, request, response, error, latency,
          llmDetails(r, model, completions.getUsage()));
      throw new ExternalCallException(kind, problem, null);
    }
    CallAudit.record(sink, index, "llm", CallAudit.SUCCESS, request, response, null, latency,
        llmDetails(r, model, completions.getUsage()));
    return new ChatResponse(content, model, usage);
  }

  /** Model and token counts for the call's telemetry (ELSPETH's TokenUsage: prompt/completion). */
  private CallRecord.LlmDetails llmDetails(ChatRequest r, String model,
      @Nullable CompletionsUsage u) {
    return new CallRecord.LlmDetails(provider, r.model(), model,
        u == null ? null : (long) u.getPromptTokens(),
        u == null ? null : (long) u.getCompletionTokens());
  }

  private static Map<String, Object> usage(@Nullable CompletionsUsage u) {
    Map<String, Object> usage = new LinkedHashMap<>();
    if (u != null) {
      usage.put("prompt_tokens", u.getPromptTokens());
      usage.put("completion_tokens", u.getCompletionTokens());
      usage.put("total_tokens", u.getTotalTokens());
    }
    return usage;
  }

  /** ELSPETH's classification of an SDK failure, by status code and message. */
  static ExternalCallException classify(RuntimeException e) {
    if (e instanceof HttpResponseException h && h.getResponse() != null) {
      int status = h.getResponse().getStatusCode();
      String m = String.valueOf(h.getMessage()).toLowerCase(Locale.ROOT);
      ExternalCallException.Kind kind = ExternalCallException.forStatus(status);
      if (status == 400 && (m.contains("content_filter") || m.contains("content management")
          || m.contains("responsibleaipolicyviolation"))) {
        kind = ExternalCallException.Kind.CONTENT_POLICY;
      } else if (status == 400 && (m.contains("context_length") || m.contains("maximum context"))) {
        kind = ExternalCallException.Kind.CONTEXT_LENGTH;
      }
      return new ExternalCallException(kind, "HTTP " + status + ": " + firstLine(h.getMessage()),
          status);
    }
    for (Throwable t = e; t != null; t = t.getCause()) {
      String name = t.getClass().getName();
      if (name.contains("Json") || name.contains("Deserializ")) {
        return new ExternalCallException(ExternalCallException.Kind.INVALID_RESPONSE,
            "unreadable response: " + t.getClass().getSimpleName(), null);
      }
      if (t instanceof IOException || t instanceof TimeoutException) {
        return new ExternalCallException(ExternalCallException.Kind.NETWORK,
            t.getClass().getSimpleName() + ": " + firstLine(t.getMessage()), null);
      }
    }
    return new ExternalCallException(ExternalCallException.Kind.CLIENT,
        e.getClass().getSimpleName() + ": " + firstLine(e.getMessage()), null);
  }

  private static String firstLine(@Nullable String m) {
    if (m == null) {
      return "";
    }
    String line = m.lines().findFirst().orElse("");
    return line.length() > 500 ? line.substring(0, 500) : line;
  }

  private ChatResponse chatOpenRouter(ChatRequest r, CallSink sink) throws ExternalCallException {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("model", r.model());
    body.put("messages", r.messages());
    body.put("temperature", r.temperature());
    if (r.maxTokens() != null) {
      body.put("max_tokens", r.maxTokens());
    }
    if (r.jsonResponse()) {
      body.put("response_format", Map.of("type", "json_object"));
    }
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("Authorization", "Bearer " + apiKey);
    headers.put("Content-Type", "application/json");
    AuditedHttpClient.Response answer = http.post(chatUrl, headers, body, timeout, sink);
    Object parsed = answer.body();
    if (AuditedHttpClient.isUnparsedJson(parsed) || !(parsed instanceof Map<?, ?> json)) {
      throw new ExternalCallException(ExternalCallException.Kind.INVALID_RESPONSE,
          "response is not a JSON object", answer.statusCode());
    }
    if (!(json.get("choices") instanceof List<?> choices) || choices.isEmpty()
        || !(choices.get(0) instanceof Map<?, ?> choice)
        || !(choice.get("message") instanceof Map<?, ?> message)) {
      throw new ExternalCallException(ExternalCallException.Kind.INVALID_RESPONSE,
          "LLM returned no choices", answer.statusCode());
    }
    Object content = message.get("content");
    if (content == null) {
      throw new ExternalCallException(ExternalCallException.Kind.CONTENT_POLICY,
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
    if (http != null) {
      http.close();
    }
  }
}
