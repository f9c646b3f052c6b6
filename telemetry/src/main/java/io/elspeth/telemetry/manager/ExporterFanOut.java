package io.elspeth.telemetry.manager;

import io.elspeth.telemetry.event.TelemetryEvent;
import io.elspeth.telemetry.exporter.ExportResult;
import io.elspeth.telemetry.exporter.TelemetryExporter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands each batch to every exporter and gathers one result per exporter, in the exporters' order.
 * Whatever an exporter does wrong (throws, returns no result, never answers within the export
 * timeout) becomes a failed result: nothing from an exporter reaches the pipeline.
 */
final class ExporterFanOut {
  private static final Logger LOG = LoggerFactory.getLogger(ExporterFanOut.class);

  private final List<TelemetryExporter> exporters;
  private final Duration exportTimeout;

  ExporterFanOut(List<TelemetryExporter> exporters, Duration exportTimeout) {
    this.exporters = List.copyOf(exporters);
    this.exportTimeout = exportTimeout;
  }

  List<String> names() {
    return exporters.stream().map(TelemetryExporter::name).toList();
  }

  boolean isEmpty() {
    return exporters.isEmpty();
  }

  /** The {@code System.nanoTime()} after which a batch exported now counts as failed. */
  long resultDeadline() {
    return System.nanoTime() + exportTimeout.toNanos();
  }

  /**
   * Starts the export of {@code batch} by every exporter; {@code onResult} runs as each result
   * comes in (on whatever thread completes it).
   */
  List<CompletableFuture<ExportResult>> export(List<TelemetryEvent> batch, Runnable onResult) {
    List<CompletableFuture<ExportResult>> results = new ArrayList<>(exporters.size());
    for (TelemetryExporter exporter : exporters) {
      CompletableFuture<ExportResult> r;
      try {
        r = exporter.export(batch);
        if (r == null) {
          r =
              CompletableFuture.completedFuture(
                  ExportResult.failure("the exporter returned no result"));
        }
      } catch (RuntimeException e) {
        // An exporter defect: counted like a backend failure, never propagated to the pipeline.
        r = CompletableFuture.completedFuture(ExportResult.failure(e));
      }
      r.whenComplete((x, t) -> onResult.run());
      results.add(r);
    }
    return results;
  }

  /**
   * Waits until {@code deadline} (System.nanoTime()) for each result; a missing one is a failure.
   */
  List<ExportResult> await(List<CompletableFuture<ExportResult>> pending, long deadline)
      throws InterruptedException {
    List<ExportResult> results = new ArrayList<>(pending.size());
    for (CompletableFuture<ExportResult> r : pending) {
      ExportResult result;
      try {
        result = r.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        if (result == null) {
          result = ExportResult.failure("the exporter returned no result");
        }
      } catch (TimeoutException e) {
        result = ExportResult.failure("no result within " + exportTimeout.toMillis() + " ms");
      } catch (ExecutionException e) {
        result = ExportResult.failure(e.getCause() == null ? e : e.getCause());
      }
      results.add(result);
    }
    return results;
  }

  /**
   * Shuts every exporter down (each flushes what it still holds, then releases it), waiting for
   * each at most {@code wait}: the manager's close has already waited for the answers it needed. A
   * failure to shut one down is logged, and the others are still shut down.
   */
  void shutdown(Duration wait) {
    for (TelemetryExporter e : exporters) {
      ExportResult result;
      try {
        CompletableFuture<ExportResult> r = e.shutdown();
        result =
            r == null
                ? ExportResult.failure("the exporter returned no result")
                : r.get(wait.toMillis(), TimeUnit.MILLISECONDS);
      } catch (TimeoutException ex) {
        result = ExportResult.failure("no answer within " + wait.toMillis() + " ms");
      } catch (ExecutionException ex) {
        result = ExportResult.failure(ex.getCause() == null ? ex : ex.getCause());
      } catch (InterruptedException ex) {
        Thread.currentThread().interrupt();
        result = ExportResult.failure("interrupted");
      } catch (RuntimeException ex) {
        result = ExportResult.failure(ex);
      }
      if (result == null || !result.success()) {
        LOG.warn(
            "Exporter shutdown failed exporter={} error={}",
            e.name(),
            result == null ? "the exporter returned no result" : result.error());
      }
    }
  }
}
