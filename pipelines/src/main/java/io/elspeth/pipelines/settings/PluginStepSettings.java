package io.elspeth.pipelines.settings;

import static io.elspeth.pipelines.settings.PluginResolver.plugin;

import io.elspeth.pipelines.plugins.PluginRegistry;
import io.elspeth.pipelines.settings.PluginResolver.Resolved;
import io.elspeth.plugin.OptionsValidator;
import io.elspeth.plugin.SourcePlugin;
import io.elspeth.plugin.StepContext;
import io.elspeth.transforms.local.TransformOptions;
import io.elspeth.transforms.step.TransformPlugin;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The plugin steps rows pass through: {@code source}, {@code transforms} (with ELSPETH's {@code
 * on_error} beside the plugin or in its options, and the unified LLM form) and {@code
 * aggregations}, each resolved against the registry.
 */
final class PluginStepSettings {
  private final PluginRegistry registry;

  PluginStepSettings(PluginRegistry registry) {
    this.registry = registry;
  }

  PipelineSettings.@Nullable Source source(
      @Nullable Object raw, Set<String> sinkNames, List<String> problems) {
    if (raw == null) {
      problems.add("source: required ({plugin, options})");
      return null;
    }
    Resolved<SourcePlugin> r =
        plugin(
            raw, "source", registry::source, registry.sourceNames(), Set.of(), sinkNames, problems);
    return r == null
        ? null
        : new PipelineSettings.Source(r.plugin(), r.descriptor(), r.options(), r.config());
  }

  @SuppressWarnings("unchecked")
  List<PipelineSettings.Transform> transforms(
      @Nullable Object raw, Set<String> sinkNames, List<String> problems) {
    List<PipelineSettings.Transform> out = new ArrayList<>();
    if (raw == null) {
      return out;
    }
    if (!(raw instanceof List<?> list)) {
      problems.add(
          "transforms: expected a list of {plugin, options}, got "
              + OptionsValidator.describe(raw));
      return out;
    }
    Set<String> used = new HashSet<>();
    for (int i = 0; i < list.size(); i++) {
      String path = "transforms[" + i + "]";
      Object item = list.get(i);
      if (!(item instanceof Map<?, ?>)) {
        problems.add(
            path
                + ": expected a mapping {plugin, options}, got "
                + OptionsValidator.describe(item));
        continue;
      }
      // HEAD writes on_error beside plugin; RC2 inside options. Accept both, one place.
      Map<String, Object> entry = new LinkedHashMap<>((Map<String, Object>) item);
      Object topOnError = entry.remove("on_error");
      if (topOnError != null && entry.get("options") instanceof Map<?, ?> opts) {
        Map<String, Object> merged = new LinkedHashMap<>((Map<String, Object>) opts);
        if (merged.containsKey("on_error")) {
          problems.add(path + ".on_error: given both beside plugin and in options; keep one");
        }
        merged.put("on_error", topOnError);
        entry.put("options", merged);
      } else if (topOnError != null) {
        entry.put("options", new LinkedHashMap<>(Map.of("on_error", topOnError)));
      }
      Object nameValue = entry.remove("name");
      entry = UnifiedLlm.resolve(entry, path, problems);
      if (entry == null) {
        continue;
      }
      Resolved<TransformPlugin> r =
          plugin(
              entry,
              path,
              registry::transform,
              registry.transformNames(),
              Set.of(),
              sinkNames,
              problems);
      if (r == null) {
        continue;
      }
      String name = nameValue == null ? r.plugin() : nameValue.toString();
      String unique = name;
      for (int n = 2; !used.add(unique); n++) {
        if (nameValue != null) {
          problems.add(path + ".name: '" + name + "' is already used by another transform");
          break;
        }
        unique = name + "_" + n;
      }
      out.add(
          new PipelineSettings.Transform(
              unique,
              r.plugin(),
              r.descriptor(),
              r.options(),
              r.options().string(TransformOptions.ON_ERROR),
              r.options().strings(TransformOptions.REQUIRED_INPUT_FIELDS),
              r.config()));
    }
    return out;
  }

