package io.elspeth.pipelines.settings;

import io.elspeth.plugin.OptionsValidator;
import io.elspeth.transforms.dag.AggregationStep;
import io.elspeth.transforms.dag.AggregationTrigger;
import io.elspeth.transforms.gate.GateStep;
import io.elspeth.transforms.gate.expression.ExpressionEvaluationException;
import io.elspeth.transforms.gate.expression.ExpressionSyntaxException;
import io.elspeth.transforms.gate.expression.GateExpression;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Validation of the DAG sections of the settings: gate {@code fork_to}, {@code coalesce} and the
 * non-plugin keys of {@code aggregations}. Every problem is reported with its key path.
 *
 * <p>{@link CoalesceSettings} validates the {@code coalesce} section and the fork paths that feed
 * it; this class keeps its entry points.
 */
final class DagSettings {
  static final Set<String> AGGREGATION_KEYS =
      new LinkedHashSet<>(
          List.of(
              "name",
              "plugin",
              "trigger",
              "output_mode",
              "expected_output_count",
              "options",
              "on_error"));
  private static final Set<String> TRIGGER_KEYS =
      new LinkedHashSet<>(List.of("count", "timeout_seconds", "condition"));
  private static final Set<String> RESERVED = Set.of(GateStep.CONTINUE, GateStep.FORK, "discard");

  private DagSettings() {}

  /** The mappings of a list section; null entries where an item is not a mapping. */
  @SuppressWarnings("unchecked")
  static List<Map<String, Object>> entries(
      @Nullable Object raw, String key, String shape, List<String> problems) {
    List<Map<String, Object>> out = new ArrayList<>();
    if (raw == null) {
      return out;
    }
    if (!(raw instanceof List<?> list)) {
      problems.add(
          key + ": expected a list of " + shape + ", got " + OptionsValidator.describe(raw));
      return out;
    }
    for (int i = 0; i < list.size(); i++) {
      if (list.get(i) instanceof Map<?, ?> m) {
        out.add((Map<String, Object>) m);
      } else {
        problems.add(
            key
                + "["
                + i
                + "]: expected a mapping "
                + shape
                + ", got "
                + OptionsValidator.describe(list.get(i)));
        out.add(null);
      }
    }
    return out;
  }

  /** A required, unique name that is not a sink name or a reserved word. */
  static @Nullable String name(
      Map<String, Object> m,
      String path,
      Set<String> used,
      String what,
      Set<String> sinkNames,
      List<String> problems) {
    Object name = m.get("name");
    if (!(name instanceof String n) || n.isBlank()) {
      problems.add(path + ".name: required (a string naming the " + what + ")");
      return null;
    }
    if (!used.add(n)) {
      problems.add(path + ".name: '" + n + "' is already used by another " + what);
      return null;
    }
    if (sinkNames.contains(n) || RESERVED.contains(n)) {
      problems.add(path + ".name: '" + n + "' is a sink name or reserved word; choose another");
      return null;
    }
    return n;
  }

  static @Nullable Integer positiveInt(
      @Nullable Object v, String path, int min, List<String> problems) {
    if (v == null) {
      return null;
    }
    if (!(v instanceof Integer || v instanceof Long)
        || ((Number) v).longValue() < min
        || ((Number) v).longValue() > Integer.MAX_VALUE) {
      problems.add(
          path
              + ": expected a whole number of at least "
              + min
              + ", got "
              + OptionsValidator.describe(v));
      return null;
    }
    return ((Number) v).intValue();
  }

  static @Nullable Double positiveSeconds(@Nullable Object v, String path, List<String> problems) {
    if (v == null) {
      return null;
    }
    if (!(v instanceof Number n)
        || v instanceof Boolean
        || n.doubleValue() <= 0
        || !Double.isFinite(n.doubleValue())) {
      problems.add(
          path + ": expected a number of seconds above 0, got " + OptionsValidator.describe(v));
      return null;
    }
    return n.doubleValue();
  }

