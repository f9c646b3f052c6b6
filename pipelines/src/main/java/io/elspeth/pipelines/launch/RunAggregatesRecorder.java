package io.elspeth.pipelines.launch;

import io.elspeth.audit.aggregates.StoredRunAggregates;
import io.elspeth.audit.payload.FilesystemPayloadStore;
import io.elspeth.audit.reconcile.RunReconciliation;
import io.elspeth.audit.store.LandscapeStore;
import io.elspeth.audit.store.LandscapeWriteException;
import io.elspeth.console.RunAggregates;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The launcher's side of the stored run aggregates ({@link RunAggregates}): read when a run ends,
 * written with its final status ({@link #complete}); and read again for a settled run whose records
 * a resume's repair changed ({@link #refreshAfterRepair}). The aggregates only repeat what the
 * run's records say, so failing to read them never fails a run: the console then computes them from
 * the records, as for a run written before they existed.
 */
final class RunAggregatesRecorder {
  private static final Logger LOG = LoggerFactory.getLogger(RunAggregatesRecorder.class);

  private RunAggregatesRecorder() {}

  /**
   * The aggregates of {@code runId}, whose reconciliation is {@code counts}, with the LLM usage
   * read from the payload store under {@code payloadBase}; null (logged) when they cannot be read.
   */
  static @Nullable RunAggregates read(
      LandscapeStore store, String runId, RunReconciliation counts, String payloadBase) {
    long start = System.nanoTime();
    try (Connection c = store.connection()) {
      RunAggregates aggregates =
          RunAggregates.compute(c, runId, counts, FilesystemPayloadStore.at(Path.of(payloadBase)));
      LOG.info(
          "run aggregates read run_id={} seconds={}",
          runId,
          String.format(java.util.Locale.ROOT, "%.3f", (System.nanoTime() - start) / 1e9));
      return aggregates;
    } catch (SQLException | RuntimeException e) {
      LOG.warn(
          "run aggregates not recorded (the console computes them) run_id={} error={}",
          runId,
          e.toString());
      return null;
    }
  }

  /**
   * Marks {@code runId} {@code status} and records its {@code aggregates} (when not null) in the
   * same transaction, so a run that ended with them readable has them. Should that transaction
   * fail, the run is marked without them (a failure of the database itself then fails that write
   * too, and the run's end reports it as before).
   */
  static boolean complete(
      LandscapeStore store, String runId, String status, @Nullable RunAggregates aggregates) {
    if (aggregates != null) {
      try {
        return store.completeRun(
            runId, status, Instant.now(), tx -> aggregates.writeTo(tx, System.currentTimeMillis()));
      } catch (LandscapeWriteException e) {
        LOG.warn(
            "run aggregates not recorded (the console computes them) run_id={} error={}",
            runId,
            e.getMessage());
      }
    }
    return store.completeRun(runId, status, Instant.now());
  }

  /**
   * After a resume's repair recorded outcomes in {@code runId} (a run of the resumed chain),
   * replaces its stored aggregates, if it has any, with ones read from its records as they are now.
   * Failing that, forgets them, so the console computes them rather than show stale ones.
   */
  static void refreshAfterRepair(LandscapeStore store, String runId, String payloadBase) {
    try {
      try (Connection c = store.connection()) {
        if (StoredRunAggregates.read(c, runId).isEmpty()) {
          return;
        }
      }
      RunAggregates fresh;
      try (Connection c = store.connection()) {
        fresh =
            RunAggregates.compute(
                c,
                runId,
                RunReconciliation.of(c, runId),
                FilesystemPayloadStore.at(Path.of(payloadBase)));
      }
      store.inTransaction(
          "record the aggregates of run " + runId,
          tx -> fresh.writeTo(tx, System.currentTimeMillis()));
      LOG.info("run aggregates recorded again after repair run_id={}", runId);
    } catch (SQLException | RuntimeException e) {
      LOG.warn(
          "run aggregates not recorded again after repair, forgotten instead run_id={}"
              + " error={}",
          runId,
          e.toString());
      try {
        store.inTransaction(
            "forget the aggregates of run " + runId, tx -> StoredRunAggregates.delete(tx, runId));
      } catch (LandscapeWriteException gone) {
        // Nothing can be written: the resume fails on its next write with this same cause.
        LOG.warn("run aggregates not forgotten run_id={} error={}", runId, gone.toString());
      }
    }
  }
}
