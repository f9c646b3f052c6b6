package io.elspeth.telemetry.span;

import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanId;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.sdk.common.InstrumentationLibraryInfo;
import io.opentelemetry.sdk.common.InstrumentationScopeInfo;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.data.EventData;
import io.opentelemetry.sdk.trace.data.LinkData;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.data.StatusData;
import java.util.List;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * A finished zero-length span built from an event (no SDK tracer involved). It keeps its ids as
 * bytes and a long, as OTLP sends them ({@link OtlpTraceEncoder}); the hex {@link SpanContext} that
 * the SDK's {@link SpanData} consumers read (the Azure Monitor exporter) is made on first use.
 */
final class InstantSpan implements SpanData {
  private final String name;
  private final EventSpans.TraceId traceId;
  private final long spanId;
  private final long epochNanos;
  private final EventAttributes attributes;
  private final Resource resource;
  private @Nullable SpanContext context;

  InstantSpan(
      String name,
      EventSpans.TraceId traceId,
      long spanId,
      long epochNanos,
      EventAttributes attributes,
      Resource resource) {
    this.name = name;
    this.traceId = traceId;
    this.spanId = spanId;
    this.epochNanos = epochNanos;
    this.attributes = attributes;
    this.resource = resource;
  }

  EventSpans.TraceId traceId() {
    return traceId;
  }

  long spanId() {
    return spanId;
  }

  EventAttributes attributes() {
    return attributes;
  }

  @Override
  public String getName() {
    return name;
  }

  @Override
  public SpanContext getSpanContext() {
    SpanContext c = context;
    if (c == null) { // a race makes an equal context twice
      c =
          SpanContext.create(
              traceId.hex(),
              SpanId.fromLong(spanId),
              TraceFlags.getSampled(),
              TraceState.getDefault());
      context = c;
    }
    return c;
  }

  @Override
  public long getStartEpochNanos() {
    return epochNanos;
  }

  @Override
  public long getEndEpochNanos() {
    return epochNanos;
  }

  @Override
  public Attributes getAttributes() {
    return attributes;
  }

  @Override
  public Resource getResource() {
    return resource;
  }

  @Override
  public SpanKind getKind() {
    return SpanKind.INTERNAL;
  }

  @Override
  public SpanContext getParentSpanContext() {
    return SpanContext.getInvalid();
  }

  @Override
  public StatusData getStatus() {
    return StatusData.ok();
  }

  @Override
  public List<EventData> getEvents() {
    return List.of();
  }

  @Override
  public List<LinkData> getLinks() {
    return List.of();
  }

  @Override
  public boolean hasEnded() {
    return true;
  }

  @Override
  public int getTotalRecordedEvents() {
    return 0;
  }

  @Override
  public int getTotalRecordedLinks() {
    return 0;
  }

  @Override
  public int getTotalAttributeCount() {
    return attributes.size();
  }

  @Override
  @SuppressWarnings("deprecation")
  public InstrumentationLibraryInfo getInstrumentationLibraryInfo() {
    return InstrumentationLibraryInfo.create(
        EventSpans.SCOPE.getName(), EventSpans.SCOPE.getVersion());
  }

  @Override
  public InstrumentationScopeInfo getInstrumentationScopeInfo() {
    return EventSpans.SCOPE;
  }
}
