package io.elspeth.pipelines.settings;

import io.elspeth.plugin.OptionsValidator;
import io.elspeth.transforms.dag.AggregationStep;
import io.elspeth.transforms.dag.AggregationTrigger;
import io.elspeth.transforms.dag.CoalesceStep;
import io.elspeth.transforms.gate.GateStep;
import io.elspeth.transforms.gate.expression.ExpressionEvaluationException;
import io.elspeth.transforms.gate.expression.ExpressionSyntaxException;
import io.elspeth.transforms.gate.expression.GateExpression;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Validation of the DAG sections of the settings: gate {@code fork_to}, {@code coalesce} and the
 * non-plugin keys of {@code aggregations}. Every problem is reported with its key path.
 *
 * <p>Wiring rules: fork path names are unique across gates; each path is either a sink name (the
 * child goes straight to that sink) or a branch of exactly one coalesce; all branches of a coalesce
 * are paths of the same gate (a join merges the children of one fork).
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
  private static final Set<String> COALESCE_KEYS =
      new LinkedHashSet<>(
          List.of(
              "name",
              "branches",
              "policy",
              "merge",
              "timeout_seconds",
              "quorum_count",
              "select_branch"));
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
    Map<String, String> gateOfPath = new HashMap<>();
    for (PipelineSettings.Gate g : gates) {
      g.forkTo().forEach(p -> gateOfPath.putIfAbsent(p, g.name()));
    }
    List<PipelineSettings.Coalesce> out = new ArrayList<>();
    Set<String> names = new HashSet<>();
    Map<String, String> coalesceOfBranch = new HashMap<>();
    List<Map<String, Object>> entries =
        entries(raw, "coalesce", "{name, branches, policy, merge}", problems);
    for (int i = 0; i < entries.size(); i++) {
      String path = "coalesce[" + i + "]";
      Map<String, Object> c = entries.get(i);
      if (c == null) {
        continue;
      }
      int before = problems.size();
      for (String key : c.keySet()) {
        if (!COALESCE_KEYS.contains(key)) {
          problems.add(path + "." + key + ": unknown key (expected one of " + COALESCE_KEYS + ")");
        }
      }
      String name = name(c, path, names, "coalesce", sinkNames, problems);
      List<String> branches = new ArrayList<>();
      Object b = c.get("branches");
      if (!(b instanceof List<?> bl) || bl.size() < 2) {
        problems.add(
            path
                + ".branches: required (a list of at least two fork paths), got "
                + OptionsValidator.describe(b));
      } else {
        Set<String> gatesOfBranches = new LinkedHashSet<>();
        for (int j = 0; j < bl.size(); j++) {
          String bp = path + ".branches[" + j + "]";
          Object item = bl.get(j);
          if (!(item instanceof String s)) {
            problems.add(
                bp + ": expected a fork path name, got " + OptionsValidator.describe(item));
          } else if (branches.contains(s)) {
            problems.add(bp + ": branch '" + s + "' is listed twice");
          } else if (!gateOfPath.containsKey(s)) {
            problems.add(
                bp
                    + ": no gate forks to a path named '"
                    + s
                    + "' (fork paths: "
                    + new java.util.TreeSet<>(gateOfPath.keySet())
                    + ")");
          } else if (sinkNames.contains(s)) {
            problems.add(
                bp
                    + ": '"
                    + s
                    + "' names a sink; a fork path joined by a coalesce"
                    + " cannot also be a sink");
          } else if (coalesceOfBranch.containsKey(s)) {
            problems.add(
                bp
                    + ": branch '"
                    + s
                    + "' is already joined by coalesce '"
                    + coalesceOfBranch.get(s)
                    + "'");
          } else {
            branches.add(s);
            gatesOfBranches.add(gateOfPath.get(s));
            coalesceOfBranch.put(s, name == null ? path : name);
          }
        }
        if (gatesOfBranches.size() > 1) {
          problems.add(
              path
                  + ".branches: the branches come from different gates "
                  + gatesOfBranches
                  + "; a coalesce joins the paths of one fork");
        }
      }
      CoalesceStep.Policy policy =
          enumOf(
              CoalesceStep.Policy.class,
              c.get("policy"),
              CoalesceStep.Policy.REQUIRE_ALL,
              path + ".policy",
              problems);
      CoalesceStep.Merge merge =
          enumOf(
              CoalesceStep.Merge.class,
              c.get("merge"),
              CoalesceStep.Merge.UNION,
              path + ".merge",
              problems);
      Double timeout =
          positiveSeconds(c.get("timeout_seconds"), path + ".timeout_seconds", problems);
      Integer quorum = positiveInt(c.get("quorum_count"), path + ".quorum_count", 1, problems);
      if (policy == CoalesceStep.Policy.QUORUM) {
        if (c.get("quorum_count") == null) {
          problems.add(path + ".quorum_count: required for policy quorum");
        } else if (quorum != null && quorum > branches.size() && !branches.isEmpty()) {
          problems.add(
              path
                  + ".quorum_count: "
                  + quorum
                  + " is more than the "
                  + branches.size()
                  + " branches");
        }
      } else if (c.get("quorum_count") != null) {
        problems.add(path + ".quorum_count: only used with policy quorum");
      }
      Object select = c.get("select_branch");
      if (merge == CoalesceStep.Merge.SELECT) {
        if (!(select instanceof String s) || !branches.contains(s)) {
          problems.add(
              path
                  + ".select_branch: required for merge select, one of "
                  + branches
                  + ", got "
                  + OptionsValidator.describe(select));
        }
      } else if (select != null) {
        problems.add(path + ".select_branch: only used with merge select");
      }
      if (problems.size() == before && name != null) {
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("branches", branches);
        config.put("policy", policy.configName());
        config.put("merge", merge.configName());
        config.put("timeout_seconds", timeout);
        config.put("quorum_count", quorum);
        config.put("select_branch", select);
        out.add(
            new PipelineSettings.Coalesce(
                name,
                Objects.requireNonNull(
                    gateOfPath.get(branches.get(0)),
                    "checked above: each branch is a gate's fork path"),
                branches,
                policy,
                merge,
                timeout,
                quorum,
                (String) select,
                config));
      }
    }
    return out;
  }

  /** Every fork path is a sink or a coalesce branch, and unique across gates. */
  static void checkForkPaths(
      List<PipelineSettings.Gate> gates,
      List<PipelineSettings.Coalesce> coalesce,
      Set<String> sinkNames,
      List<String> problems) {
    Set<String> branches = new HashSet<>();
    coalesce.forEach(c -> branches.addAll(c.branches()));
    Map<String, String> seen = new HashMap<>();
    for (int i = 0; i < gates.size(); i++) {
      PipelineSettings.Gate g = gates.get(i);
      for (int j = 0; j < g.forkTo().size(); j++) {
        String p = g.forkTo().get(j);
        String path = "gates[" + i + "].fork_to[" + j + "]";
        String other = seen.putIfAbsent(p, g.name());
        if (other != null) {
          problems.add(
              path
                  + ": path '"
                  + p
                  + "' is already a fork path of gate '"
                  + other
                  + "'; fork path names are unique");
        } else if (!sinkNames.contains(p) && !branches.contains(p)) {
          problems.add(
              path
                  + ": path '"
                  + p
                  + "' is neither a sink (configured: "
                  + sinkNames
                  + ") nor a branch of a coalesce");
        }
      }
    }
  }

  private static <E extends Enum<E>> E enumOf(
      Class<E> type, @Nullable Object raw, E fallback, String path, List<String> problems) {
    if (raw == null) {
      return fallback;
    }
    for (E e : type.getEnumConstants()) {
      if (e.name().toLowerCase(Locale.ROOT).equals(raw)) {
        return e;
      }
    }
    List<String> allowed = new ArrayList<>();
    for (E e : type.getEnumConstants()) {
      allowed.add(e.name().toLowerCase(Locale.ROOT));
    }
    problems.add(path + ": expected one of " + allowed + ", got " + OptionsValidator.describe(raw));
    return fallback;
  }
}
