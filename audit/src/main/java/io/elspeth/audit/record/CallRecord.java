package io.elspeth.audit.record;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * A row of the Landscape table {@code calls}; see spec/landscape.md for the meaning of each column.
 *
 * @param telemetry what the call's telemetry event says beyond the columns (not stored: the {@code
 *     calls} table has no such columns, and the stored payloads keep model and usage for the
 *     audit); null: the provider is the node's plugin and the token the node state's
 */
public record CallRecord(
    String callId,
    @Nullable String stateId,
    @Nullable String operationId,
    int callIndex,
    String callType,
    String status,
    String requestHash,
    @Nullable String requestRef,
    @Nullable String responseHash,
    @Nullable String responseRef,
    @Nullable String errorJson,
    @Nullable Double latencyMs,
    Instant createdAt,
    @Nullable Telemetry telemetry)
    implements AuditRecord {

  /** A call record whose telemetry names the node's plugin and the state's token. */
  public CallRecord(
      String callId,
      @Nullable String stateId,
      @Nullable String operationId,
      int callIndex,
      String callType,
      String status,
      String requestHash,
      @Nullable String requestRef,
      @Nullable String responseHash,
      @Nullable String responseRef,
      @Nullable String errorJson,
      @Nullable Double latencyMs,
      Instant createdAt) {
    this(
        callId,
        stateId,
        operationId,
        callIndex,
        callType,
        status,
        requestHash,
        requestRef,
        responseHash,
        responseRef,
        errorJson,
        latencyMs,
        createdAt,
        null);
  }

  /**
   * The telemetry of a call that the columns cannot say: the provider as the client names it
   * (ELSPETH's {@code azure}, also for the Batch API's file and batch calls), the token of the row
   * the call concerns when a state covers many rows (an aggregation's batch), and an LLM call's
   * model asked for, the model that answered (null without an answer) and the token counts the
   * provider reported (null: not reported).
   */
  public record Telemetry(
      @Nullable String provider,
      @Nullable String tokenId,
      @Nullable String requestModel,
      @Nullable String responseModel,
      @Nullable Long inputTokens,
      @Nullable Long outputTokens)
      implements java.io.Serializable {}

  /** This call with the telemetry {@code t}. */
  public CallRecord withTelemetry(@Nullable Telemetry t) {
    return new CallRecord(
        callId,
        stateId,
        operationId,
        callIndex,
        callType,
        status,
        requestHash,
        requestRef,
        responseHash,
        responseRef,
        errorJson,
        latencyMs,
        createdAt,
        t);
  }

  @Override
  public String table() {
    return "calls";
  }

  @Override
  public List<String> keyColumns() {
    return List.of("call_id");
  }

  @Override
  public int rank() {
    return 5;
  }

  @Override
  public Map<String, Object> columns() {
    Map<String, Object> c = new LinkedHashMap<>();
    c.put("call_id", callId);
    c.put("state_id", stateId);
    c.put("operation_id", operationId);
    c.put("call_index", callIndex);
    c.put("call_type", callType);
    c.put("status", status);
    c.put("request_hash", requestHash);
    c.put("request_ref", requestRef);
    c.put("response_hash", responseHash);
    c.put("response_ref", responseRef);
    c.put("error_json", errorJson);
    c.put("latency_ms", latencyMs);
    c.put("created_at", createdAt);
    return c;
  }
}
