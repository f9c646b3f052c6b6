package io.elspeth.transforms.dag;

import io.elspeth.audit.canonical.CanonicalJson;
import io.elspeth.audit.payload.FilesystemPayloadStore;
import io.elspeth.audit.record.AuditRecord;
import io.elspeth.audit.record.BatchMemberRecord;
import io.elspeth.audit.record.BatchRecord;
import io.elspeth.audit.record.TokenOutcomeRecord;
import io.elspeth.audit.record.TokenParentRecord;
import io.elspeth.audit.record.TokenRecord;
import io.elspeth.audit.token.Ids;
import io.elspeth.audit.token.Token;
import io.elspeth.audit.token.TokenCoder;
import io.elspeth.plugin.StepAudit;
import io.elspeth.plugin.StepContext;
import io.elspeth.plugin.StepTags;
import io.elspeth.transforms.step.TransformResult;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.state.BagState;
import org.apache.beam.sdk.state.StateSpec;
import org.apache.beam.sdk.state.StateSpecs;
import org.apache.beam.sdk.state.TimeDomain;
import org.apache.beam.sdk.state.Timer;
import org.apache.beam.sdk.state.TimerSpec;
import org.apache.beam.sdk.state.TimerSpecs;
import org.apache.beam.sdk.state.ValueState;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * An aggregation as a step: buffers tokens into a batch in Beam state (one key per aggregation, so
 * the batch is the node's, as in ELSPETH) and flushes it when its {@link AggregationTrigger} fires:
 * count and condition after a row is added, timeout on a processing-time timer, and the end of the
 * input on an event-time timer at the end of the window.
 *
 * <p>Batch membership is the order rows reach the step (on a parallel runner not necessarily source
 * order); the plugin sees a batch's rows in source order. Each buffered token gets a {@code
 * batch_members} row and a non-terminal {@code buffered} outcome naming the batch. At the flush the
 * first member gets the batch's node state (input {@code {"batch_rows": [...]}}, context {@code
 * {trigger_type, buffer_size, batch_id}}), the batch is recorded with its trigger, and then:
 *
 * <ul>
 *   <li>transform mode: every member ends {@code consumed_in_batch}; each output row is a new token
 *       (shared {@code expand_group_id}) whose parents are the members it derives from, and which
 *       belongs to the row of its first parent;
 *   <li>passthrough mode: the members continue unchanged with their own tokens;
 *   <li>a failed batch (the plugin raised): every member ends {@code failed}, the batch {@code
 *       failed}, the reason in the node state.
 * </ul>
 *
 * <p>An {@link ExternalBatchTransform} (a batch plugin that calls out, e.g. the Azure Batch API)
 * answers member by member instead: its calls are recorded under the flush's node state (after a
 * checkpoint, under the state that follows the committed {@code pending} one); a member whose
 * answer is a success continues with its new data (transform mode: as a child token, the member
 * {@code consumed_in_batch}; passthrough: as itself), a member whose answer is an error gets a
 * failed node state of its own and goes to the step's {@code on_error} as a row transform's
 * rejected row does. The batch is {@code failed} only when no member succeeded.
 */
public final class AggregationStep extends PTransform<PCollection<Token>, PCollectionTuple> {
  /** How the batch's rows continue after a flush. */
  public enum OutputMode {
    /** The plugin's output rows continue as new tokens. */
    TRANSFORM,
    /** The buffered rows continue unchanged. */
    PASSTHROUGH
  }

  private final @Nullable BatchTransform batch;
  private final AggregationTrigger trigger;
  private final OutputMode mode;
  private final @Nullable Integer expectedOutputCount;
  private final @Nullable StepContext context;

  private AggregationStep(
      @Nullable BatchTransform batch,
      AggregationTrigger trigger,
      OutputMode mode,
      @Nullable Integer expectedOutputCount,
      @Nullable StepContext context) {
    this.batch = batch;
    this.trigger = trigger;
    this.mode = mode;
    this.expectedOutputCount = expectedOutputCount;
    this.context = context;
  }

  /** An aggregation running {@code batch} on each flushed batch, in transform mode. */
  public static AggregationStep of(BatchTransform batch, AggregationTrigger trigger) {
    return new AggregationStep(batch, trigger, OutputMode.TRANSFORM, null, null);
  }

  public AggregationStep withOutputMode(OutputMode m) {
    return new AggregationStep(batch, trigger, m, expectedOutputCount, context);
  }

  /** Transform mode: a batch producing another number of rows fails. */
  public AggregationStep withExpectedOutputCount(@Nullable Integer n) {
    return new AggregationStep(batch, trigger, mode, n, context);
  }

  public AggregationStep withContext(StepContext ctx) {
    return new AggregationStep(batch, trigger, mode, expectedOutputCount, ctx);
  }

