package io.elspeth.connectors.client;

import io.elspeth.audit.secrets.SecretFingerprinter;
import io.elspeth.audit.secrets.UrlRedactor;
import io.elspeth.connectors.replay.CallReplayer;
import io.elspeth.connectors.replay.ReplaySource;
import java.io.Serializable;
import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * An Azure AI Search client whose every search is one audited call (ELSPETH's {@code
 * AzureSearchProvider}, which posts through its {@code AuditedHTTPClient}): the request goes
 * through the Azure SDK ({@code com.azure:azure-search-documents}, {@link SearchTransport}) with
 * the SDK's own retries off (every attempt must be recorded; {@link CallRetrier} retries), and is
 * recorded as call type {@code http}: request {@code {method, url, headers, json}} with the {@code
 * api-key} fingerprinted, response {@code {status_code, body_size, body}} as received.
 *
 * <p>The body is ELSPETH's: {@code top}; {@code search} for keyword and hybrid; {@code
 * vectorQueries: [{kind: text, text, fields, k}]} for vector and hybrid (the service embeds the
 * text with the index's vectorizer); {@code search}, {@code queryType: semantic} and {@code
 * semanticConfiguration} for semantic. Scores ({@code @search.score}) are normalised to 0–1 by the
 * mode's range (keyword and hybrid 0–50, vector 0–1, semantic 0–4) and clamped; results under
 * {@code min_score} are dropped; a result without a numeric score, content or id is skipped (and
 * returned as skipped, "record what we didn't get"); a non-finite score, a body that is not JSON or
 * lacks {@code value} fails the call. 401/403 and other 4xx fail for good; 429, 5xx and network
 * failures are retryable, within the run's {@code retry.max_attempts} (429 and 503 too: ELSPETH has
 * no capacity pool for retrieval). Build it in {@code @Setup}; thread-safe.
 */
public final class AuditedSearchClient implements AutoCloseable {
  /** ELSPETH's search modes, each with the range its scores are normalised from. */
  public enum Mode {
    VECTOR(0.0, 1.0),
    KEYWORD(0.0, 50.0),
    HYBRID(0.0, 50.0),
    SEMANTIC(0.0, 4.0);

    final double min;
    final double max;

    Mode(double min, double max) {
      this.min = min;
      this.max = max;
    }

    /** The mode named in settings ({@code vector}, {@code keyword}, ...), or null. */
    public static @Nullable Mode named(String name) {
      for (Mode m : values()) {
        if (m.name().toLowerCase(Locale.ROOT).equals(name)) {
          return m;
        }
      }
      return null;
    }

    /** The settings name. */
    public String wire() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /**
   * ELSPETH's {@code AzureSearchProviderConfig}: {@code endpoint} (https), {@code index}, exactly
   * one of {@code apiKey} and {@code useManagedIdentity}, {@code apiVersion} (default 2024-07-01),
   * {@code mode} (default hybrid), {@code timeout} (default 30 s), {@code vectorField} (default
   * contentVector), {@code semanticConfig} (required for semantic).
   */
  public record Settings(
      String endpoint,
      String index,
      @Nullable String apiKey,
      boolean useManagedIdentity,
      String apiVersion,
      Mode mode,
      Duration timeout,
      String vectorField,
      @Nullable String semanticConfig)
      implements Serializable {
    public static final String DEFAULT_API_VERSION = "2024-07-01";
    public static final String DEFAULT_VECTOR_FIELD = "contentVector";
    public static final double DEFAULT_TIMEOUT_SECONDS = 30.0;

    /** The keys of {@code provider_config} for this provider. */
    public static final List<String> KEYS =
        List.of(
            "endpoint",
            "index",
            "api_key",
            "use_managed_identity",
            "api_version",
            "search_mode",
            "request_timeout",
            "vector_field",
            "semantic_config");

    /**
     * Reads {@code provider_config}; each problem goes to {@code problems} as {@code
     * provider_config.<key>: ...} (never with the key's value when it is the api key) and the
     * result is null when there is any.
     */
    public static @Nullable Settings parse(Map<String, Object> config, List<String> problems) {
      return SearchSettingsParser.parse(config, problems);
    }

    /** The service endpoint without a trailing slash. */
    String base() {
      return endpoint.endsWith("/") ? endpoint.substring(0, endpoint.length() - 1) : endpoint;
    }

    @Override
    public String toString() {
      // A record's toString would print the key.
      return "Settings[endpoint=" + endpoint + ", index=" + index + ", mode=" + mode.wire() + "]";
    }
  }

