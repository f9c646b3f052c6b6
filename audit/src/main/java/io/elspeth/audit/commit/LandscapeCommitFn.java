package io.elspeth.audit.commit;

import io.elspeth.audit.crash.CrashPoint;
import io.elspeth.audit.payload.FilesystemPayloadStore;
import io.elspeth.audit.payload.PayloadStore;
import io.elspeth.audit.record.AuditRecord;
import io.elspeth.audit.record.NodeStateRecord;
import io.elspeth.audit.record.RowRecord;
import io.elspeth.audit.record.TokenOutcomeRecord;
import io.elspeth.audit.store.LandscapeStore;
import io.elspeth.audit.store.LandscapeStores;
import io.elspeth.audit.store.LandscapeUrl;
import io.elspeth.telemetry.config.Granularity;
import io.elspeth.telemetry.manager.TelemetryManager;
import io.elspeth.telemetry.manager.TelemetryManagers;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.DoFn;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The DoFn of {@link LandscapeCommit}: buffers a bundle's records, commits them when the bundle
 * finishes, when the buffer reaches its cap, or when it has been idle for a while, and counts what
 * it committed.
 */
final class LandscapeCommitFn extends DoFn<AuditRecord, Void> {
  private final LandscapeUrl url;
  private final int maxBatchSize;
  private final LandscapeCommit.@Nullable TelemetryWiring wiring;
  private final Counter committed = Metrics.counter(LandscapeCommit.class, "records_committed");
  private final Counter transactions = Metrics.counter(LandscapeCommit.class, "transactions");
  private transient LandscapeStore store;

  /** Commits a buffer, then emits the telemetry of what it inserted. */
  private transient LandscapeWriter writer;

  private transient List<AuditRecord> buffer;
  private transient @Nullable TelemetryManager telemetry;
  private transient @Nullable CommittedEvents events;

  /** Flushes a buffer left idle (see {@link #IDLE_FLUSH_MILLIS}); null until set up. */
  private transient java.util.concurrent.@Nullable ScheduledExecutorService idleFlusher;

  private transient volatile long lastAddedNanos;

  /** A failure of an idle flush, rethrown on the runner's thread. */
  private transient volatile @Nullable RuntimeException idleFailure;

  private transient long idleCommitted;
  private transient long idleTransactions;

  /**
   * A buffer that got no record for this long is committed without waiting for the bundle to end:
   * on runners whose bundles span a whole partition (Flink batch), the tail of the rows' records
   * would otherwise wait for the end of the input, after the sinks that need them committed first
   * (a sink publishes only once its tokens are recorded).
   */
  static final long IDLE_FLUSH_MILLIS = 200;

  LandscapeCommitFn(
      LandscapeUrl url, int maxBatchSize, LandscapeCommit.@Nullable TelemetryWiring wiring) {
    this.url = url;
    this.maxBatchSize = maxBatchSize;
    this.wiring = wiring;
  }

