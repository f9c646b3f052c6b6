package io.elspeth.audit.commit;

import io.elspeth.audit.record.AuditRecord;
import io.elspeth.audit.store.LandscapeStore;
import io.elspeth.telemetry.config.Granularity;
import io.elspeth.telemetry.manager.TelemetryManager;
import java.util.List;
import java.util.Objects;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The one way audit records reach the Landscape with their telemetry, used by every path that
 * writes them (the Landscape commit of the steps' records, a failed operation's trail, a batch
 * checkpoint, refused sink rows). Its contract, audit first and telemetry after:
 *
 * <ol>
 *   <li>the records are committed in one transaction (idempotent: a record already there with the
 *       same content is not inserted again; other content fails the transaction);
 *   <li>a failed transaction throws, and no telemetry is emitted for any of its records;
 *   <li>only after the transaction committed, the telemetry events of exactly the records it newly
 *       inserted are emitted, so a retried bundle or flush that commits records its first attempt
 *       committed emits nothing for them again.
 * </ol>
 *
 * <pre>{@code
 * LandscapeWriter.to(store)
 *     .withTelemetry(TelemetryManagers.find(runId).orElse(null),
 *         new StepTrailEvents(runId, stepName, tokenId, payloads))
 *     .commit(records);
 * }</pre>
 */
public final class LandscapeWriter {
  /** Runs between the commit and the telemetry, with what the transaction inserted. */
  @FunctionalInterface
  public interface AfterCommit {
    AfterCommit NONE = (records, inserted) -> {};

    void committed(List<? extends AuditRecord> records, List<AuditRecord> inserted);
  }

  private final LandscapeStore store;
  private final @Nullable TelemetryManager telemetry;
  private final @Nullable CommitEvents events;
  private final AfterCommit afterCommit;

  private LandscapeWriter(
      LandscapeStore store,
      @Nullable TelemetryManager telemetry,
      @Nullable CommitEvents events,
      AfterCommit afterCommit) {
    this.store = store;
    this.telemetry = telemetry;
    this.events = events;
    this.afterCommit = afterCommit;
  }

  /** A writer to {@code store} emitting no telemetry (until {@link #withTelemetry}). */
  public static LandscapeWriter to(LandscapeStore store) {
    return new LandscapeWriter(
        Objects.requireNonNull(store, "store"), null, null, AfterCommit.NONE);
  }

  /**
   * This writer emitting {@code events} of each committed transaction through {@code manager}; a
   * null manager (telemetry off, or no manager for the run in this JVM) emits nothing.
   */
  public LandscapeWriter withTelemetry(@Nullable TelemetryManager manager, CommitEvents events) {
    return new LandscapeWriter(
        store, manager, Objects.requireNonNull(events, "events"), afterCommit);
  }

  /**
   * This writer running {@code hook} after each transaction committed and before its telemetry
   * (counters, crash points of the recovery tests); a hook that throws stops the telemetry of that
   * transaction, never the commit.
   */
  public LandscapeWriter withAfterCommit(AfterCommit hook) {
    return new LandscapeWriter(store, telemetry, events, Objects.requireNonNull(hook, "hook"));
  }

  /**
   * Commits {@code records} in one transaction, then emits the telemetry of the records it
   * inserted; returns those records (parent-before-child order).
   *
   * @throws RuntimeException when the transaction fails (nothing emitted)
   */
  public List<AuditRecord> commit(List<? extends AuditRecord> records) {
    List<AuditRecord> inserted = store.commitNew(records);
    afterCommit.committed(records, inserted);
    emit(records, inserted);
    return inserted;
  }

  private void emit(List<? extends AuditRecord> records, List<AuditRecord> inserted) {
    TelemetryManager t = telemetry;
    CommitEvents e = events;
    if (t == null || e == null || inserted.isEmpty() || !t.wants(e.minimum())) {
      return;
    }
    // Never throws (CommitEvents counts what it cannot build): telemetry never changes the
    // outcome of a write that committed.
    CommitEvents.Built built = e.of(records, inserted, t.wants(Granularity.FULL));
    if (!built.events().isEmpty()) {
      t.handleEvents(built.events());
    }
    if (built.dropped() > 0) {
      t.countDropped("unbuildable", built.dropped());
    }
  }
}
