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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Sends events as spans through an OpenTelemetry SDK {@link SpanExporter} in chunks of at most
 * {@code batchSize}, all chunks of a batch at once, and turns the SDK's results into one {@link
 * ExportResult} (a failed or timed-out chunk fails the batch, never ignored). The SDK exporter
 * answers asynchronously, so {@link #exportAsync} returns before the backend does and the
 * manager can keep several batches in flight. The exporter built by the {@code otlp} and
 * {@code datadog} settings.
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
    return exportAsync(batch).join();
  }

  @Override
  public CompletableFuture<ExportResult> exportAsync(List<TelemetryEvent> batch) {
    List<SpanData> spans = EventSpans.toSpans(batch, resource, style, extraAttributes);
    List<CompletableResultCode> chunks = new ArrayList<>();
    for (int from = 0; from < spans.size(); from += batchSize) {
      chunks.add(exporter.export(spans.subList(from, Math.min(spans.size(), from + batchSize))));
    }
    CompletableFuture<ExportResult> outcome = new CompletableFuture<>();
    CompletableResultCode all = CompletableResultCode.ofAll(chunks);
    all.whenComplete(() -> outcome.complete(result(all, chunks)));
    // The SDK times its requests out itself; this bounds a sender that never answers.
    return outcome.completeOnTimeout(ExportResult.failure("export timed out after "
        + timeout.toMillis() + " ms"), timeout.toMillis() + 1000, TimeUnit.MILLISECONDS);
  }

  private static ExportResult result(CompletableResultCode all,
      List<CompletableResultCode> chunks) {
    if (all.isSuccess()) {
      return ExportResult.SUCCESS;
    }
    for (CompletableResultCode c : chunks) {
      if (c.isDone() && !c.isSuccess() && c.getFailureThrowable() != null) {
        return ExportResult.failure(c.getFailureThrowable());
      }
    }
    return ExportResult.failure("the backend rejected the export");
  }

  @Override
  public synchronized void close() {
    if (!closed) {
      closed = true;
      exporter.shutdown().join(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }
  }
}
