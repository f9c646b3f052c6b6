package io.elspeth.transforms.llm;

import io.elspeth.connectors.client.AuditedHttpClient;
import io.elspeth.connectors.client.CallRetrier;
import io.elspeth.connectors.client.CallSink;
import io.elspeth.connectors.client.ClientSettings;
import io.elspeth.connectors.client.ExternalCallException;
import io.elspeth.connectors.client.PoolSettings;
import java.io.Serializable;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The four requests of the Azure OpenAI Batch API that {@link AzureBatchLlmTransform} makes, each
 * an audited, retried {@code http} call: {@code files.create}, {@code batches.create}, {@code
 * batches.retrieve} and {@code files.content}. Kept apart from the transform so that the job's flow
 * (submit, poll, join) reads without URLs, headers and answer checks.
 */
final class AzureBatchApi implements Serializable {
  private static final long serialVersionUID = 1L;

  private final LlmEndpoint endpoint;
  private final Duration timeout;
  private final CallRetrier retrier;
  private final List<String> secretUrlParams;
  private transient @Nullable AuditedHttpClient http;

  AzureBatchApi(LlmEndpoint endpoint, double timeoutSeconds, ClientSettings client) {
    this.endpoint = endpoint;
    this.timeout = Duration.ofMillis(Math.round(timeoutSeconds * 1000));
    this.secretUrlParams = client.secretUrlParams();
    this.retrier =
        new CallRetrier(client, new PoolSettings(1, 0, 5000, 2.0, 50, 3600), endpoint.service());
  }

  /** Opens the HTTP client; called once per instance before any request. */
  void setup() {
    http = AuditedHttpClient.create(Duration.ofSeconds(30), secretUrlParams);
  }

  /** {@code files.create}: uploads a JSONL request file; returns its file id. */
  String uploadFile(String fileName, byte[] file, CallSink calls) throws ExternalCallException {
    AuditedHttpClient.Response uploaded =
        retrier.callOrFail(
            () ->
                http()
                    .postMultipart(
                        url("/openai/files"),
                        headers(false),
                        Map.of("purpose", "batch"),
                        "file",
                        fileName,
                        file,
                        timeout,
                        calls));
    return text(uploaded.body(), "id", "files.create");
  }

  /** {@code batches.create}: submits the uploaded file as a job; returns the batch id. */
  String createBatch(String fileId, String chatUrl, CallSink calls) throws ExternalCallException {
    Map<String, Object> create = new LinkedHashMap<>();
    create.put("input_file_id", fileId);
    create.put("endpoint", chatUrl);
    create.put("completion_window", "24h");
    AuditedHttpClient.Response created =
        retrier.callOrFail(
            () -> http().post(url("/openai/batches"), headers(true), create, timeout, calls));
    return text(created.body(), "id", "batches.create");
  }

  /** {@code batches.retrieve}: the job as the service describes it now. */
  Map<String, Object> retrieve(String batchId, CallSink calls) throws ExternalCallException {
    AuditedHttpClient.Response polled =
        retrier.callOrFail(
            () ->
                http()
                    .get(
                        url("/openai/batches/" + encode(batchId)),
                        headers(false),
                        timeout,
                        calls,
                        false));
    return object(polled.body(), "batches.retrieve");
  }

  /** {@code files.content}: an output or error file, as text. */
  String download(String fileId, CallSink calls) throws ExternalCallException {
    AuditedHttpClient.Response content =
        retrier.callOrFail(
            () ->
                http()
                    .get(
                        url("/openai/files/" + encode(fileId) + "/content"),
                        headers(false),
                        timeout,
                        calls,
                        true));
    return new String(content.raw(), StandardCharsets.UTF_8);
  }

  private AuditedHttpClient http() {
    if (http == null) {
      throw new IllegalStateException("setup() was not called");
    }
    return http;
  }

  private String url(String path) {
    String base =
        endpoint.url().endsWith("/")
            ? endpoint.url().substring(0, endpoint.url().length() - 1)
            : endpoint.url();
    return base + path + "?api-version=" + encode(endpoint.apiVersion());
  }

  private Map<String, String> headers(boolean json) {
    Map<String, String> h = new LinkedHashMap<>();
    h.put("api-key", endpoint.apiKey());
    if (json) {
      h.put("Content-Type", "application/json");
    }
    return h;
  }

  private static String encode(@Nullable String s) {
    return URLEncoder.encode(String.valueOf(s), StandardCharsets.UTF_8);
  }

  private static Map<String, Object> object(@Nullable Object body, String operation)
      throws ExternalCallException {
    if (body instanceof Map<?, ?> m && !AuditedHttpClient.isUnparsedJson(body)) {
      return AzureBatchResults.cast(m);
    }
    throw new ExternalCallException(
        ExternalCallException.Kind.INVALID_RESPONSE,
        operation + " answered a body that is not a JSON object",
        null);
  }

  private static String text(@Nullable Object body, String key, String operation)
      throws ExternalCallException {
    Object v = object(body, operation).get(key);
    if (!(v instanceof String s) || s.isBlank()) {
      throw new ExternalCallException(
          ExternalCallException.Kind.INVALID_RESPONSE,
          operation + " answered no '" + key + "'",
          null);
    }
    return s;
  }
}