  @Setup
  public void setup() {
    store = LandscapeStores.acquire(url);
    if (wiring != null && wiring.settings().enabled()) {
      telemetry = TelemetryManagers.acquire(wiring.runId(), wiring.settings());
      // Payloads are read only for call events, which only full emits.
      PayloadStore payloads =
          wiring.payloadStore() != null
                  && wiring.settings().granularity().includes(Granularity.FULL)
              ? FilesystemPayloadStore.at(Path.of(wiring.payloadStore()))
              : null;
      events = new CommittedEvents(wiring, payloads);
    }
    LandscapeWriter plain = LandscapeWriter.to(store).withAfterCommit(LandscapeCommitFn::committed);
    writer = events == null ? plain : plain.withTelemetry(telemetry, events);
    buffer = new ArrayList<>();
    idleFlusher =
        java.util.concurrent.Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "landscape-idle-flush");
              t.setDaemon(true);
              return t;
            });
    idleFlusher.scheduleWithFixedDelay(
        this::flushIfIdle,
        IDLE_FLUSH_MILLIS,
        IDLE_FLUSH_MILLIS,
        java.util.concurrent.TimeUnit.MILLISECONDS);
  }

  @StartBundle
  public synchronized void startBundle() {
    buffer = new ArrayList<>();
  }

  @ProcessElement
  public synchronized void process(@Element AuditRecord record) {
    rethrowIdleFailure();
    buffer.add(record);
    lastAddedNanos = System.nanoTime();
    if (buffer.size() >= maxBatchSize) {
      flush();
    }
  }

  @FinishBundle
  public synchronized void finishBundle() {
    rethrowIdleFailure();
    flush();
  }

  private synchronized void flushIfIdle() {
    if (buffer == null
        || buffer.isEmpty()
        || idleFailure != null
        || System.nanoTime() - lastAddedNanos < IDLE_FLUSH_MILLIS * 1_000_000L) {
      return;
    }
    try {
      flush(false);
    } catch (RuntimeException e) {
      // The records stay in the buffer; the runner's thread fails the bundle with this.
      idleFailure = e;
    }
  }

  private void rethrowIdleFailure() {
    RuntimeException e = idleFailure;
    if (e != null) {
      throw e;
    }
  }

  private void flush() {
    flush(true);
  }

  /**
   * Commits the buffer. Beam's metrics count only on the runner's threads, so what an idle flush
   * commits is counted at the next call on one.
   */
  private void flush(boolean onRunnerThread) {
    if (onRunnerThread && idleTransactions > 0) {
      committed.inc(idleCommitted);
      transactions.inc(idleTransactions);
      idleCommitted = 0;
      idleTransactions = 0;
    }
    if (buffer.isEmpty()) {
      return;
    }
    // Throws when the transaction fails: nothing below runs, and no telemetry for these
    // records; the writer emits the telemetry of what the transaction inserted.
    writer.commit(buffer);
    if (onRunnerThread) {
      committed.inc(buffer.size());
      transactions.inc();
    } else {
      idleCommitted += buffer.size();
      idleTransactions++;
    }
    buffer = new ArrayList<>();
  }

  /** After the transaction, before its telemetry: crash points, then the readers' counts. */
  private static void committed(List<? extends AuditRecord> done, List<AuditRecord> inserted) {
    CrashPoint.reached("commit.committed");
    if (hasOutcome(done)) {
      CrashPoint.reached("commit.outcomes_committed");
    }
    countForReaders(done);
  }

  private static boolean hasOutcome(List<? extends AuditRecord> records) {
    for (AuditRecord r : records) {
      if (r instanceof io.elspeth.audit.record.TokenOutcomeRecord) {
        return true;
      }
    }
    return false;
  }

  /** Tells the readers in this JVM how far the commit has come ({@link AuditBacklog}). */
  private static void countForReaders(List<? extends AuditRecord> done) {
    String run = null;
    long rows = 0;
    long outcomes = 0;
    boolean progressTold = false;
    for (AuditRecord r : done) {
      if (!progressTold && r instanceof NodeStateRecord s) {
        AuditBacklog.progressed(s.runId());
        progressTold = true;
      }
      String of =
          r instanceof RowRecord row
              ? row.runId()
              : r instanceof TokenOutcomeRecord o && o.sinkName() != null ? o.runId() : null;
      if (of == null) {
        continue;
      }
      if (run != null && !run.equals(of)) {
        tell(run, rows, outcomes);
        rows = 0;
        outcomes = 0;
      }
      run = of;
      if (r instanceof RowRecord) {
        rows++;
      } else {
        outcomes++;
      }
    }
    if (run != null) {
      tell(run, rows, outcomes);
    }
  }

  private static void tell(String run, long rows, long outcomes) {
    if (rows > 0) {
      AuditBacklog.committed(run, AuditBacklog.Kind.SOURCE_ROWS, rows);
    }
    if (outcomes > 0) {
      AuditBacklog.committed(run, AuditBacklog.Kind.SINK_OUTCOMES, outcomes);
    }
  }

  // Beam calls teardown last, after a setup that may have failed half-way: the fields set up
  // there are nulled (released) here, and may be null already.
  @SuppressWarnings("NullAway")
  @Teardown
  public void teardown() {
    if (idleFlusher != null) {
      idleFlusher.shutdownNow();
      idleFlusher = null;
    }
    if (telemetry != null && wiring != null) {
      telemetry = null;
      TelemetryManagers.release(wiring.runId());
    }
    if (store != null) {
      LandscapeStores.release(url);
      store = null;
      writer = null;
    }
  }
}
