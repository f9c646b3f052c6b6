package io.elspeth.telemetry.exporter.azure;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.elspeth.telemetry.event.TelemetryEvent;
import io.elspeth.telemetry.exporter.ExportResult;
import io.elspeth.telemetry.exporter.ExporterOptions;
import io.elspeth.telemetry.exporter.TelemetryExporter;
import io.elspeth.telemetry.exporter.UnfinishedExports;
import io.elspeth.telemetry.span.EventSpans;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPOutputStream;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * {@code azure_monitor}: spans to Application Insights through its ingestion API ({@code POST
 * <IngestionEndpoint>/v2.1/track}, gzip'd JSON lines of telemetry envelopes), the protocol Azure's
 * OpenTelemetry exporter speaks. Each event is an in-process dependency whose operation id is the
 * run's trace id, with the event's fields as properties plus {@code cloud.provider=azure} and
 * {@code elspeth.exporter=azure_monitor}. Options: {@code connection_string} (required;
 * InstrumentationKey and IngestionEndpoint are read from it and it is never logged or put in an
 * event), {@code service_name} (required, the cloud role), {@code service_version}, {@code
 * deployment_environment}, {@code batch_size} (default 100), {@code timeout_ms} (default 10000).
 *
 * <p>Why not the Azure SDK exporter: {@code com.azure:azure-monitor-opentelemetry-exporter}
 * (1.0.0-beta.31) and its successor {@code azure-monitor-opentelemetry-autoconfigure} (1.2.0; the
 * Azure BOM's 1.5.0 is not served) now resolve and converge, but the autoconfigure exporter is
 * reachable only through the SDK autoconfiguration SPI (no public span exporter builder), and it
 * starts its own statsbeat reporting, which queries the Azure instance metadata service
 * (169.254.169.254) and sends to Microsoft's statsbeat endpoint with no switch to turn it off, and
 * keeps failed sends in a local disk folder to retry them later. A pipeline must not send anything
 * but its own telemetry, tests send only on loopback, and the manager needs each failure reported.
 * This class keeps to the SDK's wire format instead.
 */
public final class AzureMonitorExporter implements TelemetryExporter {
  public static final String NAME = "azure_monitor";
  static final Set<String> OPTIONS =
      Set.of(
          "connection_string",
          "service_name",
          "service_version",
          "deployment_environment",
          "batch_size",
          "timeout_ms");
  static final String DEFAULT_INGESTION = "https://dc.services.visualstudio.com/";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Map<String, String> EXTRA =
      Map.of("cloud.provider", "azure", "elspeth.exporter", NAME);

  private final String instrumentationKey;
  private final URI trackUri;
  private final Resource resource;
  private final String serviceName;
  private final int batchSize;
  private final Duration timeout;
  private final HttpClient http;
  private final UnfinishedExports unfinished = new UnfinishedExports();

  /** Set by the first shutdown; its answer is given again to later calls. */
  private @Nullable CompletableFuture<ExportResult> shutdown; // guarded by this

  private AzureMonitorExporter(Config c) {
    this.instrumentationKey = c.instrumentationKey();
    String base =
        c.ingestionEndpoint().endsWith("/") ? c.ingestionEndpoint() : c.ingestionEndpoint() + "/";
    this.trackUri = URI.create(base + "v2.1/track");
    var r = Resource.builder().put("service.name", c.serviceName());
    if (c.serviceVersion() != null) {
      r.put("service.version", c.serviceVersion());
    }
    if (c.environment() != null) {
      r.put("deployment.environment", c.environment());
    }
    this.resource = r.build();
    this.serviceName = c.serviceName();
    this.batchSize = c.batchSize();
    this.timeout = c.timeout();
    this.http = HttpClient.newBuilder().connectTimeout(timeout).build();
  }

  record Config(
      String instrumentationKey,
      String ingestionEndpoint,
      String serviceName,
      @Nullable String serviceVersion,
      @Nullable String environment,
      int batchSize,
      Duration timeout) {}

  static Config parse(ExporterOptions o) {
    String cs = o.string("connection_string", "", true);
    Map<String, String> parts = new LinkedHashMap<>();
    for (String part : cs.split(";")) {
      int eq = part.indexOf('=');
      if (eq > 0) {
        parts.put(
            part.substring(0, eq).trim().toLowerCase(Locale.ROOT), part.substring(eq + 1).trim());
      }
    }
    String key = parts.getOrDefault("instrumentationkey", "");
    if (!cs.isEmpty() && key.isEmpty()) {
      o.problem("connection_string", "has no InstrumentationKey=... part");
    }
    String ingestion = parts.getOrDefault("ingestionendpoint", DEFAULT_INGESTION);
    if (!ingestion.startsWith("http://") && !ingestion.startsWith("https://")) {
      o.problem("connection_string", "IngestionEndpoint must be an http(s) URL");
    }
    String service = o.string("service_name", "elspeth", true);
    String version = o.optionalString("service_version");
    String env = o.optionalString("deployment_environment");
    int batch = o.integer("batch_size", 100, 1, 100_000);
    int timeout = o.integer("timeout_ms", 10_000, 1, 600_000);
    return new Config(key, ingestion, service, version, env, batch, Duration.ofMillis(timeout));
  }

  public static List<String> validate(Map<String, Object> raw) {
    ExporterOptions o = new ExporterOptions(NAME, raw, OPTIONS);
    parse(o);
    return o.problems();
  }

  public static AzureMonitorExporter fromOptions(Map<String, Object> raw) {
    ExporterOptions o = new ExporterOptions(NAME, raw, OPTIONS);
    Config c = parse(o);
    o.check();
    return new AzureMonitorExporter(c);
  }

  @Override
  public String name() {
    return NAME;
  }

  /**
   * Sends the batch in requests of at most {@code batch_size} envelopes, one after another, and
   * returns before the answers: the manager keeps up to {@code max_in_flight} batches waiting on
   * ingestion at once. A failed or unanswered request fails the batch (reported, not retried).
   */
  @Override
  public CompletableFuture<ExportResult> export(List<TelemetryEvent> batch) {
    synchronized (this) {
      if (shutdown != null) {
        return CompletableFuture.completedFuture(
            ExportResult.failure(NAME + ": the exporter is shut down"));
      }
    }
    List<SpanData> spans;
    try {
      spans = EventSpans.toSpans(batch, resource, EventSpans.Style.PLAIN, EXTRA);
    } catch (RuntimeException e) {
      return CompletableFuture.completedFuture(ExportResult.failure(e));
    }
    CompletableFuture<ExportResult> outcome = new CompletableFuture<>();
    sendFrom(spans, 0, outcome);
    // Each request has its own timeout; this bounds a client that never answers.
    int requests = Math.max(1, (spans.size() + batchSize - 1) / batchSize);
    return unfinished.track(
        outcome.completeOnTimeout(
            ExportResult.failure("export timed out after " + timeout.toMillis() + " ms"),
            timeout.toMillis() * requests + 1000,
            TimeUnit.MILLISECONDS));
  }

  /** Completes once every batch handed over so far has been answered (or timed out). */
  @Override
  public CompletableFuture<ExportResult> flush() {
    return unfinished.flush();
  }

  /** Sends the request at {@code from}, then (when it succeeded) the next: in order. */
  private void sendFrom(List<SpanData> spans, int from, CompletableFuture<ExportResult> outcome) {
    if (from >= spans.size() || outcome.isDone()) {
      outcome.complete(ExportResult.SUCCESS);
      return;
    }
    HttpRequest request;
    try {
      request = request(spans.subList(from, Math.min(spans.size(), from + batchSize)));
    } catch (IOException | RuntimeException e) {
      outcome.complete(ExportResult.failure(e));
      return;
    }
    http.sendAsync(request, HttpResponse.BodyHandlers.ofString())
        .whenComplete(
            (response, t) -> {
              if (t != null) {
                Throwable cause =
                    t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
                outcome.complete(ExportResult.failure(cause));
                return;
              }
              ExportResult r = result(response);
              if (r.success()) {
                sendFrom(spans, from + batchSize, outcome);
              } else {
                outcome.complete(r);
              }
            });
  }

  private HttpRequest request(List<SpanData> spans) throws IOException {
    StringBuilder body = new StringBuilder();
    for (SpanData s : spans) {
      body.append(JSON.writeValueAsString(envelope(s))).append('\n');
    }
    ByteArrayOutputStream gz = new ByteArrayOutputStream();
    try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
      out.write(body.toString().getBytes(StandardCharsets.UTF_8));
    }
    return HttpRequest.newBuilder(trackUri)
        .timeout(timeout)
        .header("Content-Type", "application/json")
        .header("Content-Encoding", "gzip")
        .POST(HttpRequest.BodyPublishers.ofByteArray(gz.toByteArray()))
        .build();
  }

  private static ExportResult result(HttpResponse<String> response) {
    if (response.statusCode() == 200) {
      return ExportResult.SUCCESS;
    }
    String detail;
    try {
      JsonNode n = JSON.readTree(response.body());
      detail =
          " (items received "
              + n.path("itemsReceived").asInt()
              + ", accepted "
              + n.path("itemsAccepted").asInt()
              + ")";
    } catch (JsonProcessingException e) {
      detail = "";
    }
    return ExportResult.failure(
        "Application Insights ingestion answered HTTP " + response.statusCode() + detail);
  }

  private Map<String, Object> envelope(SpanData span) {
    Map<String, Object> properties = new LinkedHashMap<>();
    span.getAttributes().forEach((k, v) -> properties.put(k.getKey(), String.valueOf(v)));
    resource
        .getAttributes()
        .forEach(
            (k, v) -> {
              if (!k.getKey().equals("service.name")) {
                properties.put(k.getKey(), String.valueOf(v));
              }
            });
    Map<String, Object> baseData = new LinkedHashMap<>();
    baseData.put("ver", 2);
    baseData.put("id", span.getSpanId());
    baseData.put("name", span.getName());
    baseData.put("resultCode", "0");
    baseData.put("duration", "00:00:00.000000");
    baseData.put("success", true);
    baseData.put("type", "InProc");
    baseData.put("properties", properties);
    Map<String, Object> tags = new LinkedHashMap<>();
    tags.put("ai.operation.id", span.getTraceId());
    tags.put("ai.operation.name", span.getName());
    tags.put("ai.cloud.role", serviceName);
    tags.put("ai.internal.sdkVersion", "elspeth-java:0.1.0");
    Map<String, Object> e = new LinkedHashMap<>();
    e.put("ver", 1);
    e.put("name", "RemoteDependency");
    long nanos = span.getStartEpochNanos();
    e.put("time", Instant.ofEpochSecond(nanos / 1_000_000_000L, nanos % 1_000_000_000L).toString());
    e.put("sampleRate", 100.0);
    e.put("iKey", instrumentationKey);
    e.put("tags", tags);
    e.put("data", Map.of("baseType", "RemoteDependencyData", "baseData", baseData));
    return e;
  }

  /**
   * Stops taking batches and waits (up to the request timeout) for the answers still out. There is
   * nothing else to release: java.net.http.HttpClient needs no explicit release on Java 17.
   */
  @Override
  public CompletableFuture<ExportResult> shutdown() {
    synchronized (this) {
      if (shutdown == null) {
        shutdown =
            unfinished
                .flush()
                .completeOnTimeout(
                    ExportResult.failure(
                        NAME + ": answers still out after " + timeout.toMillis() + " ms"),
                    timeout.toMillis(),
                    TimeUnit.MILLISECONDS);
      }
      return shutdown;
    }
  }
}
