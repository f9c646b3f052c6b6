package io.elspeth.audit.commit;

import io.elspeth.audit.record.CallRecord;
import io.elspeth.telemetry.event.TelemetryEvent;
import io.elspeth.telemetry.event.TelemetryEvent.CallStatus;
import io.elspeth.telemetry.event.TelemetryEvent.CallType;
import java.time.Instant;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The one mapping from a committed call record to its {@code ExternalCallCompleted} event, used
 * by the Landscape commit and by the failure trails sources and sinks commit themselves. Calls
 * carry no model or token usage in the Landscape (those stay in the stored payloads); a record's
 * {@link CallRecord.Telemetry} hints, when set, give the provider, the row's token, the model and
 * the usage. Payloads stay out of the event (hashes identify them).
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
    CallRecord.Telemetry hints = c.telemetry();
    TelemetryEvent.TokenUsage usage = hints == null
        || hints.inputTokens() == null && hints.outputTokens() == null ? null
        : new TelemetryEvent.TokenUsage(hints.inputTokens(), hints.outputTokens());
    return new TelemetryEvent.ExternalCallCompleted(now, runId, type,
        hints != null && hints.provider() != null ? hints.provider() : provider,
        c.status().equals("success") ? CallStatus.SUCCESS : CallStatus.ERROR,
        c.latencyMs() == null ? 0.0 : c.latencyMs(), c.stateId(), c.operationId(),
        hints != null && hints.tokenId() != null ? hints.tokenId() : tokenId,
        c.requestHash(), c.responseHash(), hints == null ? null : hints.model(), null, null,
        usage);
  }
}
