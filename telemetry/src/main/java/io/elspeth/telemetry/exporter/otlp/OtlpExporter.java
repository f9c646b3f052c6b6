package io.elspeth.telemetry.exporter.otlp;

import io.elspeth.telemetry.exporter.ExporterOptions;
import io.elspeth.telemetry.exporter.TelemetryExporter;
import io.elspeth.telemetry.span.EventSpans;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporterBuilder;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporter;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporterBuilder;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code otlp} options and construction: spans over OTLP with the OpenTelemetry SDK exporter. Options: {@code endpoint}
 * (required; for http/protobuf the full URL of {@code /v1/traces}), {@code protocol}
 * ({@code grpc}, default, or {@code http/protobuf}), {@code headers} (e.g. an Authorization
 * header; never logged), {@code batch_size} (spans per request, default 100),
 * {@code timeout_ms} (default 10000), {@code service_name} (resource service.name, default
 * {@code elspeth}).
 */
public final class OtlpExporter {
  public static final String NAME = "otlp";
  static final Set<String> OPTIONS = Set.of("endpoint", "protocol", "headers", "batch_size",
      "timeout_ms", "service_name", "flush_interval_ms");

  private OtlpExporter() {}

  /** The parsed options of an OTLP exporter. */
  record Config(String endpoint, String protocol, Map<String, String> headers, int batchSize,
      Duration timeout, String serviceName) {}

  static Config parse(ExporterOptions o) {
    String endpoint = o.string("endpoint", "", true);
    String protocol = o.choice("protocol", "grpc", Set.of("grpc", "http/protobuf"));
    Map<String, String> headers = o.stringMap("headers");
    int batch = o.integer("batch_size", 100, 1, 100_000);
    int timeout = o.integer("timeout_ms", 10_000, 1, 600_000);
    // ELSPETH RC2 accepted flush_interval_ms and ignored it; batches here go out as they form.
    o.integer("flush_interval_ms", 5000, 0, 3_600_000);
    String service = o.string("service_name", "elspeth", false);
    return new Config(endpoint, protocol, headers, batch, Duration.ofMillis(timeout), service);
  }

  public static List<String> validate(Map<String, Object> raw) {
    ExporterOptions o = new ExporterOptions(NAME, raw, OPTIONS);
    parse(o);
    return o.problems();
  }

  public static TelemetryExporter fromOptions(Map<String, Object> raw) {
    ExporterOptions o = new ExporterOptions(NAME, raw, OPTIONS);
    Config c = parse(o);
    o.check();
    return new SpanBatchSender(NAME, spanExporter(c.protocol(), c.endpoint(),
        c.headers(), c.timeout()), Resource.getDefault().merge(Resource.builder()
        .put("service.name", c.serviceName()).build()), EventSpans.Style.PLAIN, Map.of(),
        c.batchSize(), c.timeout());
  }

  /**
   * The SDK exporter for a protocol; shared with the Datadog exporter. Its requests run on an
   * executor of its own that queues instead of rejecting: the SDK's default one runs at most 5
   * requests and fails the next ("executor rejected") when several batches are in flight. The
   * HTTP client still sends at most 5 requests to a host at once and queues the rest.
   */
  public static SpanExporter spanExporter(String protocol, String endpoint,
      Map<String, String> headers, Duration timeout) {
    java.util.concurrent.ExecutorService executor = requestExecutor();
    SpanExporter sdk;
    if (protocol.equals("grpc")) {
      // No SDK retries: the manager counts each failed batch, and retries with backoff would
      // stall the export thread behind a dead backend.
      OtlpGrpcSpanExporterBuilder b = OtlpGrpcSpanExporter.builder().setEndpoint(endpoint)
          .setTimeout(timeout).setRetryPolicy(null).setExecutorService(executor);
      headers.forEach(b::addHeader);
      sdk = b.build();
    } else {
      OtlpHttpSpanExporterBuilder b = OtlpHttpSpanExporter.builder().setEndpoint(endpoint)
          .setTimeout(timeout).setRetryPolicy(null).setExecutorService(executor);
      headers.forEach(b::addHeader);
      sdk = b.build();
    }
    return new ExecutorOwningExporter(sdk, executor);
  }

  private static java.util.concurrent.ExecutorService requestExecutor() {
    java.util.concurrent.atomic.AtomicInteger n = new java.util.concurrent.atomic.AtomicInteger();
    java.util.concurrent.ThreadPoolExecutor pool = new java.util.concurrent.ThreadPoolExecutor(
        8, 8, 30, java.util.concurrent.TimeUnit.SECONDS,
        new java.util.concurrent.LinkedBlockingQueue<>(), r -> {
          Thread t = new Thread(r, "telemetry-otlp-" + n.incrementAndGet());
          t.setDaemon(true);
          return t;
        });
    pool.allowCoreThreadTimeOut(true);
    return pool;
  }

  /** The SDK exporter plus the executor it was given, which its shutdown also ends. */
  private record ExecutorOwningExporter(SpanExporter delegate,
      java.util.concurrent.ExecutorService executor) implements SpanExporter {
    @Override
    public io.opentelemetry.sdk.common.CompletableResultCode export(
        java.util.Collection<io.opentelemetry.sdk.trace.data.SpanData> spans) {
      return delegate.export(spans);
    }

    @Override
    public io.opentelemetry.sdk.common.CompletableResultCode flush() {
      return delegate.flush();
    }

    @Override
    public io.opentelemetry.sdk.common.CompletableResultCode shutdown() {
      io.opentelemetry.sdk.common.CompletableResultCode done = delegate.shutdown();
      done.whenComplete(executor::shutdown);
      return done;
    }
  }
}
