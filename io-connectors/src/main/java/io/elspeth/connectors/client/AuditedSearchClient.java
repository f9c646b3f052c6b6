package io.elspeth.connectors.client;

import io.elspeth.audit.secrets.SecretFingerprinter;
import io.elspeth.audit.secrets.UrlRedactor;
import io.elspeth.connectors.replay.CallReplayer;
import io.elspeth.connectors.replay.ReplaySource;
import java.io.Serializable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;
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
  private static final Pattern INDEX = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9_-]*");
  private static final Pattern API_VERSION = Pattern.compile("\\d{4}-\\d{2}-\\d{2}(-preview)?");

  /** ELSPETH's search modes, each with the range its scores are normalised from. */
  public enum Mode {
    VECTOR(0.0, 1.0),
    KEYWORD(0.0, 50.0),
    HYBRID(0.0, 50.0),
    SEMANTIC(0.0, 4.0);

    private final double min;
    private final double max;

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
      int before = problems.size();
      for (String key : config.keySet()) {
        if (!KEYS.contains(key)) {
          problems.add(
              "provider_config."
                  + key
                  + ": unknown key for provider 'azure_search' (expected one of "
                  + String.join(", ", KEYS)
                  + ")");
        }
      }
      String endpoint = text(config, "endpoint", true, problems);
      if (endpoint != null) {
        java.net.URI uri = null;
        try {
          uri = java.net.URI.create(endpoint);
        } catch (IllegalArgumentException e) {
          problems.add("provider_config.endpoint: not a URL: " + endpoint);
        }
        if (uri != null && !"https".equalsIgnoreCase(uri.getScheme())) {
          problems.add(
              "provider_config.endpoint: must use https, got "
                  + (uri.getScheme() == null ? "no scheme" : "'" + uri.getScheme() + "'"));
        } else if (uri != null && (uri.getHost() == null || uri.getHost().isEmpty())) {
          problems.add("provider_config.endpoint: must have a host name, got " + endpoint);
        }
      }
      String index = text(config, "index", true, problems);
      if (index != null && !INDEX.matcher(index).matches()) {
        problems.add(
            "provider_config.index: letters, digits, '-' and '_' only, starting with a letter or"
                + " digit, got '"
                + index
                + "'");
      }
      String apiKey = text(config, "api_key", false, problems);
      if (apiKey != null && (apiKey.indexOf('\r') >= 0 || apiKey.indexOf('\n') >= 0)) {
        problems.add("provider_config.api_key: must not contain line breaks");
      } else if (apiKey != null && apiKey.indexOf('\0') >= 0) {
        problems.add("provider_config.api_key: must not contain null bytes");
      } else if (apiKey != null && apiKey.length() > 256) {
        problems.add(
            "provider_config.api_key: longer than 256 characters (" + apiKey.length() + ")");
      }
      boolean managed = false;
      Object mi = config.get("use_managed_identity");
      if (mi != null && !(mi instanceof Boolean)) {
        problems.add("provider_config.use_managed_identity: expected true or false, got " + mi);
      } else if (mi != null) {
        managed = (Boolean) mi;
      }
      boolean hasKey = apiKey != null && !apiKey.isEmpty();
      if (!hasKey && !managed) {
        problems.add("provider_config.api_key: give either api_key or use_managed_identity: true");
      } else if (hasKey && managed) {
        problems.add(
            "provider_config.use_managed_identity: give only one of api_key and"
                + " use_managed_identity: true");
      }
      String apiVersion = text(config, "api_version", false, problems);
      if (apiVersion != null && !API_VERSION.matcher(apiVersion).matches()) {
        problems.add(
            "provider_config.api_version: expected YYYY-MM-DD or YYYY-MM-DD-preview, got '"
                + apiVersion
                + "'");
      }
      String modeName = text(config, "search_mode", false, problems);
      Mode mode = modeName == null ? Mode.HYBRID : Mode.named(modeName);
      if (mode == null) {
        problems.add(
            "provider_config.search_mode: expected one of vector, keyword, hybrid, semantic, got '"
                + modeName
                + "'");
      }
      double timeout = DEFAULT_TIMEOUT_SECONDS;
      Object t = config.get("request_timeout");
      if (t != null) {
        if (!(t instanceof Number n) || !(n.doubleValue() > 0) || n.doubleValue() > 3600) {
          problems.add(
              "provider_config.request_timeout: expected a positive number of seconds, got " + t);
        } else {
          timeout = n.doubleValue();
        }
      }
      String vectorField = text(config, "vector_field", false, problems);
      String semantic = text(config, "semantic_config", false, problems);
      if (mode == Mode.SEMANTIC && (semantic == null || semantic.isEmpty())) {
        problems.add(
            "provider_config.semantic_config: required when search_mode is semantic (the name of"
                + " the index's semantic configuration)");
      }
      if (problems.size() > before) {
        return null;
      }
      return new Settings(
          Objects.requireNonNull(endpoint, "validated"),
          Objects.requireNonNull(index, "validated"),
          hasKey ? apiKey : null,
          managed,
          apiVersion == null ? DEFAULT_API_VERSION : apiVersion,
          Objects.requireNonNull(mode, "validated"),
          Duration.ofMillis(Math.round(timeout * 1000)),
          vectorField == null ? DEFAULT_VECTOR_FIELD : vectorField,
          semantic);
    }

    private static @Nullable String text(
        Map<String, Object> config, String key, boolean required, List<String> problems) {
      Object v = config.get(key);
      if (v == null) {
        if (required) {
          problems.add("provider_config." + key + ": required");
        }
        return null;
      }
      if (!(v instanceof String s)) {
        problems.add(
            "provider_config."
                + key
                + ": expected a string"
                + (key.equals("api_key") ? "" : ", got " + v));
        return null;
      }
      return s;
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

  private AuditedSearchClient(
      Settings settings,
      SearchTransport transport,
      SecretFingerprinter fingerprinter,
      UrlRedactor urls) {
    this.settings = settings;
    this.transport = transport;
    this.fingerprinter = fingerprinter;
    this.urls = urls;
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
      result = read(response.get("body"), minScore, answer.status());
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

  /** Reads a 2xx body into chunks, ELSPETH's way. */
  Result read(@Nullable Object body, double minScore, int status) throws ExternalCallException {
    if (!(body instanceof Map<?, ?> json) || AuditedHttpClient.isUnparsedJson(body)) {
      throw new ExternalCallException(
          ExternalCallException.Kind.INVALID_RESPONSE,
          "malformed JSON response from Azure AI Search",
          status);
    }
    if (!(json.get("value") instanceof List<?> items)) {
      throw new ExternalCallException(
          ExternalCallException.Kind.INVALID_RESPONSE,
          "Azure AI Search response missing 'value' array",
          status);
    }
    List<Chunk> chunks = new ArrayList<>();
    List<Map<String, Object>> skipped = new ArrayList<>();
    for (Object o : items) {
      if (!(o instanceof Map<?, ?> item)) {
        skipped.add(skip("not_an_object", null));
        continue;
      }
      Object raw = item.get("@search.score");
      if (raw == null) {
        skipped.add(skip("missing_score", item.get("id")));
        continue;
      }
      if (!(raw instanceof Number n)) {
        Map<String, Object> s = skip("invalid_score_type", item.get("id"));
        s.put("type", raw.getClass().getSimpleName());
        skipped.add(s);
        continue;
      }
      double score = normalize(n.doubleValue(), status);
      if (score < minScore) {
        continue;
      }
      Object content = item.get("content");
      if (content == null) {
        skipped.add(skip("missing_content", item.get("id")));
        continue;
      }
      if (!(content instanceof String text)) {
        skipped.add(skip("invalid_content_type", item.get("id")));
        continue;
      }
      if (text.isEmpty()) {
        skipped.add(skip("empty_content", item.get("id")));
        continue;
      }
      Object id = item.get("id");
      if (id == null || id instanceof String s && s.isEmpty()) {
        id = item.get("@search.documentId");
      }
      if (id == null) {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("reason", "missing_id");
        s.put("keys", item.keySet().stream().map(String::valueOf).toList());
        skipped.add(s);
        continue;
      }
      Map<String, Object> metadata = new LinkedHashMap<>();
      item.forEach(
          (k, v) -> {
            String key = String.valueOf(k);
            if (!key.equals("@search.score") && !key.equals("content") && !key.equals("id")) {
              metadata.put(key, v);
            }
          });
      chunks.add(new Chunk(text, score, String.valueOf(id), metadata));
    }
    // Stable: equal scores keep the service's order, as Python's sort does.
    chunks.sort(Comparator.comparingDouble(Chunk::score).reversed());
    return new Result(chunks, skipped);
  }

  private double normalize(double raw, int status) throws ExternalCallException {
    if (!Double.isFinite(raw)) {
      throw new ExternalCallException(
          ExternalCallException.Kind.INVALID_RESPONSE,
          "Azure AI Search returned a non-finite score: " + raw,
          status);
    }
    Mode m = settings.mode();
    double normalized = (raw - m.min) / (m.max - m.min);
    return Math.max(0.0, Math.min(1.0, normalized));
  }

  private static Map<String, Object> skip(String reason, @Nullable Object id) {
    Map<String, Object> s = new LinkedHashMap<>();
    s.put("reason", reason);
    s.put("id", id);
    return s;
  }

  @Override
  public void close() {
    // The SDK's JDK HTTP client holds daemon threads only.
  }
}
