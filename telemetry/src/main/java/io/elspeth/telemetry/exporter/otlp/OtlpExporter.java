package io.elspeth.telemetry.exporter.otlp;

import io.elspeth.telemetry.exporter.ExporterOptions;
import io.elspeth.telemetry.exporter.TelemetryExporter;
import io.elspeth.telemetry.span.EventSpans;
import io.elspeth.telemetry.span.OtlpTraceEncoder;
import io.opentelemetry.sdk.resources.Resource;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code otlp} options and construction: spans over OTLP ({@link SpanBatchSender}: our encoding,
 * the SDK's senders). Options: {@code endpoint} (required; for http/protobuf the full URL of {@code
 * /v1/traces}), {@code protocol} ({@code grpc}, default, or {@code http/protobuf}), {@code headers}
 * (e.g. an Authorization header; never logged), {@code batch_size} (spans per request, default
 * 2048), {@code max_request_bytes} (a request's most encoded bytes, default 3.5 MiB), {@code
 * timeout_ms} (default 10000), {@code service_name} (resource service.name, default {@code
 * elspeth}).
 */
public final class OtlpExporter {
  public static final String NAME = "otlp";
  static final Set<String> OPTIONS =
      Set.of(
          "endpoint",
          "protocol",
          "headers",
          "batch_size",
          "timeout_ms",
          "service_name",
          "flush_interval_ms",
          "max_request_bytes");

  private OtlpExporter() {}

  /** The parsed options of an OTLP exporter. */
  record Config(
      String endpoint,
      String protocol,
      Map<String, String> headers,
      int batchSize,
      long maxRequestBytes,
      Duration timeout,
      String serviceName) {}

  static Config parse(ExporterOptions o) {
    String endpoint = o.string("endpoint", "", true);
    String protocol = o.choice("protocol", "grpc", Set.of("grpc", "http/protobuf"));
    Map<String, String> headers = o.stringMap("headers");
    int batch = o.integer("batch_size", SpanBatchSender.DEFAULT_BATCH_SIZE, 1, 100_000);
    long maxBytes = maxRequestBytes(o);
    int timeout = o.integer("timeout_ms", 10_000, 1, 600_000);
    // ELSPETH RC2 accepted flush_interval_ms and ignored it; batches here go out as they form.
    o.integer("flush_interval_ms", 5000, 0, 3_600_000);
    String service = o.string("service_name", "elspeth", false);
    return new Config(
        endpoint, protocol, headers, batch, maxBytes, Duration.ofMillis(timeout), service);
  }

  /** {@code max_request_bytes}: shared with the Datadog exporter, which sends through OTLP too. */
  public static long maxRequestBytes(ExporterOptions o) {
    return o.integer(
        "max_request_bytes", SpanBatchSender.DEFAULT_MAX_REQUEST_BYTES, 1024, Integer.MAX_VALUE);
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
    return spanSender(
        NAME,
        c.protocol(),
        c.endpoint(),
        c.headers(),
        Resource.getDefault()
            .merge(Resource.builder().put("service.name", c.serviceName()).build()),
        EventSpans.Style.PLAIN,
        Map.of(),
        c.batchSize(),
        c.maxRequestBytes(),
        c.timeout());
  }

  /**
   * The sender of spans over OTLP for a protocol; shared with the Datadog exporter. Its requests
   * run on an executor of its own that queues instead of rejecting: the SDK's default one runs at
   * most 5 requests and fails the next ("executor rejected") when several batches are in flight.
   * The HTTP client still sends at most 5 requests to a host at once and queues the rest.
   */
  public static TelemetryExporter spanSender(
      String name,
      String protocol,
      String endpoint,
      Map<String, String> headers,
      Resource resource,
      EventSpans.Style style,
      Map<String, String> extraAttributes,
      int batchSize,
      long maxRequestBytes,
      Duration timeout) {
    return new SpanBatchSender(
        name,
        OtlpTransport.create(protocol, endpoint, headers, timeout, requestExecutor()),
        new OtlpTraceEncoder(resource, style, extraAttributes),
        batchSize,
        maxRequestBytes,
        timeout);
  }

  /**
   * The SDK's components as its class loader finds them, except that http/protobuf goes through the
   * JDK HTTP client sender rather than OkHttp's: OkHttp leaves Nagle's algorithm on and writes a
   * request body in 8 KB pieces, so every request of more than one piece waited for the backend's
   * delayed ACK, about 40 ms on Linux: 100 spans per request then capped an exporter at about
   * 10,000 spans/s whatever the backend's speed. The JDK client sets TCP_NODELAY. gRPC keeps OkHttp
   * (HTTP/2 writes whole frames).
   */
  static final io.opentelemetry.common.ComponentLoader JDK_HTTP_SENDER =
      new io.opentelemetry.common.ComponentLoader() {
        private final io.opentelemetry.common.ComponentLoader sdk =
            io.opentelemetry.common.ComponentLoader.forClassLoader(
                OtlpExporter.class.getClassLoader());

        @Override
        public <T> Iterable<T> load(Class<T> type) {
          Iterable<T> all = sdk.load(type);
          if (!type.getName().equals("io.opentelemetry.sdk.common.export.HttpSenderProvider")) {
            return all;
          }
          List<T> jdk = new java.util.ArrayList<>();
          for (T provider : all) {
            if (provider.getClass().getName().startsWith("io.opentelemetry.exporter.sender.jdk.")) {
              jdk.add(provider);
            }
          }
          return jdk.isEmpty() ? all : jdk;
        }
      };

  private static java.util.concurrent.ExecutorService requestExecutor() {
    java.util.concurrent.atomic.AtomicInteger n = new java.util.concurrent.atomic.AtomicInteger();
    java.util.concurrent.ThreadPoolExecutor pool =
        new java.util.concurrent.ThreadPoolExecutor(
            8,
            8,
            30,
            java.util.concurrent.TimeUnit.SECONDS,
            new java.util.concurrent.LinkedBlockingQueue<>(),
            r -> {
              Thread t = new Thread(r, "telemetry-otlp-" + n.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    pool.allowCoreThreadTimeOut(true);
    return pool;
  }
}
