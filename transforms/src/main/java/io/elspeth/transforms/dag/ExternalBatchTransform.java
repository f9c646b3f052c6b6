package io.elspeth.transforms.dag;

import io.elspeth.audit.record.CallRecord;
import io.elspeth.connectors.client.CallSink;
import io.elspeth.transforms.step.TransformResult;
import java.util.List;
import java.util.Map;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * A batch plugin that calls external services for a flushed batch (the Azure Batch API, concurrent
 * OpenRouter requests): it answers for each member row on its own, a success (the row continues
 * with the new data) or a processing error (the row goes to the aggregation's {@code on_error}, the
 * reason recorded), so one bad row never fails the others. Its calls are recorded under the flush's
 * node state through {@link BatchWork#calls}; work that outlives the process (a submitted batch
 * job) is recorded with {@link BatchWork#checkpoint} before the plugin waits on it, and found again
 * through {@link BatchWork#checkpoints()} by a resumed run.
 */
public interface ExternalBatchTransform extends BatchTransform {

  /** One member of the batch, in source order. */
  record Member(String tokenId, String customId, Map<String, Object> row) {}

  /** What the step offers the plugin during one flush. */
  interface BatchWork {
    /** The members, in source order; {@link Member#customId()} is stable across resumed runs. */
    List<Member> members();

    /**
     * Where the calls of the flush go: the flush's node state, each call's telemetry carrying
     * {@code provider} and, when the call concerns one row, that row's token.
     */
    CallSink calls(String provider, @Nullable String tokenId);

    /**
     * Records one call the plugin built itself (e.g. a row's result read from a batch output file),
     * under the flush's node state, with {@code telemetry} for its event.
     */
    CallRecord record(
        String callType,
        String status,
        Map<String, Object> request,
        @Nullable Map<String, Object> response,
        @Nullable Map<String, Object> error,
        double latencyMs,
        CallRecord.Telemetry telemetry);

    /**
     * Commits, before returning, the flush's node state as {@code pending} with the calls made so
     * far and a checkpoint holding {@code state}; later calls go to a new node state of the same
     * batch. A resumed run sees {@code state} in {@link #checkpoints()}.
     */
    void checkpoint(Map<String, Object> state);

    /**
     * The states checkpointed at this node in this run and in the runs it resumes, newest first.
     */
    List<Map<String, Object>> checkpoints();
  }

  default void setup() {}

  default void teardown() {}

  /**
   * One result per member, in member order: {@link TransformResult.Success} or {@link
   * TransformResult.Error}. An exception fails the whole batch as a plugin bug.
   */
  List<TransformResult> process(BatchWork work);

  /** Refused: this plugin needs the step's {@link BatchWork}. */
  @Override
  default List<BatchOutput> apply(List<Map<String, Object>> rows) {
    throw new IllegalStateException(
        getClass().getSimpleName()
            + " calls external services and must run inside AggregationStep");
  }
}
