package io.elspeth.transforms.step;

import io.elspeth.audit.canonical.CanonicalJson;
import io.elspeth.audit.canonical.CanonicalizationException;
import io.elspeth.audit.record.AuditRecord;
import io.elspeth.audit.record.TokenOutcomeRecord;
import io.elspeth.audit.record.TokenParentRecord;
import io.elspeth.audit.record.TokenRecord;
import io.elspeth.audit.token.Ids;
import io.elspeth.audit.token.Token;
import io.elspeth.plugin.StepAudit;
import io.elspeth.plugin.StepContext;
import io.elspeth.plugin.StepTags;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One configured transform as a step. For each token it records a node state (completed with
 * the output hash, or failed with the error) and then:
 *
 * <ul>
 *   <li>success: the token continues with the new data;
 *   <li>expansion: child tokens continue, linked to the parent, whose outcome is {@code expanded};
 *   <li>error with {@code on_error: <sink>}: a transform error and a divert routing event are
 *       recorded and the token goes to that sink (outcome {@code routed}, recorded at the sink);
 *   <li>error with {@code on_error: discard}: the token ends {@code quarantined};
 *   <li>error without {@code on_error}, or an exception: the token ends {@code failed}.
 * </ul>
 */
public final class TransformStep extends PTransform<PCollection<Token>, PCollectionTuple> {
  private final @Nullable RowTransform transform;
  private final @Nullable StepContext context;

  private TransformStep(@Nullable RowTransform transform, @Nullable StepContext context) {
    this.transform = transform;
    this.context = context;
  }

  public static TransformStep of(RowTransform transform) {
    return new TransformStep(transform, null);
  }

  public TransformStep withContext(StepContext ctx) {
    return new TransformStep(transform, ctx);
  }

  @Override
  public PCollectionTuple expand(PCollection<Token> input) {
    if (transform == null || context == null) {
      throw new IllegalStateException("of(transform) and withContext() are required");
    }
    return StepTags.withCoders(input.apply(ParDo.of(new TransformFn(transform, context))
        .withOutputTags(StepTags.MAIN, StepTags.additional())));
  }

  @Override
  public void populateDisplayData(DisplayData.Builder builder) {
    if (context != null) {
      builder.add(DisplayData.item("node", context.nodeId()))
          .addIfNotNull(DisplayData.item("onError", context.onError()));
    }
  }

  static final class TransformFn extends DoFn<Token, Token> {
    private static final Logger LOG = LoggerFactory.getLogger(TransformStep.class);
    private final RowTransform transform;
    private final StepContext ctx;
    private final Counter succeeded = Metrics.counter(TransformStep.class, "rows_succeeded");
    private final Counter errored = Metrics.counter(TransformStep.class, "rows_errored");
    private final Counter failed = Metrics.counter(TransformStep.class, "rows_failed");

    TransformFn(RowTransform transform, StepContext ctx) {
      this.transform = transform;
      this.ctx = ctx;
    }

    @ProcessElement
    public void process(@Element Token token, MultiOutputReceiver out) {
      Instant started = Instant.now();
      String stateId = Ids.stateId();
      DoFn.OutputReceiver<AuditRecord> audit = out.get(StepTags.AUDIT);
      String inputHash = CanonicalJson.tolerantHash(token.data());
      TransformResult result;
      try {
        result = transform.apply(new LinkedHashMap<>(token.data()));
        checkCanonical(result);
      } catch (RuntimeException e) {
        // A plugin bug: the row fails, with the exception in the Landscape, and the run goes on.
        LOG.warn("transform {} raised on token {}: {}", ctx.nodeName(), token.tokenId(),
            e.toString());
        String message = e.getClass().getSimpleName() + ": " + e.getMessage();
        audit.output(StepAudit.failed(ctx, stateId, token, inputHash,
            StepAudit.error(message, e.getClass().getSimpleName()), started));
        audit.output(StepAudit.outcome(ctx.runId(), token, "failed", null, Ids.errorHash(message),
            null));
        failed.inc();
        return;
      }
      if (result instanceof TransformResult.Success s) {
        audit.output(StepAudit.completed(ctx, stateId, token, token.data(), s.row(), started, null));
        out.get(StepTags.MAIN).output(token.withData(s.row(), stateId));
        succeeded.inc();
      } else if (result instanceof TransformResult.Expanded x) {
        expand(token, stateId, x.rows(), started, out);
        succeeded.inc();
      } else if (result instanceof TransformResult.Error err) {
        reject(token, stateId, inputHash, err.reason(), started, out);
        errored.inc();
      }
    }

    private static void checkCanonical(TransformResult result) {
      try {
        if (result instanceof TransformResult.Success s) {
          CanonicalJson.canonicalize(s.row());
        } else if (result instanceof TransformResult.Expanded x) {
          CanonicalJson.canonicalize(x.rows());
        }
      } catch (CanonicalizationException e) {
        throw new IllegalStateException("transform output is not canonical JSON: "
            + e.getMessage(), e);
      }
    }

    private void expand(Token parent, String stateId, List<Map<String, Object>> rows,
        Instant started, MultiOutputReceiver out) {
      DoFn.OutputReceiver<AuditRecord> audit = out.get(StepTags.AUDIT);
      audit.output(StepAudit.completed(ctx, stateId, parent, parent.data(),
          Map.of("rows", rows), started, null));
      String expandGroupId = Ids.groupId();
      Instant now = Instant.now();
      List<Token> children = new ArrayList<>(rows.size());
      for (int i = 0; i < rows.size(); i++) {
        Token child = parent.child(i, rows.get(i), stateId);
        children.add(child);
        audit.output(new TokenRecord(child.tokenId(), child.rowId(), ctx.runId(), null, null,
            expandGroupId, null, ctx.stepIndex(), now));
        audit.output(new TokenParentRecord(child.tokenId(), parent.tokenId(), 0));
      }
      audit.output(new TokenOutcomeRecord(Ids.terminalOutcomeId(parent.tokenId()), ctx.runId(), parent.tokenId(),
          "expanded", 1, now, null, null, null, null, expandGroupId, null, null,
          CanonicalJson.canonicalize(Map.of("count", rows.size()))));
      children.forEach(out.get(StepTags.MAIN)::output);
    }

    private void reject(Token token, String stateId, String inputHash,
        Map<String, Object> reason, Instant started, MultiOutputReceiver out) {
      DoFn.OutputReceiver<AuditRecord> audit = out.get(StepTags.AUDIT);
      audit.output(StepAudit.failed(ctx, stateId, token, inputHash, reason, started));
      String errorHash = Ids.errorHash(CanonicalJson.canonicalize(reason));
      String onError = ctx.onError();
      if (onError == null) {
        audit.output(StepAudit.outcome(ctx.runId(), token, "failed", null, errorHash,
            Map.of("transform_error", reason)));
        return;
      }
      audit.output(StepAudit.transformError(ctx, token, reason, onError));
      if (StepContext.DISCARD.equals(onError)) {
        audit.output(StepAudit.outcome(ctx.runId(), token, "quarantined", null, errorHash,
            Map.of("transform_error", reason)));
        return;
      }
      audit.output(StepAudit.routing(stateId, ctx.edgeId(ctx.errorEdgeLabel()), "divert", reason));
      out.get(StepTags.ROUTED).output(token.touchedBy(stateId).routedTo(onError, "routed", null));
    }
  }
}
