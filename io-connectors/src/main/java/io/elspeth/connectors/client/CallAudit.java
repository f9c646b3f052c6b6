package io.elspeth.connectors.client;

import io.elspeth.audit.canonical.CanonicalJson;
import io.elspeth.audit.payload.PayloadStore;
import io.elspeth.audit.record.CallRecord;
import java.time.Instant;
import java.util.Map;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Builds the {@code calls} row of one external call (ELSPETH's {@code record_call}): request and
 * response hashed as canonical JSON (so a reader can recompute them from the payloads), the error
 * as canonical JSON, the latency; with a payload store, the payloads themselves are stored
 * (content-addressed: the ref is the hash). Payloads must already be free of secrets.
 */
public final class CallAudit {
  public static final String SUCCESS = "success";
  public static final String ERROR = "error";

  private CallAudit() {}

  /** Records one call under {@code sink}'s state and returns the record. */
  public static CallRecord record(
      CallSink sink,
      int callIndex,
      String callType,
      String status,
      Map<String, Object> request,
      @Nullable Map<String, Object> response,
      @Nullable Map<String, Object> error,
      double latencyMs) {
    return record(sink, callIndex, callType, status, request, response, error, latencyMs, null);
  }

  /**
   * Records one call under {@code sink}'s state, with what its telemetry says beyond the columns
   * (an LLM call's provider, models and usage; not Landscape columns), and returns the record.
   */
  public static CallRecord record(
      CallSink sink,
      int callIndex,
      String callType,
      String status,
      Map<String, Object> request,
      @Nullable Map<String, Object> response,
      @Nullable Map<String, Object> error,
      double latencyMs,
      CallRecord.@Nullable Telemetry telemetry) {
    PayloadStore store = sink.payloads();
    String requestRef = store == null ? null : store.store(CanonicalJson.canonicalBytes(request));
    String responseRef =
        store == null || response == null
            ? null
            : store.store(CanonicalJson.canonicalBytes(response));
    CallRecord call =
        new CallRecord(
            sink.callId(callIndex),
            sink.stateId(),
            null,
            callIndex,
            callType,
            status,
            CanonicalJson.stableHash(request),
            requestRef,
            response == null ? null : CanonicalJson.stableHash(response),
            responseRef,
            error == null ? null : CanonicalJson.canonicalize(error),
            latencyMs,
            Instant.now(),
            telemetry);
    sink.record(call);
    return call;
  }

  /** Milliseconds since a {@link System#nanoTime()} reading. */
  public static double millisSince(long startNanos) {
    return (System.nanoTime() - startNanos) / 1_000_000.0;
  }
}
