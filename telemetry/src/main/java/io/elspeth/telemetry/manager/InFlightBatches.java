package io.elspeth.telemetry.manager;

import io.elspeth.telemetry.event.TelemetryEvent;
import io.elspeth.telemetry.exporter.ExportResult;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.ReentrantLock;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The batches handed to the exporters whose results are not accounted yet, oldest first. The export
 * thread adds and settles them; the close gives up on those still out.
 *
 * <p>Guarded by the manager's lock (see {@link EventQueue}); every method takes it.
 */
final class InFlightBatches {
  /** One batch handed to every exporter, with each exporter's pending result. */
  static final class Batch {
    final List<TelemetryEvent> events;
    final List<CompletableFuture<ExportResult>> results;

    /** System.nanoTime() after which a missing result counts as a failure. */
    final long deadline;

    /** Set by the close when it gave up on this batch; it is then no longer accounted. */
    private boolean abandoned;

    Batch(
        List<TelemetryEvent> events, List<CompletableFuture<ExportResult>> results, long deadline) {
      this.events = events;
      this.results = results;
      this.deadline = deadline;
    }

    /** Every result is in, or the deadline has passed. */
    boolean settleable() {
      if (System.nanoTime() - deadline >= 0) {
        return true;
      }
      for (CompletableFuture<ExportResult> r : results) {
        if (!r.isDone()) {
          return false;
        }
      }
      return true;
    }
  }

  private final ReentrantLock lock;
  private final ArrayDeque<Batch> batches = new ArrayDeque<>();

  InFlightBatches(ReentrantLock lock) {
    this.lock = lock;
  }

  void add(Batch batch) {
    lock.lock();
    try {
      batches.addLast(batch);
    } finally {
      lock.unlock();
    }
  }

  int size() {
    lock.lock();
    try {
      return batches.size();
    } finally {
      lock.unlock();
    }
  }

  @Nullable Batch oldest() {
    lock.lock();
    try {
      return batches.peekFirst();
    } finally {
      lock.unlock();
    }
  }

  /** Whether the oldest batch can be accounted now. */
  boolean oldestSettleable() {
    lock.lock();
    try {
      Batch head = batches.peekFirst();
      return head != null && head.settleable();
    } finally {
      lock.unlock();
    }
  }

  /** The earlier of the oldest batch's deadline and {@code other} (both System.nanoTime()). */
  long wakeAt(long other) {
    lock.lock();
    try {
      Batch head = batches.peekFirst();
      return head != null && head.deadline - other < 0 ? head.deadline : other;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Takes {@code batch} out for accounting if it is still the oldest and was not given up on; false
   * if the close has counted it already.
   */
  boolean removeOldest(Batch batch) {
    lock.lock();
    try {
      if (batch.abandoned || batches.peekFirst() != batch) {
        return false;
      }
      batches.pollFirst();
      return true;
    } finally {
      lock.unlock();
    }
  }

  /** Gives up on every batch still out; how many events they held. */
  long abandonAll() {
    lock.lock();
    try {
      long events = 0;
      for (Batch b : batches) {
        b.abandoned = true;
        events += b.events.size();
      }
      batches.clear();
      return events;
    } finally {
      lock.unlock();
    }
  }
}
