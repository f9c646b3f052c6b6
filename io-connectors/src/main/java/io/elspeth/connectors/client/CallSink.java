package io.elspeth.connectors.client;

import io.elspeth.audit.payload.PayloadStore;
import io.elspeth.audit.record.CallRecord;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Where an audited client puts the call records of one node state: it hands out the state's call
 * indexes (0, 1, 2... in the order calls start, unique across clients and retries) and collects the
 * records, which the step writes with the state. Implementations are thread-safe.
 */
public interface CallSink {
  /** The node state the calls belong to. */
  String stateId();

  /** The next call index of this state. */
  int nextCallIndex();

  /**
   * The id of this state's call {@code callIndex}: a new one per call by default; a sink whose
   * state id is derived (a batch flush, re-executed by a retried bundle) derives it from the state,
   * so the re-execution records the same call.
   */
  default String callId(int callIndex) {
    return java.util.UUID.randomUUID().toString().replace("-", "");
  }

  /** Keeps one call record of this state. */
  void record(CallRecord call);

  /** Where call payloads are stored (their refs go on the record); null: hashes only. */
  default @Nullable PayloadStore payloads() {
    return null;
  }

  /**
   * The recorded run this state's calls are answered from ({@code run_mode: replay}); null (live
   * and verify runs): calls go to the network.
   */
  default io.elspeth.connectors.replay.@Nullable ReplaySource replay() {
    return null;
  }
}