  @Override
  public PCollectionTuple expand(PCollection<Token> input) {
    if (batch == null || context == null) {
      throw new IllegalStateException("of(batch, trigger) and withContext() are required");
    }
    String key = context.nodeId();
    PCollection<KV<String, Token>> keyed =
        input
            .apply(
                "key-by-node",
                MapElements.into(
                        TypeDescriptors.kvs(
                            TypeDescriptors.strings(),
                            org.apache.beam.sdk.values.TypeDescriptor.of(Token.class)))
                    .via((Token t) -> KV.of(key, t)))
            .setCoder(KvCoder.of(StringUtf8Coder.of(), TokenCoder.of()));
    return StepTags.withCoders(
        keyed.apply(
            "buffer-and-flush",
            ParDo.of(new BufferFn(batch, trigger, mode, expectedOutputCount, context))
                .withOutputTags(StepTags.MAIN, StepTags.additional())));
  }

  @Override
  public void populateDisplayData(DisplayData.Builder builder) {
    builder
        .add(DisplayData.item("outputMode", mode.name().toLowerCase()))
        .addIfNotNull(
            DisplayData.item("count", trigger.count() == null ? null : trigger.count().longValue()))
        .addIfNotNull(DisplayData.item("timeoutSeconds", trigger.timeoutSeconds()));
  }

  static final class BufferFn extends DoFn<KV<String, Token>, Token> {
    private final BatchTransform batch;
    private final AggregationTrigger trigger;
    private final OutputMode mode;
    private final @Nullable Integer expectedOutputCount;
    private final StepContext ctx;

    @StateId("members")
    private final StateSpec<BagState<KV<Integer, Token>>> membersSpec =
        StateSpecs.bag(KvCoder.of(VarIntCoder.of(), TokenCoder.of()));

    @StateId("batch")
    private final StateSpec<ValueState<String>> batchSpec = StateSpecs.value(StringUtf8Coder.of());

    @StateId("size")
    private final StateSpec<ValueState<Integer>> sizeSpec = StateSpecs.value(VarIntCoder.of());

    @StateId("opened")
    private final StateSpec<ValueState<Long>> openedSpec = StateSpecs.value(VarLongCoder.of());

    @TimerId("timeout")
    private final TimerSpec timeoutSpec = TimerSpecs.timer(TimeDomain.PROCESSING_TIME);

    @TimerId("end")
    private final TimerSpec endSpec = TimerSpecs.timer(TimeDomain.EVENT_TIME);

    BufferFn(
        BatchTransform batch,
        AggregationTrigger trigger,
        OutputMode mode,
        @Nullable Integer expectedOutputCount,
        StepContext ctx) {
      this.batch = batch;
      this.trigger = trigger;
      this.mode = mode;
      this.expectedOutputCount = expectedOutputCount;
      this.ctx = ctx;
    }

    private transient @Nullable FilesystemPayloadStore payloads;

    @Setup
    public void setup() {
      if (ctx.payloadStore() != null) {
        payloads = FilesystemPayloadStore.at(Path.of(ctx.payloadStore()));
      }
      if (batch instanceof ExternalBatchTransform external) {
        external.setup();
      }
    }

    @Teardown
    public void teardown() {
      if (batch instanceof ExternalBatchTransform external) {
        external.teardown();
      }
    }

    @ProcessElement
    public void process(
        @Element KV<String, Token> element,
        BoundedWindow window,
        @StateId("members") BagState<KV<Integer, Token>> members,
        @StateId("batch") ValueState<String> batchId,
        @StateId("size") ValueState<Integer> size,
        @StateId("opened") ValueState<Long> opened,
        @TimerId("timeout") Timer timeout,
        @TimerId("end") Timer end,
        MultiOutputReceiver out) {
      Token token = element.getValue();
      String id = batchId.read();
      long now = System.currentTimeMillis();
      if (id == null) {
        id = Ids.groupId();
        batchId.write(id);
        opened.write(now);
        end.set(window.maxTimestamp());
        if (trigger.timeoutSeconds() != null) {
          timeout
              .offset(org.joda.time.Duration.millis(Math.round(trigger.timeoutSeconds() * 1000)))
              .setRelative();
        }
      }
      Integer current = size.read();
      int ordinal = current == null ? 0 : current;
      size.write(ordinal + 1);
      members.add(KV.of(ordinal, token));
      DoFn.OutputReceiver<AuditRecord> audit = out.get(StepTags.AUDIT);
      audit.output(new BatchMemberRecord(id, token.tokenId(), ordinal));
      audit.output(buffered(token, id));
      Metrics.counter(AggregationStep.class, "rows_buffered").inc();
      Long openedAt = opened.read();
      String fired =
          trigger.firesAfterAdd(ordinal + 1, (now - (openedAt == null ? now : openedAt)) / 1000.0);
      if (fired != null) {
        flush(
            fired,
            members,
            batchId,
            size,
            opened,
            timeout,
            end,
            out.get(StepTags.MAIN)::output,
            out.get(StepTags.ROUTED)::output,
            audit::output);
      }
    }

