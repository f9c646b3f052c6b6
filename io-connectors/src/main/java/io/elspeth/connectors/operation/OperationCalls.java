package io.elspeth.connectors.operation;

import io.elspeth.audit.canonical.CanonicalJson;
import io.elspeth.audit.record.CallRecord;
import io.elspeth.audit.token.Ids;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Collects the external calls made under one {@code source_load} or {@code sink_write} operation of
 * a run, numbering them 0, 1, 2... so each gets the deterministic id {@code
 * call_<operation_id>_<index>}. Payloads are hashed, never stored raw, so a caller puts in them
 * only what identifies the call (provider, container, blob, row counts), never a secret. The
 * records are handed to the Landscape with the operation they belong to.
 */
public final class OperationCalls {
  private final String runId;
  private final String operationId;
  private final List<CallRecord> calls = new ArrayList<>();

  public OperationCalls(String runId, String operationId) {
    this.runId = runId;
    this.operationId = operationId;
  }

  /** The run the operation belongs to (sinks name their output after it). */
  public String runId() {
    return runId;
  }

  public String operationId() {
    return operationId;
  }

  /** A successful call: {@code response} is what came back (hashed). */
  public synchronized CallRecord success(
      String callType, Object request, @Nullable Object response, double latencyMs) {
    return add(callType, "success", request, response, null, latencyMs);
  }

  /** A failed call: {@code error} (type and a message free of secrets) becomes error_json. */
  public synchronized CallRecord error(
      String callType, Object request, Map<String, Object> error, double latencyMs) {
    return add(callType, "error", request, null, error, latencyMs);
  }

  /** The calls recorded so far, in call order. */
  public synchronized List<CallRecord> calls() {
    return List.copyOf(calls);
  }

  /** Whether a recorded call failed. */
  public synchronized boolean anyFailed() {
    return calls.stream().anyMatch(c -> "error".equals(c.status()));
  }

  private CallRecord add(
      String callType,
      String status,
      Object request,
      @Nullable Object response,
      @Nullable Map<String, Object> error,
      double latencyMs) {
    int index = calls.size();
    CallRecord call =
        new CallRecord(
            Ids.operationCallId(operationId, index),
            null,
            operationId,
            index,
            callType,
            status,
            CanonicalJson.stableHash(request),
            null,
            response == null ? null : CanonicalJson.stableHash(response),
            null,
            error == null ? null : CanonicalJson.canonicalize(error),
            latencyMs,
            Instant.now());
    calls.add(call);
    return call;
  }
}
