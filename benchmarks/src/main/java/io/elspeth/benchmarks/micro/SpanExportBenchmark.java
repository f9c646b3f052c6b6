package io.elspeth.benchmarks.micro;

import io.elspeth.telemetry.event.TelemetryEvent;
import io.elspeth.telemetry.event.TelemetryEvent.NodeStateStatus;
import io.elspeth.telemetry.event.TelemetryEvent.RoutingMode;
import io.elspeth.telemetry.span.EventSpans;
import io.elspeth.telemetry.span.OtlpTraceEncoder;
import io.opentelemetry.exporter.internal.otlp.traces.LowAllocationTraceRequestMarshaler;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.io.ByteArrayOutputStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Telemetry's per-event costs at {@code full} in the exporting JVM, for one OTLP request of 512
 * events (128 rows of scenario 4's pipeline, four events each): what the OTLP exporter runs,
 * building and encoding the spans in one pass ({@code buildAndEncodeOwn}, {@link
 * OtlpTraceEncoder}); and, to compare with, the SDK's way: building its span data ({@code
 * buildSpans}), then encoding it with the SDK's immutable-data marshaler ({@code
 * encodeSpansImmutable}) or its default low-allocation one ({@code encodeSpans}, {@code
 * buildAndEncode}). Divide by 512 for the cost of one event.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class SpanExportBenchmark {
  private List<TelemetryEvent> events;
  private List<SpanData> spans;
  private Resource resource;
  private OtlpTraceEncoder encoder;
  private final LowAllocationTraceRequestMarshaler marshaler =
      new LowAllocationTraceRequestMarshaler();
  private final ByteArrayOutputStream out = new ByteArrayOutputStream(256 * 1024);

  @Setup
  public void setUp() {
    resource =
        Resource.getDefault().merge(Resource.builder().put("service.name", "elspeth").build());
    String run = "01a234be442a7a2fa5fdca220847c705";
    String hash = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
    events = new ArrayList<>();
    Instant now = Instant.now();
    for (int i = 0; i < 128; i++) {
      String row = "row-" + run.substring(0, 8) + "-" + i;
      String token = "tok-" + run.substring(0, 8) + "-" + i;
      events.add(new TelemetryEvent.RowCreated(now, run, row, token, hash));
      events.add(
          new TelemetryEvent.TransformCompleted(
              now,
              run,
              row,
              token,
              "field_mapper_1",
              "field_mapper",
              NodeStateStatus.COMPLETED,
              0.02,
              hash,
              hash));
      events.add(
          new TelemetryEvent.GateEvaluated(
              now,
              run,
              row,
              token,
              "gate_big",
              "big",
              RoutingMode.MOVE,
              List.of(i % 2 == 0 ? "high" : "continue")));
      events.add(
          new TelemetryEvent.TokenCompleted(
              now, run, row, token, "completed", i % 2 == 0 ? "high" : "low"));
    }
    spans = EventSpans.toSpans(events, resource, EventSpans.Style.PLAIN, Map.of());
    encoder = new OtlpTraceEncoder(resource, EventSpans.Style.PLAIN, Map.of());
  }

  @Benchmark
  public List<SpanData> buildSpans() {
    return EventSpans.toSpans(events, resource, EventSpans.Style.PLAIN, Map.of());
  }

  @Benchmark
  public int encodeSpans() throws Exception {
    return encode(spans);
  }

  @Benchmark
  public int buildAndEncode() throws Exception {
    return encode(EventSpans.toSpans(events, resource, EventSpans.Style.PLAIN, Map.of()));
  }

  /** What the OTLP exporter runs: the events built and encoded in one pass. */
  @Benchmark
  public int buildAndEncodeOwn() {
    return encoder.requests(events, 2048, Integer.MAX_VALUE).get(0).length;
  }

  @Benchmark
  public int encodeSpansImmutable() throws Exception {
    out.reset();
    io.opentelemetry.exporter.internal.otlp.traces.TraceRequestMarshaler.create(spans)
        .writeBinaryTo(out);
    return out.size();
  }

  private int encode(List<SpanData> batch) throws Exception {
    out.reset();
    marshaler.initialize(batch);
    try {
      marshaler.writeBinaryTo(out);
    } finally {
      marshaler.reset();
    }
    return out.size();
  }
}