    @OnTimer("timeout")
    public void onTimeout(
        OnTimerContext c,
        @StateId("members") BagState<KV<Integer, Token>> members,
        @StateId("batch") ValueState<String> batchId,
        @StateId("size") ValueState<Integer> size,
        @StateId("opened") ValueState<Long> opened,
        @TimerId("timeout") Timer timeout,
        @TimerId("end") Timer end) {
      flush(
          AggregationTrigger.TIMEOUT,
          members,
          batchId,
          size,
          opened,
          timeout,
          end,
          t -> c.output(StepTags.MAIN, t),
          t -> c.output(StepTags.ROUTED, t),
          r -> c.output(StepTags.AUDIT, r));
    }

    @OnTimer("end")
    public void onEnd(
        OnTimerContext c,
        @StateId("members") BagState<KV<Integer, Token>> members,
        @StateId("batch") ValueState<String> batchId,
        @StateId("size") ValueState<Integer> size,
        @StateId("opened") ValueState<Long> opened,
        @TimerId("timeout") Timer timeout,
        @TimerId("end") Timer end) {
      flush(
          AggregationTrigger.END_OF_SOURCE,
          members,
          batchId,
          size,
          opened,
          timeout,
          end,
          t -> c.output(StepTags.MAIN, t),
          t -> c.output(StepTags.ROUTED, t),
          r -> c.output(StepTags.AUDIT, r));
    }

    private TokenOutcomeRecord buffered(Token token, String batchId) {
      // Non-terminal and one per (token, batch): derived, so a retried bundle writes the same id.
      String outcomeId =
          "out_"
              + CanonicalJson.sha256Hex("buffered|" + token.tokenId() + "|" + batchId)
                  .substring(0, 12);
      return new TokenOutcomeRecord(
          outcomeId,
          ctx.runId(),
          token.tokenId(),
          "buffered",
          0,
          Instant.now(),
          null,
          batchId,
          null,
          null,
          null,
          null,
          null,
          null,
          token.rowId());
    }

    private void flush(
        String triggerType,
        BagState<KV<Integer, Token>> membersState,
        ValueState<String> batchIdState,
        ValueState<Integer> size,
        ValueState<Long> opened,
        Timer timeout,
        Timer end,
        Consumer<Token> main,
        Consumer<Token> routed,
        Consumer<AuditRecord> audit) {
      String batchId = batchIdState.read();
      List<KV<Integer, Token>> held = new ArrayList<>();
      membersState.read().forEach(held::add);
      Long openedAt = opened.read();
      membersState.clear();
      batchIdState.clear();
      size.clear();
      opened.clear();
      timeout.clear();
      end.clear();
      if (batchId == null || held.isEmpty()) {
        return;
      }
      // Membership is arrival order (the ordinals); the plugin sees the members in source order,
      // so a batch's outputs do not depend on how the runner interleaved its rows.
      List<Token> members =
          held.stream().map(KV::getValue).sorted(Token::compareBySourceOrder).toList();
      List<Map<String, Object>> rows = members.stream().map(Token::data).toList();
      Instant started = Instant.now();
      Instant created = openedAt == null ? started : Instant.ofEpochMilli(openedAt);
      // Derived from the flush: a re-execution of it records the same state and tokens.
      FlushIds ids = FlushIds.of(ctx, batchId);
      String stateId = ids.stateId(0);
      Token first = members.get(0);
      Map<String, Object> input = Map.of("batch_rows", rows);
      String reason = triggerReason(triggerType, members.size());
      if (batch instanceof ExternalBatchTransform external) {
        flushExternal(
            external, triggerType, reason, batchId, created, started, members, main, routed, audit);
        return;
      }
      List<BatchTransform.BatchOutput> outputs;
      try {
        outputs = batch.apply(rows);
        CanonicalJson.canonicalize(outputs.stream().map(BatchTransform.BatchOutput::row).toList());
        checkOutputs(outputs, rows.size());
      } catch (RuntimeException e) {
        io.elspeth.connectors.replay.ReplayException.rethrowIfReplay(e);
        String message =
            e instanceof BatchTransform.BatchRejectedException
                ? e.getMessage()
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

    /**
     * A batch of an {@link ExternalBatchTransform}: its calls go under the flush's node state (or,
     * after a checkpoint, under the state that follows the pending one); each member then continues
     * with its own result or is rejected on its own, as a row transform's row is.
     */
    private void flushExternal(
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

    private String triggerReason(String type, int n) {
      return switch (type) {
        case AggregationTrigger.COUNT -> "count reached " + n;
        case AggregationTrigger.TIMEOUT -> "timeout after " + trigger.timeoutSeconds() + " s";
        case AggregationTrigger.CONDITION -> "condition " + trigger.condition().source();
        default -> "end of input with " + n + " rows";
      };
    }
  }
}