  /**
   * {@code aggregations}: each {name, plugin, trigger, output_mode, expected_output_count?,
   * options}.
   */
  @SuppressWarnings("unchecked")
  List<PipelineSettings.Aggregation> aggregations(
      @Nullable Object raw, Set<String> sinkNames, List<String> problems) {
    List<PipelineSettings.Aggregation> out = new ArrayList<>();
    List<Map<String, Object>> entries =
        DagSettings.entries(
            raw, "aggregations", "{name, plugin, trigger, output_mode, options}", problems);
    Set<String> names = new HashSet<>();
    for (int i = 0; i < entries.size(); i++) {
      String path = "aggregations[" + i + "]";
      Map<String, Object> a = entries.get(i);
      if (a == null) {
        continue;
      }
      Map<String, Object> plugin = new LinkedHashMap<>();
      for (Map.Entry<String, Object> e : a.entrySet()) {
        if (e.getKey().equals("plugin") || e.getKey().equals("options")) {
          plugin.put(e.getKey(), e.getValue());
        } else if (e.getKey().equals("on_error")) {
          // As for transforms: on_error beside plugin (HEAD) or inside options (RC2).
          continue;
        } else if (!DagSettings.AGGREGATION_KEYS.contains(e.getKey())) {
          problems.add(
              path
                  + "."
                  + e.getKey()
                  + ": unknown key (expected one of "
                  + DagSettings.AGGREGATION_KEYS
                  + ")");
        }
      }
      // ELSPETH's current format gives every aggregation an on_error; a plugin without row
      // errors of its own (batch_stats, batch_replicate) fails a batch whole, so the value is
      // checked and recorded, and a failed batch's rows end failed as before.
      Object aggregationOnError = null;
      boolean pluginHasOnError =
          a.get("plugin") instanceof String pn0
              && registry
                  .aggregation(pn0)
                  .map(d -> d.options().stream().anyMatch(o -> o.name().equals("on_error")))
                  .orElse(true);
      if (a.containsKey("on_error") && !pluginHasOnError) {
        aggregationOnError = a.get("on_error");
        if (!(aggregationOnError instanceof String oe)
            || !(oe.equals(StepContext.DISCARD) || sinkNames.contains(oe))) {
          problems.add(
              path
                  + ".on_error: expected 'discard' or a sink name "
                  + sinkNames
                  + ", got "
                  + OptionsValidator.describe(aggregationOnError));
        }
      } else if (a.containsKey("on_error")) {
        Map<String, Object> merged =
            plugin.get("options") instanceof Map<?, ?> opts
                ? new LinkedHashMap<>((Map<String, Object>) opts)
                : new LinkedHashMap<>();
        if (merged.containsKey("on_error")) {
          problems.add(path + ".on_error: given both beside plugin and in options; keep one");
        }
        merged.put("on_error", a.get("on_error"));
        plugin.put("options", merged);
      }
      String name = DagSettings.name(a, path, names, "aggregation", sinkNames, problems);
      var trigger = DagSettings.trigger(a.get("trigger"), path + ".trigger", problems);
      var mode = DagSettings.outputMode(a.get("output_mode"), path + ".output_mode", problems);
      Integer expected =
          DagSettings.positiveInt(
              a.get("expected_output_count"), path + ".expected_output_count", 0, problems);
      Resolved<io.elspeth.transforms.dag.AggregationPlugin> r =
          plugin(
              plugin,
              path,
              registry::aggregation,
              registry.aggregationNames(),
              Set.of(),
              sinkNames,
              problems);
      if (r == null && a.get("plugin") instanceof String pn && registry.transform(pn).isPresent()) {
        problems.add(path + ".plugin: '" + pn + "' is a row transform; name it under transforms");
      }
      if (r != null && name != null && trigger != null && mode != null) {
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("plugin", r.plugin());
        config.put("trigger", a.get("trigger"));
        config.put("output_mode", mode.name().toLowerCase());
        config.put("options", r.options().asMap());
        if (expected != null) {
          config.put("expected_output_count", expected);
        }
        if (aggregationOnError != null) {
          config.put("on_error", aggregationOnError);
        }
        out.add(
            new PipelineSettings.Aggregation(
                name, r.plugin(), r.descriptor(), r.options(), trigger, mode, expected, config));
      }
    }
    return out;
  }
}
