package io.elspeth.api;

import io.elspeth.connectors.client.ClientSettings;
import io.elspeth.plugin.StepContext;
import java.util.Map;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The {@code azure_llm} plugin as a transform: one chat completion per row on an Azure OpenAI
 * deployment, every call recorded. Each wither sets the settings option named in its Javadoc;
 * required: {@link #withDeployment}, {@link #withEndpoint}, {@link #withApiKey}, and one of {@code
 * withTemplate} and {@code withTemplateFile} ({@link LlmTransform}). Defaults are the plugin's
 * ({@code elspeth plugins list} shows them): {@code api_version} 2024-10-21, {@code model} the
 * deployment, {@code response_field} llm_response, {@code temperature} 0.
 *
 * <pre>{@code
 * StepResult scored = tokens.apply("classify", ElspethTransforms.azureLlm()
 *     .withDeployment("gpt-4o-mini")
 *     .withEndpoint("https://my-resource.openai.azure.com")
 *     .withApiKey(System.getenv("AZURE_OPENAI_KEY"))
 *     .withTemplate("Sentiment of: {{ row.text }}")
 *     .withResponseField("sentiment")
 *     .withOnError("llm_errors"));
 * }</pre>
 */
public final class AzureLlm extends LlmTransform<AzureLlm> {
  private static final long serialVersionUID = 1L;
  static final String PLUGIN = "azure_llm";

  AzureLlm(
      @Nullable String stepName,
      Map<String, Object> options,
      @Nullable StepContext context,
      ClientSettings clients) {
    super(PLUGIN, stepName, options, context, clients);
  }

  @Override
  AzureLlm copy(
      @Nullable String stepName,
      Map<String, Object> options,
      @Nullable StepContext context,
      ClientSettings clients) {
    return new AzureLlm(stepName, options, context, clients);
  }

  /** {@code deployment_name}: the Azure OpenAI deployment. */
  public AzureLlm withDeployment(String deployment) {
    return with("deployment_name", deployment);
  }

  /** {@code endpoint}: {@code https://<resource>.openai.azure.com}. */
  public AzureLlm withEndpoint(String endpoint) {
    return with("endpoint", endpoint);
  }

  /** {@code api_key}: the key; never recorded, logged or shown (the audit holds a fingerprint). */
  public AzureLlm withApiKey(String apiKey) {
    return with("api_key", apiKey);
  }

  /** {@code api_version}. */
  public AzureLlm withApiVersion(String apiVersion) {
    return with("api_version", apiVersion);
  }

  /** {@code model}: the model name recorded (defaults to the deployment). */
  public AzureLlm withModel(String model) {
    return with("model", model);
  }
}
