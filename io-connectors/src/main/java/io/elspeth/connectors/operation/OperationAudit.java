package io.elspeth.connectors.operation;

import io.elspeth.audit.canonical.CanonicalJson;
import io.elspeth.audit.commit.LandscapeWriter;
import io.elspeth.audit.commit.StepTrailEvents;
import io.elspeth.audit.record.AuditRecord;
import io.elspeth.audit.record.OperationRecord;
import io.elspeth.audit.store.LandscapeStores;
import io.elspeth.audit.store.LandscapeUrl;
import io.elspeth.plugin.StepContext;
import io.elspeth.telemetry.manager.TelemetryManagers;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The operation records of source and sink I/O, and the audit trail of a failed one.
 *
 * <p>Why a failure is committed here rather than output: a step that fails throws, and Beam
 * discards everything a failed bundle output, so the failed operation and its failed calls would
 * never reach the Landscape commit. They are written directly, in their own transaction, before the
 * exception leaves the step; a retried attempt then leaves its own operation beside them.
 */
public final class OperationAudit {
  private OperationAudit() {}

  /** A finished operation; {@code error} set means failed. */
  public static OperationRecord finished(
      StepContext ctx,
      String operationId,
      String type,
      Instant started,
      Object input,
      @Nullable Object output,
      @Nullable String error) {
    Instant done = Instant.now();
    return new OperationRecord(
        operationId,
        ctx.runId(),
        ctx.nodeId(),
        type,
        started,
        done,
        error == null ? "completed" : "failed",
        null,
        CanonicalJson.stableHash(input),
        null,
        output == null ? null : CanonicalJson.stableHash(output),
        error,
        Duration.between(started, done).toNanos() / 1e6);
  }

  /**
   * Commits a failed operation and its calls to the step's Landscape (when the step has one: unit
   * tests of a step alone do not). A failure to commit is added to {@code failure} as suppressed,
   * so the original error still explains the run's end.
   */
  public static void commitFailure(
      StepContext ctx, OperationRecord operation, OperationCalls calls, Exception failure) {
    LandscapeUrl url = ctx.landscape();
    if (url == null) {
      return;
    }
    List<AuditRecord> records = new ArrayList<>();
    records.add(operation);
    records.addAll(calls.calls());
    boolean acquired = false;
    try {
      var store = LandscapeStores.acquire(url);
      acquired = true;
      // Telemetry for the calls this commit inserted, after it: a retry re-committing the same
      // trail emits nothing again. The provider is the step's name (the record has no plugin).
      LandscapeWriter.to(store)
          .withTelemetry(
              TelemetryManagers.find(ctx.runId()).orElse(null),
              new StepTrailEvents(ctx.runId(), ctx.nodeName(), null, null))
          .commit(records);
    } catch (RuntimeException e) {
      failure.addSuppressed(e);
    } finally {
      if (acquired) {
        LandscapeStores.release(url);
      }
    }
  }
}
