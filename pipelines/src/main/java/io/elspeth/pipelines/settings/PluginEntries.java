package io.elspeth.pipelines.settings;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;

/**
 * Rewrites the {@code options} of every {@code transforms} and {@code aggregations} entry of loaded
 * settings.
 */
final class PluginEntries {
  private PluginEntries() {}

  /**
   * The settings with each entry's options replaced by {@code rewrite(plugin, options)}; entries
   * without an options mapping, and everything else, are left as they are.
   */
  @SuppressWarnings("unchecked")
  static Map<String, Object> mapOptions(
      Map<String, Object> settings,
      BiFunction<Object, Map<String, Object>, Map<String, Object>> rewrite) {
    Map<String, Object> out = new LinkedHashMap<>(settings);
    for (String section : List.of("transforms", "aggregations")) {
      if (!(out.get(section) instanceof List<?> entries)) {
        continue;
      }
      List<Object> rewritten = new ArrayList<>();
      for (Object entry : entries) {
        if (entry instanceof Map<?, ?> e && e.get("options") instanceof Map<?, ?> options) {
          Map<String, Object> copy = new LinkedHashMap<>((Map<String, Object>) e);
          copy.put("options", rewrite.apply(e.get("plugin"), (Map<String, Object>) options));
          rewritten.add(copy);
        } else {
          rewritten.add(entry);
        }
      }
      out.put(section, rewritten);
    }
    return out;
  }
}
