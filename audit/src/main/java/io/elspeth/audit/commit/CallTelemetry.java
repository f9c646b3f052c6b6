package io.elspeth.audit.commit;

import io.elspeth.audit.canonical.CanonicalJson;
import io.elspeth.audit.payload.PayloadNotFoundException;
import io.elspeth.audit.payload.PayloadStore;
import io.elspeth.audit.record.CallRecord;
import io.elspeth.telemetry.event.TelemetryEvent;
import io.elspeth.telemetry.event.TelemetryEvent.CallStatus;
import io.elspeth.telemetry.event.TelemetryEvent.CallType;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one mapping from a committed call record to its {@code ExternalCallCompleted} event, used by
 * the Landscape commit and by the failure trails sources and sinks commit themselves. The Landscape
 * has no model or token usage columns (those stay in the stored payloads): a record's {@link
 * CallRecord.Telemetry}, when set, gives the provider as the client names it (ELSPETH's {@code
 * azure}), the row's token when the state covers many rows, the models and the usage; otherwise a
 * call names its node's plugin and its state's token. The event carries the call's request and
 * response payloads as the payload store holds them (what the audit recorded: headers
 * fingerprinted, secrets never), read back by their refs when the caller gives the store (only at
 * {@code full}, the one granularity that emits calls); a payload not stored (no store, no ref,
 * purged, unreadable) leaves that field out, the hashes still identify it.
 */
public final class CallTelemetry {
  private CallTelemetry() {}

  private static final Logger LOG = LoggerFactory.getLogger(CallTelemetry.class);

  /** The event of a call without its payloads. */
  public static TelemetryEvent.ExternalCallCompleted event(
      String runId, CallRecord c, String provider, @Nullable String tokenId, Instant now) {
    return event(runId, c, provider, tokenId, now, null);
  }

  /** The event of a call, with its payloads read from {@code payloads} when given. */
  public static TelemetryEvent.ExternalCallCompleted event(
      String runId,
      CallRecord c,
      String provider,
      @Nullable String tokenId,
      Instant now,
      @Nullable PayloadStore payloads) {
    CallType type;
    try {
      type = TelemetryEvent.parse(CallType.class, c.callType());
    } catch (IllegalArgumentException e) {
      type = CallType.HTTP;
    }
    CallRecord.Telemetry t = c.telemetry();
    TelemetryEvent.TokenUsage usage =
        t == null || (t.inputTokens() == null && t.outputTokens() == null)
            ? null
            : new TelemetryEvent.TokenUsage(t.inputTokens(), t.outputTokens());
    return new TelemetryEvent.ExternalCallCompleted(
        now,
        runId,
        type,
        t != null && t.provider() != null ? t.provider() : provider,
        c.status().equals("success") ? CallStatus.SUCCESS : CallStatus.ERROR,
        c.latencyMs() == null ? 0.0 : c.latencyMs(),
        c.stateId(),
        c.operationId(),
        t != null && t.tokenId() != null ? t.tokenId() : tokenId,
        c.requestHash(),
        c.responseHash(),
        t == null ? null : t.requestModel(),
        t == null ? null : t.responseModel(),
        payload(payloads, c.requestRef(), c),
        payload(payloads, c.responseRef(), c),
        usage);
  }

  /** A stored payload as plain JSON values; null when it cannot be read back. */
  private static @Nullable Map<String, Object> payload(
      @Nullable PayloadStore store, @Nullable String ref, CallRecord c) {
    if (store == null || ref == null) {
      return null;
    }
    try {
      Object value = CanonicalJson.parse(new String(store.retrieve(ref), StandardCharsets.UTF_8));
      if (value instanceof Map<?, ?> m) {
        @SuppressWarnings("unchecked")
        Map<String, Object> map = (Map<String, Object>) m;
        return map;
      }
      Map<String, Object> wrapped = new LinkedHashMap<>();
      wrapped.put("value", value);
      return wrapped;
    } catch (PayloadNotFoundException e) {
      LOG.debug("call payload not in the store call_id={} ref={}", c.callId(), ref);
      return null;
    } catch (RuntimeException e) {
      // Corrupt or unreadable: the event goes without it (the hashes identify the payload).
      LOG.warn(
          "call payload unreadable for telemetry call_id={} ref={} error_type={} error={}",
          c.callId(),
          ref,
          e.getClass().getSimpleName(),
          e.getMessage());
      return null;
    }
  }
}
