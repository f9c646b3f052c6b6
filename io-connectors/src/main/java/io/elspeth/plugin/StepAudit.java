package io.elspeth.plugin;

import io.elspeth.audit.canonical.CanonicalJson;
import io.elspeth.audit.record.AuditRecord;
import io.elspeth.audit.record.NodeStateRecord;
import io.elspeth.audit.record.RoutingEventRecord;
import io.elspeth.audit.record.TokenOutcomeRecord;
import io.elspeth.audit.record.TransformErrorRecord;
import io.elspeth.audit.token.Ids;
import io.elspeth.audit.token.Token;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Builds the audit records every step writes, so that node states, outcomes and routing events have
 * one shape whichever plugin made them.
 */
public final class StepAudit {
  private StepAudit() {}

  /** A completed visit of {@code token} to the step's node. */
  public static NodeStateRecord completed(
      StepContext ctx,
      String stateId,
      Token token,
      Object input,
      Object output,
      Instant started,
      @Nullable Object contextAfter) {
    return completed(ctx, stateId, token, input, output, started, contextAfter, null);
  }

  /** As above, with the step's success reason recorded as {@code success_reason_json}. */
  public static NodeStateRecord completed(
      StepContext ctx,
      String stateId,
      Token token,
      Object input,
      Object output,
      Instant started,
      @Nullable Object contextAfter,
      @Nullable Object successReason) {
    Instant done = Instant.now();
    return new NodeStateRecord(
        stateId,
        token.tokenId(),
        ctx.runId(),
        ctx.nodeId(),
        ctx.stepIndex(),
        0,
        "completed",
        CanonicalJson.stableHash(input),
        CanonicalJson.stableHash(output),
        contextAfter == null ? null : CanonicalJson.canonicalize(contextAfter),
        millis(started, done),
        null,
        successReason == null ? null : CanonicalJson.canonicalize(successReason),
        started,
        done,
        token.rowId());
  }

  /** A failed visit; {@code error} becomes the state's error_json. */
  public static NodeStateRecord failed(
      StepContext ctx,
      String stateId,
      Token token,
      String inputHash,
      Map<String, Object> error,
      Instant started) {
    Instant done = Instant.now();
    return new NodeStateRecord(
        stateId,
        token.tokenId(),
        ctx.runId(),
        ctx.nodeId(),
        ctx.stepIndex(),
        0,
        "failed",
        inputHash,
        null,
        null,
        millis(started, done),
        CanonicalJson.canonicalize(error),
        null,
        started,
        done,
        token.rowId());
  }

  /** An ExecutionError-shaped error: {exception, type}. */
  public static Map<String, Object> error(String message, String type) {
    Map<String, Object> e = new LinkedHashMap<>();
    e.put("exception", message);
    e.put("type", type);
    return e;
  }

  /** A terminal outcome with no group ids. */
  public static TokenOutcomeRecord outcome(
      String runId,
      Token token,
      String outcome,
      @Nullable String sinkName,
      @Nullable String errorHash,
      @Nullable Object context) {
    return new TokenOutcomeRecord(
        Ids.terminalOutcomeId(token.tokenId()),
        runId,
        token.tokenId(),
        outcome,
        1,
        Instant.now(),
        sinkName,
        null,
        null,
        null,
        null,
        errorHash,
        context == null ? null : CanonicalJson.canonicalize(context),
        null,
        token.rowId());
  }

  /** One routing decision over one edge. */
  public static RoutingEventRecord routing(
      String stateId, String edgeId, String mode, @Nullable Object reason) {
    return new RoutingEventRecord(
        Ids.eventId(),
        stateId,
        edgeId,
        Ids.groupId(),
        0,
        mode,
        reason == null ? null : CanonicalJson.stableHash(reason),
        null,
        Instant.now());
  }

  /** A transform's legitimate processing error, recorded with the row and where it went. */
  public static TransformErrorRecord transformError(
      StepContext ctx, Token token, Map<String, Object> reason, String destination) {
    return new TransformErrorRecord(
        Ids.transformErrorId(),
        ctx.runId(),
        token.tokenId(),
        ctx.nodeId(),
        CanonicalJson.stableHash(token.data()),
        CanonicalJson.canonicalize(token.data()),
        CanonicalJson.canonicalize(reason),
        destination,
        Instant.now());
  }

  /**
   * What a rejected row leaves behind (a transform's processing error): its failed node state, then
   * by {@code ctx.onError()} either a {@code failed} outcome (no on_error), a transform error and a
   * {@code quarantined} outcome ({@code discard}), or a transform error, a divert routing event and
   * the token sent to the error sink (its {@code routed} outcome recorded there).
   *
   * @param routed the token for the error sink, or null
   */
  public record Rejection(List<AuditRecord> records, @Nullable Token routed) {}

  public static Rejection rejected(
      StepContext ctx,
      String stateId,
      Token token,
      String inputHash,
      Map<String, Object> reason,
      Instant started) {
    List<AuditRecord> audit = new ArrayList<>();
    audit.add(failed(ctx, stateId, token, inputHash, reason, started));
    String errorHash = Ids.errorHash(CanonicalJson.canonicalize(reason));
    String onError = ctx.onError();
    if (onError == null) {
      audit.add(
          outcome(
              ctx.runId(), token, "failed", null, errorHash, Map.of("transform_error", reason)));
      return new Rejection(audit, null);
    }
    audit.add(transformError(ctx, token, reason, onError));
    if (StepContext.DISCARD.equals(onError)) {
      audit.add(
          outcome(
              ctx.runId(),
              token,
              "quarantined",
              null,
              errorHash,
              Map.of("transform_error", reason)));
      return new Rejection(audit, null);
    }
    audit.add(routing(stateId, ctx.edgeId(ctx.errorEdgeLabel()), "divert", reason));
    return new Rejection(audit, token.touchedBy(stateId).routedTo(onError, "routed", null));
  }

  private static double millis(Instant from, Instant to) {
    return Duration.between(from, to).toNanos() / 1_000_000.0;
  }
}
