package io.elspeth.telemetry.manager;

import io.elspeth.telemetry.config.BackpressureMode;
import io.elspeth.telemetry.config.Granularity;
import io.elspeth.telemetry.event.HealthEvent;
import io.elspeth.telemetry.event.TelemetryEvent;
import io.elspeth.telemetry.exporter.ExportResult;
import io.elspeth.telemetry.exporter.TelemetryExporter;
import io.elspeth.telemetry.health.LastResortChannel;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes events from any thread and hands them, in FIFO order, to every exporter from one export
 * thread. The queue is bounded: {@code block} waits up to a bounded time for room and then drops
 * the event (counted); {@code drop} evicts the oldest queued event (counted). Each exporter's
 * failures are counted; a batch every exporter failed is a total failure, and a streak of
 * {@code maxConsecutiveFailures} either disables telemetry or is stored and raised by the next
 * {@link #flush}. Health events (failures, drops, disabling, periodic snapshots) go to the
 * last-resort channel and to the exporters. Nothing here throws into a producer.
 *
 * <p>Batches are handed to each exporter in FIFO order through {@link
 * TelemetryExporter#exportAsync}; up to {@code maxInFlight} batches may be awaiting their
 * results at once, so a backend's request latency does not set the pace. Results are accounted
 * in FIFO order too (failure counts, the streak, flush progress), exactly as if each batch had
 * been exported synchronously. A batch holding a lifecycle event (RunStarted, PhaseChanged,
 * RunFinished) is a barrier: it is sent alone in flight and waited for, so run boundaries reach
 * the backend in order even when row batches overtake each other on the wire.
 */
public final class TelemetryManager implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(TelemetryManager.class);
  /** Drops and failures are reported at the first one and then every this many. */
  static final int REPORT_INTERVAL = 100;

  private final String runId;
  private final Granularity granularity;
  private final BackpressureMode mode;
  private final boolean failOnTotal;
  private final int maxConsecutiveFailures;
  private final List<TelemetryExporter> exporters;
  private final LastResortChannel channel;
  private final int capacity;
  private final int maxBatch;
  private final int maxInFlight;
  private final Duration exportTimeout;
  /** How long the export thread lets a batch fill before sending it (a flush waits at most this). */
  private static final long LINGER_NANOS = java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(50);
  private final Duration blockTimeout;
  private final Duration closeTimeout;
  private final Duration healthInterval;

  private final ReentrantLock lock = new ReentrantLock();
  private final Condition notEmpty = lock.newCondition();
  private final Condition notFull = lock.newCondition();
  private final Condition progressed = lock.newCondition();
  private final ArrayDeque<TelemetryEvent> queue = new ArrayDeque<>();
  /** Batches handed to the exporters whose results are not accounted yet, oldest first. */
  private final ArrayDeque<InFlight> inFlight = new ArrayDeque<>();
  private final @Nullable Thread exportThread;

  // Guarded by lock.
  private long enqueued;
  private long completed;
  private long emitted;
  private long dropped;
  private long reportedDrops;
  private long discardedAtShutdown;
  /** Time producers have waited for room in block mode: what telemetry cost the pipeline. */
  private long producerWaitNanos;
  private int consecutiveTotalFailures;
  private boolean shutdown;
  private boolean closed;
  private volatile boolean disabled;
  private @Nullable TelemetryFailureException storedFailure;
  private final Map<String, Long> exporterFailures = new LinkedHashMap<>();

  private TelemetryManager(Builder b) {
    this.runId = b.runId;
    this.granularity = b.granularity;
    this.mode = b.mode;
    this.failOnTotal = b.failOnTotal;
    this.maxConsecutiveFailures = b.maxConsecutiveFailures;
    this.exporters = List.copyOf(b.exporters);
    this.channel = b.channel;
    this.capacity = b.capacity;
    this.maxBatch = b.maxBatch;
    this.maxInFlight = b.maxInFlight;
    this.exportTimeout = b.exportTimeout;
    this.blockTimeout = b.blockTimeout;
    this.closeTimeout = b.closeTimeout;
    this.healthInterval = b.healthInterval;
    for (TelemetryExporter e : exporters) {
      exporterFailures.put(e.name(), 0L);
    }
    if (b.enabled && !exporters.isEmpty()) {
      Thread t = new Thread(this::exportLoop, "telemetry-export-" + runId);
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
    return exportThread != null && !disabled;
  }

  /** Whether an event of this type would be emitted at the configured granularity. */
  public boolean wants(Granularity category) {
    return exportThread != null && granularity.includes(category);
  }

  /** Queues an event for export; filtered by granularity. Never throws, never blocks longer than the block timeout. */
  public void handleEvent(TelemetryEvent event) {
    handleEvents(List.of(event));
  }

  /**
   * Queues events for export in their order, as {@link #handleEvent} does each one, under one
   * hold of the lock: a commit transaction hands over all of its events at once. In block mode
   * the whole hand-over waits at most the block timeout; past it, an event that finds the queue
   * full is dropped and counted at once.
   */
  public void handleEvents(List<? extends TelemetryEvent> events) {
    if (exportThread == null || events.isEmpty()) {
      return;
    }
    List<HealthEvent> health = new ArrayList<>(1);
    lock.lock();
    try {
      boolean onExportThread = Thread.currentThread() == exportThread;
      long deadline = System.nanoTime() + blockTimeout.toNanos();
      for (TelemetryEvent event : events) {
        if (!event.emittedAt(granularity)) {
          continue;
        }
        if (shutdown) {
          discardedAtShutdown++; // each event handed over after shutdown, as one by one
        } else if (!disabled) {
          offer(event, onExportThread, deadline, health);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      countDrop("interrupted", 1, health);
    } finally {
      lock.unlock();
      report(health);
    }
  }

  /**
   * Must hold the lock, with the manager neither shut down nor disabled. Queues one event, or
   * counts why not (a wait for room can end in a shutdown).
   */
  private void offer(TelemetryEvent event, boolean onExportThread, long deadline,
      List<HealthEvent> health) throws InterruptedException {
    if (queue.size() >= capacity) {
      if (mode == BackpressureMode.BLOCK && !onExportThread) {
        long waitStart = System.nanoTime();
        long nanos = deadline - waitStart;
        while (queue.size() >= capacity && nanos > 0 && !shutdown) {
          nanos = notFull.awaitNanos(nanos);
        }
        producerWaitNanos += System.nanoTime() - waitStart;
        if (shutdown) {
          discardedAtShutdown++;
          return;
        }
        if (queue.size() >= capacity) {
          countDrop("block_timeout", 1, health);
          return;
        }
      } else {
        // drop mode, or a re-entrant call from an exporter (which must never wait on itself).
        queue.pollFirst();
        completed++;
        countDrop("queue_full", 1, health);
        progressed.signalAll();
      }
    }
    queue.addLast(event);
    enqueued++;
    // The export thread waits for the first event of a batch, then lingers until the batch is
    // full: only those two moments need it awake. Signalling every event woke it (a context
    // switch on every event) just to go back to sleep.
    if (queue.size() == 1 || queue.size() == maxBatch) {
      notEmpty.signal();
    }
  }

  /**
   * Counts {@code n} events a producer wanted to emit but could not hand over (it could not build
   * them), as the queue's own drops are counted: in {@code events_dropped}, reported by an
   * {@code EventsDropped} health event with {@code reason}. Ignored, as events are, when
   * telemetry is off or disabled. Never throws.
   */
  public void countDropped(String reason, long n) {
    if (exportThread == null || n <= 0) {
      return;
    }
    List<HealthEvent> health = new ArrayList<>(1);
    lock.lock();
    try {
      if (disabled) {
        return;
      }
      if (shutdown) {
        discardedAtShutdown += n;
        return;
      }
      countDrop(reason, n, health);
    } finally {
      lock.unlock();
    }
    report(health);
  }

  /** Must hold the lock. Reports the first drop and then every REPORT_INTERVAL. */
  private void countDrop(String reason, long n, List<HealthEvent> health) {
    dropped += n;
    if (reportedDrops == 0 || dropped - reportedDrops >= REPORT_INTERVAL) {
      health.add(new HealthEvent.EventsDropped(Instant.now(), runId, reason,
          dropped - reportedDrops, dropped));
      reportedDrops = dropped;
    }
  }

  /**
   * Waits until every event handed over before this call has been dispatched, or the timeout
   * passes (returns false then). Raises a stored total-failure error once, then clears it.
   */
  public boolean flush(Duration timeout) {
    if (exportThread == null) {
      return true;
    }
    boolean drained;
    lock.lock();
    try {
      if (Thread.currentThread() != exportThread) {
        long target = enqueued;
        long nanos = timeout.toNanos();
        while (completed < target && nanos > 0 && exportThread.isAlive()) {
          nanos = progressed.awaitNanos(nanos);
        }
        drained = completed >= target;
      } else {
        drained = queue.isEmpty();
      }
      TelemetryFailureException failure = storedFailure;
      storedFailure = null;
      if (failure != null) {
        throw failure;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    } finally {
      lock.unlock();
    }
    return drained;
  }

  /** Counters now. */
  public HealthMetrics health() {
    lock.lock();
    try {
      return new HealthMetrics(emitted, dropped, discardedAtShutdown, exporterFailures,
          consecutiveTotalFailures, queue.size(), capacity, producerWaitNanos / 1_000_000,
          disabled);
    } finally {
      lock.unlock();
    }
  }

  /**
   * Stops accepting events, lets the export thread deliver what is queued (up to the close
   * timeout; what is left then is counted as discarded at shutdown), writes the final health
   * snapshot and closes the exporters. Idempotent.
   */
  @Override
  public void close() {
    if (exportThread == null) {
      return;
    }
    lock.lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      shutdown = true;
      notEmpty.signalAll();
      notFull.signalAll();
    } finally {
      lock.unlock();
    }
    if (Thread.currentThread() != exportThread) {
      try {
        exportThread.join(closeTimeout.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    List<HealthEvent> health = new ArrayList<>();
    lock.lock();
    try {
      long unsent = queue.size();
      long unconfirmed = 0;
      for (InFlight f : inFlight) {
        f.abandoned = true;
        unconfirmed += f.batch.size();
      }
      if (unsent + unconfirmed > 0) {
        LOG.error("Export thread did not exit cleanly within timeout run_id={} discarded={}",
            runId, unsent + unconfirmed);
        // Events sent but not confirmed are counted too: nothing says they arrived.
        discardedAtShutdown += unsent + unconfirmed;
        completed += unsent + unconfirmed;
        queue.clear();
        inFlight.clear();
        progressed.signalAll();
      }
      if (dropped > reportedDrops) {
        health.add(new HealthEvent.EventsDropped(Instant.now(), runId, "summary",
            dropped - reportedDrops, dropped));
        reportedDrops = dropped;
      }
      health.add(snapshot(true));
    } finally {
      lock.unlock();
    }
    health.forEach(channel::write);
    if (exportThread.isAlive()) {
      exportThread.interrupt();
    }
    for (TelemetryExporter e : exporters) {
      try {
        e.close();
      } catch (RuntimeException ex) {
        LOG.warn("Exporter close failed exporter={} error={}", e.name(), ex.toString());
      }
    }
  }

  private HealthEvent.HealthSnapshot snapshot(boolean last) {
    return new HealthEvent.HealthSnapshot(Instant.now(), runId, emitted, dropped,
        discardedAtShutdown, exporterFailures, consecutiveTotalFailures, queue.size(), capacity,
        producerWaitNanos / 1_000_000, disabled, last);
  }

  /** Writes health events to the last-resort channel and, while telemetry works, queues them. */
  private void report(List<HealthEvent> health) {
    for (HealthEvent h : health) {
      channel.write(h);
      enqueueHealth(h);
    }
  }

  private void enqueueHealth(HealthEvent h) {
    lock.lock();
    try {
      // Never evict or wait for a health event: it is already on the last-resort channel.
      if (!shutdown && !disabled && queue.size() < capacity) {
        queue.addLast(h);
        enqueued++;
        notEmpty.signal();
      }
    } finally {
      lock.unlock();
    }
  }

  /** One batch handed to every exporter, with each exporter's pending result. */
  private static final class InFlight {
    final List<TelemetryEvent> batch;
    final List<CompletableFuture<ExportResult>> results;
    /** System.nanoTime() after which a missing result counts as a failure. */
    final long deadline;
    /** Set by close() when it gave up on this batch; it is then no longer accounted here. */
    boolean abandoned;

    InFlight(List<TelemetryEvent> batch, List<CompletableFuture<ExportResult>> results,
        long deadline) {
      this.batch = batch;
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

  private void exportLoop() {
    long nextSnapshot = System.nanoTime() + healthInterval.toNanos();
    try {
      while (true) {
        settleFinished();
        List<TelemetryEvent> batch = new ArrayList<>();
        lock.lock();
        try {
          while (queue.isEmpty() && !shutdown && !headDone()) {
            InFlight head = inFlight.peekFirst();
            long until = head != null && head.deadline - nextSnapshot < 0 ? head.deadline
                : nextSnapshot;
            long wait = until - System.nanoTime();
            if (wait <= 0) {
              break;
            }
            notEmpty.awaitNanos(wait);
          }
          if (queue.isEmpty() && shutdown) {
            break;
          }
          if (!queue.isEmpty()) {
            // Let a batch fill for a moment: exporting each trickle of events as it arrives
            // makes one backend request per few events, and the producers then wait on a full
            // queue.
            long lingerUntil = System.nanoTime() + LINGER_NANOS;
            while (queue.size() < maxBatch && !shutdown) {
              long wait = lingerUntil - System.nanoTime();
              if (wait <= 0) {
                break;
              }
              notEmpty.awaitNanos(wait);
            }
            while (!queue.isEmpty() && batch.size() < maxBatch) {
              batch.add(queue.pollFirst());
            }
            notFull.signalAll();
          }
        } finally {
          lock.unlock();
        }
        if (System.nanoTime() - nextSnapshot >= 0) {
          nextSnapshot = System.nanoTime() + healthInterval.toNanos();
          HealthEvent.HealthSnapshot s;
          lock.lock();
          try {
            s = snapshot(false);
          } finally {
            lock.unlock();
          }
          channel.write(s);
          if (!disabled) {
            batch.add(s);
          }
        }
        if (!batch.isEmpty()) {
          dispatch(batch);
        }
      }
      // Shutdown: everything is sent; wait for the answers still out.
      settleAll();
    } catch (InterruptedException e) {
      // close() gave up waiting; it counts what is left.
    }
  }

  /** Must hold the lock. Whether the oldest batch in flight can be accounted now. */
  private boolean headDone() {
    InFlight head = inFlight.peekFirst();
    return head != null && head.settleable();
  }

  private static boolean isBarrier(List<TelemetryEvent> batch) {
    for (TelemetryEvent e : batch) {
      if (!(e instanceof HealthEvent) && e.minimumGranularity() == Granularity.LIFECYCLE) {
        return true;
      }
    }
    return false;
  }

  /** Hands the batch to every exporter, keeping at most maxInFlight batches unaccounted. */
  private void dispatch(List<TelemetryEvent> batch) throws InterruptedException {
    boolean barrier = isBarrier(batch);
    if (barrier) {
      settleAll();
    }
    while (inFlightCount() >= maxInFlight) {
      settleHead();
    }
    if (disabled) {
      skip(batch);
      return;
    }
    List<CompletableFuture<ExportResult>> results = new ArrayList<>(exporters.size());
    for (TelemetryExporter exporter : exporters) {
      CompletableFuture<ExportResult> r;
      try {
        r = exporter.exportAsync(batch);
        if (r == null) {
          r = CompletableFuture.completedFuture(
              ExportResult.failure("the exporter returned no result"));
        }
      } catch (RuntimeException e) {
        // An exporter defect: counted like a backend failure, never propagated to the pipeline.
        r = CompletableFuture.completedFuture(ExportResult.failure(e));
      }
      // Wake the export loop when a result comes in, so it is accounted without delay.
      r.whenComplete((x, t) -> {
        lock.lock();
        try {
          notEmpty.signalAll();
        } finally {
          lock.unlock();
        }
      });
      results.add(r);
    }
    lock.lock();
    try {
      inFlight.addLast(new InFlight(batch, results, System.nanoTime() + exportTimeout.toNanos()));
    } finally {
      lock.unlock();
    }
    if (barrier) {
      settleAll();
    }
  }

  /**
   * A batch taken off the queue before the failure streak disabled telemetry, found disabled once
   * room in flight was made: it is not sent (it would only fail, and count a failure past the
   * streak), and its events are dropped as the queued ones were (health events aside, which are
   * on the last-resort channel already).
   */
  private void skip(List<TelemetryEvent> batch) {
    lock.lock();
    try {
      long events = batch.stream().filter(e -> !(e instanceof HealthEvent)).count();
      dropped += events;
      reportedDrops = dropped;
      completed += batch.size();
      progressed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  private int inFlightCount() {
    lock.lock();
    try {
      return inFlight.size();
    } finally {
      lock.unlock();
    }
  }

  /** Accounts the batches at the head whose results are all in, without waiting. */
  private void settleFinished() throws InterruptedException {
    while (true) {
      lock.lock();
      try {
        if (!headDone()) {
          return;
        }
      } finally {
        lock.unlock();
      }
      settleHead();
    }
  }

  private void settleAll() throws InterruptedException {
    while (inFlightCount() > 0) {
      settleHead();
    }
  }

  /** Waits (bounded by the export timeout) for the oldest batch's results and accounts them. */
  private void settleHead() throws InterruptedException {
    InFlight head;
    lock.lock();
    try {
      head = inFlight.peekFirst();
    } finally {
      lock.unlock();
    }
    if (head == null) {
      return;
    }
    long deadline = head.deadline;
    List<ExportResult> results = new ArrayList<>(head.results.size());
    for (CompletableFuture<ExportResult> r : head.results) {
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
    lock.lock();
    try {
      if (head.abandoned || inFlight.peekFirst() != head) {
        return; // close() gave up on it and counted it
      }
      inFlight.pollFirst();
    } finally {
      lock.unlock();
    }
    account(head.batch, results);
  }

  /** Counts one batch's results, in FIFO order: failures per exporter, the streak, progress. */
  private void account(List<TelemetryEvent> batch, List<ExportResult> results) {
    List<HealthEvent> health = new ArrayList<>();
    boolean healthOnly = batch.stream().allMatch(e -> e instanceof HealthEvent);
    int failures = 0;
    for (int i = 0; i < exporters.size(); i++) {
      TelemetryExporter exporter = exporters.get(i);
      ExportResult result = results.get(i);
      if (!result.success() && healthOnly) {
        // Health events are already on the last-resort channel; losing their copy to a broken
        // exporter is not counted, or a dead backend would feed on its own failure reports.
        failures++;
      } else if (!result.success()) {
        failures++;
        long count;
        lock.lock();
        try {
          count = exporterFailures.merge(exporter.name(), 1L, Long::sum);
        } finally {
          lock.unlock();
        }
        // DEBUG: the health line below is the user's one report of this failure.
        LOG.debug("Telemetry exporter failed exporter={} events={} error={}", exporter.name(),
            batch.size(), result.error());
        if (!healthOnly && (count <= 10 || count % REPORT_INTERVAL == 0)) {
          health.add(new HealthEvent.ExporterFailed(Instant.now(), runId, exporter.name(), count,
              batch.size(), String.valueOf(result.error())));
        }
      }
    }
    lock.lock();
    try {
      if (failures < exporters.size()) {
        emitted += batch.size();
        consecutiveTotalFailures = 0;
      } else if (healthOnly) {
        LOG.debug("health events not exported run_id={} count={}", runId, batch.size());
      } else {
        consecutiveTotalFailures++;
        dropped += batch.size();
        if (consecutiveTotalFailures == 1 || consecutiveTotalFailures % REPORT_INTERVAL == 0) {
          health.add(new HealthEvent.AllExportersFailing(Instant.now(), runId,
              consecutiveTotalFailures, dropped));
        }
        reportedDrops = dropped;
        if (consecutiveTotalFailures >= maxConsecutiveFailures) {
          String message = "All " + exporters.size() + " exporters failed "
              + consecutiveTotalFailures + " consecutive times.";
          if (failOnTotal) {
            storedFailure = new TelemetryFailureException("telemetry: " + message
                + " (fail_on_total_exporter_failure is true)");
          } else if (!disabled) {
            disabled = true;
            // Later events would only fail too: drop what is queued, counted (health events
            // among them are already on the last-resort channel, so not counted as dropped).
            long rest = queue.size();
            long restEvents = queue.stream().filter(q -> !(q instanceof HealthEvent)).count();
            queue.clear();
            completed += rest;
            dropped += restEvents;
            reportedDrops = dropped;
            LOG.error("Telemetry disabled after repeated total failures run_id={} "
                + "consecutive_failures={} events_dropped={}", runId, consecutiveTotalFailures,
                dropped);
            health.add(new HealthEvent.TelemetryDisabled(Instant.now(), runId, message,
                consecutiveTotalFailures, dropped));
          }
        }
      }
    } finally {
      lock.unlock();
    }
    // Report before marking the batch done, so a flush that waited for this batch also covers
    // the health events it caused.
    report(health);
    lock.lock();
    try {
      completed += batch.size();
      progressed.signalAll();
    } finally {
      lock.unlock();
    }
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
     * Most batches handed to the exporters whose results are still out (default 4); 1 exports
     * one batch at a time.
     */
    public Builder maxInFlight(int v) {
      if (v < 1) {
        throw new IllegalArgumentException("maxInFlight must be >= 1, got " + v);
      }
      maxInFlight = v;
      return this;
    }

    /**
     * How long the manager waits for an exporter's result before counting the batch as failed
     * for it (default 30 s; exporters time out their own requests sooner).
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
