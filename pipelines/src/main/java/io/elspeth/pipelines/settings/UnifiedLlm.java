package io.elspeth.pipelines.settings;

import io.elspeth.plugin.OptionsValidator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * ELSPETH's current unified LLM transform, {@code plugin: llm} with {@code provider: azure} or
 * {@code provider: openrouter}, resolved to this project's {@code azure_llm} / {@code
 * openrouter_llm}, whose options are the same ({@code provider} aside); with {@code queries}
 * (ELSPETH's named multi-query) to {@code azure_multi_query_llm} / {@code
 * openrouter_multi_query_llm}, which run named queries beside their own {@code case_studies} ×
 * {@code criteria}. What the unified plugin has and these do not is refused by name: {@code
 * tracing} (Langfuse; not available here).
 */
final class UnifiedLlm {
  static final String PLUGIN = "llm";
  private static final Map<String, String> BY_PROVIDER =
      Map.of("azure", "azure_llm", "openrouter", "openrouter_llm");
  private static final Map<String, String> MULTI_QUERY_BY_PROVIDER =
      Map.of("azure", "azure_multi_query_llm", "openrouter", "openrouter_multi_query_llm");

  private UnifiedLlm() {}

  /**
   * The transform entry with {@code plugin: llm} replaced by the provider's plugin (other entries
   * unchanged); null, with the problems added, when it cannot be.
   */
  @SuppressWarnings("unchecked")
  static @Nullable Map<String, Object> resolve(
      Map<String, Object> entry, String path, List<String> problems) {
    if (!PLUGIN.equals(entry.get("plugin"))) {
      return entry;
    }
    Map<String, Object> options =
        entry.get("options") instanceof Map<?, ?> m
            ? new LinkedHashMap<>((Map<String, Object>) m)
            : new LinkedHashMap<>();
    int before = problems.size();
    Object provider = options.remove("provider");
    String plugin =
        provider instanceof String p
            ? (options.get("queries") != null ? MULTI_QUERY_BY_PROVIDER : BY_PROVIDER).get(p)
            : null;
    if (plugin == null) {
      problems.add(
          path
              + ".options.provider: required for plugin llm (one of "
              + new java.util.TreeSet<>(BY_PROVIDER.keySet())
              + "), got "
              + OptionsValidator.describe(provider));
    }
    Object tracing = options.remove("tracing");
    if (tracing != null) {
      Object kind = tracing instanceof Map<?, ?> t ? t.get("provider") : tracing;
      problems.add(
          path
              + ".options.tracing: "
              + (kind instanceof String k ? "provider '" + k + "'" : "tracing")
              + " is not available here (no Langfuse or Azure AI tracing integration); every LLM call"
              + " is already recorded in the Landscape (calls table) and in telemetry: remove"
              + " tracing");
    }
    if (problems.size() > before) {
      return null;
    }
    Map<String, Object> out = new LinkedHashMap<>(entry);
    out.put("plugin", plugin);
    out.put("options", options);
    return out;
  }
}
