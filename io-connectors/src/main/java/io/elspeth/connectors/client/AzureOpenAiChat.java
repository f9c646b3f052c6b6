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
import io.elspeth.connectors.client.AuditedLlmClient.ChatRequest;
import io.elspeth.connectors.client.AuditedLlmClient.ChatResponse;
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
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The Azure OpenAI back end of {@link AuditedLlmClient}: the Azure OpenAI SDK with an API key
 * credential, its own retries off (every attempt must be recorded, so {@link CallRetrier} retries),
 * called through its protocol method so the answer is read here, as received. Each attempt is
 * recorded as call type {@code llm}.
 */
final class AzureOpenAiChat implements LlmChatBackend {
  private static final String PROVIDER = "azure";

  private final OpenAIClient azure;
  private final String deployment;
  private final UrlRedactor urls;

  private AzureOpenAiChat(OpenAIClient azure, String deployment, UrlRedactor urls) {
    this.azure = azure;
    this.deployment = deployment;
    this.urls = urls;
  }

  /**
   * A client for one deployment. The Azure SDK accepts key credentials over HTTPS only; the
   * endpoint's certificate is checked against the JVM's trust store.
   */
  static AzureOpenAiChat create(
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
    return new AzureOpenAiChat(
        client,
        deployment,
        new UrlRedactor(SecretFingerprinter.fromEnvironment(), secretUrlParams));
  }

  @Override
  public String provider() {
    return PROVIDER;
  }

  private Map<String, Object> requestRecord(ChatRequest r) {
    Map<String, Object> rec = new LinkedHashMap<>();
    rec.put("model", r.model());
    rec.put("messages", r.messages());
    rec.put("temperature", r.temperature());
    rec.put("provider", PROVIDER);
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

  @Override
  public ChatResponse chat(ChatRequest r, CallSink sink) throws ExternalCallException {
    Map<String, Object> request = requestRecord(r);
    CallRecord.Telemetry requested =
        new CallRecord.Telemetry(PROVIDER, null, r.model(), null, null, null);
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
          azure.getChatCompletionsWithResponse(
              deployment, BinaryData.fromObject(azureOptions(r)), new RequestOptions());
      BinaryData value = answer.getValue();
      bytes = value == null ? new byte[0] : value.toBytes();
    } catch (RuntimeException e) {
      ExternalCallException failure = AzureSdkFailures.classify(e, urls);
      CallAudit.record(
          sink,
          index,
          "llm",
          CallAudit.ERROR,
          request,
          AzureSdkFailures.errorResponse(e),
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
              PROVIDER,
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

  /** Model and token counts for the call's telemetry (ELSPETH's TokenUsage: prompt/completion). */
  private CallRecord.Telemetry llmDetails(
      ChatRequest r, String model, @Nullable CompletionsUsage u) {
    return new CallRecord.Telemetry(
        PROVIDER,
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

  /** The SDK's client holds nothing that must be closed. */
  @Override
  public void close() {}
}
