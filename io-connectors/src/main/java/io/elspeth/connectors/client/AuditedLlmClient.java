package io.elspeth.connectors.client;

import io.elspeth.audit.secrets.UrlRedactor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * A chat-completion client whose every attempt is one audited call (ELSPETH's {@code
 * AuditedLLMClient}). Two back ends:
 *
 * <ul>
 *   <li>{@link #azure}: the Azure OpenAI SDK ({@code com.azure:azure-ai-openai}) with an API key
 *       credential, its own retries off (every attempt must be recorded, so {@link CallRetrier}
 *       retries), called through its protocol method so the answer is read here, as received.
 *       Recorded as call type {@code llm}: request {@code {model, messages, temperature, provider,
 *       max_tokens?, response_format?}}, response {@code {content, model, usage, raw_response}} for
 *       a chat completion, or {@code {status_code, body_size, body}} as received for anything else
 *       (an empty body, HTML, truncated JSON, an error status), error {@code {type, message,
 *       retryable, status_code?}}.
 *   <li>{@link #openRouter}: OpenRouter's OpenAI-compatible HTTP API through the {@link
 *       AuditedHttpClient}, recorded as call type {@code http} with the bearer token fingerprinted.
 * </ul>
 *
 * <p>Build in {@code @Setup}; thread-safe. Every attempt has exactly one call record, whatever came
 * back; a failed attempt is recorded, then thrown classified (never as a runtime exception).
 * Messages and recorded URLs go through {@link UrlRedactor}.
 */
public final class AuditedLlmClient implements AutoCloseable {
  /**
   * One chat request. {@code responseFormat} is OpenAI's {@code response_format} object, sent and
   * recorded as given: null (plain text), {@link #JSON_OBJECT}, or {@link #jsonSchema(String,
   * Map)}.
   */
  public record ChatRequest(
      String model,
      List<Map<String, Object>> messages,
      double temperature,
      @Nullable Integer maxTokens,
      @Nullable Map<String, Object> responseFormat) {
    /** {@code {"type": "json_object"}}: JSON mode, any object. */
    public static final Map<String, Object> JSON_OBJECT = Map.of("type", "json_object");

    public ChatRequest {
      messages = List.copyOf(messages);
    }

    /** With JSON mode on or off. */
    public ChatRequest(
        String model,
        List<Map<String, Object>> messages,
        double temperature,
        @Nullable Integer maxTokens,
        boolean jsonResponse) {
      this(model, messages, temperature, maxTokens, jsonResponse ? JSON_OBJECT : null);
    }

    /** A system prompt (when given) followed by one user message. */
    public static ChatRequest of(
        String model,
        @Nullable String systemPrompt,
        String prompt,
        double temperature,
        @Nullable Integer maxTokens,
        boolean jsonResponse) {
      return of(
          model, systemPrompt, prompt, temperature, maxTokens, jsonResponse ? JSON_OBJECT : null);
    }

    /** As above, with a {@code response_format} object (null: plain text). */
    public static ChatRequest of(
        String model,
        @Nullable String systemPrompt,
        String prompt,
        double temperature,
        @Nullable Integer maxTokens,
        @Nullable Map<String, Object> responseFormat) {
      List<Map<String, Object>> messages = new ArrayList<>();
      if (systemPrompt != null && !systemPrompt.isEmpty()) {
        messages.add(message("system", systemPrompt));
      }
      messages.add(message("user", prompt));
      return new ChatRequest(model, messages, temperature, maxTokens, responseFormat);
    }

    /**
     * Structured outputs: {@code {"type": "json_schema", "json_schema": {"name", "strict": true,
     * "schema"}}}, the service held to {@code schema}.
     */
    public static Map<String, Object> jsonSchema(String name, Map<String, Object> schema) {
      Map<String, Object> spec = new LinkedHashMap<>();
      spec.put("name", name);
      spec.put("strict", true);
      spec.put("schema", schema);
      Map<String, Object> format = new LinkedHashMap<>();
      format.put("type", "json_schema");
      format.put("json_schema", spec);
      return format;
    }

    /** Whether the service is asked for JSON (either JSON mode or a schema). */
    public boolean jsonResponse() {
      return responseFormat != null;
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

  private final LlmChatBackend backend;

  private AuditedLlmClient(LlmChatBackend backend) {
    this.backend = backend;
  }

  /**
   * An Azure OpenAI client for one deployment. The Azure SDK accepts key credentials over HTTPS
   * only; the endpoint's certificate is checked against the JVM's trust store.
   */
  public static AuditedLlmClient azure(
      String endpoint, String apiKey, String apiVersion, String deployment, Duration timeout) {
    return azure(endpoint, apiKey, apiVersion, deployment, timeout, List.of());
  }

  /** As above, with the run's extra credential parameter names for URLs in messages. */
  public static AuditedLlmClient azure(
      String endpoint,
      String apiKey,
      String apiVersion,
      String deployment,
      Duration timeout,
      Collection<String> secretUrlParams) {
    return new AuditedLlmClient(
        AzureOpenAiChat.create(endpoint, apiKey, apiVersion, deployment, timeout, secretUrlParams));
  }

  /** An OpenRouter client: {@code POST {baseUrl}/chat/completions} with a bearer token. */
  public static AuditedLlmClient openRouter(String baseUrl, String apiKey, Duration timeout) {
    return openRouter(baseUrl, apiKey, timeout, List.of());
  }

  /** As above, with the run's extra credential parameter names for recorded URLs. */
  public static AuditedLlmClient openRouter(
      String baseUrl, String apiKey, Duration timeout, Collection<String> secretUrlParams) {
    return new AuditedLlmClient(OpenRouterChat.create(baseUrl, apiKey, timeout, secretUrlParams));
  }

  public String provider() {
    return backend.provider();
  }

  /** One attempt: calls the service, records the call under {@code sink}'s state. */
  public ChatResponse chat(ChatRequest request, CallSink sink) throws ExternalCallException {
    return backend.chat(request, sink);
  }

  @Override
  public void close() {
    backend.close();
  }
}
