package io.elspeth.pipelines.settings;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Endpoint options a settings file may leave to the environment. ELSPETH's Azure examples name
 * their endpoints through {@code ${AZURE_OPENAI_ENDPOINT}}, but its OpenRouter plugins have only a
 * built-in {@code base_url}, so an OpenRouter pipeline could not be pointed at a test server
 * without editing it. Here an OpenRouter plugin without {@code base_url} takes {@value
 * #OPENROUTER_BASE_URL} from the environment (or {@code .env}) when it is set; the value is written
 * into the settings, so the run records the endpoint it used.
 */
final class EndpointDefaults {
  /** The environment variable giving OpenRouter plugins their default {@code base_url}. */
  static final String OPENROUTER_BASE_URL = "OPENROUTER_BASE_URL";

  private EndpointDefaults() {}

  static Map<String, Object> apply(Map<String, Object> settings, Map<String, String> env) {
    String baseUrl = env.get(OPENROUTER_BASE_URL);
    if (baseUrl == null || baseUrl.isBlank()) {
      return settings;
    }
    return PluginEntries.mapOptions(
        settings,
        (plugin, options) -> {
          if (!isOpenRouter(plugin, options) || options.get("base_url") != null) {
            return options;
          }
          Map<String, Object> o = new LinkedHashMap<>(options);
          o.put("base_url", baseUrl.strip());
          return o;
        });
  }

  /**
   * ELSPETH RC2's {@code openrouter_*} plugins, and the current {@code llm} with {@code provider:
   * openrouter}.
   */
  private static boolean isOpenRouter(Object plugin, Map<String, Object> options) {
    return plugin instanceof String p
        && (p.startsWith("openrouter_")
            || (p.equals("llm") && "openrouter".equals(options.get("provider"))));
  }
}
