package io.elspeth.telemetry.exporter;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasEntry;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.elspeth.telemetry.config.ExporterSettings;
import io.elspeth.telemetry.config.TelemetrySettings;
import io.elspeth.telemetry.event.TelemetryEvent;
import io.elspeth.telemetry.event.TelemetryEvent.CallStatus;
import io.elspeth.telemetry.event.TelemetryEvent.CallType;
import io.elspeth.telemetry.exporter.console.ConsoleExporter;
import io.elspeth.telemetry.span.EventSpans;
import io.elspeth.testkit.otlp.HttpCaptureServer;
import io.elspeth.testkit.otlp.OtlpReceiver;
import io.elspeth.testkit.otlp.ReceivedSpan;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ExportersTest {
  private static final Instant T = Instant.parse("2026-03-01T10:15:30.123456789Z");

  private static List<TelemetryEvent> events() {
    return List.of(
        new TelemetryEvent.RunStarted(T, "run-42", "cfg", "csv"),
        new TelemetryEvent.GateEvaluated(
            T,
            "run-42",
            "row-1",
            "tok-1",
            "gate_x",
            "x",
            TelemetryEvent.RoutingMode.MOVE,
            List.of("high")),
        new TelemetryEvent.ExternalCallCompleted(
            T,
            "run-42",
            CallType.LLM,
            "azure",
            CallStatus.SUCCESS,
            12.5,
            "st-1",
            null,
            "tok-1",
            "rq",
            "rs",
            "gpt-4o",
            "gpt-4o-2024-08-06",
            null,
            null,
            new TelemetryEvent.TokenUsage(11L, 7L)));
  }

  private static TelemetryExporter create(String name, Map<String, Object> options) {
    return Exporters.create(new ExporterSettings(name, options));
  }

  @Test
  void otlpOverHttpProtobufDeliversOneInstantSpanPerEvent() {
    try (OtlpReceiver receiver = OtlpReceiver.start()) {
      TelemetryExporter e =
          create(
              "otlp",
              Map.of(
                  "endpoint",
                  receiver.httpEndpoint(),
                  "protocol",
                  "http/protobuf",
                  "headers",
                  Map.of("x-tenant", "t1"),
                  "batch_size",
                  2));
      assertThat(e.export(events()).join().success(), is(true));
      e.shutdown().join();
      e.shutdown().join();
      List<ReceivedSpan> spans = receiver.spans();
      assertThat(
          spans.stream().map(ReceivedSpan::name).toList(),
          contains("RunStarted", "GateEvaluated", "ExternalCallCompleted"));
      assertThat(receiver.requests(), is(2)); // batch_size 2
      assertThat(receiver.httpHeaders().get(0), hasEntry("x-tenant", List.of("t1")));
      String trace = EventSpans.traceId("run-42");
      for (ReceivedSpan s : spans) {
        assertThat(s.traceId(), is(trace));
        assertThat(s.spanId(), not("0000000000000000"));
        assertThat(s.startEpochNanos(), is(s.endEpochNanos()));
        assertThat(s.startEpochNanos(), is(T.getEpochSecond() * 1_000_000_000L + T.getNano()));
        assertThat(s.attr("run_id"), is("run-42"));
        assertThat(s.attr("event_type"), is(s.name()));
        assertThat(s.scope(), is("elspeth.telemetry"));
        assertThat(s.resource(), hasEntry("service.name", "elspeth"));
      }
      assertThat(spans.get(1).attributes(), hasEntry("destinations", List.of("high")));
      ReceivedSpan call = spans.get(2);
      assertThat(call.attributes(), hasEntry("gen_ai.system", "azure"));
      assertThat(call.attributes(), hasEntry("gen_ai.request.model", "gpt-4o"));
      assertThat(call.attributes(), hasEntry("gen_ai.response.model", "gpt-4o-2024-08-06"));
      assertThat(call.attributes(), hasEntry("gen_ai.operation.name", "chat"));
      assertThat(call.attributes(), hasEntry("gen_ai.usage.input_tokens", 11L));
      assertThat(call.attributes(), hasEntry("gen_ai.usage.output_tokens", 7L));
      assertThat(call.attributes(), hasEntry("latency_ms", 12.5));
      assertThat(call.attr("token_usage"), is("{\"prompt_tokens\":11,\"completion_tokens\":7}"));
    }
  }

  @Test
  void otlpOverGrpcDeliversTheSameSpans() {
    try (OtlpReceiver receiver = OtlpReceiver.start()) {
      TelemetryExporter e = create("otlp", Map.of("endpoint", receiver.grpcEndpoint()));
      assertThat(e.export(events()).join().success(), is(true));
      e.shutdown().join();
      assertThat(
          receiver.spans().stream().map(ReceivedSpan::transport).toList(),
          contains("grpc", "grpc", "grpc"));
      assertThat(receiver.spans().get(0).traceId(), is(EventSpans.traceId("run-42")));
    }
  }

  @Test
  void otlpReportsABackendFailureAsAValue() {
    try (OtlpReceiver receiver = OtlpReceiver.start()) {
      receiver.failWith(503);
      TelemetryExporter http =
          create(
              "otlp",
              Map.of(
                  "endpoint",
                  receiver.httpEndpoint(),
                  "protocol",
                  "http/protobuf",
                  "headers",
                  Map.of("Authorization", "Bearer s3cret")));
      ExportResult r = http.export(events()).join();
      http.shutdown().join();
      assertThat(r.success(), is(false));
      assertThat(r.error(), not(containsString("s3cret")));
      assertThat(r.error(), is("HTTP 503"));
      TelemetryExporter grpc = create("otlp", Map.of("endpoint", receiver.grpcEndpoint()));
      ExportResult g = grpc.export(events()).join();
      grpc.shutdown().join();
      assertThat(g.success(), is(false));
      assertThat(g.error(), is("gRPC status UNAVAILABLE: receiver told to fail"));
    }
  }

  @Test
  void datadogSendsOtlpToTheAgentWithElspethTags() {
    try (OtlpReceiver agent = OtlpReceiver.start()) {
      int port = Integer.parseInt(agent.httpEndpoint().replaceAll(".*:(\\d+)/.*", "$1"));
      TelemetryExporter e =
          create(
              "datadog",
              Map.of(
                  "service_name",
                  "pipeline-a",
                  "env",
                  "staging",
                  "agent_host",
                  "127.0.0.1",
                  "agent_port",
                  port,
                  "version",
                  "1.2.3"));
      assertThat(e.export(events()).join().success(), is(true));
      e.shutdown().join();
      ReceivedSpan call = agent.spans().get(2);
      assertThat(call.attributes(), hasEntry("elspeth.run_id", "run-42"));
      assertThat(call.attributes(), hasEntry("elspeth.event_type", "ExternalCallCompleted"));
      assertThat(call.attributes(), hasEntry("elspeth.token_usage.prompt_tokens", 11L));
      assertThat(call.attributes(), hasEntry("env", "staging"));
      assertThat(call.attributes(), hasEntry("version", "1.2.3"));
      assertThat(call.resource(), hasEntry("service.name", "pipeline-a"));
      assertThat(call.resource(), hasEntry("deployment.environment", "staging"));
    }
  }

  @Test
  void datadogRejectsAnApiKeyAndRequiresTheAgent() {
    List<String> problems =
        Exporters.validate(
            new ExporterSettings("datadog", Map.of("api_key", "k", "service_name", "s")));
    assertThat(problems, hasItem(startsWith("options.api_key: not supported")));
    assertThat(problems, hasItem("options.env: required"));
    assertThat(problems, hasItem("options.agent_port: required"));
    assertThat(String.join(" ", problems), not(containsString("=k")));
  }

  @Test
  void azureMonitorPostsEnvelopesToTheIngestionEndpoint() throws Exception {
    try (HttpCaptureServer ingestion = HttpCaptureServer.start()) {
      ingestion.respond(200, "{\"itemsReceived\":3,\"itemsAccepted\":3,\"errors\":[]}");
      String cs =
          "InstrumentationKey=00000000-1111-2222-3333-444444444444;IngestionEndpoint="
              + ingestion.baseUrl();
      TelemetryExporter e =
          create(
              "azure_monitor",
              Map.of(
                  "connection_string",
                  cs,
                  "service_name",
                  "pipeline-a",
                  "deployment_environment",
                  "test"));
      assertThat(e.export(events()).join().success(), is(true));
      e.shutdown().join();
      assertThat(ingestion.requests(), hasSize(1));
      HttpCaptureServer.Request req = ingestion.requests().get(0);
      assertThat(req.method(), is("POST"));
      assertThat(req.path(), is("/v2.1/track"));
      assertThat(req.headers(), hasEntry("content-encoding", List.of("gzip")));
      ObjectMapper json = new ObjectMapper();
      List<JsonNode> envelopes = new ArrayList<>();
      for (String line : req.body().split("\n")) {
        envelopes.add(json.readTree(line));
      }
      assertThat(envelopes, hasSize(3));
      JsonNode gate = envelopes.get(1);
      assertThat(gate.path("iKey").asText(), is("00000000-1111-2222-3333-444444444444"));
      assertThat(gate.path("name").asText(), is("RemoteDependency"));
      assertThat(
          gate.path("tags").path("ai.operation.id").asText(), is(EventSpans.traceId("run-42")));
      assertThat(gate.path("tags").path("ai.cloud.role").asText(), is("pipeline-a"));
      JsonNode base = gate.path("data").path("baseData");
      assertThat(base.path("name").asText(), is("GateEvaluated"));
      assertThat(base.path("properties").path("cloud.provider").asText(), is("azure"));
      assertThat(base.path("properties").path("elspeth.exporter").asText(), is("azure_monitor"));
      assertThat(base.path("properties").path("deployment.environment").asText(), is("test"));
      assertThat(base.path("properties").path("plugin_name").asText(), is("x"));
      assertThat(
          envelopes
              .get(2)
              .path("data")
              .path("baseData")
              .path("properties")
              .path("gen_ai.request.model")
              .asText(),
          is("gpt-4o"));
      assertThat(req.body(), not(containsString("IngestionEndpoint")));
    }
  }

  @Test
  void azureMonitorReportsRejectionsWithoutTheConnectionString() {
    try (HttpCaptureServer ingestion = HttpCaptureServer.start()) {
      ingestion.respond(500, "{\"itemsReceived\":3,\"itemsAccepted\":0}");
      String cs = "InstrumentationKey=secret-ikey;IngestionEndpoint=" + ingestion.baseUrl();
      TelemetryExporter e =
          create("azure_monitor", Map.of("connection_string", cs, "service_name", "s"));
      ExportResult r = e.export(events()).join();
      assertThat(r.success(), is(false));
      assertThat(r.error(), containsString("HTTP 500"));
      assertThat(r.error(), not(containsString("secret-ikey")));
    }
  }

  @Test
  void consoleWritesJsonLinesWithEventTypeLastOrPrettyLines() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ConsoleExporter json =
        ConsoleExporter.to(new PrintStream(out, true, StandardCharsets.UTF_8), false);
    assertThat(json.export(events().subList(0, 1)).join().success(), is(true));
    assertThat(
        out.toString(StandardCharsets.UTF_8).trim(),
        equalTo(
            "{\"timestamp\":\"2026-03-01T10:15:30.123456789Z\",\"run_id\":\"run-42\","
                + "\"config_hash\":\"cfg\",\"source_plugin\":\"csv\",\"event_type\":\"RunStarted\"}"));
    out.reset();
    ConsoleExporter pretty =
        ConsoleExporter.to(new PrintStream(out, true, StandardCharsets.UTF_8), true);
    pretty.export(events().subList(1, 2)).join();
    assertThat(
        out.toString(StandardCharsets.UTF_8).trim(),
        equalTo(
            "[2026-03-01T10:15:30.123456789Z] GateEvaluated: run-42 (destinations=[\"high\"], "
                + "node_id=gate_x, plugin_name=x, routing_mode=move, row_id=row-1, token_id=tok-1)"));
  }

  @Test
  void settingsValidationReportsEveryExporterProblem() {
    TelemetrySettings.Parsed parsed =
        TelemetrySettings.parse(
            Map.of(
                "enabled",
                true,
                "health_file",
                5,
                "max_in_flight",
                0,
                "exporters",
                List.of(
                    Map.of("name", "otlp", "options", Map.of("protocol", "udp", "batch_size", 0)),
                    Map.of("name", "console", "options", Map.of("format", "xml")))),
            "telemetry");
    assertThat(parsed.problems(), hasItem("telemetry.exporters[0].options.endpoint: required"));
    assertThat(parsed.problems(), hasItem(startsWith("telemetry.exporters[0].options.protocol")));
    assertThat(parsed.problems(), hasItem(startsWith("telemetry.exporters[0].options.batch_size")));
    assertThat(parsed.problems(), hasItem(startsWith("telemetry.exporters[1].options.format")));
    assertThat(parsed.problems(), hasItem(startsWith("telemetry.health_file")));
    assertThat(
        parsed.problems(),
        hasItem("telemetry.max_in_flight: expected an integer from 1 to 64, got '0'"));
    assertThat(
        TelemetrySettings.parse(Map.of("max_in_flight", 1), "telemetry").settings().maxInFlight(),
        is(1));
    assertThat(TelemetrySettings.parse(Map.of(), "telemetry").settings().maxInFlight(), is(4));
    assertThrows(TelemetryConfigException.class, () -> create("otlp", Map.of()));
  }

  @Test
  void manyBatchesInFlightOverOtlpAllArriveWithoutFailures() {
    for (String protocol : List.of("http/protobuf", "grpc")) {
      try (OtlpReceiver receiver = OtlpReceiver.start()) {
        String endpoint =
            protocol.equals("grpc") ? receiver.grpcEndpoint() : receiver.httpEndpoint();
        // Small chunks and a high in-flight bound: more requests than the SDK's HTTP sender
        // runs at once, which it would reject if they were all started together.
        TelemetryExporter e =
            create("otlp", Map.of("endpoint", endpoint, "protocol", protocol, "batch_size", 3));
        io.elspeth.telemetry.manager.TelemetryManager m =
            io.elspeth.telemetry.manager.TelemetryManager.builder("run-42")
                .granularity(io.elspeth.telemetry.config.Granularity.FULL)
                .exporter(e)
                .maxBatch(20)
                .maxInFlight(16)
                .lastResort(
                    new io.elspeth.telemetry.health.LastResortChannel(
                        new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                        null))
                .build();
        for (int i = 0; i < 400; i++) {
          m.handleEvent(new TelemetryEvent.RowCreated(T, "run-42", "row-" + i, "tok-" + i, "h"));
        }
        assertThat(m.flush(java.time.Duration.ofSeconds(30)), is(true));
        var health = m.health();
        m.close();
        assertThat(protocol, health.exporterFailures().get("otlp"), is(0L));
        assertThat(protocol, health.eventsEmitted(), is(400L));
        List<String> rows = receiver.spans().stream().map(s -> s.attr("row_id")).toList();
        assertThat(protocol, rows, hasSize(400));
        assertThat(protocol, new java.util.HashSet<>(rows), hasSize(400));
      }
    }
  }

  private static io.elspeth.telemetry.manager.TelemetryManager manager(
      TelemetryExporter e, int maxInFlight) {
    return io.elspeth.telemetry.manager.TelemetryManager.builder("run-42")
        .granularity(io.elspeth.telemetry.config.Granularity.FULL)
        .exporter(e)
        .maxBatch(1)
        .maxInFlight(maxInFlight)
        .failOnTotalExporterFailure(false)
        .lastResort(
            new io.elspeth.telemetry.health.LastResortChannel(
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8), null))
        .build();
  }

  private static TelemetryEvent row(int i) {
    return new TelemetryEvent.RowCreated(T, "run-42", "row-" + i, "tok-" + i, "h");
  }

  @Test
  void azureMonitorKeepsSeveralBatchesInFlightAndReportsFailures() throws Exception {
    try (HttpCaptureServer ingestion = HttpCaptureServer.start()) {
      ingestion.respond(200, "{\"itemsReceived\":1,\"itemsAccepted\":1,\"errors\":[]}");
      String cs =
          "InstrumentationKey=00000000-1111-2222-3333-444444444444;IngestionEndpoint="
              + ingestion.baseUrl();
      TelemetryExporter e =
          create("azure_monitor", Map.of("connection_string", cs, "service_name", "pipeline-a"));
      var m = manager(e, 3);
      ingestion.hold();
      for (int i = 0; i < 3; i++) {
        m.handleEvent(row(i));
      }
      // Three batches reach ingestion before any is answered: none waits for the one before.
      assertThat(ingestion.awaitRequests(3), is(true));
      assertThat(m.flush(java.time.Duration.ofMillis(50)), is(false));
      ingestion.release();
      assertThat(m.flush(java.time.Duration.ofSeconds(30)), is(true));
      assertThat(m.health().eventsEmitted(), is(3L));
      ingestion.respond(500, "{\"itemsReceived\":1,\"itemsAccepted\":0}");
      m.handleEvent(row(3));
      assertThat(m.flush(java.time.Duration.ofSeconds(30)), is(true));
      var health = m.health();
      m.close();
      assertThat(health.exporterFailures().get("azure_monitor"), is(1L));
      assertThat(health.eventsDropped(), is(1L));
      List<String> rows = new ArrayList<>();
      ObjectMapper json = new ObjectMapper();
      for (HttpCaptureServer.Request r : ingestion.requests()) {
        rows.add(
            json.readTree(r.body())
                .path("data")
                .path("baseData")
                .path("properties")
                .path("row_id")
                .asText());
      }
      assertThat(
          rows.subList(0, 3), org.hamcrest.Matchers.containsInAnyOrder("row-0", "row-1", "row-2"));
      assertThat(rows.get(3), is("row-3"));
    }
  }

  /** A stream whose writes wait for a latch, or fail: a slow or broken terminal. */
  private static final class SlowStream extends java.io.OutputStream {
    final java.util.concurrent.CountDownLatch open = new java.util.concurrent.CountDownLatch(1);
    final ByteArrayOutputStream written = new ByteArrayOutputStream();
    volatile boolean broken;

    @Override
    public void write(int b) throws java.io.IOException {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws java.io.IOException {
      try {
        open.await();
      } catch (InterruptedException e) {
        throw new java.io.InterruptedIOException();
      }
      if (broken) {
        throw new java.io.IOException("broken pipe");
      }
      synchronized (written) {
        written.write(b, off, len);
      }
    }
  }

  @Test
  void consoleFlushWaitsForTheBatchesHandedOverAndShutdownFlushesFirst() {
    SlowStream stream = new SlowStream();
    ConsoleExporter console =
        ConsoleExporter.to(new PrintStream(stream, true, StandardCharsets.UTF_8), false);
    var first = console.export(List.of(row(0)));
    var second = console.export(List.of(row(1)));
    var flushed = console.flush();
    assertThat(flushed.isDone(), is(false)); // the terminal is stuck
    stream.open.countDown();
    assertThat(flushed.join(), is(ExportResult.SUCCESS));
    assertThat(first.isDone() && second.isDone(), is(true));
    var third = console.export(List.of(row(2)));
    var shutdown = console.shutdown();
    assertThat(shutdown.join(), is(ExportResult.SUCCESS));
    assertThat(third.isDone(), is(true));
    String written;
    synchronized (stream.written) {
      written = stream.written.toString(StandardCharsets.UTF_8);
    }
    assertThat(written.split("\n").length, is(3));
    assertThat(console.shutdown(), is(org.hamcrest.Matchers.sameInstance(shutdown)));
    assertThat(
        console.export(List.of(row(3))).join(),
        is(ExportResult.failure("console: the exporter is shut down")));
  }

  @Test
  void consoleWritesOnItsOwnThreadInOrderAndReportsWriteErrors() throws Exception {
    SlowStream stream = new SlowStream();
    ConsoleExporter console =
        ConsoleExporter.to(new PrintStream(stream, true, StandardCharsets.UTF_8), false);
    var m = manager(console, 4);
    for (int i = 0; i < 4; i++) {
      m.handleEvent(row(i));
    }
    // The terminal is stuck: the batches wait on the console's writer, not on the manager.
    Thread.sleep(100);
    assertThat(m.health().queueDepth(), is(0));
    assertThat(m.flush(java.time.Duration.ofMillis(50)), is(false));
    stream.open.countDown();
    assertThat(m.flush(java.time.Duration.ofSeconds(30)), is(true));
    List<String> lines;
    synchronized (stream.written) {
      lines = List.of(stream.written.toString(StandardCharsets.UTF_8).split("\n"));
    }
    ObjectMapper json = new ObjectMapper();
    List<String> rows = new ArrayList<>();
    for (String line : lines) {
      rows.add(json.readTree(line).path("row_id").asText());
    }
    assertThat(rows, contains("row-0", "row-1", "row-2", "row-3"));
    stream.broken = true;
    m.handleEvent(row(4));
    assertThat(m.flush(java.time.Duration.ofSeconds(30)), is(true));
    var health = m.health();
    m.close();
    assertThat(health.exporterFailures().get("console"), is(1L));
    assertThat(health.eventsEmitted(), is(4L));
    assertThat(console.export(List.of(row(5))).join().success(), is(false));
  }

  @Test
  void anExternalCallNeedsExactlyOneParent() {
    assertThrows(
        IllegalArgumentException.class,
        () ->
            new TelemetryEvent.ExternalCallCompleted(
                T,
                "r",
                CallType.HTTP,
                "h",
                CallStatus.SUCCESS,
                1,
                "s",
                "op",
                null,
                null,
                null,
                null,
                null,
                null,
                null,
                null));
    assertThrows(
        IllegalArgumentException.class,
        () ->
            new TelemetryEvent.ExternalCallCompleted(
                T,
                "r",
                CallType.HTTP,
                "h",
                CallStatus.SUCCESS,
                1,
                null,
                null,
                null,
                null,
                null,
                null,
                null,
                null,
                null,
                null));
  }
}
