package io.elspeth.transforms.llm;

import io.elspeth.audit.secrets.UrlRedactor;
import io.elspeth.connectors.client.ClientSettings;
import io.elspeth.connectors.client.PoolSettings;
import io.elspeth.plugin.OptionSpec;
import io.elspeth.plugin.OptionType;
import io.elspeth.plugin.PluginOptions;
import io.elspeth.transforms.step.RowTransform;
import io.elspeth.transforms.step.TransformPlugin;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The LLM transform plugins: {@code azure_llm}, {@code azure_multi_query_llm} (Azure OpenAI,
 * through the Azure SDK: {@code deployment_name}, {@code endpoint}, {@code api_key}, {@code
 * api_version}; {@code model} defaults to the deployment) and {@code openrouter_llm}, {@code
 * openrouter_multi_query_llm} (OpenRouter over HTTP: {@code api_key}, {@code base_url}, {@code
 * model}), each with ELSPETH's {@code LLMConfig} options ({@link LlmOptions}).
 */
public final class LlmPlugin implements TransformPlugin {
  private final String name;
  private final boolean azure;
  private final boolean multiQuery;

  private LlmPlugin(String name, boolean azure, boolean multiQuery) {
    this.name = name;
    this.azure = azure;
    this.multiQuery = multiQuery;
  }

  public static LlmPlugin azureLlm() {
    return new LlmPlugin("azure_llm", true, false);
  }

  public static LlmPlugin azureMultiQueryLlm() {
    return new LlmPlugin("azure_multi_query_llm", true, true);
  }

  public static LlmPlugin openRouterLlm() {
    return new LlmPlugin("openrouter_llm", false, false);
  }

  public static LlmPlugin openRouterMultiQueryLlm() {
    return new LlmPlugin("openrouter_multi_query_llm", false, true);
  }

