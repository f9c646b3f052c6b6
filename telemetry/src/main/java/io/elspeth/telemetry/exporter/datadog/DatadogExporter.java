package io.elspeth.telemetry.exporter.datadog;

import io.elspeth.telemetry.exporter.ExporterOptions;
import io.elspeth.telemetry.exporter.TelemetryExporter;
import io.elspeth.telemetry.exporter.otlp.OtlpExporter;
import io.elspeth.telemetry.exporter.otlp.SpanBatchSender;
import io.elspeth.telemetry.span.EventSpans;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.resources.ResourceBuilder;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * {@code datadog} options and construction: spans over OTLP to a local Datadog Agent's OTLP
 * receiver (no API key: the agent holds it). Options (as ELSPETH HEAD, all required but {@code
 * version}): {@code service_name}, {@code env}, {@code agent_host}, {@code agent_port} (the agent's
 * OTLP port: 4318 for http/protobuf, 4317 for grpc), {@code version}, {@code protocol} ({@code
 * http/protobuf}, default, or {@code grpc}), {@code batch_size} (default 2048), {@code
 * max_request_bytes} (as {@code otlp}), {@code timeout_ms}. Span attributes are Datadog tags:
 * {@code elspeth.<field>} with maps flattened to dotted keys, plus {@code env} and {@code version}.
 */
public final class DatadogExporter {
  public static final String NAME = "datadog";
  static final Set<String> OPTIONS =
      Set.of(
          "service_name",
          "env",
          "agent_host",
          "agent_port",
          "version",
          "protocol",
          "batch_size",
          "max_request_bytes",
          "timeout_ms",
          "api_key");

  private DatadogExporter() {}

  record Config(
      String serviceName,
      String env,
      String host,
      int port,
      @Nullable String version,
      String protocol,
      int batchSize,
      long maxRequestBytes,
      Duration timeout) {
    String endpoint() {
      return protocol.equals("grpc")
          ? "http://" + host + ":" + port
          : "http://" + host + ":" + port + "/v1/traces";
    }
  }

  static Config parse(ExporterOptions o) {
    o.reject(
        "api_key",
        "not supported: the exporter sends to a local Datadog Agent, which " + "holds the API key");
    String service = o.string("service_name", "elspeth", true);
    String env = o.string("env", "", true);
    String host = o.string("agent_host", "localhost", true);
    // Required as at ELSPETH HEAD: a silent default port sends to the wrong place.
    o.require("agent_port");
    int port = o.integer("agent_port", 4318, 1, 65535);
    String version = o.optionalString("version");
    String protocol = o.choice("protocol", "http/protobuf", Set.of("grpc", "http/protobuf"));
    int batch = o.integer("batch_size", SpanBatchSender.DEFAULT_BATCH_SIZE, 1, 100_000);
    long maxBytes = OtlpExporter.maxRequestBytes(o);
    int timeout = o.integer("timeout_ms", 10_000, 1, 600_000);
    return new Config(
        service, env, host, port, version, protocol, batch, maxBytes, Duration.ofMillis(timeout));
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
    ResourceBuilder resource =
        Resource.builder()
            .put("service.name", c.serviceName())
            .put("deployment.environment", c.env());
    Map<String, String> tags = new LinkedHashMap<>();
    tags.put("env", c.env());
    if (c.version() != null) {
      resource.put("service.version", c.version());
      tags.put("version", c.version());
    }
    return OtlpExporter.spanSender(
        NAME,
        c.protocol(),
        c.endpoint(),
        Map.of(),
        Resource.getDefault().merge(resource.build()),
        EventSpans.Style.PREFIXED,
        tags,
        c.batchSize(),
        c.maxRequestBytes(),
        c.timeout());
  }
}
