package io.elspeth.api;

import io.elspeth.connectors.client.ClientSettings;
import io.elspeth.plugin.StepContext;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The options every LLM plugin shares (ELSPETH's {@code LLMConfig}): the prompt template, system
 * prompt, lookup data, response field, sampling and pool options. {@link AzureLlm} and {@link
 * OpenRouterLlm} add where the model is and how to reach it.
 *
 * @param <T> the concrete LLM transform, which every {@code withX} returns
 */
public abstract class LlmTransform<T extends LlmTransform<T>> extends PluginTransform<T> {
  private static final long serialVersionUID = 1L;

  LlmTransform(
      String plugin,
      @Nullable String stepName,
      Map<String, Object> options,
      @Nullable StepContext context,
      ClientSettings clients) {
    super(plugin, stepName, options, context, clients);
  }

  /** {@code template}: the Jinja2 prompt template over {@code row} and {@code lookup}. */
  public T withTemplate(String template) {
    return with("template", template);
  }

  /**
   * {@code template_file}: a file holding the template, read when the transform is applied; a
   * relative path is read against the working directory, and recorded as written ({@code
   * template_source}).
   */
  public T withTemplateFile(Path file) {
    return withFile("template_file", "template_source", file);
  }

  /** {@code system_prompt}: the system message. */
  public T withSystemPrompt(String systemPrompt) {
    return with("system_prompt", systemPrompt);
  }

  /** {@code system_prompt_file}: a file holding the system message (paths as for templates). */
  public T withSystemPromptFile(Path file) {
    return withFile("system_prompt_file", "system_prompt_source", file);
  }

  /** {@code lookup}: data the template sees as {@code lookup}. */
  public T withLookup(Map<String, Object> lookup) {
    return with("lookup", lookup);
  }

  /** {@code lookup_file}: a YAML file of lookup data (paths as for templates). */
  public T withLookupFile(Path file) {
    return withFile("lookup_file", "lookup_source", file);
  }

  /** {@code response_field}: the output field (its metadata fields take it as prefix). */
  public T withResponseField(String field) {
    return with("response_field", field);
  }

  /** {@code temperature}: 0 to 2. */
  public T withTemperature(double temperature) {
    return with("temperature", temperature);
  }

  /** {@code max_tokens}: the completion token limit. */
  public T withMaxTokens(int maxTokens) {
    return with("max_tokens", (long) maxTokens);
  }

  /** {@code timeout_seconds}: time allowed for one request. */
  public T withTimeoutSeconds(double seconds) {
    return with("timeout_seconds", seconds);
  }

  /** {@code pool_size}: rows in flight per worker. */
  public T withPoolSize(int poolSize) {
    return with("pool_size", (long) poolSize);
  }

  /**
   * The file option as an absolute path, with the path as written recorded as its source (set
   * another source after it with {@code withOption("template_source", ...)}).
   */
  private T withFile(String key, String sourceKey, Path file) {
    Objects.requireNonNull(file, key);
    return with(key, file.toAbsolutePath().normalize().toString()).with(sourceKey, file.toString());
  }
}
