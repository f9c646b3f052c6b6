package io.elspeth.telemetry.exporter.otlp;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.sameInstance;

import io.elspeth.telemetry.config.ExporterSettings;
import io.elspeth.telemetry.event.TelemetryEvent;
import io.elspeth.telemetry.exporter.ExportResult;
import io.elspeth.telemetry.exporter.Exporters;
import io.elspeth.telemetry.exporter.TelemetryExporter;
import io.elspeth.testkit.otlp.OtlpReceiver;
import io.elspeth.testkit.otlp.ReceivedSpan;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** A batch cut into OTLP requests reaches a receiver in order; the answers a transport reads. */
class SpanBatchSenderTest {
  private static final Instant T = Instant.parse("2026-01-01T00:00:00Z");

  private static List<TelemetryEvent> rows(int n, int hashLength) {
    List<TelemetryEvent> events = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      events.add(
          new TelemetryEvent.RowCreated(
              T, "run-7", "row-" + i, "tok-" + i, "h".repeat(hashLength)));
    }
    return events;
  }

  @Test
  void aRequestLimitBelowOneKibibyteIsRefusedByBothOtlpExporters() {
    assertThat(
        Exporters.validate(
            new ExporterSettings(
                "otlp", Map.of("endpoint", "http://127.0.0.1:4317", "max_request_bytes", 100))),
        contains(
            "options.max_request_bytes: expected an integer from 1024 to 2147483647, got '100'"));
    assertThat(
        Exporters.validate(
            new ExporterSettings(
                "datadog",
                Map.of(
                    "env",
                    "e",
                    "service_name",
                    "s",
                    "agent_host",
                    "localhost",
                    "agent_port",
                    4318,
                    "max_request_bytes",
                    "big"))),
        contains(
            "options.max_request_bytes: expected an integer from 1024 to 2147483647, got 'big'"));
  }

  @Test
  void aBatchOverTheByteLimitReachesTheReceiverInSeveralRequestsInOrder() {
    try (OtlpReceiver receiver = OtlpReceiver.start()) {
      // Each span carries a 2,000-character hash: about 2,200 bytes, so 9 fit in 20,000 and
      // 10 spans take 2 requests.
      TelemetryExporter e =
          Exporters.create(
              new ExporterSettings(
                  "otlp",
                  Map.of("endpoint", receiver.grpcEndpoint(), "max_request_bytes", 20_000)));
      assertThat(e.export(rows(10, 2000)).join().success(), is(true));
      e.shutdown().join();
      assertThat(receiver.requests(), is(2));
      List<String> rowIds = receiver.spans().stream().map(s -> s.attr("row_id")).toList();
      assertThat(
          rowIds,
          contains(
              "row-0", "row-1", "row-2", "row-3", "row-4", "row-5", "row-6", "row-7", "row-8",
              "row-9"));
      assertThat(
          receiver.spans().stream().map(ReceivedSpan::transport).distinct().toList(),
          contains("grpc"));
    }
  }

  @Test
  void anAnswerReportingRejectedSpansOrAnErrorStatusIsAFailure() {
    // ExportTraceServiceResponse{partial_success{rejected_spans: 3, error_message: "too big"}}
    byte[] partial = {0x0A, 0x0B, 0x08, 0x03, 0x12, 0x07, 't', 'o', 'o', ' ', 'b', 'i', 'g'};
    assertThat(
        OtlpTransport.partialSuccess(partial),
        is(ExportResult.failure("the backend rejected 3 span(s): too big")));
    assertThat(OtlpTransport.partialSuccess(new byte[] {0x0A, 0x00}).success(), is(true));
    assertThat(OtlpTransport.partialSuccess(new byte[0]).success(), is(true));
    assertThat(OtlpTransport.partialSuccess(new byte[] {0x0A, 0x05, 0x08}).success(), is(false));
  }

  @Test
  void shutdownDeliversTheBatchesStillOutThenRefusesMore() {
    try (OtlpReceiver receiver = OtlpReceiver.start()) {
      TelemetryExporter e =
          Exporters.create(
              new ExporterSettings("otlp", Map.of("endpoint", receiver.grpcEndpoint())));
      List<CompletableFuture<ExportResult>> sent =
          List.of(e.export(rows(3, 10)), e.export(rows(2, 10)));
      CompletableFuture<ExportResult> shutdown = e.shutdown();
      assertThat(shutdown.join(), is(ExportResult.SUCCESS));
      assertThat(sent.stream().allMatch(CompletableFuture::isDone), is(true));
      assertThat(receiver.spans(), hasSize(5));
      assertThat(e.shutdown(), is(sameInstance(shutdown)));
      assertThat(
          e.export(rows(1, 10)).join(),
          is(ExportResult.failure("otlp: the exporter is shut down")));
      assertThat(receiver.spans(), hasSize(5));
    }
  }

  @Test
  void flushWaitsForTheBatchesHandedOverAndSaysWhichFailed() {
    try (OtlpReceiver receiver = OtlpReceiver.start()) {
      TelemetryExporter e =
          Exporters.create(
              new ExporterSettings(
                  "otlp",
                  Map.of("endpoint", receiver.httpEndpoint(), "protocol", "http/protobuf")));
      assertThat(e.flush().join(), is(ExportResult.SUCCESS)); // nothing handed over yet
      receiver.failWith(503);
      CompletableFuture<ExportResult> first = e.export(rows(1, 10));
      CompletableFuture<ExportResult> second = e.export(rows(1, 10));
      ExportResult flushed = e.flush().join();
      assertThat(first.isDone() && second.isDone(), is(true));
      assertThat(flushed, is(ExportResult.failure("2 of 2 batches failed; the first: HTTP 503")));
      e.shutdown().join();
    }
  }
}