  /** One retrieved chunk: content, score normalised to 0–1, source id, the rest of the document. */
  public record Chunk(String content, double score, String sourceId, Map<String, Object> metadata) {
    public Chunk {
      if (!(score >= 0.0 && score <= 1.0)) {
        throw new IllegalStateException("a chunk's score is normalised to [0, 1], got " + score);
      }
      metadata = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
    }
  }

  /** What one search brought: the chunks, best first, and the results skipped as unusable. */
  public record Result(List<Chunk> chunks, List<Map<String, Object>> skipped) {
    public Result {
      chunks = List.copyOf(chunks);
      skipped = List.copyOf(skipped);
    }
  }

  private final Settings settings;
  private final SearchTransport transport;
  private final SecretFingerprinter fingerprinter;
  private final UrlRedactor urls;
  private final SearchResultReader reader;

  private AuditedSearchClient(
      Settings settings,
      SearchTransport transport,
      SecretFingerprinter fingerprinter,
      UrlRedactor urls) {
    this.settings = settings;
    this.transport = transport;
    this.fingerprinter = fingerprinter;
    this.urls = urls;
    this.reader = new SearchResultReader(settings);
  }

  /**
   * A client of one index through the Azure SDK's default HTTP client, which checks the endpoint's
   * certificate against the JVM's trust store; {@code secretUrlParams}: the run's extra credential
   * URL parameter names.
   */
  public static AuditedSearchClient create(Settings settings, Collection<String> secretUrlParams) {
    return create(settings, secretUrlParams, null);
  }

  /** As above, sending through {@code httpClient} (null: the SDK's default). */
  public static AuditedSearchClient create(
      Settings settings,
      Collection<String> secretUrlParams,
      com.azure.core.http.@Nullable HttpClient httpClient) {
    SecretFingerprinter fingerprinter = SecretFingerprinter.fromEnvironment();
    return new AuditedSearchClient(
        settings,
        SearchTransport.open(settings, httpClient),
        fingerprinter,
        new UrlRedactor(fingerprinter, secretUrlParams));
  }

  public Settings settings() {
    return settings;
  }

  /** How this client redacts URLs, for messages of the caller's own. */
  public UrlRedactor urls() {
    return urls;
  }

  /** The request body ELSPETH's provider sends for {@code query}. */
  public Map<String, Object> requestBody(String query, int topK) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("top", topK);
    Mode mode = settings.mode();
    if (mode == Mode.KEYWORD || mode == Mode.HYBRID) {
      body.put("search", query);
    }
    if (mode == Mode.VECTOR || mode == Mode.HYBRID) {
      Map<String, Object> vector = new LinkedHashMap<>();
      vector.put("kind", "text");
      vector.put("text", query);
      vector.put("fields", settings.vectorField());
      vector.put("k", topK);
      body.put("vectorQueries", List.of(vector));
    }
    if (mode == Mode.SEMANTIC) {
      body.put("search", query);
      body.put("queryType", "semantic");
      body.put("semanticConfiguration", settings.semanticConfig());
    }
    return body;
  }

