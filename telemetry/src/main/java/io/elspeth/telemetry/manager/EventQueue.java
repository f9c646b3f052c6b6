package io.elspeth.telemetry.manager;

import io.elspeth.telemetry.config.BackpressureMode;
import io.elspeth.telemetry.event.HealthEvent;
import io.elspeth.telemetry.event.TelemetryEvent;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The bounded FIFO between the producers and the export thread, with its backpressure: when it is
 * full, {@code block} makes a producer wait until a deadline and {@code drop} evicts the oldest
 * event. It also keeps the progress a flush waits for: every event handed over is eventually marked
 * done (exported, failed, evicted or discarded).
 *
 * <p>Guarded by the manager's lock, shared by all of a manager's parts so that a batch's
 * accounting, a disable and the queue it empties are one step; every method takes it (it is
 * reentrant).
 */
final class EventQueue {
  /**
   * How long the export thread lets a batch fill before sending it (a flush waits at most this).
   */
  private static final long LINGER_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

  /** How the hand-over of one event ended. */
  enum Offer {
    QUEUED,
    /** Queued, after evicting the oldest event (drop mode, or a call from the export thread). */
    EVICTED_OLDEST,
    /** Block mode waited until the deadline and found no room: not queued. */
    TIMED_OUT,
    /** The queue was shut down while the producer waited: not queued. */
    SHUT_DOWN
  }

  private final ReentrantLock lock;
  private final Condition notEmpty;
  private final Condition notFull;
  private final Condition progressed;
  private final ArrayDeque<TelemetryEvent> events = new ArrayDeque<>();
  private final int capacity;
  private final int maxBatch;
  private final BackpressureMode mode;
  private final Duration blockTimeout;

  // Guarded by lock.
  private long enqueued;
  private long done;

  /** Time producers have waited for room in block mode: what telemetry cost the pipeline. */
  private long producerWaitNanos;

  private boolean shutdown;

  EventQueue(
      ReentrantLock lock,
      int capacity,
      int maxBatch,
      BackpressureMode mode,
      Duration blockTimeout) {
    this.lock = lock;
    this.notEmpty = lock.newCondition();
    this.notFull = lock.newCondition();
    this.progressed = lock.newCondition();
    this.capacity = capacity;
    this.maxBatch = maxBatch;
    this.mode = mode;
    this.blockTimeout = blockTimeout;
  }

  /** The {@code System.nanoTime()} until which a hand-over starting now may wait for room. */
  long handOverDeadline() {
    return System.nanoTime() + blockTimeout.toNanos();
  }

