package io.elspeth.pipelines.settings;

import static io.elspeth.pipelines.settings.DagSettings.entries;
import static io.elspeth.pipelines.settings.DagSettings.name;
import static io.elspeth.pipelines.settings.DagSettings.positiveInt;
import static io.elspeth.pipelines.settings.DagSettings.positiveSeconds;

import io.elspeth.plugin.OptionsValidator;
import io.elspeth.transforms.dag.CoalesceStep;
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
 * Validation of the {@code coalesce} section and of the gate fork paths that feed it: its one job
 * is the join side of the DAG (for {@link DagSettings}).
 *
 * <p>Wiring rules: fork path names are unique across gates; each path is either a sink name (the
 * child goes straight to that sink) or a branch of exactly one coalesce; all branches of a coalesce
 * are paths of the same gate (a join merges the children of one fork).
 */
final class CoalesceSettings {
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

  private CoalesceSettings() {}

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
