package io.elspeth.audit.commit;

import io.elspeth.audit.record.CallRecord;
import io.elspeth.telemetry.event.TelemetryEvent;
import io.elspeth.telemetry.event.TelemetryEvent.CallStatus;
import io.elspeth.telemetry.event.TelemetryEvent.CallType;
import java.time.Instant;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The one mapping from a committed call record to its {@code ExternalCallCompleted} event, used
 * by the Landscape commit and by the failure trails sources and sinks commit themselves. The
 * Landscape has no model or token usage columns (those stay in the stored payloads): a record's
 * {@link CallRecord.Telemetry}, when set, gives the provider as the client names it (ELSPETH's
 * {@code azure}), the row's token when the state covers many rows, the models and the usage;
 * otherwise a call names its node's plugin and its state's token. Payloads stay out of the event
 * (hashes identify them).
 */
public final class CallTelemetry {
  private CallTelemetry() {}

  public static TelemetryEvent.ExternalCallCompleted event(String runId, CallRecord c,
      String provider, @Nullable String tokenId, Instant now) {
    CallType type;
    try {
      type = TelemetryEvent.parse(CallType.class, c.callType());
    } catch (IllegalArgumentException e) {
      type = CallType.HTTP;
    }
    CallRecord.Telemetry t = c.telemetry();
    TelemetryEvent.TokenUsage usage = t == null
        || (t.inputTokens() == null && t.outputTokens() == null) ? null
        : new TelemetryEvent.TokenUsage(t.inputTokens(), t.outputTokens());
    return new TelemetryEvent.ExternalCallCompleted(now, runId, type,
        t != null && t.provider() != null ? t.provider() : provider,
        c.status().equals("success") ? CallStatus.SUCCESS : CallStatus.ERROR,
        c.latencyMs() == null ? 0.0 : c.latencyMs(), c.stateId(), c.operationId(),
        t != null && t.tokenId() != null ? t.tokenId() : tokenId,
        c.requestHash(), c.responseHash(), t == null ? null : t.requestModel(),
        t == null ? null : t.responseModel(), null, null, usage);
  }
}