  /** {@code trigger: {count?, timeout_seconds?, condition?}}, at least one. */
  @SuppressWarnings("unchecked")
  static @Nullable AggregationTrigger trigger(
      @Nullable Object raw, String path, List<String> problems) {
    if (!(raw instanceof Map<?, ?> rm)) {
      problems.add(path + ": required (a mapping with count, timeout_seconds and/or condition)");
      return null;
    }
    Map<String, Object> m = (Map<String, Object>) rm;
    int before = problems.size();
    for (String key : m.keySet()) {
      if (!TRIGGER_KEYS.contains(key)) {
        problems.add(path + "." + key + ": unknown key (expected one of " + TRIGGER_KEYS + ")");
      }
    }
    Integer count = positiveInt(m.get("count"), path + ".count", 1, problems);
    Double timeout = positiveSeconds(m.get("timeout_seconds"), path + ".timeout_seconds", problems);
    GateExpression condition = null;
    Object c = m.get("condition");
    if (c != null) {
      if (!(c instanceof String cs) || cs.isBlank()) {
        problems.add(
            path
                + ".condition: expected an expression over row['batch_count'] and"
                + " row['batch_age_seconds'], got "
                + OptionsValidator.describe(c));
      } else {
        try {
          condition = GateExpression.parse(cs);
          // A trial on the fields the trigger provides catches a condition that can never run.
          condition.evaluate(Map.of("batch_count", 1L, "batch_age_seconds", 0.0));
        } catch (ExpressionSyntaxException | ExpressionEvaluationException e) {
          problems.add(
              path
                  + ".condition: "
                  + e.getMessage()
                  + " (the condition sees row['batch_count'] and row['batch_age_seconds'])");
          condition = null;
        }
      }
    }
    if (m.get("count") == null && m.get("timeout_seconds") == null && c == null) {
      problems.add(path + ": needs at least one of count, timeout_seconds, condition");
    }
    return problems.size() == before ? new AggregationTrigger(count, timeout, condition) : null;
  }

  /**
   * {@code output_mode}: transform (default), passthrough, or single (RC2's name for transform).
   */
  static AggregationStep.@Nullable OutputMode outputMode(
      @Nullable Object raw, String path, List<String> problems) {
    if (raw == null) {
      return AggregationStep.OutputMode.TRANSFORM;
    }
    return switch (String.valueOf(raw)) {
      case "transform", "single" -> AggregationStep.OutputMode.TRANSFORM;
      case "passthrough" -> AggregationStep.OutputMode.PASSTHROUGH;
      default -> {
        problems.add(
            path
                + ": expected transform, passthrough or single, got "
                + OptionsValidator.describe(raw));
        yield null;
      }
    };
  }

  /** A gate's {@code fork_to}: unique path names that are not reserved words. */
  static List<String> forkTo(
      @Nullable Object raw, String path, Set<String> sinkNames, List<String> problems) {
    if (raw == null) {
      return List.of();
    }
    if (!(raw instanceof List<?> list) || list.isEmpty()) {
      problems.add(
          path
              + ": expected a non-empty list of path names, got "
              + OptionsValidator.describe(raw));
      return List.of();
    }
    List<String> paths = new ArrayList<>();
    for (int i = 0; i < list.size(); i++) {
      Object p = list.get(i);
      if (!(p instanceof String s) || s.isBlank() || RESERVED.contains(s)) {
        problems.add(
            path
                + "["
                + i
                + "]: expected a path name (a sink name or a coalesce"
                + " branch), got "
                + OptionsValidator.describe(p));
      } else if (paths.contains(s)) {
        problems.add(path + "[" + i + "]: path '" + s + "' is listed twice");
      } else {
        paths.add(s);
      }
    }
    return paths.size() == list.size() ? List.copyOf(paths) : List.of();
  }

  /**
   * {@code coalesce}: each {name, branches, policy, merge, timeout_seconds?, quorum_count?,
   * select_branch?}.
   */
  static List<PipelineSettings.Coalesce> coalesce(
      @Nullable Object raw,
      List<PipelineSettings.Gate> gates,
      Set<String> sinkNames,
      List<String> problems) {
    return CoalesceSettings.coalesce(raw, gates, sinkNames, problems);
  }

  /** Every fork path is a sink or a coalesce branch, and unique across gates. */
  static void checkForkPaths(
      List<PipelineSettings.Gate> gates,
      List<PipelineSettings.Coalesce> coalesce,
      Set<String> sinkNames,
      List<String> problems) {
    CoalesceSettings.checkForkPaths(gates, coalesce, sinkNames, problems);
  }
}
