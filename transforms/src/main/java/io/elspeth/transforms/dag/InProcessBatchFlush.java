package io.elspeth.transforms.dag;

import io.elspeth.audit.canonical.CanonicalJson;
import io.elspeth.audit.record.AuditRecord;
import io.elspeth.audit.record.BatchRecord;
import io.elspeth.audit.record.TokenOutcomeRecord;
import io.elspeth.audit.record.TokenParentRecord;
import io.elspeth.audit.record.TokenRecord;
import io.elspeth.audit.token.Ids;
import io.elspeth.audit.token.Token;
import io.elspeth.plugin.StepAudit;
import io.elspeth.plugin.StepContext;
import io.elspeth.transforms.dag.AggregationStep.OutputMode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.beam.sdk.metrics.Metrics;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The flush of a batch through a {@link BatchTransform} that runs in process: one answer for the
 * whole batch, so the batch and every member share one outcome (outputs as new tokens or the
 * members passed through, or all failed). Apart from {@link AggregationBufferFn}, which decides
 * when a batch flushes, and from {@link ExternalBatchFlush}, whose members are answered one by one.
 */
final class InProcessBatchFlush {
  private final BatchTransform batch;
  private final OutputMode mode;
  private final @Nullable Integer expectedOutputCount;
  private final StepContext ctx;

  InProcessBatchFlush(
      BatchTransform batch,
      OutputMode mode,
      @Nullable Integer expectedOutputCount,
      StepContext ctx) {
    this.batch = batch;
    this.mode = mode;
    this.expectedOutputCount = expectedOutputCount;
    this.ctx = ctx;
  }

  void flush(
      String triggerType,
      String reason,
      String batchId,
      Instant created,
      Instant started,
      String stateId,
      Token first,
      Map<String, Object> input,
      List<Map<String, Object>> rows,
      List<Token> members,
      Consumer<Token> main,
      Consumer<AuditRecord> audit) {
    List<BatchTransform.BatchOutput> outputs;
    try {
      outputs = batch.apply(rows);
      CanonicalJson.canonicalize(outputs.stream().map(BatchTransform.BatchOutput::row).toList());
      checkOutputs(outputs, rows.size());
    } catch (RuntimeException e) {
      io.elspeth.connectors.replay.ReplayException.rethrowIfReplay(e);
      String message =
          e instanceof BatchTransform.BatchRejectedException rejected
              ? rejected.getMessage()
              : e.getClass().getSimpleName() + ": " + e.getMessage();
      audit.accept(
          StepAudit.failed(
              ctx,
              stateId,
              first,
              CanonicalJson.stableHash(input),
              StepAudit.error(message, e.getClass().getSimpleName()),
              started));
      audit.accept(
          new BatchRecord(
              batchId,
              ctx.runId(),
              ctx.nodeId(),
              stateId,
              reason,
              triggerType,
              0,
              "failed",
              created,
              Instant.now()));
      String errorHash = Ids.errorHash(message);
      for (Token m : members) {
        audit.accept(
            new TokenOutcomeRecord(
                Ids.terminalOutcomeId(m.tokenId()),
                ctx.runId(),
                m.tokenId(),
                "failed",
                1,
                Instant.now(),
                null,
                batchId,
                null,
                null,
                null,
                errorHash,
                CanonicalJson.canonicalize(Map.of("batch_error", message)),
                null,
                m.rowId()));
      }
      Metrics.counter(AggregationStep.class, "batches_failed").inc();
      return;
    }
    Map<String, Object> context = new LinkedHashMap<>();
    context.put("trigger_type", triggerType);
    context.put("buffer_size", members.size());
    context.put("batch_id", batchId);
    audit.accept(
        StepAudit.completed(
            ctx,
            stateId,
            first,
            input,
            Map.of("rows", outputs.stream().map(BatchTransform.BatchOutput::row).toList()),
            started,
            context));
    audit.accept(
        new BatchRecord(
            batchId,
            ctx.runId(),
            ctx.nodeId(),
            stateId,
            reason,
            triggerType,
            0,
            "completed",
            created,
            Instant.now()));
    Metrics.counter(AggregationStep.class, "batches_" + triggerType).inc();
    if (mode == OutputMode.PASSTHROUGH) {
      for (Token m : members) {
        main.accept(m == first ? m.touchedBy(stateId) : m);
      }
      return;
    }
    Instant now = Instant.now();
    FlushIds ids = FlushIds.of(ctx, batchId);
    String expandGroupId = ids.expandGroupId();
    for (int j = 0; j < outputs.size(); j++) {
      BatchTransform.BatchOutput o = outputs.get(j);
      List<Token> parents =
          o.sources().isEmpty() ? members : o.sources().stream().map(members::get).toList();
      Token anchor = parents.get(0);
      List<Integer> order = new ArrayList<>(anchor.order());
      order.add(j);
      Token child =
          new Token(
              anchor.rowId(),
              ids.tokenId(j),
              parents.stream().map(Token::tokenId).toList(),
              anchor.rowIndex(),
              order,
              o.row(),
              stateId,
              null,
              null,
              null);
      audit.accept(
          new TokenRecord(
              child.tokenId(),
              child.rowId(),
              ctx.runId(),
              null,
              null,
              expandGroupId,
              null,
              ctx.stepIndex(),
              now));
      for (int p = 0; p < parents.size(); p++) {
        audit.accept(new TokenParentRecord(child.tokenId(), parents.get(p).tokenId(), p));
      }
      main.accept(child);
    }
    // After the outputs and their parent links: a committed terminal outcome of a member then
    // implies its batch's outputs are recorded (a resume reads an open output as an unfinished
    // batch and processes its members again).
    for (Token m : members) {
      audit.accept(
          new TokenOutcomeRecord(
              Ids.terminalOutcomeId(m.tokenId()),
              ctx.runId(),
              m.tokenId(),
              "consumed_in_batch",
              1,
              now,
              null,
              batchId,
              null,
              null,
              null,
              null,
              null,
              null,
              m.rowId()));
    }
  }

  private void checkOutputs(List<BatchTransform.BatchOutput> outputs, int members) {
    for (BatchTransform.BatchOutput o : outputs) {
      for (int s : o.sources()) {
        if (s < 0 || s >= members) {
          throw new IllegalStateException("output names batch row " + s + " of " + members);
        }
      }
    }
    if (mode == OutputMode.TRANSFORM
        && expectedOutputCount != null
        && outputs.size() != expectedOutputCount) {
      throw new BatchTransform.BatchRejectedException(
          "aggregation '"
              + ctx.nodeName()
              + "' produced "
              + outputs.size()
              + " rows, expected_output_count is "
              + expectedOutputCount);
    }
  }
}
