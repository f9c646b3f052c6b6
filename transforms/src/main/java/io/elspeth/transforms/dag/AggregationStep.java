package io.elspeth.transforms.dag;

import io.elspeth.audit.token.Token;
import io.elspeth.audit.token.TokenCoder;
import io.elspeth.plugin.StepContext;
import io.elspeth.plugin.StepTags;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.display.DisplayData;
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
 *
 * <p>This class is the transform (options, checks, wiring); the buffering and triggers are {@code
 * AggregationBufferFn}'s, the flush of a batch through an in-process plugin is {@code
 * InProcessBatchFlush}'s, and the member-by-member flush of an external batch is {@code
 * ExternalBatchFlush}'s.
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
            ParDo.of(new AggregationBufferFn(batch, trigger, mode, expectedOutputCount, context))
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
}
