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
 * Landscape has no model or token usage columns (those stay in the stored payloads): an LLM
 * call's record carries them alongside ({@link CallRecord#llm}) for the event, with the provider
 * as the client names it (ELSPETH's {@code azure}); other calls name their node's plugin.
 * Payloads stay out of the event (hashes identify them).
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
    CallRecord.LlmDetails llm = c.llm();
    TelemetryEvent.TokenUsage usage = llm == null
        || (llm.inputTokens() == null && llm.outputTokens() == null) ? null
        : new TelemetryEvent.TokenUsage(llm.inputTokens(), llm.outputTokens());
    // An LLM client names its provider as ELSPETH's does (e.g. azure), not by the node's plugin.
    return new TelemetryEvent.ExternalCallCompleted(now, runId, type,
        llm == null ? provider : llm.provider(),
        c.status().equals("success") ? CallStatus.SUCCESS : CallStatus.ERROR,
        c.latencyMs() == null ? 0.0 : c.latencyMs(), c.stateId(), c.operationId(), tokenId,
        c.requestHash(), c.responseHash(), llm == null ? null : llm.requestModel(),
        llm == null ? null : llm.responseModel(), null, null, usage);
  }
}
