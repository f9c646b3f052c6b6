package io.elspeth.pipelines.settings;

import io.elspeth.plugin.OptionsValidator;
import io.elspeth.transforms.gate.GateStep;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * ELSPETH's current settings format (explicit wiring: {@code on_success} on the source and steps,
 * {@code input} on transforms, gates and aggregations, routes naming connections or sinks, no
 * {@code default_sink}), recognised from the file itself and translated into the RC2 form this
 * project's DAG is built from: one chain source → transforms → aggregations → gates, gate routes
 * to a sink, {@code continue} (the next step) or {@code fork}, and coalesced rows to the default
 * sink. A wiring that chain cannot express is refused with the key that asks for it.
 *
 * <p>Connections are resolved as ELSPETH's DAG builder resolves them: a name that is a sink is a
 * sink; an aggregation or coalesce without {@code on_success} produces a connection named after
 * itself; each connection has one producer and one consumer.
 */
final class CurrentFormat {
  /** Top-level keys of the current format whose features this project does not have. */
  static final Map<String, String> REFUSED_TOP_LEVEL = Map.of(
      "depends_on", "pipeline dependencies (run another settings file first) are not supported;"
          + " run the pipelines one after another",
      "commencement_gates", "commencement gates (pre-run checks over dependency results and"
          + " collection probes) are not supported",
      "collection_probes", "collection probes (vector-store readiness checks before a run) are"
          + " not supported");

  private static final Pattern STEP_PATH = Pattern.compile("(transforms|gates|aggregations)\\[(\\d+)]");

  private enum Kind { TRANSFORM, AGGREGATION, GATE }

  /** One processing step as written. */
  private record Step(Kind kind, int index, Map<String, Object> entry) {
    String path() {
      return section(kind) + "[" + index + "]";
    }

    String describe() {
      Object name = entry.get("name");
      return path() + (name instanceof String n ? " ('" + n + "')" : "");
    }
  }

