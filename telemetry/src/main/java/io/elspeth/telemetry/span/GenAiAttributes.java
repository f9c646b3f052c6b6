package io.elspeth.telemetry.span;

import io.elspeth.telemetry.event.TelemetryEvent.CallType;
import io.elspeth.telemetry.event.TelemetryEvent.ExternalCallCompleted;
import io.opentelemetry.api.common.AttributesBuilder;

/**
 * The one place that maps an external call to OpenTelemetry GenAI semantic-convention attributes.
 * Only LLM calls get them: {@code gen_ai.system} (the provider), {@code gen_ai.operation.name},
 * {@code gen_ai.request.model} (the model asked for) and {@code gen_ai.response.model} (the one
 * that answered) when known, and {@code gen_ai.usage.input_tokens}/{@code output_tokens} for the
 * counts the provider reported; {@code error.type} on a failed call. Extend here when calls carry
 * more (e.g. finish reasons).
 */
public final class GenAiAttributes {
  private GenAiAttributes() {}

  public static void add(ExternalCallCompleted call, AttributesBuilder attributes) {
    if (call.callType() != CallType.LLM) {
      return;
    }
    attributes.put("gen_ai.system", call.provider());
    attributes.put("gen_ai.operation.name", "chat");
    if (call.model() != null) {
      attributes.put("gen_ai.request.model", call.model());
    }
    if (call.responseModel() != null) {
      attributes.put("gen_ai.response.model", call.responseModel());
    }
    if (call.tokenUsage() != null) {
      if (call.tokenUsage().inputTokens() != null) {
        attributes.put("gen_ai.usage.input_tokens", call.tokenUsage().inputTokens());
      }
      if (call.tokenUsage().outputTokens() != null) {
        attributes.put("gen_ai.usage.output_tokens", call.tokenUsage().outputTokens());
      }
    }
    if (call.status() == io.elspeth.telemetry.event.TelemetryEvent.CallStatus.ERROR) {
      attributes.put("error.type", "call_error");
    }
  }
}
