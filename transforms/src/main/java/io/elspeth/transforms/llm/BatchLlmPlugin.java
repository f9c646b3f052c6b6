package io.elspeth.transforms.llm;

import io.elspeth.connectors.client.ClientSettings;
import io.elspeth.connectors.client.PoolSettings;
import io.elspeth.plugin.OptionSpec;
import io.elspeth.plugin.OptionType;
import io.elspeth.plugin.PluginOptions;
import io.elspeth.transforms.dag.AggregationPlugin;
import io.elspeth.transforms.dag.BatchTransform;
import java.util.List;
import java.util.Set;

/**
 * The batch LLM plugins, named under {@code aggregations}: {@code azure_batch_llm} (one Azure
 * OpenAI Batch API job per flushed batch, {@link AzureBatchLlmTransform}) and {@code
 * openrouter_batch_llm} (the batch's rows as concurrent OpenRouter requests, {@link
 * OpenRouterBatchLlmTransform}). Both take ELSPETH's {@code LLMConfig} options; each row's result
 * continues on its own, a failed row goes to {@code on_error}.
 */
public final class BatchLlmPlugin implements AggregationPlugin {
  /** ELSPETH's cap: the Batch API's completion window is 24 hours. */
  public static final double MAX_WAIT_HOURS_LIMIT = 24.0;

  private final boolean azure;

  private BatchLlmPlugin(boolean azure) {
    this.azure = azure;
  }

  public static BatchLlmPlugin azureBatchLlm() {
    return new BatchLlmPlugin(true);
  }

  public static BatchLlmPlugin openRouterBatchLlm() {
    return new BatchLlmPlugin(false);
  }

  @Override
  public String name() {
    return azure ? "azure_batch_llm" : "openrouter_batch_llm";
  }

  @Override
  public String description() {
    return azure
        ? "One Azure OpenAI Batch API job per batch, every call audited, resumable"
            + " (aggregations only)"
        : "A batch's rows as concurrent OpenRouter requests, every call audited"
            + " (aggregations only)";
  }

  @Override
  public String determinism() {
    return "external_call";
  }

  @Override
  public List<OptionSpec> options() {
    List<OptionSpec> own =
        LlmPlugin.endpointOptions(
            azure, "model recorded when an answer names none (defaults to the deployment)");
    if (azure) {
      own.add(
          OptionSpec.optional(
              "poll_interval_seconds",
              OptionType.NUMBER,
              300L,
              "first wait between batches.retrieve polls (grows 1.5x per poll, up to 4x)"));
      own.add(
          OptionSpec.optional(
              "max_wait_hours",
              OptionType.NUMBER,
              24L,
              "how long a job may run before its rows fail (at most 24)"));
    }
    // The Batch API is one job per batch: the row pool options do not apply to it.
    Set<String> left =
        azure
            ? Set.of(
                "pool_size",
                "min_dispatch_delay_ms",
                "max_dispatch_delay_ms",
                "backoff_multiplier",
                "recovery_step_ms",
                "max_capacity_retry_seconds")
            : Set.of();
    return LlmOptions.with(own.toArray(OptionSpec[]::new)).stream()
        .filter(o -> !left.contains(o.name()))
        .toList();
  }

  /** ELSPETH's computed guarantees: {@code <response_field>}, {@code _usage}, {@code _model}. */
  @Override
  public java.util.Set<String> computedGuaranteedFields(PluginOptions options) {
    String field = options.requiredString("response_field");
    return new java.util.LinkedHashSet<>(List.of(field, field + "_usage", field + "_model"));
  }

  @Override
  public List<String> validate(PluginOptions options) {
    List<String> problems = LlmPlugin.endpointProblems(options, azure);
    if (azure) {
      double poll = LlmOptions.number(options, "poll_interval_seconds", 300);
      if (!(poll > 0)) {
        problems.add("poll_interval_seconds: expected more than 0, got " + poll);
      }
      double hours = LlmOptions.number(options, "max_wait_hours", MAX_WAIT_HOURS_LIMIT);
      if (!(hours > 0) || hours > MAX_WAIT_HOURS_LIMIT) {
        problems.add("max_wait_hours: expected more than 0 and at most 24, got " + hours);
      }
    }
    return problems;
  }

  @Override
  public BatchTransform create(PluginOptions options) {
    return create(options, ClientSettings.defaults());
  }

  @Override
  public BatchTransform create(PluginOptions options, ClientSettings client) {
    LlmOptions llm = LlmOptions.from(options, options.string("deployment_name"));
    if (azure) {
      LlmEndpoint endpoint =
          LlmEndpoint.azure(
              options.requiredString("endpoint"),
              options.requiredString("api_key"),
              options.requiredString("api_version"),
              options.requiredString("deployment_name"));
      return new AzureBatchLlmTransform(
          endpoint,
          llm,
          LlmOptions.number(options, "poll_interval_seconds", 300),
          LlmOptions.number(options, "max_wait_hours", MAX_WAIT_HOURS_LIMIT),
          client);
    }
    LlmEndpoint endpoint =
        LlmEndpoint.openRouter(
            options.requiredString("base_url"), options.requiredString("api_key"));
    PoolSettings pool = PoolSettings.from(options);
    return new OpenRouterBatchLlmTransform(
        new LlmTransform(endpoint, llm, client, pool), pool.poolSize());
  }
}
