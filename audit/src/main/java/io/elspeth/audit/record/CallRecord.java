package io.elspeth.audit.record;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * A row of the Landscape table {@code calls}; see spec/landscape.md for the meaning of each
 * column. {@code llm} is not a column: what an LLM call reported about its provider, model and
 * token usage (the stored payloads keep it for the audit), carried with the record so the commit can put it
 * on the call's telemetry without reading the payloads back. Null for other calls.
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
    @Nullable LlmDetails llm) implements AuditRecord {

  /** A call record without LLM details (every call but an LLM client's). */
  public CallRecord(String callId, @Nullable String stateId, @Nullable String operationId,
      int callIndex, String callType, String status, String requestHash,
      @Nullable String requestRef, @Nullable String responseHash, @Nullable String responseRef,
      @Nullable String errorJson, @Nullable Double latencyMs, Instant createdAt) {
    this(callId, stateId, operationId, callIndex, callType, status, requestHash, requestRef,
        responseHash, responseRef, errorJson, latencyMs, createdAt, null);
  }

  /**
   * What an LLM client knows of its call: the provider as the client names it (e.g. {@code
   * azure}), the model asked for and the one that answered (null without an answer), and the
   * token counts the provider reported (null: not reported).
   */
  public record LlmDetails(String provider, String requestModel, @Nullable String responseModel,
      @Nullable Long inputTokens, @Nullable Long outputTokens) implements java.io.Serializable {}

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
