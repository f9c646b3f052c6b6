package io.elspeth.pipelines.settings;

import static io.elspeth.pipelines.settings.PluginResolver.mapOrProblem;

import io.elspeth.plugin.OptionsValidator;
import io.elspeth.transforms.gate.GateStep;
import io.elspeth.transforms.gate.expression.ExpressionSyntaxException;
import io.elspeth.transforms.gate.expression.GateExpression;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * {@code gates}: each gate's name, its condition parsed as a gate expression, its routes (to a
 * sink, {@code continue} or {@code fork}) and its {@code fork_to} paths.
 */
final class GateSettings {
  private GateSettings() {}

  @SuppressWarnings("unchecked")
  static List<PipelineSettings.Gate> gates(
      @Nullable Object raw, Set<String> sinkNames, Set<String> connections, List<String> problems) {
    List<PipelineSettings.Gate> out = new ArrayList<>();
    if (raw == null) {
      return out;
    }
    if (!(raw instanceof List<?> list)) {
      problems.add(
          "gates: expected a list of {name, condition, routes}, got "
              + OptionsValidator.describe(raw));
      return out;
    }
    Set<String> names = new HashSet<>();
    for (int i = 0; i < list.size(); i++) {
      String path = "gates[" + i + "]";
      Map<String, Object> g = mapOrProblem(list.get(i), path, problems);
      if (g == null) {
        continue;
      }
      for (String key : g.keySet()) {
        if (!Set.of("name", "condition", "routes", "fork_to").contains(key)) {
          problems.add(
              path + "." + key + ": unknown key (expected name, condition, routes," + " fork_to)");
        }
      }
      List<String> forkTo =
          DagSettings.forkTo(g.get("fork_to"), path + ".fork_to", sinkNames, problems);
      Object name = g.get("name");
      if (!(name instanceof String n) || n.isBlank()) {
        problems.add(path + ".name: required (a string naming the gate)");
      } else if (!names.add(n)) {
        problems.add(path + ".name: '" + n + "' is already used by another gate");
      }
      GateExpression condition = null;
      Object c = g.get("condition");
      if (!(c instanceof String cs) || cs.isBlank()) {
        problems.add(
            path + ".condition: required (an expression over row, e.g. row['amount'] > 100)");
      } else {
        try {
          condition = GateExpression.parse(cs);
        } catch (ExpressionSyntaxException e) {
          problems.add(path + ".condition: " + e.getMessage());
        }
      }
      Map<String, String> routes = new LinkedHashMap<>();
      Object rr = g.get("routes");
      if (rr == null) {
        problems.add(path + ".routes: required (result label -> sink name or continue)");
      } else {
        Map<String, Object> rm = mapOrProblem(rr, path + ".routes", problems);
        if (rm != null) {
          if (rm.isEmpty()) {
            problems.add(path + ".routes: expected at least one route");
          }
          rm.forEach(
              (label, dest) -> {
                String lp = path + ".routes." + label;
                if (!(dest instanceof String d)) {
                  problems.add(
                      lp
                          + ": expected a sink name or 'continue', got "
                          + OptionsValidator.describe(dest));
                } else if (d.equals(GateStep.FORK) && forkTo.isEmpty()) {
                  problems.add(lp + ": 'fork' needs the gate's fork_to (the paths to fork to)");
                } else if (!d.equals(GateStep.CONTINUE)
                    && !d.equals(GateStep.FORK)
                    && !sinkNames.contains(d)
                    && !connections.contains(d)) {
                  problems.add(
                      lp
                          + ": no sink named '"
                          + d
                          + "' (configured sinks: "
                          + sinkNames
                          + "; or 'continue', or 'fork' with fork_to)");
                } else {
                  routes.put(label, d);
                }
              });
        }
      }
      if (!forkTo.isEmpty() && rr instanceof Map<?, ?> rmap && !rmap.containsValue(GateStep.FORK)) {
        problems.add(path + ".fork_to: no route goes to 'fork', so the paths are never used");
      }
      if (condition != null && name instanceof String n && routes.size() == mapSize(rr)) {
        out.add(new PipelineSettings.Gate(n, condition, routes, g, forkTo));
      }
    }
    return out;
  }

  private static int mapSize(@Nullable Object o) {
    return o instanceof Map<?, ?> m ? m.size() : -1;
  }
}
