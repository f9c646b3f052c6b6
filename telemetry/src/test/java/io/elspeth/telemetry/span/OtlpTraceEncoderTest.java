package io.elspeth.telemetry.span;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThanOrEqualTo;

import io.elspeth.telemetry.event.TelemetryEvent;
import io.opentelemetry.exporter.internal.otlp.traces.TraceRequestMarshaler;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.io.ByteArrayOutputStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Our OTLP encoding against the SDK's, decoded by the OpenTelemetry protobuf classes. */
class OtlpTraceEncoderTest {
  private static final Instant T = Instant.parse("2026-01-01T00:00:00.123456789Z");
  private static final Resource RESOURCE =
      Resource.getDefault()
          .merge(
              Resource.builder()
                  .put("service.name", "elspeth")
                  .put("deployment.environment", "tést")
                  .build());

  private static List<SpanData> spans(EventSpans.Style style, String text) {
    List<TelemetryEvent> events =
        List.of(
            new TelemetryEvent.RowCreated(T, "run-" + text, "row-" + text, "tok", text),
            new TelemetryEvent.GateEvaluated(
                T,
                "run",
                "row",
                "tok",
                "gate_" + text,
                text,
                TelemetryEvent.RoutingMode.COPY,
                List.of(text, "b")),
            new TelemetryEvent.RunFinished(
                T, "run", TelemetryEvent.RunStatus.COMPLETED, Long.MAX_VALUE, -1.5),
            new TelemetryEvent.RunStarted(
                T, "run", "cfg", Map.of("nested", Map.of("k", text)).toString()));
    List<SpanData> spans = new ArrayList<>();
    for (TelemetryEvent e : events) {
      spans.add(EventSpans.toSpan(e, RESOURCE, style, Map.of("env", text)));
    }
    return spans;
  }

  private static ExportTraceServiceRequest sdkEncoding(List<SpanData> spans) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    TraceRequestMarshaler.create(spans).writeBinaryTo(out);
    return ExportTraceServiceRequest.parseFrom(out.toByteArray());
  }

  @Test
  void encodesEverySpanAsTheSdkDoesForAnyTextAndBothStyles() throws Exception {
    // ASCII, two-byte, three-byte and four-byte (surrogate pair) UTF-8, a lone surrogate, and
    // the empty string; string lists, longs at their limit, negative doubles.
    for (String text :
        List.of(
            "plain ascii",
            "é".repeat(40),
            "漢字".repeat(30),
            "\uD83D\uDE00".repeat(20),
            "broken \uD83D here",
            "")) {
      for (EventSpans.Style style : EventSpans.Style.values()) {
        List<SpanData> spans = spans(style, text);
        OtlpTraceEncoder encoder = new OtlpTraceEncoder(RESOURCE, style, Map.of("env", text));
        List<byte[]> requests = encoder.encode(spans, s -> (InstantSpan) s, 100, Long.MAX_VALUE);
        assertThat(requests.size(), is(1));
        assertThat(
            text + " " + style,
            ExportTraceServiceRequest.parseFrom(requests.get(0)),
            is(sdkEncoding(spans)));
      }
    }
  }

  @Test
  void cutsRequestsBySpanCountAndByExactSizeAndSendsAnOversizedSpanAlone() throws Exception {
    List<TelemetryEvent> events = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      events.add(
          new TelemetryEvent.RowCreated(T, "run-7", "row-" + i, "tok-" + i, "h".repeat(100 * i)));
    }
    OtlpTraceEncoder encoder = new OtlpTraceEncoder(RESOURCE, EventSpans.Style.PLAIN, Map.of());
    assertThat(sizes(encoder.requests(events, 4, Long.MAX_VALUE)), contains(4, 4, 2));
    int limit = 2_000;
    List<byte[]> cut = encoder.requests(events, 100, limit);
    assertThat(cut.size(), greaterThan(3));
    List<Integer> lengths = cut.stream().map(r -> r.length).toList();
    List<Integer> spans = sizes(cut);
    List<String> rows = new ArrayList<>();
    for (int i = 0; i < cut.size(); i++) {
      // A request over the limit holds one span that did not fit alone.
      if (lengths.get(i) > limit) {
        assertThat(spans.get(i), is(1));
      }
      ExportTraceServiceRequest.parseFrom(cut.get(i))
          .getResourceSpans(0)
          .getScopeSpans(0)
          .getSpansList()
          .forEach(s -> rows.add(s.getAttributes(1).getValue().getStringValue()));
    }
    assertThat(
        rows,
        contains(
            "row-0", "row-1", "row-2", "row-3", "row-4", "row-5", "row-6", "row-7", "row-8",
            "row-9"));
    // Each cut left the next span out because it would have passed the limit.
    for (int i = 0; i + 1 < cut.size(); i++) {
      if (spans.get(i) > 1) {
        assertThat(lengths.get(i), lessThanOrEqualTo(limit));
      }
    }
    assertThat(encoder.requests(List.of(), 100, limit), is(List.of()));
    assertThat(lengths, everyItem(greaterThan(0)));
  }

  @Test
  void aVarintsSizeIsOneBytePerSevenBitsAndTenForANegative() throws Exception {
    for (long v :
        new long[] {
          0, 1, 127, 128, 16_383, 16_384, Integer.MAX_VALUE, Long.MAX_VALUE, -1, Long.MIN_VALUE
        }) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      com.google.protobuf.CodedOutputStream coded =
          com.google.protobuf.CodedOutputStream.newInstance(out);
      coded.writeUInt64NoTag(v);
      coded.flush();
      assertThat(Long.toString(v), OtlpTraceEncoder.varintSize(v), is(out.size()));
    }
  }

  private static List<Integer> sizes(List<byte[]> requests) throws Exception {
    List<Integer> sizes = new ArrayList<>();
    for (byte[] r : requests) {
      sizes.add(
          ExportTraceServiceRequest.parseFrom(r)
              .getResourceSpans(0)
              .getScopeSpans(0)
              .getSpansCount());
    }
    return sizes;
  }
}
