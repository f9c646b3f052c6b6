package io.elspeth.transforms.llm;

import io.elspeth.connectors.client.AuditedLlmClient;
import io.elspeth.connectors.client.CallSink;
import io.elspeth.connectors.client.ClientSettings;
import io.elspeth.connectors.client.ExternalCallException;
import io.elspeth.connectors.client.PoolSettings;
import io.elspeth.transforms.step.ExternalCallTransform;
import io.elspeth.transforms.step.TransformResult;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * One chat completion per row ({@code azure_llm}, {@code openrouter_llm}): renders the template
 * with the row, calls the model through the audited client (every attempt recorded), and puts the
 * response text in {@code response_field} with ELSPETH's metadata fields beside it. A template that
 * cannot render, or a call that fails for good, is a processing error of the row.
 */
final class LlmTransform extends ExternalCallTransform {
  private final LlmEndpoint endpoint;
  private final LlmOptions llm;
  private transient @Nullable AuditedLlmClient client;

  LlmTransform(LlmEndpoint endpoint, LlmOptions llm, ClientSettings client, PoolSettings pool) {
    super(client, pool, endpoint.service());
    this.endpoint = endpoint;
    this.llm = llm;
  }

  @Override
  public void setup() {
    client =
        endpoint.open(
            Duration.ofMillis((long) (llm.timeoutSeconds() * 1000)),
            clientSettings().secretUrlParams());
  }

  @Override
  public void teardown() {
    if (client != null) {
      client.close();
    }
  }

  private AuditedLlmClient client() {
    if (client == null) {
      throw new IllegalStateException("setup() was not called");
    }
    return client;
  }

  @Override
  public TransformResult apply(Map<String, Object> row, CallSink calls) {
    PromptTemplate.Rendered rendered;
    try {
      rendered = llm.template().render(llm.variables(row), row);
    } catch (PromptTemplate.RenderException e) {
      Map<String, Object> reason = new LinkedHashMap<>();
      reason.put("reason", "template_rendering_failed");
      reason.put("error", e.getMessage());
      reason.put("template_hash", llm.template().hash());
      return TransformResult.error(reason);
    }
    AuditedLlmClient.ChatRequest request =
        AuditedLlmClient.ChatRequest.of(
            llm.model(),
            llm.systemPrompt(),
            rendered.prompt(),
            llm.temperature(),
            llm.maxTokens(),
            false);
    AuditedLlmClient.ChatResponse response;
    try {
      response = call(() -> client().chat(request, calls));
    } catch (ExternalCallException e) {
      return TransformResult.error(e.rowError("llm_call_failed"));
    }
    Map<String, Object> out = new LinkedHashMap<>(row);
    out.put(llm.responseField(), response.content());
    llm.addMetadata(out, llm.responseField(), rendered, response.usage(), response.model());
    return TransformResult.success(out);
  }
}
