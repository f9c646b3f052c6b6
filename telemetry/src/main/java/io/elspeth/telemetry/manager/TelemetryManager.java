package io.elspeth.telemetry.manager;

import io.elspeth.telemetry.config.BackpressureMode;
import io.elspeth.telemetry.config.Granularity;
import io.elspeth.telemetry.event.HealthEvent;
import io.elspeth.telemetry.event.TelemetryEvent;
import io.elspeth.telemetry.exporter.TelemetryExporter;
import io.elspeth.telemetry.health.LastResortChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes events from any thread and hands them, in FIFO order, to every exporter from one export
 * thread. The queue is bounded: {@code block} waits up to a bounded time for room and then drops
 * the event (counted); {@code drop} evicts the oldest queued event (counted). Each exporter's
 * failures are counted; a batch every exporter failed is a total failure, and a streak of {@code
 * maxConsecutiveFailures} either disables telemetry or is stored and raised by the next {@link
 * #flush}. Health events (failures, drops, disabling, periodic snapshots) go to the last-resort
 * channel and to the exporters. Nothing here throws into a producer.
 *
 * <p>This class is the front door and the lifecycle; the work is done by its package-private parts,
 * one job each: {@code EventQueue} (the bounded queue and its backpressure), {@code ExportWorker}
 * (the export thread: batching, in-flight bound, lifecycle barriers, snapshots), {@code
 * ExporterFanOut} (one batch to every exporter), {@code InFlightBatches} (results still out),
 * {@code FailureStreak} (results accounted in FIFO order, the total-failure streak), {@code
 * HealthAccounting} (the counters) and {@code HealthReporter} (where health events go). They share
 * one lock, so that a batch's accounting, a disable and the queue it empties are one step.
 */
public final class TelemetryManager implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(TelemetryManager.class);

  private final String runId;
  private final Granularity granularity;
  private final Duration closeTimeout;
  private final ReentrantLock lock = new ReentrantLock();
  private final EventQueue queue;
  private final InFlightBatches inFlight;
  private final ExporterFanOut exporters;
  private final HealthAccounting accounting;
  private final FailureStreak streak;
  private final HealthReporter reporter;
  private final @Nullable Thread exportThread;
  private boolean closed; // guarded by lock

  private TelemetryManager(Builder b) {
    this.runId = b.runId;
    this.granularity = b.granularity;
    this.closeTimeout = b.closeTimeout;
    this.queue = new EventQueue(lock, b.capacity, b.maxBatch, b.mode, b.blockTimeout);
    this.inFlight = new InFlightBatches(lock);
    this.exporters = new ExporterFanOut(b.exporters, b.exportTimeout);
    this.accounting = new HealthAccounting(lock, runId, queue, exporters.names());
    this.streak =
        new FailureStreak(
            lock, accounting, queue, exporters.names(), b.maxConsecutiveFailures, b.failOnTotal);
    this.reporter = new HealthReporter(b.channel, queue, accounting);
    if (b.enabled && !exporters.isEmpty()) {
      Thread t =
          new Thread(
              new ExportWorker(
                  queue,
                  inFlight,
                  exporters,
                  streak,
                  accounting,
                  reporter,
                  b.maxInFlight,
                  b.healthInterval),
              "telemetry-export-" + runId);
      t.setDaemon(true); // close() drains it; a stuck backend must not keep the JVM alive
      exportThread = t;
      t.start();
    } else {
      exportThread = null;
    }
  }

  public static Builder builder(String runId) {
    return new Builder(runId);
  }

  /** A manager that emits nothing (telemetry disabled). */
  public static TelemetryManager disabled(String runId) {
    return builder(runId).enabled(false).build();
  }

  public String runId() {
    return runId;
  }

  /** Whether events reach any exporter (enabled, with exporters, not self-disabled). */
  public boolean active() {
    return exportThread != null && !accounting.disabled();
  }

  /** Whether an event of this type would be emitted at the configured granularity. */
  public boolean wants(Granularity category) {
    return exportThread != null && granularity.includes(category);
  }

  /**
   * Queues an event for export; filtered by granularity. Never throws, never blocks longer than the
   * block timeout.
   */
  public void handleEvent(TelemetryEvent event) {
    handleEvents(List.of(event));
  }

  /**
   * Queues events for export in their order, as {@link #handleEvent} does each one, under one hold
   * of the lock: a commit transaction hands over all of its events at once. In block mode the whole
   * hand-over waits at most the block timeout; past it, an event that finds the queue full is
   * dropped and counted at once.
   */
  public void handleEvents(List<? extends TelemetryEvent> events) {
    if (exportThread == null || events.isEmpty()) {
      return;
    }
    List<HealthEvent> health = new ArrayList<>(1);
    lock.lock();
    try {
      // An exporter calling back from the export thread must never wait on itself.
      boolean mayWait = Thread.currentThread() != exportThread;
      long deadline = queue.handOverDeadline();
      for (TelemetryEvent event : events) {
        if (!event.emittedAt(granularity)) {
          continue;
        }
        if (queue.isShutdown()) {
          accounting.countDiscardedAtShutdown(1); // each one handed over after shutdown
        } else if (!accounting.disabled()) {
          offer(event, mayWait, deadline, health);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      accounting.countDrop("interrupted", 1, health);
    } finally {
      lock.unlock();
      reporter.report(health);
    }
  }

  /** Must hold the lock. Queues one event, or counts why not. */
  private void offer(TelemetryEvent event, boolean mayWait, long deadline, List<HealthEvent> health)
      throws InterruptedException {
    switch (queue.offer(event, mayWait, deadline)) {
      case QUEUED -> {}
      case EVICTED_OLDEST -> accounting.countDrop("queue_full", 1, health);
      case TIMED_OUT -> accounting.countDrop("block_timeout", 1, health);
      case SHUT_DOWN -> accounting.countDiscardedAtShutdown(1);
      default -> throw new IllegalStateException("unknown offer outcome");
    }
  }

  /**
   * Counts {@code n} events a producer wanted to emit but could not hand over (it could not build
   * them), as the queue's own drops are counted: in {@code events_dropped}, reported by an {@code
   * EventsDropped} health event with {@code reason}. Ignored, as events are, when telemetry is off
   * or disabled. Never throws.
   */
  public void countDropped(String reason, long n) {
    if (exportThread == null || n <= 0) {
      return;
    }
    List<HealthEvent> health = new ArrayList<>(1);
    lock.lock();
    try {
      if (accounting.disabled()) {
        return;
      }
      if (queue.isShutdown()) {
        accounting.countDiscardedAtShutdown(n);
        return;
      }
      accounting.countDrop(reason, n, health);
    } finally {
      lock.unlock();
    }
    reporter.report(health);
  }

  /**
   * Waits until every event handed over before this call has been dispatched, or the timeout passes
   * (returns false then). Raises a stored total-failure error once, then clears it.
   */
  public boolean flush(Duration timeout) {
    Thread worker = exportThread;
    if (worker == null) {
      return true;
    }
    lock.lock();
    try {
      boolean drained =
          Thread.currentThread() != worker
              ? queue.awaitDone(timeout, worker::isAlive)
              : queue.isEmpty();
      TelemetryFailureException failure = streak.takeStoredFailure();
      if (failure != null) {
        throw failure;
      }
      return drained;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    } finally {
      lock.unlock();
    }
  }

  /** Counters now. */
  public HealthMetrics health() {
    return accounting.metrics();
  }

  /**
   * Stops accepting events, lets the export thread deliver what is queued (up to the close timeout;
   * what is left then is counted as discarded at shutdown), writes the final health snapshot and
   * shuts the exporters down (each flushes, then releases). Idempotent.
   */
  @Override
  public void close() {
    Thread worker = exportThread;
    if (worker == null) {
      return;
    }
    lock.lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      queue.shutdown();
    } finally {
      lock.unlock();
    }
    if (Thread.currentThread() != worker) {
      try {
        worker.join(closeTimeout.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    List<HealthEvent> health = new ArrayList<>();
    lock.lock();
    try {
      long unsent = queue.removeAll().size();
      // Events sent but not confirmed are counted too: nothing says they arrived.
      long unconfirmed = inFlight.abandonAll();
      queue.markDone(unconfirmed);
      if (unsent + unconfirmed > 0) {
        LOG.error(
            "Export thread did not exit cleanly within timeout run_id={} discarded={}",
            runId,
            unsent + unconfirmed);
        accounting.countDiscardedAtShutdown(unsent + unconfirmed);
      }
      accounting.addUnreportedDrops(health);
      health.add(accounting.snapshot(true));
    } finally {
      lock.unlock();
    }
    health.forEach(reporter::lastResort);
    if (worker.isAlive()) {
      worker.interrupt();
    }
    exporters.shutdown(closeTimeout);
  }

  /** Settings of a manager; defaults as ELSPETH's internal defaults. */
  public static final class Builder {
    private final String runId;
    private boolean enabled = true;
    private Granularity granularity = Granularity.LIFECYCLE;
    private BackpressureMode mode = BackpressureMode.BLOCK;
    private boolean failOnTotal = true;
    private int maxConsecutiveFailures = 10;
    private final List<TelemetryExporter> exporters = new ArrayList<>();
    private LastResortChannel channel = LastResortChannel.stderr(null);
    private int capacity = 1000;
    private int maxBatch = 2048;
    private int maxInFlight = 4;
    private Duration exportTimeout = Duration.ofSeconds(30);
    private Duration blockTimeout = Duration.ofSeconds(30);
    private Duration closeTimeout = Duration.ofSeconds(5);
    private Duration healthInterval = Duration.ofSeconds(60);

    private Builder(String runId) {
      this.runId = runId;
    }

    public Builder enabled(boolean v) {
      enabled = v;
      return this;
    }

    public Builder granularity(Granularity v) {
      granularity = v;
      return this;
    }

    public Builder backpressure(BackpressureMode v) {
      mode = v;
      return this;
    }

    public Builder failOnTotalExporterFailure(boolean v) {
      failOnTotal = v;
      return this;
    }

    public Builder maxConsecutiveFailures(int v) {
      if (v < 1) {
        throw new IllegalArgumentException("maxConsecutiveFailures must be >= 1, got " + v);
      }
      maxConsecutiveFailures = v;
      return this;
    }

    public Builder exporter(TelemetryExporter v) {
      exporters.add(v);
      return this;
    }

    public Builder exporters(List<? extends TelemetryExporter> v) {
      exporters.addAll(v);
      return this;
    }

    public Builder lastResort(LastResortChannel v) {
      channel = v;
      return this;
    }

    /** Queue capacity (default 1000, ELSPETH's fixed size). */
    public Builder capacity(int v) {
      if (v < 1) {
        throw new IllegalArgumentException("capacity must be >= 1, got " + v);
      }
      capacity = v;
      return this;
    }

    /** Most events handed to an exporter in one call (default 2048, the OTLP request size). */
    public Builder maxBatch(int v) {
      if (v < 1) {
        throw new IllegalArgumentException("maxBatch must be >= 1, got " + v);
      }
      maxBatch = v;
      return this;
    }

    /**
     * Most batches handed to the exporters whose results are still out (default 4); 1 exports one
     * batch at a time.
     */
    public Builder maxInFlight(int v) {
      if (v < 1) {
        throw new IllegalArgumentException("maxInFlight must be >= 1, got " + v);
      }
      maxInFlight = v;
      return this;
    }

    /**
     * How long the manager waits for an exporter's result before counting the batch as failed for
     * it (default 30 s; exporters time out their own requests sooner).
     */
    public Builder exportTimeout(Duration v) {
      exportTimeout = v;
      return this;
    }

    /** How long block mode waits for room before dropping (default 30 s). */
    public Builder blockTimeout(Duration v) {
      blockTimeout = v;
      return this;
    }

    /** How long close waits for the export thread (default 5 s). */
    public Builder closeTimeout(Duration v) {
      closeTimeout = v;
      return this;
    }

    /** Period of the health snapshot (default 60 s). */
    public Builder healthInterval(Duration v) {
      healthInterval = v;
      return this;
    }

    public TelemetryManager build() {
      return new TelemetryManager(this);
    }
  }
}