  /** All four. */
  public static List<LlmPlugin> all() {
    return List.of(azureLlm(), azureMultiQueryLlm(), openRouterLlm(), openRouterMultiQueryLlm());
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public String description() {
    return (multiQuery
            ? "Several queries per row (case studies x criteria, or named queries)"
            : "One chat completion per row")
        + (azure ? " on Azure OpenAI" : " on OpenRouter")
        + ", every call audited";
  }

  @Override
  public String determinism() {
    return "external_call";
  }

  @Override
  public List<OptionSpec> options() {
    List<OptionSpec> own =
        endpointOptions(azure, "model name recorded (defaults to the deployment)");
    if (multiQuery) {
      own.addAll(MultiQuery.options());
    }
    return LlmOptions.with(own.toArray(OptionSpec[]::new));
  }

  /**
   * The options that say where an Azure OpenAI deployment or OpenRouter is and how to reach it,
   * shared by the row and the batch LLM plugins; {@code azureModel} describes Azure's optional
   * {@code model}.
   */
  static List<OptionSpec> endpointOptions(boolean azure, String azureModel) {
    List<OptionSpec> own = new ArrayList<>();
    if (azure) {
      own.add(OptionSpec.required("deployment_name", OptionType.STRING, "Azure OpenAI deployment"));
      own.add(
          OptionSpec.required(
              "endpoint", OptionType.STRING, "https://<resource>.openai.azure.com"));
      own.add(OptionSpec.required("api_key", OptionType.SECRET, "Azure OpenAI key"));
      own.add(OptionSpec.optional("api_version", OptionType.STRING, "2024-10-21", "API version"));
      own.add(OptionSpec.optional("model", OptionType.STRING, null, azureModel));
    } else {
      own.add(OptionSpec.required("api_key", OptionType.SECRET, "OpenRouter key"));
      own.add(
          OptionSpec.optional(
              "base_url", OptionType.STRING, "https://openrouter.ai/api/v1", "API base URL"));
      own.add(OptionSpec.required("model", OptionType.STRING, "model, e.g. openai/gpt-4o-mini"));
    }
    return own;
  }

  /** The problems of the LLM options common to every LLM plugin, the endpoint's URL included. */
  static List<String> endpointProblems(PluginOptions options, boolean azure) {
    List<String> problems = new ArrayList<>(LlmOptions.validate(options));
    String urlKey = azure ? "endpoint" : "base_url";
    String problem = urlProblem(urlKey, options.string(urlKey), azure);
    if (problem != null) {
      problems.add(problem);
    }
    return problems;
  }

  @Override
  public List<String> validate(PluginOptions options) {
    List<String> problems = endpointProblems(options, azure);
    if (multiQuery) {
      MultiQuery.parse(options, problems);
      if (MultiQuery.named(options)) {
        NamedQueries.parse(options.asMap().get("queries"), problems);
      }
    }
    return problems;
  }

  /** Why {@code url} is not a usable endpoint (Azure: HTTPS only), or null. */
  static @org.checkerframework.checker.nullness.qual.Nullable String urlProblem(
      String key,
      @org.checkerframework.checker.nullness.qual.Nullable String url,
      boolean httpsOnly) {
    try {
      URI u = URI.create(String.valueOf(url));
      if (u.getHost() == null || !List.of("http", "https").contains(u.getScheme())) {
        return key
            + ": expected an http(s) URL, got '"
            + UrlRedactor.masking().url(String.valueOf(url))
            + "'";
      }
      if (httpsOnly && !"https".equals(u.getScheme())) {
        return key + ": Azure OpenAI takes key credentials over HTTPS only";
      }
      return null;
    } catch (IllegalArgumentException e) {
      return key
          + ": expected an http(s) URL, got '"
          + UrlRedactor.masking().url(String.valueOf(url))
          + "'";
    }
  }

  /**
   * ELSPETH's computed guarantees: {@code <response_field>}, {@code _usage}, {@code _model}; for
   * multi-query, every {@code <case>_<criterion>} prefix's mapped fields, {@code _usage} and {@code
   * _model}; for named queries, each query's {@code <name>_<suffix>} fields and {@code
   * <name>_<response_field>} with its {@code _usage} and {@code _model}.
   */
  @Override
  public Set<String> computedGuaranteedFields(PluginOptions options) {
    Set<String> fields = new LinkedHashSet<>();
    if (!multiQuery) {
      String field = options.requiredString("response_field");
      fields.addAll(List.of(field, field + "_usage", field + "_model"));
      return fields;
    }
    if (MultiQuery.named(options)) {
      NamedQueries named = NamedQueries.parse(options.asMap().get("queries"), new ArrayList<>());
      if (named != null) {
        fields.addAll(named.guaranteedFields(options.requiredString("response_field")));
      }
      return fields;
    }
    MultiQuery queries = MultiQuery.parse(options, new ArrayList<>());
    if (queries != null) {
      for (MultiQuery.CaseStudy cs : queries.caseStudies()) {
        for (MultiQuery.Criterion cr : queries.criteria()) {
          String prefix = cs.name() + "_" + cr.name();
          queries.outputMapping().values().forEach(f -> fields.add(prefix + "_" + f.suffix()));
          fields.addAll(List.of(prefix + "_usage", prefix + "_model"));
        }
      }
    }
    return fields;
  }

  @Override
  public RowTransform create(PluginOptions options) {
    return create(options, ClientSettings.defaults());
  }

  @Override
  public RowTransform create(PluginOptions options, ClientSettings client) {
    LlmEndpoint endpoint =
        azure
            ? LlmEndpoint.azure(
                options.requiredString("endpoint"),
                options.requiredString("api_key"),
                options.requiredString("api_version"),
                options.requiredString("deployment_name"))
            : LlmEndpoint.openRouter(
                options.requiredString("base_url"), options.requiredString("api_key"));
    LlmOptions llm = LlmOptions.from(options, options.string("deployment_name"));
    PoolSettings pool = PoolSettings.from(options);
    if (!multiQuery) {
      return new LlmTransform(endpoint, llm, client, pool);
    }
    List<String> problems = new ArrayList<>();
    if (MultiQuery.named(options)) {
      NamedQueries named = NamedQueries.parse(options.asMap().get("queries"), problems);
      if (named == null) {
        throw new IllegalStateException("named queries were validated: " + problems);
      }
      return new MultiQueryLlmTransform(endpoint, llm, named, client, pool);
    }
    MultiQuery queries = MultiQuery.parse(options, problems);
    if (queries == null) {
      throw new IllegalStateException("multi-query options were validated: " + problems);
    }
    return new MultiQueryLlmTransform(endpoint, llm, queries, client, pool);
  }
}
