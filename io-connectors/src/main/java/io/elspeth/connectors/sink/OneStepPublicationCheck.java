package io.elspeth.connectors.sink;

import io.elspeth.audit.publication.SinkPublication;
import io.elspeth.audit.record.AuditRecord;
import io.elspeth.audit.store.LandscapeStore;
import io.elspeth.audit.token.Ids;
import io.elspeth.connectors.operation.OperationAudit;
import io.elspeth.connectors.operation.OperationCalls;
import io.elspeth.connectors.sink.PublicationRepair.RepairException;
import io.elspeth.plugin.StepContext;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Asks the target of a publication made in one step (a transaction or a block list's commit)
 * whether it committed, and has output staged at the target (blocks) committed now if it did not
 * and the target never changed. The requests this makes to the target's service are the sink's
 * calls, recorded in the run that published under a sink_write operation of their own.
 */
final class OneStepPublicationCheck {
  private OneStepPublicationCheck() {}

  /** What the target of a publication without a local staged file says of it. */
  enum AtTarget {
    COMMITTED,
    FINISHED,
    VOID
  }

  static AtTarget ask(LandscapeStore store, SinkPublication p, @Nullable SinkWriter writer) {
    StepContext ctx =
        new StepContext(p.runId(), p.nodeId(), p.sinkName(), p.stepIndex(), Map.of(), null);
    String operationId = Ids.operationId();
    OperationCalls calls = new OperationCalls(p.runId(), operationId);
    Instant started = Instant.now();
    Map<String, Object> input = new LinkedHashMap<>();
    input.put("repair_of_publication", p.publicationId());
    input.put("target", p.target());
    String sink = "sink '" + p.sinkName() + "' of run " + p.runId();
    AtTarget at;
    try {
      Optional<Boolean> committed;
      try {
        if (writer != null) {
          // One client (one pool) for the question and the finishing, released below.
          writer.setup();
        }
        committed = writer == null ? Optional.empty() : writer.published(p, calls);
      } catch (IOException e) {
        throw new RepairException(
            sink
                + ": cannot ask "
                + p.target()
                + " whether publication "
                + p.publicationId()
                + " committed: "
                + e.getMessage());
      }
      if (committed.isEmpty() || writer == null) { // no writer: committed is empty
        throw new RepairException(
            sink
                + ": publication "
                + p.publicationId()
                + " to "
                + p.target()
                + " cannot be checked: the sink is not configured as it was");
      }
      try {
        at =
            committed.get()
                ? AtTarget.COMMITTED
                : writer.finishPublication(p, calls) ? AtTarget.FINISHED : AtTarget.VOID;
      } catch (IOException e) {
        throw new RepairException(
            sink
                + ": cannot finish publication "
                + p.publicationId()
                + " to "
                + p.target()
                + ": "
                + e.getMessage());
      }
    } catch (RepairException e) {
      recordCalls(store, ctx, operationId, started, input, calls, e.getMessage());
      throw e;
    } finally {
      if (writer != null) {
        writer.teardown();
      }
    }
    recordCalls(store, ctx, operationId, started, input, calls, null);
    return at;
  }

  /** Commits the repair's calls (if it made any) under their operation; failed: {@code error}. */
  private static void recordCalls(
      LandscapeStore store,
      StepContext ctx,
      String operationId,
      Instant started,
      Map<String, Object> input,
      OperationCalls calls,
      @Nullable String error) {
    if (calls.calls().isEmpty()) {
      return;
    }
    List<AuditRecord> records = new ArrayList<>();
    records.add(
        OperationAudit.finished(
            ctx,
            operationId,
            "sink_write",
            started,
            input,
            error == null ? Map.of("repaired", true) : null,
            error));
    records.addAll(calls.calls());
    store.commit(records);
  }
}
