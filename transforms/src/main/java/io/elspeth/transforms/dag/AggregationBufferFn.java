package io.elspeth.transforms.dag;

import io.elspeth.audit.canonical.CanonicalJson;
import io.elspeth.audit.payload.FilesystemPayloadStore;
import io.elspeth.audit.record.AuditRecord;
import io.elspeth.audit.record.BatchMemberRecord;
import io.elspeth.audit.record.TokenOutcomeRecord;
import io.elspeth.audit.token.Ids;
import io.elspeth.audit.token.Token;
import io.elspeth.audit.token.TokenCoder;
import io.elspeth.plugin.StepContext;
import io.elspeth.plugin.StepTags;
import io.elspeth.transforms.dag.AggregationStep.OutputMode;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
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
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.values.KV;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The keyed state of an {@link AggregationStep}: buffers the node's tokens into a batch (each with
 * its {@code buffered} outcome), fires its {@link AggregationTrigger} (count and condition on add,
 * timeout and end of input on timers), and hands the batch to {@link InProcessBatchFlush} or, for
 * an {@link ExternalBatchTransform}, to {@link ExternalBatchFlush}. Apart from the transform, so
 * that the state and timers read on their own.
 */
final class AggregationBufferFn extends DoFn<KV<String, Token>, Token> {
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

  AggregationBufferFn(
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
    String stateId = FlushIds.of(ctx, batchId).stateId(0);
    Token first = members.get(0);
    Map<String, Object> input = Map.of("batch_rows", rows);
    String reason = triggerReason(triggerType, members.size());
    if (batch instanceof ExternalBatchTransform external) {
      new ExternalBatchFlush(ctx, mode, payloads)
          .flushExternal(
              external,
              triggerType,
              reason,
              batchId,
              created,
              started,
              members,
              main,
              routed,
              audit);
      return;
    }
    new InProcessBatchFlush(batch, mode, expectedOutputCount, ctx)
        .flush(
            triggerType,
            reason,
            batchId,
            created,
            started,
            stateId,
            first,
            input,
            rows,
            members,
            main,
            audit);
  }

  private String triggerReason(String type, int n) {
    return switch (type) {
      case AggregationTrigger.COUNT -> "count reached " + n;
      case AggregationTrigger.TIMEOUT -> "timeout after " + trigger.timeoutSeconds() + " s";
      case AggregationTrigger.CONDITION ->
          "condition " + Objects.requireNonNull(trigger.condition(), "condition trigger").source();
      default -> "end of input with " + n + " rows";
    };
  }
}
