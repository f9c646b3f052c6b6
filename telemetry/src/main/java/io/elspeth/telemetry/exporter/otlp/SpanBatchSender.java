package io.elspeth.telemetry.exporter.otlp;

import io.elspeth.telemetry.event.TelemetryEvent;
import io.elspeth.telemetry.exporter.ExportResult;
import io.elspeth.telemetry.exporter.TelemetryExporter;
import io.elspeth.telemetry.span.EventSpans;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Sends events as spans through an OpenTelemetry SDK {@link SpanExporter}, synchronously and in
 * chunks of at most {@code batchSize}, and turns the SDK's result into an {@link ExportResult}
 * (a failed or timed-out chunk is a failure, never ignored). The exporter built by the
 * {@code otlp} and {@code datadog} settings.
 */
public final class SpanBatchSender implements TelemetryExporter {
  private final String name;
  private final SpanExporter exporter;
  private final Resource resource;
  private final EventSpans.Style style;
  private final Map<String, String> extraAttributes;
  private final int batchSize;
  private final Duration timeout;
  private boolean closed;

  public SpanBatchSender(String name, SpanExporter exporter, Resource resource, EventSpans.Style style,
      Map<String, String> extraAttributes, int batchSize, Duration timeout) {
    this.name = name;
    this.exporter = exporter;
    this.resource = resource;
    this.style = style;
    this.extraAttributes = Map.copyOf(extraAttributes);
    this.batchSize = batchSize;
    this.timeout = timeout;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public ExportResult export(List<TelemetryEvent> batch) {
    List<SpanData> spans = EventSpans.toSpans(batch, resource, style, extraAttributes);
    for (int from = 0; from < spans.size(); from += batchSize) {
      List<SpanData> chunk = spans.subList(from, Math.min(spans.size(), from + batchSize));
      CompletableResultCode result = exporter.export(chunk)
          .join(timeout.toMillis(), TimeUnit.MILLISECONDS);
      if (!result.isDone()) {
        return ExportResult.failure("export timed out after " + timeout.toMillis() + " ms");
      }
      if (!result.isSuccess()) {
        Throwable t = result.getFailureThrowable();
        return t == null ? ExportResult.failure("the backend rejected the export")
            : ExportResult.failure(t);
      }
    }
    return ExportResult.SUCCESS;
  }

  @Override
  public synchronized void close() {
    if (!closed) {
      closed = true;
      exporter.shutdown().join(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }
  }
}
