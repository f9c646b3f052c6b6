package io.elspeth.telemetry.manager;

import io.elspeth.telemetry.event.TelemetryEvent;
import io.elspeth.telemetry.exporter.ExportResult;
import io.elspeth.telemetry.exporter.TelemetryExporter;
import io.elspeth.telemetry.exporter.UnfinishedExports;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A test exporter whose results the test completes by hand, in any order, to make a backend's
 * answers arrive late and out of order on cue. A double only for timings a real backend cannot be
 * made to produce deterministically.
 */
final class PendingExporter implements TelemetryExporter {
  private final String name;
  private final List<List<TelemetryEvent>> sent = new ArrayList<>();
  private final List<CompletableFuture<ExportResult>> results = new ArrayList<>();
  private final UnfinishedExports unfinished = new UnfinishedExports();

  PendingExporter(String name) {
    this.name = name;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public synchronized CompletableFuture<ExportResult> export(List<TelemetryEvent> batch) {
    CompletableFuture<ExportResult> r = new CompletableFuture<>();
    sent.add(List.copyOf(batch));
    results.add(r);
    unfinished.track(r);
    notifyAll();
    return r;
  }

  /** The batches handed over so far, in order. */
  synchronized List<List<TelemetryEvent>> sent() {
    return List.copyOf(sent);
  }

  /** Waits until {@code n} batches were handed over (or 10 s). */
  synchronized void awaitSent(int n) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (sent.size() < n && System.nanoTime() < deadline) {
      wait(50);
    }
  }

  /** Answers the i-th batch. */
  void answer(int i, ExportResult result) {
    CompletableFuture<ExportResult> r;
    synchronized (this) {
      r = results.get(i);
    }
    r.complete(result);
  }

  /** Completes once the test has answered every batch handed over so far. */
  @Override
  public synchronized CompletableFuture<ExportResult> flush() {
    return unfinished.flush();
  }

  /**
   * Answers at once: the answers the test still owes may never come (a backend that never answers),
   * and the manager has accounted for them by the time it shuts exporters down.
   */
  @Override
  public CompletableFuture<ExportResult> shutdown() {
    return CompletableFuture.completedFuture(ExportResult.SUCCESS);
  }
}
