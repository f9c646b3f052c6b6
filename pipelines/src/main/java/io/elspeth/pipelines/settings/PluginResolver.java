package io.elspeth.pipelines.settings;

import io.elspeth.plugin.OptionsValidator;
import io.elspeth.plugin.PluginDescriptor;
import io.elspeth.plugin.PluginOptions;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Resolves a settings entry {@code {plugin, options}} against the registered plugins: the plugin
 * named, its options checked against its descriptor (types, then the plugin's own rules), and the
 * entry as the run records it. Every problem goes to the list with its key path.
 */
final class PluginResolver {
  private PluginResolver() {}

  /** A resolved entry: the plugin's name, descriptor, checked options and recorded config. */
  record Resolved<P extends PluginDescriptor>(
      String plugin, P descriptor, PluginOptions options, Map<String, Object> config) {}

  @SuppressWarnings("unchecked")
  static <P extends PluginDescriptor> @Nullable Resolved<P> plugin(
      Object raw,
      String path,
      Function<String, Optional<P>> lookup,
      List<String> known,
      Set<String> extraKeys,
      Set<String> sinkNames,
      List<String> problems) {
    Map<String, Object> m = mapOrProblem(raw, path, problems);
    if (m == null) {
      return null;
    }
    for (String key : m.keySet()) {
      if (!key.equals("plugin") && !key.equals("options") && !extraKeys.contains(key)) {
        problems.add(
            path
                + "."
                + key
                + ": unknown key (expected plugin, options"
                + (extraKeys.isEmpty()
                    ? ""
                    : ", " + String.join(", ", new java.util.TreeSet<>(extraKeys)))
                + ")");
      }
    }
    Object name = m.get("plugin");
    if (!(name instanceof String pluginName)) {
      problems.add(path + ".plugin: required (one of " + known + ")");
      return null;
    }
    Optional<P> descriptor = lookup.apply(pluginName);
    if (descriptor.isEmpty()) {
      problems.add(
          path + ".plugin: unknown plugin '" + pluginName + "' (expected one of " + known + ")");
      return null;
    }
    Object options = m.get("options");
    if (options != null && !(options instanceof Map<?, ?>)) {
      problems.add(
          path + ".options: expected a mapping, got " + OptionsValidator.describe(options));
      return null;
    }
    Map<String, Object> opts = options == null ? Map.of() : (Map<String, Object>) options;
    OptionsValidator.Result r =
        OptionsValidator.validate(opts, descriptor.get().options(), path + ".options", sinkNames);
    problems.addAll(r.problems());
    if (r.options() == null) {
      return null;
    }
    List<String> semantic = descriptor.get().validate(r.options());
    semantic.forEach(s -> problems.add(path + ".options." + s));
    if (!semantic.isEmpty()) {
      return null;
    }
    Map<String, Object> config = new LinkedHashMap<>();
    config.put("plugin", pluginName);
    config.put("options", r.options().asMap());
    return new Resolved<>(pluginName, descriptor.get(), r.options(), config);
  }

  @SuppressWarnings("unchecked")
  static @Nullable Map<String, Object> mapOrProblem(
      @Nullable Object raw, String path, List<String> problems) {
    if (raw instanceof Map<?, ?> m) {
      return (Map<String, Object>) m;
    }
    problems.add(path + ": expected a mapping, got " + OptionsValidator.describe(raw));
    return null;
  }
}