  /**
   * Translated settings and how to name the translated steps in problems: the translated lists
   * may be in another order than the file's.
   */
  record Translation(Map<String, Object> settings, Map<String, String> originalPaths) {
    /** Problems about the translated settings, with step paths as the file writes them. */
    List<String> inFileTerms(List<String> problems) {
      List<String> out = new ArrayList<>();
      for (String p : problems) {
        Matcher m = STEP_PATH.matcher(p);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
          m.appendReplacement(sb, Matcher.quoteReplacement(
              originalPaths.getOrDefault(m.group(), m.group())));
        }
        m.appendTail(sb);
        out.add(sb.toString());
      }
      return out;
    }
  }

  private CurrentFormat() {}

  /**
   * Whether the settings are in the current format: the source names where its rows go, or a
   * step names its input. RC2 files have neither key.
   */
  static boolean isCurrent(Map<String, Object> raw) {
    if (raw.get("source") instanceof Map<?, ?> s && s.containsKey("on_success")) {
      return true;
    }
    for (String section : List.of("transforms", "gates", "aggregations")) {
      if (raw.get(section) instanceof List<?> list) {
        for (Object item : list) {
          if (item instanceof Map<?, ?> m && m.containsKey("input")) {
            return true;
          }
        }
      }
    }
    return false;
  }

  /**
   * ELSPETH's current CSV sources always normalize their headers to identifiers
   * ({@code CS1: Symptoms & Signs} → {@code cs1_symptoms_signs}; its {@code csv_source} has no
   * switch for it), where RC2's did so only with {@code normalize_fields: true}: a CSV source,
   * or an Azure Blob source reading CSV, gets {@code normalize_fields: true} unless it says
   * otherwise.
   */
  @SuppressWarnings("unchecked")
  private static Map<String, Object> normalizedHeaders(Map<String, Object> source) {
    boolean csv = "csv".equals(source.get("plugin")) || ("azure_blob".equals(source.get("plugin"))
        && source.get("options") instanceof Map<?, ?> o
        && "csv".equals(o.get("format") == null ? "csv" : o.get("format")));
    if (!csv || !(source.get("options") instanceof Map<?, ?> options)
        || options.containsKey("normalize_fields")) {
      return source;
    }
    Map<String, Object> o = new LinkedHashMap<>((Map<String, Object>) options);
    o.put("normalize_fields", true);
    Map<String, Object> out = new LinkedHashMap<>(source);
    out.put("options", o);
    return out;
  }

  /** Translates current-format settings; every wiring problem goes to {@code problems}. */
  @SuppressWarnings("unchecked")
  static Translation translate(Map<String, Object> raw, List<String> problems) {
    Set<String> sinks = new LinkedHashSet<>();
    if (raw.get("sinks") instanceof Map<?, ?> m) {
      m.keySet().forEach(k -> sinks.add(k.toString()));
    }
    if (raw.containsKey("default_sink")) {
      problems.add("default_sink: not part of the current format (rows go where each step's"
          + " on_success and each gate's routes say); remove it, or write the file in the RC2"
          + " format without on_success and input");
    }
    List<Step> steps = new ArrayList<>();
    for (Kind kind : Kind.values()) {
      if (raw.get(section(kind)) instanceof List<?> list) {
        for (int i = 0; i < list.size(); i++) {
          if (list.get(i) instanceof Map<?, ?> m) {
            steps.add(new Step(kind, i, (Map<String, Object>) m));
          }
        }
      }
    }
    List<Map<String, Object>> coalesce = new ArrayList<>();
    if (raw.get("coalesce") instanceof List<?> list) {
      list.forEach(c -> coalesce.add(c instanceof Map<?, ?> m ? (Map<String, Object>) m : null));
    }

    // Consumers: connection -> the step whose input it is.
    Map<String, Step> consumers = new LinkedHashMap<>();
    for (Step s : steps) {
      Object input = s.entry.get("input");
      if (!(input instanceof String in) || in.isBlank()) {
        problems.add(s.path() + ".input: required (the connection this " + what(s.kind)
            + " reads: the on_success of the step before it, or a gate route), got "
            + OptionsValidator.describe(input));
        continue;
      }
      String conn = in.strip();
      if (sinks.contains(conn)) {
        problems.add(s.path() + ".input: '" + conn + "' is a sink; a step reads a connection"
            + " (another step's on_success or a gate route)");
        continue;
      }
      Step other = consumers.putIfAbsent(conn, s);
      if (other != null) {
        problems.add(s.path() + ".input and " + other.path() + ".input: both read connection '"
            + conn + "'; a connection has one reader (use a gate with fork_to to copy rows)");
      }
    }
    // Coalesce branches: branch name -> the connection it reads (list form: the same name).
    Map<String, String> branchOfConnection = new LinkedHashMap<>();
    List<List<String>> coalesceBranches = new ArrayList<>();
    for (int i = 0; i < coalesce.size(); i++) {
      Map<String, Object> c = coalesce.get(i);
      List<String> names = new ArrayList<>();
      coalesceBranches.add(names);
      if (c == null) {
        continue;
      }
      Object b = c.get("branches");
      if (b instanceof Map<?, ?> bm) {
        bm.forEach((k, v) -> {
          names.add(k.toString());
          if (v instanceof String conn) {
            branchOfConnection.put(conn.strip(), k.toString());
          }
        });
      } else if (b instanceof List<?> bl) {
        bl.forEach(v -> {
          if (v instanceof String s) {
            names.add(s);
            branchOfConnection.put(s.strip(), s);
          }
        });
      }
    }

    // Walk the chain from the source.
    Map<String, Object> source = raw.get("source") instanceof Map<?, ?> m
        ? (Map<String, Object>) m : null;
    Object first = source == null ? null : source.get("on_success");
    List<Step> chain = new ArrayList<>();
    String endSink = null;
    Map<Step, Map<String, Object>> gateRoutes = new LinkedHashMap<>();
    Map<Step, List<String>> gateForks = new LinkedHashMap<>();
    if (source != null && !(first instanceof String f && !f.isBlank())) {
      problems.add("source.on_success: required (a sink name, or the connection the first step"
          + " reads as its input), got " + OptionsValidator.describe(first));
    } else if (source != null) {
      String next = String.valueOf(first).strip(); // a non-blank String, checked above
      String from = "source.on_success";
      while (next != null) {
        if (sinks.contains(next)) {
          endSink = next;
          break;
        }
        Step s = consumers.get(next);
        if (s == null) {
          problems.add(from + ": '" + next + "' is neither a sink " + sinks
              + " nor the input of a transform, gate or aggregation (inputs: "
              + new TreeSet<>(consumers.keySet()) + ")");
          break;
        }
        if (chain.contains(s)) {
          problems.add(from + ": '" + next + "' leads back to " + s.describe()
              + "; a pipeline has no cycles");
          break;
        }
        Step previous = chain.isEmpty() ? null : chain.get(chain.size() - 1);
        if (previous != null && previous.kind.ordinal() > s.kind.ordinal()) {
          problems.add(s.path() + ".input: " + s.describe() + " reads the output of "
              + previous.describe() + "; this project runs a pipeline's transforms, then its"
              + " aggregations, then its gates, so a " + what(s.kind) + " cannot follow a "
              + what(previous.kind) + " (reorder the steps, or move the routing to the end)");
          break;
        }
        chain.add(s);
        if (s.kind == Kind.GATE) {
          next = gate(s, sinks, consumers, branchOfConnection, gateRoutes, gateForks, problems);
          from = s.path() + ".routes";
        } else {
          Object out = s.entry.get("on_success");
          if (out == null && s.kind == Kind.AGGREGATION) {
            next = s.entry.get("name") instanceof String n ? n : null;
          } else if (!(out instanceof String o) || o.isBlank()) {
            problems.add(s.path() + ".on_success: required (a sink name, or the connection the"
                + " next step reads), got " + OptionsValidator.describe(out));
            next = null;
          } else {
            next = o.strip();
          }
          from = s.path() + ".on_success";
        }
      }
    }
    for (Step s : steps) {
      if (!chain.contains(s) && s.entry.get("input") instanceof String in
          && consumers.get(in.strip()) == s && problems.isEmpty()) {
        problems.add(s.path() + ".input: no step's on_success or gate route leads to '"
            + in.strip() + "' along the pipeline from the source, so " + s.describe()
            + " would never receive a row (steps on a fork branch, or after a coalesce, are"
            + " not supported: fork paths go straight to a sink or a coalesce, and a coalesce"
            + " goes to a sink)");
      }
    }

    // Coalesce output goes to the default sink.
    Set<String> coalesceSinks = new LinkedHashSet<>();
    for (int i = 0; i < coalesce.size(); i++) {
      Map<String, Object> c = coalesce.get(i);
      if (c == null) {
        continue;
      }
      Object out = c.get("on_success");
      String name = c.get("name") instanceof String n ? n : "coalesce[" + i + "]";
      if (out instanceof String o && sinks.contains(o.strip())) {
        coalesceSinks.add(o.strip());
      } else if (out == null && consumers.containsKey(name)) {
        problems.add("coalesce[" + i + "]: " + consumers.get(name).describe() + " reads the"
            + " merged rows of coalesce '" + name + "'; here a coalesce writes its merged rows to"
            + " a sink: give the coalesce on_success: <sink>");
      } else {
        problems.add("coalesce[" + i + "].on_success: required (the sink the merged rows go to),"
            + " got " + OptionsValidator.describe(out) + "; sinks: " + sinks);
      }
    }
    if (coalesceSinks.size() > 1 || endSink != null && !coalesceSinks.isEmpty()
        && !coalesceSinks.contains(endSink)) {
      problems.add("coalesce: the merged rows of every coalesce go to the pipeline's one"
          + " continuing sink here; they name " + coalesceSinks
          + (endSink == null ? "" : " and the main path ends at '" + endSink + "'"));
    }
    String defaultSink = endSink != null ? endSink
        : !coalesceSinks.isEmpty() ? coalesceSinks.iterator().next()
        : firstRouteSink(gateRoutes, sinks);

    // The RC2 form.
    Map<String, Object> out = new LinkedHashMap<>();
    Map<String, String> originalPaths = new LinkedHashMap<>();
    Map<Kind, List<Object>> lists = new LinkedHashMap<>();
    for (Kind k : Kind.values()) {
      lists.put(k, new ArrayList<>());
    }
    for (Step s : chain) {
      Map<String, Object> e = new LinkedHashMap<>(s.entry);
      e.remove("input");
      e.remove("on_success");
      if (s.kind == Kind.GATE) {
        e.put("routes", gateRoutes.get(s));
        if (gateForks.containsKey(s)) {
          e.put("fork_to", gateForks.get(s));
        }
      }
      List<Object> list = Objects.requireNonNull(lists.get(s.kind), () -> "no section for " + s.kind);
      originalPaths.put(section(s.kind) + "[" + list.size() + "]", s.path());
      list.add(e);
    }
    raw.forEach((key, value) -> {
      switch (key) {
        case "source" -> {
          Map<String, Object> s = new LinkedHashMap<>((Map<String, Object>) value);
          s.remove("on_success");
          out.put(key, normalizedHeaders(s));
        }
        case "transforms" -> out.put(key, lists.get(Kind.TRANSFORM));
        case "aggregations" -> out.put(key, lists.get(Kind.AGGREGATION));
        case "gates" -> out.put(key, lists.get(Kind.GATE));
        case "coalesce" -> {
          List<Object> cs = new ArrayList<>();
          for (int i = 0; i < coalesce.size(); i++) {
            if (coalesce.get(i) == null) {
              cs.add(((List<Object>) value).get(i));
              continue;
            }
            Map<String, Object> c = new LinkedHashMap<>(coalesce.get(i));
            c.remove("on_success");
            c.put("branches", coalesceBranches.get(i));
            cs.add(c);
          }
          out.put(key, cs);
        }
        case "default_sink" -> { }
        default -> out.put(key, value);
      }
    });
    if (defaultSink != null) {
      out.put("default_sink", defaultSink);
    }
    return new Translation(out, originalPaths);
  }

  /**
   * A gate's routes in RC2 terms; returns the connection it continues to (null when every route
   * ends at a sink or a fork). At most one connection: gates run one after another here.
   */
  private static @Nullable String gate(Step s, Set<String> sinks, Map<String, Step> consumers,
      Map<String, String> branchOfConnection, Map<Step, Map<String, Object>> gateRoutes,
      Map<Step, List<String>> gateForks, List<String> problems) {
    Map<String, Object> routes = new LinkedHashMap<>();
    gateRoutes.put(s, routes);
    Set<String> connections = new LinkedHashSet<>();
    if (s.entry.get("routes") instanceof Map<?, ?> rm) {
      rm.forEach((label, dest) -> {
        if (!(dest instanceof String d)) {
          routes.put(label.toString(), dest);
          return;
        }
        String target = d.strip();
        if (target.equals(GateStep.CONTINUE)) {
          problems.add(s.path() + ".routes." + label + ": 'continue' is not part of the current"
              + " format; name the connection the next step reads (or a sink)");
        } else if (target.equals(GateStep.FORK) || sinks.contains(target)) {
          routes.put(label.toString(), target);
        } else {
          connections.add(target);
          routes.put(label.toString(), GateStep.CONTINUE);
        }
      });
    }
    if (s.entry.get("fork_to") instanceof List<?> forks) {
      List<String> paths = new ArrayList<>();
      for (int i = 0; i < forks.size(); i++) {
        if (!(forks.get(i) instanceof String f)) {
          continue;
        }
        String path = f.strip();
        if (sinks.contains(path)) {
          paths.add(path);
        } else if (branchOfConnection.containsKey(path)) {
          // The fork path is named for the coalesce branch it feeds (nested merge keys).
          paths.add(branchOfConnection.get(path));
        } else if (consumers.containsKey(path)) {
          problems.add(s.path() + ".fork_to[" + i + "]: fork path '" + path + "' is read by "
              + consumers.get(path).describe() + "; steps on a fork branch are not supported"
              + " here (a fork path goes straight to a sink or to a coalesce branch)");
        } else {
          paths.add(path);
        }
      }
      gateForks.put(s, paths);
    }
    if (connections.size() > 1) {
      problems.add(s.path() + ".routes: routes to " + connections.size() + " connections "
          + connections + "; this project runs gates one after another, so a gate's routes go"
          + " to sinks, to fork, or to one next step (a tree of gates is not supported)");
      return null;
    }
    if (connections.isEmpty()) {
      return null;
    }
    String next = connections.iterator().next();
    if (!consumers.containsKey(next)) {
      problems.add(s.path() + ".routes: '" + next + "' is neither a sink " + sinks
          + " nor the input of a transform, gate or aggregation (inputs: "
          + new TreeSet<>(consumers.keySet()) + ")");
      return null;
    }
    return next;
  }

  private static @Nullable String firstRouteSink(Map<Step, Map<String, Object>> gateRoutes,
      Set<String> sinks) {
    for (Map<String, Object> routes : gateRoutes.values()) {
      for (Object d : routes.values()) {
        if (d instanceof String sink && sinks.contains(sink)) {
          return sink;
        }
      }
    }
    return null;
  }

  private static String section(Kind kind) {
    return switch (kind) {
      case TRANSFORM -> "transforms";
      case AGGREGATION -> "aggregations";
      case GATE -> "gates";
    };
  }

  private static String what(Kind kind) {
    return switch (kind) {
      case TRANSFORM -> "transform";
      case AGGREGATION -> "aggregation";
      case GATE -> "gate";
    };
  }
}
