package io.elspeth.telemetry.manager;

import io.elspeth.telemetry.event.TelemetryEvent;
import io.elspeth.telemetry.exporter.ExportResult;
import io.elspeth.telemetry.exporter.TelemetryExporter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.function.Consumer;

/**
 * A test exporter that records what it is given and can be told to fail, to hold the export thread
 * at a latch (so the queue state is deterministic), or to call back into the manager. A double only
 * for failures that a real backend cannot be made to produce on cue.
 */
final class RecordingExporter implements TelemetryExporter {
  private final String name;
  final List<TelemetryEvent> received = new ArrayList<>();
  private final List<Integer> batchSizes = new ArrayList<>();
  volatile boolean failing;
  volatile CountDownLatch gate;
  final CountDownLatch entered = new CountDownLatch(1);
  volatile Consumer<TelemetryEvent> onExport;
  int shutdowns;

  RecordingExporter(String name) {
    this.name = name;
  }

  /** Sizes of the batches exported successfully, in order. */
  synchronized List<Integer> batchSizes() {
    return List.copyOf(batchSizes);
  }

  @Override
  public String name() {
    return name;
  }

  /** Synchronous: the export thread waits here while the gate is shut. */
  @Override
  public CompletableFuture<ExportResult> export(List<TelemetryEvent> batch) {
    entered.countDown();
    CountDownLatch g = gate;
    if (g != null) {
      try {
        g.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    if (onExport != null) {
      batch.forEach(onExport);
    }
    synchronized (this) {
      if (failing) {
        return CompletableFuture.completedFuture(ExportResult.failure("backend down"));
      }
      received.addAll(batch);
      batchSizes.add(batch.size());
    }
    return CompletableFuture.completedFuture(ExportResult.SUCCESS);
  }

  synchronized List<TelemetryEvent> received() {
    return List.copyOf(received);
  }

  /** Nothing is buffered: every export has finished when it returns. */
  @Override
  public CompletableFuture<ExportResult> flush() {
    return CompletableFuture.completedFuture(ExportResult.SUCCESS);
  }

  @Override
  public synchronized CompletableFuture<ExportResult> shutdown() {
    shutdowns++;
    return CompletableFuture.completedFuture(ExportResult.SUCCESS);
  }
}
