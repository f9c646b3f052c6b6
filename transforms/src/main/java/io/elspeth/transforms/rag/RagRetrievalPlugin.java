package io.elspeth.transforms.rag;

import io.elspeth.connectors.client.AuditedSearchClient;
import io.elspeth.connectors.client.ClientSettings;
import io.elspeth.connectors.client.PoolSettings;
import io.elspeth.connectors.schema.FieldNormalizer;
import io.elspeth.plugin.OptionSpec;
import io.elspeth.plugin.OptionType;
import io.elspeth.plugin.PluginOptions;
import io.elspeth.transforms.llm.PromptTemplate;
import io.elspeth.transforms.local.TransformOptions;
import io.elspeth.transforms.step.RowTransform;
import io.elspeth.transforms.step.TransformPlugin;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.PatternSyntaxException;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * {@code rag_retrieval} (ELSPETH's): searches a retrieval provider with text built from each row
 * ({@link RagQuery}) and adds {@code <prefix>__rag_context} (the chunks joined, {@link
 * RagContext}), {@code <prefix>__rag_score} (the best normalised score), {@code
 * <prefix>__rag_count} and {@code <prefix>__rag_sources} (JSON {@code {"v": 1, "sources":
 * [{source_id, score, metadata}]}}). Provider {@code azure_search} is Azure AI Search through the
 * Azure SDK, every search one audited call ({@link AuditedSearchClient}). Provider {@code chroma}
 * is refused when the settings are validated: ELSPETH's opens ChromaDB inside the Python process or
 * embeds the query text in the Python client, neither of which a Java engine can do.
 */
public final class RagRetrievalPlugin implements TransformPlugin {
  static final String AZURE_SEARCH = "azure_search";
  static final String CHROMA = "chroma";
  static final String DEFAULT_SEPARATOR = "\n---\n";

  @Override
  public String name() {
    return "rag_retrieval";
  }

  @Override
  public String description() {
    return "Retrieval-augmented context: searches Azure AI Search with text from each row and adds"
        + " the chunks found";
  }

  @Override
  public String determinism() {
    return "external_call";
  }

  @Override
  public List<OptionSpec> options() {
    return TransformOptions.with(
        OptionSpec.required("query_field", OptionType.STRING, "field holding the search text"),
        OptionSpec.required(
            "output_prefix",
            OptionType.STRING,
            "prefix of the fields added: <prefix>__rag_context, __rag_score, __rag_count,"
                + " __rag_sources (an identifier)"),
        OptionSpec.optional(
            "query_template",
            OptionType.STRING,
            null,
            "Jinja2 template of the search text, seeing query (the field's value) and row"),
        OptionSpec.optional(
            "query_pattern",
            OptionType.STRING,
            null,
            "regular expression whose first group (or whole match) is the search text"),
        new OptionSpec(
            "provider",
            OptionType.STRING,
            true,
            null,
            List.of(AZURE_SEARCH, CHROMA),
            "retrieval provider: azure_search (chroma is refused: see docs/plugins.md)"),
        OptionSpec.required(
            "provider_config",
            OptionType.OBJECT,
            "azure_search: {endpoint (https), index, api_key | use_managed_identity: true,"
                + " api_version=2024-07-01, search_mode=hybrid (vector | keyword | hybrid |"
                + " semantic), request_timeout=30, vector_field=contentVector, semantic_config}"),
        OptionSpec.optional("top_k", OptionType.INT, 5L, "most chunks retrieved, 1 to 100"),
        OptionSpec.optional(
            "min_score", OptionType.NUMBER, 0.0, "lowest normalised score kept, 0 to 1"),
        OptionSpec.oneOf(
            "on_no_results",
            "quarantine",
            List.of("quarantine", "continue"),
            "no chunk found: reject the row (quarantine) or continue with empty fields"),
        OptionSpec.oneOf(
            "context_format",
            "numbered",
            List.of("numbered", "separated", "raw"),
            "how chunks are joined"),
        OptionSpec.optional(
            "context_separator",
            OptionType.STRING,
            DEFAULT_SEPARATOR,
            "separator of the separated format"),
        OptionSpec.optional(
            "max_context_length",
            OptionType.INT,
            null,
            "longest context in characters, cut at a chunk boundary"));
  }

  @Override
  public List<String> validate(PluginOptions options) {
    List<String> problems = new ArrayList<>();
    String prefix = options.string("output_prefix");
    if (prefix != null && !isIdentifier(prefix)) {
      problems.add(
          "output_prefix: must be an identifier (letters, digits, '_'), got '" + prefix + "'");
    } else if (prefix != null && FieldNormalizer.isPythonKeyword(prefix)) {
      problems.add(
          "output_prefix: must not be a Python keyword, got '"
              + prefix
              + "' (field names like it break Jinja2 templates)");
    }
    long topK = options.integer("top_k", 5);
    if (topK < 1 || topK > 100) {
      problems.add("top_k: expected 1 to 100, got " + topK);
    }
    double minScore = minScore(options);
    if (!(minScore >= 0.0 && minScore <= 1.0)) {
      problems.add("min_score: expected 0 to 1, got " + options.asMap().get("min_score"));
    }
    if (options.has("max_context_length") && options.integer("max_context_length", 1) < 1) {
      problems.add(
          "max_context_length: expected at least 1, got "
              + options.asMap().get("max_context_length"));
    }
    String template = options.string("query_template");
    String pattern = options.string("query_pattern");
    if (template != null && pattern != null) {
      problems.add("query_pattern: query_template and query_pattern are mutually exclusive");
    }
    if (template != null) {
      String syntax = PromptTemplate.syntaxProblem(template);
      if (syntax != null) {
        problems.add("query_template: invalid template syntax: " + syntax);
      }
    }
    if (pattern != null) {
      try {
        RagQuery.compile(pattern);
      } catch (PatternSyntaxException e) {
        problems.add(
            "query_pattern: invalid regular expression: "
                + e.getDescription()
                + " ("
                + pattern
                + ")");
      }
    }
    String provider = options.string("provider");
    if (CHROMA.equals(provider)) {
      problems.add(chromaRefusal(options.map("provider_config")));
    } else if (AZURE_SEARCH.equals(provider)) {
      AuditedSearchClient.Settings.parse(options.map("provider_config"), problems);
    }
    return problems;
  }

  /**
   * Why {@code provider: chroma} cannot run here, naming the mode the settings ask for and what
   * works instead.
   */
  static String chromaRefusal(Map<String, Object> config) {
    Object mode = config.get("mode");
    String asked =
        mode == null
            ? "provider_config.mode is not set, which ELSPETH takes as 'ephemeral' (an in-memory"
                + " ChromaDB inside the Python process)"
            : switch (String.valueOf(mode)) {
              case "persistent" ->
                  "provider_config.mode: persistent opens the ChromaDB files at"
                      + " provider_config.persist_directory"
                      + (config.get("persist_directory") == null
                          ? ""
                          : " ('" + config.get("persist_directory") + "')")
                      + " with Python's embedded chromadb library";
              case "client" ->
                  "provider_config.mode: client queries a Chroma server with the"
                      + " query embedded by the Python client's embedding function (the server does"
                      + " not embed query text)";
              case "ephemeral" ->
                  "provider_config.mode: ephemeral is an in-memory ChromaDB"
                      + " inside the Python process";
              default -> "provider_config.mode: '" + mode + "' is not a Chroma mode";
            };
    return "provider: 'chroma' is not supported by this engine: "
        + asked
        + ", which a Java engine cannot do. Use provider: azure_search (Azure AI Search, which"
        + " embeds the query text itself with the index's vectorizer) with the documents indexed"
        + " there, or run this pipeline with ELSPETH itself";
  }

  private static boolean isIdentifier(String s) {
    if (s.isEmpty() || !(Character.isLetter(s.codePointAt(0)) || s.charAt(0) == '_')) {
      return false;
    }
    return s.codePoints().allMatch(c -> Character.isLetterOrDigit(c) || c == '_');
  }

  static double minScore(PluginOptions options) {
    return options.asMap().get("min_score") instanceof Number n ? n.doubleValue() : 0.0;
  }

  @Override
  public RowTransform create(PluginOptions options) {
    return create(options, ClientSettings.defaults());
  }

  @Override
  public RowTransform create(PluginOptions options, ClientSettings client) {
    List<String> problems = new ArrayList<>();
    if (!AZURE_SEARCH.equals(options.string("provider"))) {
      throw new IllegalArgumentException(
          "rag_retrieval: " + chromaRefusal(options.map("provider_config")));
    }
    AuditedSearchClient.Settings settings =
        AuditedSearchClient.Settings.parse(options.map("provider_config"), problems);
    if (settings == null) {
      throw new IllegalArgumentException("rag_retrieval: " + String.join("; ", problems));
    }
    @Nullable Integer maxLength =
        options.has("max_context_length")
            ? (int) options.integer("max_context_length", Integer.MAX_VALUE)
            : null;
    return new RagRetrieval(
        new RagQuery(
            options.requiredString("query_field"),
            options.string("query_template"),
            options.string("query_pattern")),
        options.requiredString("output_prefix"),
        settings,
        (int) options.integer("top_k", 5),
        minScore(options),
        Objects.requireNonNullElse(options.string("on_no_results"), "quarantine"),
        Objects.requireNonNullElse(options.string("context_format"), "numbered"),
        Objects.requireNonNullElse(options.string("context_separator"), DEFAULT_SEPARATOR),
        maxLength,
        client,
        // ELSPETH's rag_retrieval has no pool options: one row at a time per instance.
        PoolSettings.from(new PluginOptions(Map.of(), null)));
  }
}