  /**
   * One attempt: searches for {@code query}, records the call under {@code sink}'s state, and
   * returns the chunks scoring at least {@code minScore}, best first.
   */
  public Result search(String query, int topK, double minScore, CallSink sink)
      throws ExternalCallException {
    Map<String, Object> body = requestBody(query, topK);
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("Content-Type", "application/json");
    if (settings.apiKey() != null) {
      headers.put("api-key", settings.apiKey());
    }
    Map<String, Object> request = new LinkedHashMap<>();
    request.put("method", "POST");
    request.put("url", urls.url(transport.searchUrl()));
    request.put("headers", SensitiveHeaders.request(headers, fingerprinter));
    request.put("json", body);
    int index = sink.nextCallIndex();
    long started = System.nanoTime();
    ReplaySource replay = sink.replay();
    SearchTransport.Exchange answer;
    if (replay != null) {
      answer = replayed(replay, request, index, started, sink);
    } else {
      try {
        answer = transport.post(settings, query, topK);
      } catch (ExternalCallException e) {
        ExternalCallException failure = redacted(e);
        CallAudit.record(
            sink,
            index,
            "http",
            CallAudit.ERROR,
            request,
            null,
            failure.toError(),
            CallAudit.millisSince(started));
        throw failure;
      }
    }
    double latency = CallAudit.millisSince(started);
    Map<String, Object> response = new LinkedHashMap<>();
    response.put("status_code", answer.status());
    response.put("body_size", answer.body().length);
    response.put("body", AuditedHttpClient.body(answer.body(), answer.contentType()));
    if (answer.status() < 200 || answer.status() >= 300) {
      ExternalCallException failure = statusFailure(answer.status(), answer.retryAfter());
      CallAudit.record(
          sink, index, "http", CallAudit.ERROR, request, response, failure.toError(), latency);
      throw failure;
    }
    Result result;
    try {
      result = reader.read(response.get("body"), minScore, answer.status());
    } catch (ExternalCallException e) {
      CallAudit.record(
          sink, index, "http", CallAudit.ERROR, request, response, e.toError(), latency);
      throw e;
    } catch (RuntimeException e) {
      ExternalCallException failure =
          new ExternalCallException(
              ExternalCallException.Kind.INVALID_RESPONSE,
              "unreadable response: " + e.getClass().getSimpleName(),
              answer.status());
      CallAudit.record(
          sink, index, "http", CallAudit.ERROR, request, response, failure.toError(), latency);
      throw failure;
    }
    CallAudit.record(sink, index, "http", CallAudit.SUCCESS, request, response, null, latency);
    return result;
  }

  /**
   * A call of a replay run: the recorded answer to the same request, read as a live one would be. A
   * recorded attempt that got no answer is recorded and thrown as it was.
   */
  private SearchTransport.Exchange replayed(
      ReplaySource source, Map<String, Object> request, int index, long started, CallSink sink)
      throws ExternalCallException {
    CallReplayer.Answer recorded = CallReplayer.of(source).answer("http", request);
    Map<String, Object> response = recorded.response();
    if (response == null || !(response.get("status_code") instanceof Number status)) {
      Map<String, Object> error =
          recorded.error() != null
              ? recorded.error()
              : Map.of("type", "NetworkError", "message", "no response recorded");
      CallAudit.record(
          sink,
          index,
          "http",
          CallAudit.ERROR,
          request,
          response,
          error,
          CallAudit.millisSince(started));
      throw ReplayedFailures.exception(error, null);
    }
    Object body = response.get("body");
    return new SearchTransport.Exchange(
        status.intValue(),
        body instanceof Map<?, ?> || body instanceof List<?> ? "application/json" : "text/plain",
        ReplayedFailures.bytesOf(body),
        null);
  }

  private static ExternalCallException statusFailure(int status, @Nullable Duration retryAfter) {
    String message =
        status == 401 || status == 403
            ? "authentication failed: HTTP " + status
            : status == 429
                ? "rate limited by Azure AI Search: HTTP 429"
                : status >= 500
                    ? "Azure AI Search server error: HTTP " + status
                    : "Azure AI Search client error: HTTP " + status;
    ExternalCallException.Kind kind = ExternalCallException.forStatus(status);
    // ELSPETH's engine retries a retryable retrieval error up to retry.max_attempts; it has no
    // capacity pool, so 429 and 503 are not retried for max_capacity_retry_seconds here either.
    if (kind == ExternalCallException.Kind.RATE_LIMIT
        || kind == ExternalCallException.Kind.SERVICE_UNAVAILABLE) {
      kind = ExternalCallException.Kind.SERVER;
    }
    return new ExternalCallException(kind, message, status).withRetryAfter(retryAfter);
  }

  private ExternalCallException redacted(ExternalCallException e) {
    String m = urls.text(e.getMessage());
    return m == null || m.equals(e.getMessage())
        ? e
        : new ExternalCallException(e.kind(), m, e.statusCode()).withRetryAfter(e.retryAfter());
  }

  @Override
  public void close() {
    // The SDK's JDK HTTP client holds daemon threads only.
  }
}
