package io.elspeth.transforms.dag;

import io.elspeth.audit.canonical.CanonicalJson;
import io.elspeth.audit.payload.FilesystemPayloadStore;
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
import io.elspeth.transforms.step.TransformResult;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.beam.sdk.metrics.Metrics;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The flush of an {@link ExternalBatchTransform}'s batch: the plugin answers member by member, so
 * each member continues with its own result or is rejected on its own, and the batch fails only
 * when none succeeded. Apart from {@link AggregationBufferFn}, whose in-process flush is one
 * outcome for the whole batch, because the two flushes write different audit trails.
 */
final class ExternalBatchFlush {
  private final StepContext ctx;
  private final OutputMode mode;
  private final @Nullable FilesystemPayloadStore payloads;

  ExternalBatchFlush(StepContext ctx, OutputMode mode, @Nullable FilesystemPayloadStore payloads) {
    this.ctx = ctx;
    this.mode = mode;
    this.payloads = payloads;
  }

  /**
   * A batch of an {@link ExternalBatchTransform}: its calls go under the flush's node state (or,
   * after a checkpoint, under the state that follows the pending one); each member then continues
   * with its own result or is rejected on its own, as a row transform's row is.
   */
  void flushExternal(
      ExternalBatchTransform external,
      String triggerType,
      String reason,
      String batchId,
      Instant created,
      Instant started,
      List<Token> members,
      Consumer<Token> main,
      Consumer<Token> routed,
      Consumer<AuditRecord> audit) {
    Token first = members.get(0);
    List<Map<String, Object>> rows = members.stream().map(Token::data).toList();
    Map<String, Object> input = Map.of("batch_rows", rows);
    String inputHash = CanonicalJson.stableHash(input);
    Map<String, Object> context = new LinkedHashMap<>();
    context.put("trigger_type", triggerType);
    context.put("buffer_size", members.size());
    context.put("batch_id", batchId);
    BatchFlushWork work =
        new BatchFlushWork(ctx, batchId, first, members, inputHash, context, started, payloads);
    List<TransformResult> results;
    try {
      results = external.process(work);
      if (results.size() != members.size()) {
        throw new IllegalStateException(
            ctx.nodeName()
                + " answered "
                + results.size()
                + " results for a batch of "
                + members.size());
      }
      for (TransformResult r : results) {
        if (r instanceof TransformResult.Success ok) {
          CanonicalJson.canonicalize(ok.row());
        } else if (!(r instanceof TransformResult.Error)) {
          throw new IllegalStateException(
              ctx.nodeName()
                  + " answered "
                  + r
                  + "; a batch plugin answers a success or an error per row");
        }
      }
    } catch (RuntimeException e) {
      // The recording cannot answer: the run fails, as in a row transform.
      io.elspeth.connectors.replay.ReplayException.rethrowIfReplay(e);
      // A plugin bug: the batch fails, every member with it, the calls made so far recorded.
      work.syncPayloads();
      String message = e.getClass().getSimpleName() + ": " + e.getMessage();
      audit.accept(
          StepAudit.failed(
              ctx,
              work.stateId(),
              first,
              inputHash,
              StepAudit.error(message, e.getClass().getSimpleName()),
              started));
      work.recorded().forEach(audit);
      audit.accept(
          new BatchRecord(
              batchId,
              ctx.runId(),
              ctx.nodeId(),
              work.stateId(),
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
    work.syncPayloads();
    String stateId = work.stateId();
    List<Map<String, Object>> succeeded = new ArrayList<>();
    Map<String, Object> firstError = null;
    for (TransformResult r : results) {
      if (r instanceof TransformResult.Success ok) {
        succeeded.add(ok.row());
      } else if (firstError == null) {
        firstError = ((TransformResult.Error) r).reason();
      }
    }
    context.put("rows_succeeded", succeeded.size());
    context.put("rows_failed", members.size() - succeeded.size());
    boolean allFailed = succeeded.isEmpty();
    if (allFailed) {
      Map<String, Object> error = new LinkedHashMap<>();
      error.put("reason", "every_row_failed");
      error.put("rows_failed", members.size());
      error.put("first_error", firstError);
      audit.accept(StepAudit.failed(ctx, stateId, first, inputHash, error, started));
    } else {
      audit.accept(
          StepAudit.completed(
              ctx, stateId, first, input, Map.of("rows", succeeded), started, context));
    }
    work.recorded().forEach(audit);
    audit.accept(
        new BatchRecord(
            batchId,
            ctx.runId(),
            ctx.nodeId(),
            stateId,
            reason,
            triggerType,
            0,
            allFailed ? "failed" : "completed",
            created,
            Instant.now()));
    Metrics.counter(AggregationStep.class, "batches_" + triggerType).inc();
    Instant now = Instant.now();
    FlushIds ids = FlushIds.of(ctx, batchId);
    String expandGroupId = ids.expandGroupId();
    for (int i = 0; i < members.size(); i++) {
      Token m = members.get(i);
      TransformResult r = results.get(i);
      if (r instanceof TransformResult.Error err) {
        // The row's own failed state at this node carries its reason and its routing.
        StepAudit.Rejection rejection =
            FlushIds.derived(
                StepAudit.rejected(
                    ctx,
                    ids.rejectionStateId(i),
                    m,
                    CanonicalJson.tolerantHash(m.data()),
                    err.reason(),
                    started));
        rejection.records().forEach(audit);
        if (rejection.routed() != null) {
          routed.accept(rejection.routed());
        }
        Metrics.counter(AggregationStep.class, "rows_rejected").inc();
        continue;
      }
      Map<String, Object> row = ((TransformResult.Success) r).row();
      if (mode == OutputMode.PASSTHROUGH) {
        main.accept(m.withData(row, stateId));
        continue;
      }
      Token child = ids.child(m, i, row, stateId);
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
      audit.accept(new TokenParentRecord(child.tokenId(), m.tokenId(), 0));
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
      main.accept(child);
    }
  }
}
