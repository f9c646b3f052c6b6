package io.elspeth.connectors.client;

import com.azure.ai.openai.OpenAIClient;
import com.azure.ai.openai.OpenAIClientBuilder;
import com.azure.ai.openai.models.ChatChoice;
import com.azure.ai.openai.models.ChatCompletions;
import com.azure.ai.openai.models.ChatCompletionsJsonResponseFormat;
import com.azure.ai.openai.models.ChatCompletionsJsonSchemaResponseFormat;
import com.azure.ai.openai.models.ChatCompletionsJsonSchemaResponseFormatJsonSchema;
import com.azure.ai.openai.models.ChatCompletionsOptions;
import com.azure.ai.openai.models.ChatCompletionsResponseFormat;
import com.azure.ai.openai.models.ChatRequestAssistantMessage;
import com.azure.ai.openai.models.ChatRequestMessage;
import com.azure.ai.openai.models.ChatRequestSystemMessage;
import com.azure.ai.openai.models.ChatRequestUserMessage;
import com.azure.ai.openai.models.CompletionsFinishReason;
import com.azure.ai.openai.models.CompletionsUsage;
import com.azure.core.credential.AzureKeyCredential;
import com.azure.core.exception.HttpResponseException;
import com.azure.core.http.HttpClient;
import com.azure.core.http.HttpHeaderName;
import com.azure.core.http.policy.FixedDelayOptions;
import com.azure.core.http.policy.HttpLogDetailLevel;
import com.azure.core.http.policy.HttpLogOptions;
import com.azure.core.http.policy.HttpPipelinePolicy;
import com.azure.core.http.policy.RetryOptions;
import com.azure.core.http.rest.RequestOptions;
import com.azure.core.http.rest.Response;
import com.azure.core.util.BinaryData;
import com.azure.core.util.HttpClientOptions;
import com.azure.core.util.UrlBuilder;
import com.azure.json.JsonProviders;
import com.azure.json.JsonReader;
import io.elspeth.audit.canonical.CanonicalJson;
import io.elspeth.audit.record.CallRecord;
import io.elspeth.audit.secrets.SecretFingerprinter;
import io.elspeth.audit.secrets.UrlRedactor;
import io.elspeth.connectors.replay.CallReplayer;
import io.elspeth.connectors.replay.ReplaySource;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeoutException;
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

  private final String provider;
  private final @Nullable OpenAIClient azure;
  private final @Nullable String deployment;
  private final @Nullable AuditedHttpClient http;
  private final @Nullable String chatUrl;
  private final @Nullable String apiKey;
  private final Duration timeout;
  private final UrlRedactor urls;

  private AuditedLlmClient(
      String provider,
      @Nullable OpenAIClient azure,
      @Nullable String deployment,
      @Nullable AuditedHttpClient http,
      @Nullable String chatUrl,
      @Nullable String apiKey,
      Duration timeout,
      UrlRedactor urls) {
    this.provider = provider;
    this.azure = azure;
    this.deployment = deployment;
    this.http = http;
    this.chatUrl = chatUrl;
    this.apiKey = apiKey;
    this.timeout = timeout;
    this.urls = urls;
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
    HttpClient transport =
        HttpClient.createDefault(
            new HttpClientOptions()
                .setResponseTimeout(timeout)
                .setReadTimeout(timeout)
                .setConnectTimeout(timeout));
    // The configured api-version goes on the wire even when this SDK release has no enum
    // constant for it (ELSPETH's default, 2024-10-21, is one of those).
    HttpPipelinePolicy apiVersionPolicy =
        (context, next) -> {
          context
              .getHttpRequest()
              .setUrl(
                  UrlBuilder.parse(context.getHttpRequest().getUrl())
                      .setQueryParameter("api-version", apiVersion)
                      .toString());
          return next.process();
        };
    OpenAIClient client =
        new OpenAIClientBuilder()
            .endpoint(endpoint)
            .credential(new AzureKeyCredential(apiKey))
            .httpClient(transport)
            .retryOptions(new RetryOptions(new FixedDelayOptions(0, Duration.ofMillis(1))))
            .httpLogOptions(new HttpLogOptions().setLogLevel(HttpLogDetailLevel.NONE))
            .addPolicy(apiVersionPolicy)
            .buildClient();
    return new AuditedLlmClient(
        "azure",
        client,
        deployment,
        null,
        null,
        null,
        timeout,
        new UrlRedactor(SecretFingerprinter.fromEnvironment(), secretUrlParams));
  }

  /** An OpenRouter client: {@code POST {baseUrl}/chat/completions} with a bearer token. */
  public static AuditedLlmClient openRouter(String baseUrl, String apiKey, Duration timeout) {
    return openRouter(baseUrl, apiKey, timeout, List.of());
  }

  /** As above, with the run's extra credential parameter names for recorded URLs. */
  public static AuditedLlmClient openRouter(
      String baseUrl, String apiKey, Duration timeout, Collection<String> secretUrlParams) {
    // The path goes before any query or fragment the base URL carries.
    int cut = firstOf(baseUrl, "?#");
    String base = baseUrl.substring(0, cut);
    String url =
        (base.endsWith("/") ? base + "chat/completions" : base + "/chat/completions")
            + baseUrl.substring(cut);
    AuditedHttpClient http = AuditedHttpClient.create(timeout, secretUrlParams);
    return new AuditedLlmClient("openrouter", null, null, http, url, apiKey, timeout, http.urls());
  }

  private static int firstOf(String s, String chars) {
    for (int i = 0; i < s.length(); i++) {
      if (chars.indexOf(s.charAt(i)) >= 0) {
        return i;
      }
    }
    return s.length();
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
    if (r.responseFormat() != null) {
      rec.put("response_format", r.responseFormat());
    }
    return rec;
  }

  /** The SDK's form of a {@code response_format} object. */
  private static ChatCompletionsResponseFormat azureResponseFormat(Map<String, Object> format) {
    if (!"json_schema".equals(format.get("type"))) {
      return new ChatCompletionsJsonResponseFormat();
    }
    Map<?, ?> spec =
        (Map<?, ?>)
            Objects.requireNonNull(
                format.get("json_schema"),
                "response_format of type json_schema has a 'json_schema' object");
    return new ChatCompletionsJsonSchemaResponseFormat(
        new ChatCompletionsJsonSchemaResponseFormatJsonSchema(String.valueOf(spec.get("name")))
            .setStrict(Boolean.TRUE.equals(spec.get("strict")))
            .setSchema(
                com.azure.core.util.BinaryData.fromString(
                    CanonicalJson.canonicalize(spec.get("schema")))));
  }

  private ChatCompletionsOptions azureOptions(ChatRequest r) {
    List<ChatRequestMessage> messages = new ArrayList<>();
    for (Map<String, Object> m : r.messages()) {
      String content = String.valueOf(m.get("content"));
      messages.add(
          switch (String.valueOf(m.get("role"))) {
            case "system" -> new ChatRequestSystemMessage(content);
            case "assistant" -> new ChatRequestAssistantMessage(content);
            default -> new ChatRequestUserMessage(content);
          });
    }
    ChatCompletionsOptions options =
        new ChatCompletionsOptions(messages).setTemperature(r.temperature()).setModel(r.model());
    if (r.maxTokens() != null) {
      options.setMaxTokens(r.maxTokens());
    }
    if (r.responseFormat() != null) {
      options.setResponseFormat(azureResponseFormat(r.responseFormat()));
    }
    return options;
  }

  /** What one Azure attempt came to: the response as recorded, and the answer or the failure. */
  private record Outcome(
      Map<String, Object> response,
      @Nullable ChatResponse chat,
      @Nullable ExternalCallException failure,
      CallRecord.@Nullable Telemetry telemetry) {}

  private ChatResponse chatAzure(ChatRequest r, CallSink sink) throws ExternalCallException {
    Map<String, Object> request = requestRecord(r);
    CallRecord.Telemetry requested =
        new CallRecord.Telemetry(provider, null, r.model(), null, null, null);
    int index = sink.nextCallIndex();
    long started = System.nanoTime();
    ReplaySource replay = sink.replay();
    if (replay != null) {
      return replayedAzure(replay, r, request, requested, index, started, sink);
    }
    Response<BinaryData> answer;
    byte[] bytes;
    try {
      // The protocol method hands back the body as received; the convenience method
      // (getChatCompletions) dereferences it blindly, so an empty 200 was a NullPointerException
      // with no call record.
      answer =
          Objects.requireNonNull(azure, "an azure client has its OpenAI client")
              .getChatCompletionsWithResponse(
                  deployment, BinaryData.fromObject(azureOptions(r)), new RequestOptions());
      BinaryData value = answer.getValue();
      bytes = value == null ? new byte[0] : value.toBytes();
    } catch (RuntimeException e) {
      ExternalCallException failure = classify(e, urls);
      CallAudit.record(
          sink,
          index,
          "llm",
          CallAudit.ERROR,
          request,
          errorResponse(e),
          failure.toError(),
          CallAudit.millisSince(started),
          requested);
      throw failure;
    }
    double latency = CallAudit.millisSince(started);
    int status = answer.getStatusCode();
    Map<String, Object> received = new LinkedHashMap<>();
    received.put("status_code", status);
    received.put("body_size", bytes.length);
    received.put(
        "body",
        AuditedHttpClient.body(
            bytes,
            String.valueOf(answer.getHeaders().getValue(HttpHeaderName.CONTENT_TYPE))
                .toLowerCase(Locale.ROOT)));
    Outcome outcome;
    try {
      outcome = readAzure(r, status, bytes, received);
    } catch (RuntimeException e) {
      outcome =
          new Outcome(
              received,
              null,
              new ExternalCallException(
                  ExternalCallException.Kind.INVALID_RESPONSE,
                  "unreadable response: " + e.getClass().getSimpleName(),
                  status),
              null);
    }
    CallAudit.record(
        sink,
        index,
        "llm",
        outcome.failure() == null ? CallAudit.SUCCESS : CallAudit.ERROR,
        request,
        outcome.response(),
        outcome.failure() == null ? null : outcome.failure().toError(),
        latency,
        outcome.telemetry() == null ? requested : outcome.telemetry());
    if (outcome.failure() != null) {
      throw outcome.failure();
    }
    return Objects.requireNonNull(outcome.chat(), "an outcome without a failure has its answer");
  }

  /**
   * A call of a replay run: the recorded answer to the same request, recorded again with the same
   * request and response (so the same hashes), and no byte on the network.
   */
  @SuppressWarnings("unchecked")
  private ChatResponse replayedAzure(
      ReplaySource source,
      ChatRequest r,
      Map<String, Object> request,
      CallRecord.Telemetry requested,
      int index,
      long started,
      CallSink sink)
      throws ExternalCallException {
    CallReplayer.Answer recorded = CallReplayer.of(source).answer("llm", request);
    double latency = CallAudit.millisSince(started);
    Map<String, Object> response = recorded.response();
    if (!recorded.failed() && response != null && response.get("content") instanceof String c) {
      String model = response.get("model") instanceof String m ? m : r.model();
      Map<String, Object> usage =
          response.get("usage") instanceof Map<?, ?> u
              ? new LinkedHashMap<>((Map<String, Object>) u)
              : new LinkedHashMap<>();
      CallRecord.Telemetry details =
          new CallRecord.Telemetry(
              provider,
              null,
              r.model(),
              model,
              usage.get("prompt_tokens") instanceof Number p ? p.longValue() : null,
              usage.get("completion_tokens") instanceof Number n ? n.longValue() : null);
      CallAudit.record(
          sink, index, "llm", CallAudit.SUCCESS, request, response, null, latency, details);
      return new ChatResponse(c, model, usage);
    }
    Map<String, Object> error =
        recorded.error() != null
            ? recorded.error()
            : Map.of(
                "type",
                ExternalCallException.Kind.INVALID_RESPONSE.type(),
                "message",
                "the recorded call has no answer");
    CallAudit.record(
        sink, index, "llm", CallAudit.ERROR, request, response, error, latency, requested);
    throw ReplayedFailures.exception(error, null);
  }

  /** Reads a 2xx answer; anything but a chat completion with content is a failed outcome. */
  private Outcome readAzure(ChatRequest r, int status, byte[] bytes, Map<String, Object> received) {
    if (bytes.length == 0) {
      return new Outcome(
          received,
          null,
          new ExternalCallException(
              ExternalCallException.Kind.INVALID_RESPONSE, "empty response body", status),
          null);
    }
    ChatCompletions completions;
    try (JsonReader reader = JsonProviders.createReader(bytes)) {
      completions = ChatCompletions.fromJson(reader);
    } catch (IOException | RuntimeException e) {
      completions = null;
    }
    if (completions == null) {
      return new Outcome(
          received,
          null,
          new ExternalCallException(
              ExternalCallException.Kind.INVALID_RESPONSE,
              "response is not a chat completion",
              status),
          null);
    }
    Map<String, Object> usage = usage(completions.getUsage());
    Object raw = received.get("body");
    if (!(raw instanceof Map<?, ?>) || AuditedHttpClient.isUnparsedJson(raw)) {
      try {
        raw = CanonicalJson.parse(completions.toJsonString());
      } catch (IOException | RuntimeException e) {
        raw = Map.of("_serialization_failed", e.getClass().getSimpleName());
      }
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
        problem = "LLM returned null content (finish_reason " + first.getFinishReason() + ")";
      }
    }
    String model = completions.getModel() == null ? r.model() : completions.getModel();
    Map<String, Object> response = new LinkedHashMap<>();
    response.put("content", content);
    response.put("model", model);
    response.put("usage", usage);
    response.put("raw_response", raw);
    CallRecord.Telemetry details = llmDetails(r, model, completions.getUsage());
    if (problem != null) {
      ExternalCallException.Kind kind =
          choices == null || choices.isEmpty()
              ? ExternalCallException.Kind.INVALID_RESPONSE
              : ExternalCallException.Kind.CONTENT_POLICY;
      return new Outcome(response, null, new ExternalCallException(kind, problem, null), details);
    }
    return new Outcome(
        response,
        new ChatResponse(
            Objects.requireNonNull(content, "content without a problem"), model, usage),
        null,
        details);
  }

  /** What an error status brought: {@code {status_code, body_size?, body?}}; null without one. */
  private static @Nullable Map<String, Object> errorResponse(RuntimeException e) {
    if (!(e instanceof HttpResponseException h) || h.getResponse() == null) {
      return null;
    }
    Map<String, Object> response = new LinkedHashMap<>();
    response.put("status_code", h.getResponse().getStatusCode());
    byte[] bytes = null;
    try {
      BinaryData body = h.getResponse().getBodyAsBinaryData();
      bytes = body == null ? null : body.toBytes();
    } catch (RuntimeException unreadable) {
      // Already consumed by the SDK: the value it read, if any, is below.
    }
    if (bytes == null && h.getValue() instanceof BinaryData value) {
      bytes = value.toBytes();
    } else if (bytes == null && h.getValue() instanceof String text) {
      bytes = text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }
    if (bytes != null) {
      response.put("body_size", bytes.length);
      response.put(
          "body",
          AuditedHttpClient.body(
              bytes,
              String.valueOf(h.getResponse().getHeaderValue(HttpHeaderName.CONTENT_TYPE))
                  .toLowerCase(Locale.ROOT)));
    }
    return response;
  }

  /** Model and token counts for the call's telemetry (ELSPETH's TokenUsage: prompt/completion). */
  private CallRecord.Telemetry llmDetails(
      ChatRequest r, String model, @Nullable CompletionsUsage u) {
    return new CallRecord.Telemetry(
        provider,
        null,
        r.model(),
        model,
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
    return classify(e, UrlRedactor.masking());
  }

  /** As above, any URL in the message redacted by {@code urls}. */
  static ExternalCallException classify(RuntimeException e, UrlRedactor urls) {
    ExternalCallException c = classifyRaw(e);
    String redacted = urls.text(c.getMessage());
    return redacted == null || redacted.equals(c.getMessage())
        ? c
        : new ExternalCallException(c.kind(), redacted, c.statusCode())
            .withRetryAfter(c.retryAfter());
  }

  private static ExternalCallException classifyRaw(RuntimeException e) {
    if (e instanceof HttpResponseException h && h.getResponse() != null) {
      int status = h.getResponse().getStatusCode();
      String m = String.valueOf(h.getMessage()).toLowerCase(Locale.ROOT);
      ExternalCallException.Kind kind = ExternalCallException.forStatus(status);
      if (status == 400
          && (m.contains("content_filter")
              || m.contains("content management")
              || m.contains("responsibleaipolicyviolation"))) {
        kind = ExternalCallException.Kind.CONTENT_POLICY;
      } else if (status == 400 && (m.contains("context_length") || m.contains("maximum context"))) {
        kind = ExternalCallException.Kind.CONTEXT_LENGTH;
      }
      return new ExternalCallException(
              kind, "HTTP " + status + ": " + firstLine(h.getMessage()), status)
          .withRetryAfter(
              RetryPolicy.retryAfter(
                  h.getResponse()
                      .getHeaders()
                      .getValue(HttpHeaderName.fromString("retry-after-ms")),
                  h.getResponse().getHeaders().getValue(HttpHeaderName.RETRY_AFTER),
                  java.time.Instant.now()));
    }
    for (Throwable t = e; t != null; t = t.getCause()) {
      String name = t.getClass().getName();
      if (name.contains("Json") || name.contains("Deserializ")) {
        return new ExternalCallException(
            ExternalCallException.Kind.INVALID_RESPONSE,
            "unreadable response: " + t.getClass().getSimpleName(),
            null);
      }
      if (t instanceof IOException || t instanceof TimeoutException) {
        return new ExternalCallException(
            ExternalCallException.Kind.NETWORK,
            t.getClass().getSimpleName() + ": " + firstLine(t.getMessage()),
            null);
      }
    }
    return new ExternalCallException(
        ExternalCallException.Kind.CLIENT,
        e.getClass().getSimpleName() + ": " + firstLine(e.getMessage()),
        null);
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
    if (r.responseFormat() != null) {
      body.put("response_format", r.responseFormat());
    }
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("Authorization", "Bearer " + apiKey);
    headers.put("Content-Type", "application/json");
    return Objects.requireNonNull(http, "an openrouter client has its HTTP client")
        .post(
            Objects.requireNonNull(chatUrl, "an openrouter client has its chat URL"),
            headers,
            body,
            timeout,
            sink,
            answer -> readOpenRouter(r, answer));
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
    if (http != null) {
      http.close();
    }
  }
}
