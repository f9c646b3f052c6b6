package io.elspeth.transforms.dag;

import io.elspeth.audit.canonical.CanonicalJson;
import io.elspeth.audit.record.AuditRecord;
import io.elspeth.audit.record.RoutingEventRecord;
import io.elspeth.audit.record.TransformErrorRecord;
import io.elspeth.audit.token.Token;
import io.elspeth.plugin.StepAudit;
import io.elspeth.plugin.StepContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The ids a flush of an aggregation's batch mints, derived from what identifies the flush: the run,
 * the aggregation node, the batch id (kept in Beam state until the flush commits) and the batch's
 * attempt (the {@code batches.attempt} column, always {@value #BATCH_ATTEMPT} here: a batch is
 * flushed once, and Beam re-executes that flush rather than opening a new batch).
 *
 * <p>A runner that retries the bundle of a flush (or restores the state from before it, as Flink
 * does after a failure) executes the same flush again. With these ids the re-execution records the
 * same node states, calls, checkpoints, tokens and errors, which the Landscape recognises as
 * already committed: nothing is inserted twice and no telemetry is emitted twice. A re-execution
 * whose service answers differently contradicts what is committed and fails the run as any
 * integrity error does, rather than leaving two stories of one flush.
 */
record FlushIds(String runId, String nodeId, String batchId, int attempt) {
  /** The {@code attempt} every batch of this step is recorded with. */
  static final int BATCH_ATTEMPT = 0;

  /** The ids of the flush of {@code batchId} at {@code ctx}'s node. */
  static FlushIds of(StepContext ctx, String batchId) {
    return new FlushIds(ctx.runId(), ctx.nodeId(), batchId, BATCH_ATTEMPT);
  }

  private String derive(String kind, Object... parts) {
    StringBuilder b =
        new StringBuilder("flush|")
            .append(kind)
            .append('|')
            .append(runId)
            .append('|')
            .append(nodeId)
            .append('|')
            .append(batchId)
            .append('|')
            .append(attempt);
    for (Object p : parts) {
      b.append('|').append(p);
    }
    return CanonicalJson.sha256Hex(b.toString()).substring(0, 32);
  }

  /**
   * The node state of the flush's {@code segment}-th part: 0 until the first checkpoint, then 1,
   * and so on (a checkpoint commits one part as {@code pending} and the flush carries on in the
   * next).
   */
  String stateId(int segment) {
    return derive("state", segment);
  }

  /** The checkpoint that ends the flush's {@code segment}-th part. */
  String checkpointId(int segment) {
    return "cp-" + derive("checkpoint", segment);
  }

  /** The {@code index}-th output token of the flush (output row, or member for a batch plugin). */
  String tokenId(int index) {
    return derive("token", index);
  }

  /** The {@code expand_group_id} the flush's output tokens share. */
  String expandGroupId() {
    return derive("expand");
  }

  /** The failed node state of the {@code member}-th member a batch plugin rejected. */
  String rejectionStateId(int member) {
    return derive("rejected", member);
  }

  /** A call of a node state whose id is derived: derived from that state and the call's index. */
  static String callId(String stateId, int callIndex) {
    return CanonicalJson.sha256Hex("flush-call|" + stateId + "|" + callIndex).substring(0, 32);
  }

  /** {@code parent}'s child token {@code index} ({@link #tokenId}), carrying {@code row}. */
  Token child(Token parent, int index, Map<String, Object> row, String stateId) {
    return parent.child(0, row, stateId, tokenId(index));
  }

  /**
   * A rejected member's records ({@link StepAudit#rejected}, under {@link #rejectionStateId}) with
   * the transform error and routing event ids derived from that state, which is the member's own.
   */
  static StepAudit.Rejection derived(StepAudit.Rejection rejection) {
    List<AuditRecord> out = new ArrayList<>(rejection.records().size());
    for (AuditRecord r : rejection.records()) {
      if (r instanceof TransformErrorRecord e) {
        out.add(
            new TransformErrorRecord(
                "terr_"
                    + CanonicalJson.sha256Hex(
                            "flush-error|" + e.runId() + "|" + e.tokenId() + "|" + e.transformId())
                        .substring(0, 12),
                e.runId(),
                e.tokenId(),
                e.transformId(),
                e.rowHash(),
                e.rowDataJson(),
                e.errorDetailsJson(),
                e.destination(),
                e.createdAt()));
      } else if (r instanceof RoutingEventRecord ev) {
        String key = ev.stateId() + "|" + ev.edgeId() + "|" + ev.ordinal();
        out.add(
            new RoutingEventRecord(
                CanonicalJson.sha256Hex("flush-route|" + key).substring(0, 32),
                ev.stateId(),
                ev.edgeId(),
                CanonicalJson.sha256Hex("flush-route-group|" + key).substring(0, 32),
                ev.ordinal(),
                ev.mode(),
                ev.reasonHash(),
                ev.reasonRef(),
                ev.createdAt()));
      } else {
        out.add(r);
      }
    }
    return new StepAudit.Rejection(out, rejection.routed());
  }
}
