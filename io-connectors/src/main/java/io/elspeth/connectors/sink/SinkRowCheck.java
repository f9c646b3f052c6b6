package io.elspeth.connectors.sink;

import io.elspeth.audit.canonical.CanonicalJson;
import io.elspeth.audit.commit.LandscapeWriter;
import io.elspeth.audit.commit.StepTrailEvents;
import io.elspeth.audit.record.AuditRecord;
import io.elspeth.audit.record.AuditRecordCoder;
import io.elspeth.audit.record.NodeStateRecord;
import io.elspeth.audit.store.LandscapeStores;
import io.elspeth.audit.store.LandscapeUrl;
import io.elspeth.audit.token.Ids;
import io.elspeth.audit.token.Token;
import io.elspeth.audit.token.TokenCoder;
import io.elspeth.plugin.StepAudit;
import io.elspeth.plugin.StepContext;
import io.elspeth.plugin.StepTags;
import io.elspeth.telemetry.manager.TelemetryManagers;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.coders.SerializableCoder;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.View;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.transforms.windowing.GlobalWindow;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.PCollectionView;
import org.apache.beam.sdk.values.TupleTag;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Checks every row that reaches a sink against what its writer can hold ({@link
 * SinkWriter#cannotWrite}) before any sink stages output, and handles a row it cannot hold by the
 * sink's {@code on_write_failure} (the context's {@code onError}):
 *
 * <ul>
 *   <li>{@code discard}: the sink's node state fails with the reason and the token ends {@code
 *       diverted} with sink {@value #DISCARD_SINK}; nothing is written.
 *   <li>a sink name: the sink's node state fails with the reason, a {@code divert} routing event
 *       crosses the {@value #FAILSINK_EDGE} edge, and the token, its row given {@code
 *       __diversion_reason} and {@code __diverted_from}, goes to that sink (the {@link
 *       StepTags#ROUTED} output), which records it {@code diverted} once written.
 *   <li>unset: the state fails and the token ends {@code failed}, both committed to the Landscape
 *       here (the run is about to fail, and a failed run's pending audit may never be committed),
 *       and a {@link SinkWriteBarrier.Refusal} is output; {@link SinkWriteBarrier} turns the
 *       refusals of every sink into a side input that each {@link SinkWrite} reads before it writes
 *       anything: one refusal and no sink publishes.
 * </ul>
 *
 * A writer with a {@link SinkWriter#targetCheck() target check} (a database table's constraints)
 * has the rows its format can hold tried on the target too, all of the sink's rows together and in
 * source order ({@link TargetRowCheck}); a row the target refuses is handled the same way, with the
 * target's reason.
 *
 * <p>Writable tokens continue on {@link StepTags#MAIN}; the records go to {@link StepTags#AUDIT}.
 * The manifest a sink later writes thus lists only the tokens it writes.
 */
public final class SinkRowCheck extends PTransform<PCollection<Token>, PCollectionTuple> {
  /** Label of the edge from a sink to the sink its unwritable rows are diverted to (ELSPETH's). */
  public static final String FAILSINK_EDGE = "__failsink__";

  /** The sink name a discarded row's {@code diverted} outcome records (ELSPETH's). */
  public static final String DISCARD_SINK = "__discard__";

  /** The outcome of a row a sink could not write and that was discarded or diverted. */
  public static final String DIVERTED = "diverted";

  /** Refusals of sinks without {@code on_write_failure}: each one fails the run. */
  public static final TupleTag<SinkWriteBarrier.Refusal> REFUSED = new TupleTag<>("refused") {};

  private final SinkWriter writer;
  private final @Nullable StepContext context;
  private final SinkWrite.Grouping grouping;

  private SinkRowCheck(
      SinkWriter writer, @Nullable StepContext context, SinkWrite.Grouping grouping) {
    this.writer = writer;
    this.context = context;
    this.grouping = grouping;
  }

  public static SinkRowCheck of(SinkWriter writer) {
    if (writer == null) {
      throw new IllegalArgumentException("a writer is required");
    }
    return new SinkRowCheck(writer, null, SinkWrite.Grouping.AUTO);
  }

  /** The sink's context; its {@code onError} is the sink's {@code on_write_failure}. */
  public SinkRowCheck withContext(StepContext ctx) {
    if (ctx == null) {
      throw new IllegalArgumentException("withContext() needs a context");
    }
    return new SinkRowCheck(writer, ctx, grouping);
  }

  /** How the rows tried on the target are gathered; AUTO unless a test says. */
  SinkRowCheck withGrouping(SinkWrite.Grouping g) {
    return new SinkRowCheck(writer, context, g);
  }

  @Override
  public PCollectionTuple expand(PCollection<Token> tokens) {
    if (context == null) {
      throw new IllegalStateException("withContext() is required");
    }
    PCollectionTuple formats =
        withCoders(
            tokens.apply(
                "CheckRows",
                ParDo.of(new CheckFn(context, writer, null))
                    .withOutputTags(StepTags.MAIN, StepTags.additional().and(REFUSED))));
    java.util.Optional<SinkWriter.TargetCheck> target = writer.targetCheck();
    if (target.isEmpty()) {
      return formats;
    }
    // The rows the format can hold are tried on the target itself, all of the sink's rows in one
    // place and in source order (so a key repeated anywhere in the run is seen); the few refused
    // ones are handed, by token id, to a second check that handles them like format failures.
    PCollection<Token> writable = formats.get(StepTags.MAIN);
    PCollectionView<Map<String, String>> refusedByTarget =
        writable
            .apply("TryOnTarget", TargetRowCheck.of(target.get(), context, grouping))
            .apply("TargetRefusals", View.asMap());
    PCollectionTuple targets =
        withCoders(
            writable.apply(
                "CheckOnTarget",
                ParDo.of(new CheckFn(context, writer, refusedByTarget))
                    .withSideInputs(refusedByTarget)
                    .withOutputTags(StepTags.MAIN, StepTags.additional().and(REFUSED))));
    return PCollectionTuple.of(StepTags.MAIN, targets.get(StepTags.MAIN))
        .and(
            StepTags.ROUTED,
            both(formats, targets, StepTags.ROUTED, "Routed").setCoder(TokenCoder.of()))
        .and(
            StepTags.AUDIT,
            both(formats, targets, StepTags.AUDIT, "Audit").setCoder(AuditRecordCoder.of()))
        .and(
            REFUSED,
            both(formats, targets, REFUSED, "Refused")
                .setCoder(SerializableCoder.of(SinkWriteBarrier.Refusal.class)));
  }

  private static PCollectionTuple withCoders(PCollectionTuple out) {
    StepTags.withCoders(out);
    out.get(REFUSED).setCoder(SerializableCoder.of(SinkWriteBarrier.Refusal.class));
    return out;
  }

  private static <T> PCollection<T> both(
      PCollectionTuple a, PCollectionTuple b, TupleTag<T> tag, String name) {
    return PCollectionList.of(a.get(tag))
        .and(b.get(tag))
        .apply("All" + name, Flatten.pCollections());
  }

  @Override
  public void populateDisplayData(DisplayData.Builder builder) {
    builder.add(DisplayData.item("target", writer.target()));
    if (context != null && context.onError() != null) {
      builder.add(DisplayData.item("on_write_failure", context.onError()));
    }
  }

  /** The audit step of a token at a sink: one further for a token diverted to this sink. */
  static int stepIndex(StepContext ctx, Token token) {
    return DIVERTED.equals(token.pendingOutcome()) ? ctx.stepIndex() + 1 : ctx.stepIndex();
  }

  static final class CheckFn extends DoFn<Token, Token> {
    private final StepContext ctx;
    private final SinkWriter writer;

    /** The target's refusals by token id; null: the row is checked by the writer's format. */
    private final @Nullable PCollectionView<Map<String, String>> refusedByTarget;

    private transient List<AuditRecord> failedAudit;
    private transient List<SinkWriteBarrier.Refusal> refusals;

    CheckFn(
        StepContext ctx,
        SinkWriter writer,
        @Nullable PCollectionView<Map<String, String>> refusedByTarget) {
      this.ctx = ctx;
      this.writer = writer;
      this.refusedByTarget = refusedByTarget;
    }

    @StartBundle
    public void start() {
      failedAudit = new ArrayList<>();
      refusals = new ArrayList<>();
    }

    @ProcessElement
    public void process(@Element Token token, MultiOutputReceiver out, ProcessContext c) {
      String reason;
      if (refusedByTarget != null) {
        reason = c.sideInput(refusedByTarget).get(token.tokenId());
      } else {
        try {
          reason = writer.cannotWrite(token.data()).orElse(null);
        } catch (RuntimeException e) {
          reason = "the row cannot be checked: " + e.getMessage();
        }
      }
      if (reason == null) {
        out.get(StepTags.MAIN).output(token);
        return;
      }
      String onFailure = ctx.onError();
      String stateId = Ids.stateId();
      String errorHash = Ids.errorHash(reason);
      Map<String, Object> context = new LinkedHashMap<>();
      context.put("sink", ctx.nodeName());
      context.put("reason", reason);
      Map<String, Object> output = new LinkedHashMap<>();
      String errorType;
      if (onFailure == null) {
        output = null;
        errorType = "SinkWriteFailure";
      } else if (StepContext.DISCARD.equals(onFailure)) {
        output.put("discarded", true);
        output.put("reason", reason);
        errorType = "SinkDiscard";
      } else {
        output.put("diverted_to", onFailure);
        output.put("reason", reason);
        context.put("diverted_to", onFailure);
        errorType = "SinkDiversion";
      }
      Map<String, Object> error = new LinkedHashMap<>();
      error.put("exception", reason);
      error.put("type", errorType);
      error.put("phase", "write");
      Instant now = Instant.now();
      NodeStateRecord failed =
          new NodeStateRecord(
              stateId,
              token.tokenId(),
              ctx.runId(),
              ctx.nodeId(),
              stepIndex(ctx, token),
              0,
              "failed",
              CanonicalJson.tolerantHash(token.data()),
              output == null ? null : CanonicalJson.stableHash(output),
              null,
              0.0,
              CanonicalJson.canonicalize(error),
              null,
              now,
              now,
              token.rowId());
      Map<String, Object> outcomeContext = Map.of("sink_write_failure", context);
      OutputReceiver<AuditRecord> audit = out.get(StepTags.AUDIT);
      if (onFailure == null) {
        failedAudit.add(failed);
        failedAudit.add(
            StepAudit.outcome(ctx.runId(), token, "failed", null, errorHash, outcomeContext));
        refusals.add(
            new SinkWriteBarrier.Refusal(
                ctx.nodeName(), token.rowId(), token.rowIndex(), token.tokenId(), reason));
      } else if (StepContext.DISCARD.equals(onFailure)) {
        audit.output(failed);
        audit.output(
            StepAudit.outcome(
                ctx.runId(), token, DIVERTED, DISCARD_SINK, errorHash, outcomeContext));
      } else {
        audit.output(failed);
        audit.output(
            StepAudit.routing(
                stateId, ctx.edgeId(FAILSINK_EDGE), "divert", Map.of("diversion_reason", reason)));
        Map<String, Object> data = new LinkedHashMap<>(token.data());
        data.put("__diversion_reason", reason);
        data.put("__diverted_from", ctx.nodeName());
        out.get(StepTags.ROUTED)
            .output(token.withData(data, stateId).routedTo(onFailure, DIVERTED, errorHash));
      }
    }

    @FinishBundle
    public void finish(FinishBundleContext c) {
      if (refusals.isEmpty()) {
        return;
      }
      // Committed before the refusals leave the bundle, so they are on record before the
      // barrier fails the run.
      LandscapeUrl url = ctx.landscape();
      if (url != null) {
        var store = LandscapeStores.acquire(url);
        try {
          // The refused rows' failed outcomes are telemetered after the commit, as the
          // Landscape commit's are; a retried bundle's re-commit emits nothing again.
          LandscapeWriter.to(store)
              .withTelemetry(
                  TelemetryManagers.find(ctx.runId()).orElse(null),
                  new StepTrailEvents(ctx.runId(), ctx.nodeName(), null, null))
              .commit(failedAudit);
        } finally {
          LandscapeStores.release(url);
        }
      }
      for (SinkWriteBarrier.Refusal r : refusals) {
        c.output(REFUSED, r, GlobalWindow.INSTANCE.maxTimestamp(), GlobalWindow.INSTANCE);
      }
      failedAudit = new ArrayList<>();
      refusals = new ArrayList<>();
    }
  }
}