  /**
   * Queues one event, making room as the backpressure mode says. {@code mayWait} is false for a
   * call from the export thread, which must never wait on itself (it evicts instead).
   */
  Offer offer(TelemetryEvent event, boolean mayWait, long deadline) throws InterruptedException {
    lock.lock();
    try {
      Offer result = Offer.QUEUED;
      if (events.size() >= capacity) {
        if (mode == BackpressureMode.BLOCK && mayWait) {
          long waitStart = System.nanoTime();
          long nanos = deadline - waitStart;
          while (events.size() >= capacity && nanos > 0 && !shutdown) {
            nanos = notFull.awaitNanos(nanos);
          }
          producerWaitNanos += System.nanoTime() - waitStart;
          if (shutdown) {
            return Offer.SHUT_DOWN;
          }
          if (events.size() >= capacity) {
            return Offer.TIMED_OUT;
          }
        } else {
          events.pollFirst();
          markDone(1);
          result = Offer.EVICTED_OLDEST;
        }
      }
      events.addLast(event);
      enqueued++;
      // The export thread waits for the first event of a batch, then lingers until the batch is
      // full: only those two moments need it awake. Signalling every event woke it (a context
      // switch on every event) just to go back to sleep.
      if (events.size() == 1 || events.size() == maxBatch) {
        notEmpty.signal();
      }
      return result;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Queues a health event only if there is room and the queue is open: it never evicts or waits,
   * since the event is already on the last-resort channel.
   */
  void offerIfRoom(HealthEvent event) {
    lock.lock();
    try {
      if (!shutdown && events.size() < capacity) {
        events.addLast(event);
        enqueued++;
        notEmpty.signal();
      }
    } finally {
      lock.unlock();
    }
  }

  /**
   * The export thread's wait for work: returns when events are queued, the queue is shut down,
   * {@code otherWork} says there is something else to do, or the time {@code wakeAt} gives has
   * come. It then lets a batch fill for a moment and takes up to {@code maxBatch} events (none if
   * it woke for another reason). Returns null once the queue is shut down and empty.
   */
  @Nullable List<TelemetryEvent> awaitBatch(BooleanSupplier otherWork, LongSupplier wakeAt)
      throws InterruptedException {
    List<TelemetryEvent> batch = new ArrayList<>();
    lock.lock();
    try {
      while (events.isEmpty() && !shutdown && !otherWork.getAsBoolean()) {
        long wait = wakeAt.getAsLong() - System.nanoTime();
        if (wait <= 0) {
          break;
        }
        notEmpty.awaitNanos(wait);
      }
      if (events.isEmpty() && shutdown) {
        return null;
      }
      if (!events.isEmpty()) {
        // Let a batch fill for a moment: exporting each trickle of events as it arrives makes
        // one backend request per few events, and the producers then wait on a full queue.
        long lingerUntil = System.nanoTime() + LINGER_NANOS;
        while (events.size() < maxBatch && !shutdown) {
          long wait = lingerUntil - System.nanoTime();
          if (wait <= 0) {
            break;
          }
          notEmpty.awaitNanos(wait);
        }
        while (!events.isEmpty() && batch.size() < maxBatch) {
          batch.add(events.pollFirst());
        }
        notFull.signalAll();
      }
      return batch;
    } finally {
      lock.unlock();
    }
  }

  /** Wakes the export thread waiting in {@link #awaitBatch} (an export result came in). */
  void wake() {
    lock.lock();
    try {
      notEmpty.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** Marks {@code n} handed-over events as done, waking flushes that wait for them. */
  void markDone(long n) {
    lock.lock();
    try {
      done += n;
      progressed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /**
   * Waits until every event handed over before this call is done, the timeout passes, or {@code
   * workerAlive} turns false. Whether everything was done.
   */
  boolean awaitDone(Duration timeout, BooleanSupplier workerAlive) throws InterruptedException {
    lock.lock();
    try {
      long target = enqueued;
      long nanos = timeout.toNanos();
      while (done < target && nanos > 0 && workerAlive.getAsBoolean()) {
        nanos = progressed.awaitNanos(nanos);
      }
      return done >= target;
    } finally {
      lock.unlock();
    }
  }

  /** Takes every queued event out, marked done, for the caller to count. */
  List<TelemetryEvent> removeAll() {
    lock.lock();
    try {
      List<TelemetryEvent> removed = new ArrayList<>(events);
      events.clear();
      markDone(removed.size());
      return removed;
    } finally {
      lock.unlock();
    }
  }

  /** Accepts nothing more and wakes every waiter. */
  void shutdown() {
    lock.lock();
    try {
      shutdown = true;
      notEmpty.signalAll();
      notFull.signalAll();
    } finally {
      lock.unlock();
    }
  }

  boolean isShutdown() {
    lock.lock();
    try {
      return shutdown;
    } finally {
      lock.unlock();
    }
  }

  boolean isEmpty() {
    lock.lock();
    try {
      return events.isEmpty();
    } finally {
      lock.unlock();
    }
  }

  int size() {
    lock.lock();
    try {
      return events.size();
    } finally {
      lock.unlock();
    }
  }

  int capacity() {
    return capacity;
  }

  long producerWaitMillis() {
    lock.lock();
    try {
      return producerWaitNanos / 1_000_000;
    } finally {
      lock.unlock();
    }
  }
}
