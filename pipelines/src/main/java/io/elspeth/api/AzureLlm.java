package io.elspeth.api;

import io.elspeth.connectors.client.ClientSettings;
import io.elspeth.plugin.StepContext;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The {@code azure_llm} plugin as a transform: one chat completion per row on an Azure OpenAI
 * deployment, every call recorded. Each wither sets the settings option named in its Javadoc;
 * required: {@link #withDeployment}, {@link #withEndpoint}, {@link #withApiKey}, and one of
 * {@link #withTemplate} and {@link #withTemplateFile}. Defaults are the plugin's
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
public final class AzureLlm extends PluginTransform<AzureLlm> {
  private static final long serialVersionUID = 1L;
  static final String PLUGIN = "azure_llm";

  AzureLlm(@Nullable String stepName, Map<String, Object> options,
      @Nullable StepContext context, ClientSettings clients) {
    super(PLUGIN, stepName, options, context, clients);
  }

  @Override
  AzureLlm copy(@Nullable String stepName, Map<String, Object> options,
      @Nullable StepContext context, ClientSettings clients) {
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

  /** {@code api_key}: the key; never recorded, logged or shown (the audit holds its fingerprint). */
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

  /** {@code template}: the Jinja2 prompt template over {@code row} and {@code lookup}. */
  public AzureLlm withTemplate(String template) {
    return with("template", template);
  }

  /**
   * {@code template_file}: a file holding the template, read when the transform is applied; a
   * relative path is read against the working directory, and recorded as written
   * ({@code template_source}).
   */
  public AzureLlm withTemplateFile(Path file) {
    return withFile("template_file", "template_source", file);
  }

  /** {@code system_prompt}: the system message. */
  public AzureLlm withSystemPrompt(String systemPrompt) {
    return with("system_prompt", systemPrompt);
  }

  /** {@code system_prompt_file}: a file holding the system message (paths as for templates). */
  public AzureLlm withSystemPromptFile(Path file) {
    return withFile("system_prompt_file", "system_prompt_source", file);
  }

  /** {@code lookup}: data the template sees as {@code lookup}. */
  public AzureLlm withLookup(Map<String, Object> lookup) {
    return with("lookup", lookup);
  }

  /** {@code lookup_file}: a YAML file of lookup data (paths as for templates). */
  public AzureLlm withLookupFile(Path file) {
    return withFile("lookup_file", "lookup_source", file);
  }

  /** {@code response_field}: the output field (its metadata fields take it as prefix). */
  public AzureLlm withResponseField(String field) {
    return with("response_field", field);
  }

  /** {@code temperature}: 0 to 2. */
  public AzureLlm withTemperature(double temperature) {
    return with("temperature", temperature);
  }

  /** {@code max_tokens}: the completion token limit. */
  public AzureLlm withMaxTokens(int maxTokens) {
    return with("max_tokens", (long) maxTokens);
  }

  /** {@code timeout_seconds}: time allowed for one request. */
  public AzureLlm withTimeoutSeconds(double seconds) {
    return with("timeout_seconds", seconds);
  }

  /** {@code pool_size}: rows in flight per worker. */
  public AzureLlm withPoolSize(int poolSize) {
    return with("pool_size", (long) poolSize);
  }

  /**
   * The file option as an absolute path, with the path as written recorded as its source (set
   * another source after it with {@code withOption("template_source", ...)}).
   */
  private AzureLlm withFile(String key, String sourceKey, Path file) {
    Objects.requireNonNull(file, key);
    return with(key, file.toAbsolutePath().normalize().toString())
        .with(sourceKey, file.toString());
  }
}
