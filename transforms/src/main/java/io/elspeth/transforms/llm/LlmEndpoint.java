package io.elspeth.transforms.llm;

import io.elspeth.audit.secrets.UrlRedactor;
import io.elspeth.connectors.client.AuditedLlmClient;
import java.io.Serializable;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Where an LLM transform sends its requests: Azure OpenAI (endpoint, deployment, api-version) or
 * OpenRouter (base URL), with the API key. {@link #toString()} never shows the key, nor the
 * credentials the URL may carry.
 */
public record LlmEndpoint(
    String provider,
    String url,
    String apiKey,
    @Nullable String apiVersion,
    @Nullable String deployment)
    implements Serializable {

  public static LlmEndpoint azure(
      String endpoint, String apiKey, String apiVersion, String deployment) {
    return new LlmEndpoint("azure", endpoint, apiKey, apiVersion, deployment);
  }

  public static LlmEndpoint openRouter(String baseUrl, String apiKey) {
    return new LlmEndpoint("openrouter", baseUrl, apiKey, null, null);
  }

  /** The rate-limit service name: {@code azure_openai} or {@code openrouter}. */
  public String service() {
    return provider.equals("azure") ? "azure_openai" : "openrouter";
  }

  /** A client for this endpoint, built per DoFn instance. */
  public AuditedLlmClient open(Duration timeout) {
    return open(timeout, List.of());
  }

  /** As above, with the run's extra credential URL parameter names. */
  public AuditedLlmClient open(Duration timeout, Collection<String> secretUrlParams) {
    if (provider.equals("azure")) {
      // azure(...) is the only way to an Azure endpoint, and it takes both.
      return AuditedLlmClient.azure(
          url,
          apiKey,
          Objects.requireNonNull(apiVersion, "apiVersion"),
          Objects.requireNonNull(deployment, "deployment"),
          timeout,
          secretUrlParams);
    }
    return AuditedLlmClient.openRouter(url, apiKey, timeout, secretUrlParams);
  }

  @Override
  public String toString() {
    return "LlmEndpoint["
        + provider
        + " "
        + UrlRedactor.masking().url(url)
        + (deployment == null ? "" : " " + deployment)
        + "]";
  }
}
