package io.elspeth.connectors.client;

import io.elspeth.audit.record.CallRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/** The call records of one node state, kept in memory as the transform step keeps them. */
final class RecordingCallSink implements CallSink {
  private final AtomicInteger next = new AtomicInteger();
  private final List<CallRecord> calls = new ArrayList<>();

  @Override
  public String stateId() {
    return "state-under-test";
  }

  @Override
  public int nextCallIndex() {
    return next.getAndIncrement();
  }

  @Override
  public synchronized void record(CallRecord call) {
    calls.add(call);
  }

  synchronized List<CallRecord> calls() {
    return List.copyOf(calls);
  }
}
