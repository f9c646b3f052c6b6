package io.elspeth.api;

import io.elspeth.connectors.client.ClientSettings;
import io.elspeth.plugin.StepContext;
import java.util.Map;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The {@code openrouter_llm} plugin as a transform: one chat completion per row on OpenRouter over
 * HTTP, every call recorded (the bearer token never). Required: {@link #withModel}, {@link
 * #withApiKey}, and one of {@code withTemplate} and {@code withTemplateFile} ({@link
 * LlmTransform}); {@code base_url} defaults to {@code https://openrouter.ai/api/v1}.
 *
 * <pre>{@code
 * StepResult scored = tokens.apply(ElspethTransforms.openRouterLlm()
 *     .withModel("openai/gpt-4o-mini")
 *     .withApiKey(System.getenv("OPENROUTER_API_KEY"))
 *     .withTemplate("Sentiment of: {{ row.text }}"));
 * }</pre>
 */
public final class OpenRouterLlm extends LlmTransform<OpenRouterLlm> {
  private static final long serialVersionUID = 1L;
  static final String PLUGIN = "openrouter_llm";

  OpenRouterLlm(
      @Nullable String stepName,
      Map<String, Object> options,
      @Nullable StepContext context,
      ClientSettings clients) {
    super(PLUGIN, stepName, options, context, clients);
  }

  @Override
  OpenRouterLlm copy(
      @Nullable String stepName,
      Map<String, Object> options,
      @Nullable StepContext context,
      ClientSettings clients) {
    return new OpenRouterLlm(stepName, options, context, clients);
  }

  /** {@code model}: the OpenRouter model, e.g. {@code openai/gpt-4o-mini}. */
  public OpenRouterLlm withModel(String model) {
    return with("model", model);
  }

  /** {@code api_key}: the key, sent as a bearer token; never recorded, logged or shown. */
  public OpenRouterLlm withApiKey(String apiKey) {
    return with("api_key", apiKey);
  }

  /** {@code base_url}: the API's base URL. */
  public OpenRouterLlm withBaseUrl(String baseUrl) {
    return with("base_url", baseUrl);
  }
}
