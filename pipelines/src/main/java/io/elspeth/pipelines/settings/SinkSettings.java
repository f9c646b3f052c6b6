package io.elspeth.pipelines.settings;

import static io.elspeth.pipelines.settings.PluginResolver.mapOrProblem;
import static io.elspeth.pipelines.settings.PluginResolver.plugin;

import io.elspeth.pipelines.plugins.PluginRegistry;
import io.elspeth.pipelines.settings.PluginResolver.Resolved;
import io.elspeth.plugin.OptionsValidator;
import io.elspeth.plugin.SinkPlugin;
import io.elspeth.plugin.StepContext;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * {@code sinks} and {@code default_sink}: each sink's plugin and options, its {@code
 * on_write_failure} (discard, or another sink that only discards), and the sink rows go to when no
 * route names one.
 */
final class SinkSettings {
  /** The sink key naming where rows the sink cannot write go. */
  static final String ON_WRITE_FAILURE = "on_write_failure";

  private final PluginRegistry registry;

  SinkSettings(PluginRegistry registry) {
    this.registry = registry;
  }

  static Set<String> sinkNames(@Nullable Object sinks) {
    Set<String> names = new LinkedHashSet<>();
    if (sinks instanceof Map<?, ?> m) {
      m.keySet().forEach(k -> names.add(k.toString()));
    }
    return names;
  }

  LinkedHashMap<String, PipelineSettings.Sink> sinks(@Nullable Object raw, List<String> problems) {
    LinkedHashMap<String, PipelineSettings.Sink> sinks = new LinkedHashMap<>();
    if (raw == null) {
      problems.add("sinks: required (a mapping of sink name to {plugin, options}, at least one)");
      return sinks;
    }
    Map<String, Object> m = mapOrProblem(raw, "sinks", problems);
    if (m == null) {
      return sinks;
    }
    if (m.isEmpty()) {
      problems.add("sinks: at least one sink is required");
    }
    Set<String> names = sinkNames(raw);
    for (Map.Entry<String, Object> e : m.entrySet()) {
      String path = "sinks." + e.getKey();
      if (e.getKey().equals("discard") || e.getKey().equals("continue")) {
        problems.add(path + ": '" + e.getKey() + "' is reserved and cannot name a sink");
        continue;
      }
      Resolved<SinkPlugin> r =
          plugin(
              e.getValue(),
              path,
              registry::sink,
              registry.sinkNames(),
              Set.of(ON_WRITE_FAILURE),
              names,
              problems);
      String onWriteFailure = onWriteFailure(e.getKey(), e.getValue(), names, problems);
      if (r != null) {
        Map<String, Object> config = r.config();
        if (onWriteFailure != null) {
          config = new LinkedHashMap<>(config);
          config.put(ON_WRITE_FAILURE, onWriteFailure);
        }
        sinks.put(
            e.getKey(),
            new PipelineSettings.Sink(
                e.getKey(), r.plugin(), r.descriptor(), r.options(), config, onWriteFailure));
      }
    }
    // A sink that receives another's unwritable rows may only discard its own: no chains, so no
    // cycles, and a diverted row is written or discarded at the second sink.
    for (Map.Entry<String, Object> e : m.entrySet()) {
      Object raw1 = e.getValue() instanceof Map<?, ?> sm ? sm.get(ON_WRITE_FAILURE) : null;
      String target = raw1 instanceof String s ? s.strip() : null;
      if (target == null
          || target.equals(StepContext.DISCARD)
          || target.equals(e.getKey())
          || !(m.get(target) instanceof Map<?, ?> t)) {
        continue;
      }
      Object next = t.get(ON_WRITE_FAILURE);
      if (next != null && !(next instanceof String n && n.strip().equals(StepContext.DISCARD))) {
        problems.add(
            "sinks."
                + e.getKey()
                + "."
                + ON_WRITE_FAILURE
                + " and sinks."
                + target
                + "."
                + ON_WRITE_FAILURE
                + ": '"
                + e.getKey()
                + "' diverts to '"
                + target
                + "', which diverts in turn to '"
                + next
                + "'; a sink that receives diverted rows may"
                + " only discard the rows it cannot write (on_write_failure: discard, or unset)");
      }
    }
    return sinks;
  }

  /**
   * A sink's {@code on_write_failure} (beside {@code plugin}, as ELSPETH writes it): {@code
   * discard} or the name of another configured sink; null when unset.
   */
  private static @Nullable String onWriteFailure(
      String sink, Object raw, Set<String> sinkNames, List<String> problems) {
    if (!(raw instanceof Map<?, ?> m) || !m.containsKey(ON_WRITE_FAILURE)) {
      return null;
    }
    String key = "sinks." + sink + "." + ON_WRITE_FAILURE;
    Object value = m.get(ON_WRITE_FAILURE);
    if (!(value instanceof String s) || s.isBlank()) {
      problems.add(
          key
              + ": expected 'discard' or the name of another sink, got "
              + OptionsValidator.describe(value));
      return null;
    }
    String target = s.strip();
    if (target.equals(StepContext.DISCARD)) {
      return target;
    }
    if (target.equals(sink)) {
      problems.add(
          key
              + ": '"
              + sink
              + "' cannot be its own failure sink (use 'discard' or"
              + " another sink)");
      return null;
    }
    if (!sinkNames.contains(target)) {
      problems.add(
          key
              + ": no sink named '"
              + target
              + "' (configured sinks: "
              + sinkNames
              + "; or 'discard')");
      return null;
    }
    return target;
  }

  static @Nullable String defaultSink(
      @Nullable Object raw, Set<String> sinkNames, List<String> problems) {
    if (raw == null) {
      if (sinkNames.size() == 1) {
        return sinkNames.iterator().next();
      }
      problems.add(
          "default_sink: required when there is more than one sink (one of " + sinkNames + ")");
      return null;
    }
    if (!(raw instanceof String s) || !sinkNames.contains(s)) {
      problems.add(
          "default_sink: expected one of the configured sinks "
              + sinkNames
              + ", got "
              + OptionsValidator.describe(raw));
      return null;
    }
    return s;
  }
}
