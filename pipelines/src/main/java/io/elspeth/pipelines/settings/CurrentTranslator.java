package io.elspeth.pipelines.settings;

import static io.elspeth.pipelines.settings.ConnectionWriters.node;
import static io.elspeth.pipelines.settings.ConnectionWriters.produce;
import static io.elspeth.pipelines.settings.CurrentFormat.normalizedHeaders;

import io.elspeth.pipelines.settings.CurrentFormat.Translation;
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

/**
 * Translates a file in ELSPETH's current format into the steps of the RC2 form plus its {@link
 * Wiring}: its one job is resolving the connections between source, steps, gates and coalesces (for
 * {@link CurrentFormat#translate}).
 *
 * <p>Connections are resolved as ELSPETH's DAG builder resolves them: a name that is a sink is a
 * sink; an aggregation or coalesce without {@code on_success} produces a connection named after
 * itself; each connection has one producer and one reader; a coalesce's {@code on_success} names a
 * sink; every step is reached from the source and no connection leads back to its writer.
 */
final class CurrentTranslator {
  private enum Kind {
    TRANSFORM,
    AGGREGATION,
    GATE
  }

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

  private CurrentTranslator() {}

  /**
   * ELSPETH's current {@code TransformSettings} and {@code AggregationSettings} require {@code
   * on_error}: every row a step cannot process (a template error, a failed call) goes somewhere
   * named, and a file without it does not validate there. (RC2 left it optional and stopped the run
   * at the first such row.) Here {@code on_error} inside {@code options} also counts, as for RC2
   * files.
   */
  private static void requireOnError(Step s, List<String> problems) {
    Object onError = s.entry.get("on_error");
    if (onError == null
        && s.entry.get("options") instanceof Map<?, ?> o
        && o.get("on_error") != null) {
      return;
    }
    if (onError == null || (onError instanceof String e && e.isBlank())) {
      problems.add(
          s.path()
              + ".on_error: required (a sink name, or 'discard': where the rows this "
              + what(s.kind)
              + " cannot process go; ELSPETH's current format requires it), got "
              + OptionsValidator.describe(onError));
    }
  }

  /** Translates current-format settings; every wiring problem goes to {@code problems}. */
  @SuppressWarnings("unchecked")
  static Translation translate(Map<String, Object> raw, List<String> problems) {
    Set<String> sinks = new LinkedHashSet<>();
    if (raw.get("sinks") instanceof Map<?, ?> m) {
      m.keySet().forEach(k -> sinks.add(k.toString()));
    }
    if (raw.containsKey("default_sink")) {
      problems.add(
          "default_sink: not part of the current format (rows go where each step's"
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

    // Readers: connection -> the step whose input it is, or "coalesce[i]" for a branch.
    Map<String, Step> consumers = new LinkedHashMap<>();
    Map<String, String> readers = new LinkedHashMap<>();
    for (Step s : steps) {
      Object input = s.entry.get("input");
      if (!(input instanceof String in) || in.isBlank()) {
        problems.add(
            s.path()
                + ".input: required (the connection this "
                + what(s.kind)
                + " reads: the on_success of the step before it, or a gate route), got "
                + OptionsValidator.describe(input));
        continue;
      }
      String conn = in.strip();
      if (sinks.contains(conn)) {
        problems.add(
            s.path()
                + ".input: '"
                + conn
                + "' is a sink; a step reads a connection"
                + " (another step's on_success or a gate route)");
        continue;
      }
      Step other = consumers.putIfAbsent(conn, s);
      if (other != null) {
        problems.add(
            s.path()
                + ".input and "
                + other.path()
                + ".input: both read connection '"
                + conn
                + "'; a connection has one reader (use a gate with fork_to to copy rows)");
      } else {
        readers.put(conn, s.describe());
      }
    }
    // Coalesce branches: branch name -> the connection it reads (list form: the same name).
    List<LinkedHashMap<String, String>> branchInputs = new ArrayList<>();
    Map<String, String> branchOfConnection = new LinkedHashMap<>();
    Set<String> branchNames = new LinkedHashSet<>();
    for (int i = 0; i < coalesce.size(); i++) {
      Map<String, Object> c = coalesce.get(i);
      LinkedHashMap<String, String> inputs = new LinkedHashMap<>();
      branchInputs.add(inputs);
      if (c == null) {
        continue;
      }
      Object b = c.get("branches");
      if (b instanceof Map<?, ?> bm) {
        bm.forEach(
            (k, v) ->
                inputs.put(k.toString(), v instanceof String conn ? conn.strip() : k.toString()));
      } else if (b instanceof List<?> bl) {
        bl.forEach(
            v -> {
              if (v instanceof String name) {
                inputs.put(name.strip(), name.strip());
              }
            });
      }
      for (Map.Entry<String, String> e : inputs.entrySet()) {
        branchNames.add(e.getKey());
        String where = "coalesce[" + i + "].branches." + e.getKey();
        if (consumers.containsKey(e.getValue()) || readers.containsKey(e.getValue())) {
          problems.add(
              where
                  + ": reads connection '"
                  + e.getValue()
                  + "', which "
                  + readers.get(e.getValue())
                  + " reads too; a connection has one reader");
        } else {
          readers.put(e.getValue(), where);
          branchOfConnection.put(e.getValue(), e.getKey());
        }
      }
    }

    // Producers: connection -> who writes it. Each step's outputs, as written.
    Map<String, String> producers = new LinkedHashMap<>();
    Map<Step, String> outputs = new LinkedHashMap<>();
    Map<Step, Map<String, Object>> gateRoutes = new LinkedHashMap<>();
    Map<Step, Map<String, String>> gateForks = new LinkedHashMap<>();
    Map<String, Object> source =
        raw.get("source") instanceof Map<?, ?> m ? (Map<String, Object>) m : null;
    Object first = source == null ? null : source.get("on_success");
    String sourceOutput = null;
    if (source != null && !(first instanceof String f && !f.isBlank())) {
      problems.add(
          "source.on_success: required (a sink name, or the connection the first step"
              + " reads as its input), got "
              + OptionsValidator.describe(first));
    } else if (source != null && first instanceof String f) { // a non-blank String, above
      sourceOutput = f.strip();
      produce(sourceOutput, "source.on_success", sinks, producers, problems);
    }
    for (Step s : steps) {
      if (s.kind == Kind.GATE) {
        gate(
            s,
            sinks,
            readers,
            branchNames,
            branchOfConnection,
            producers,
            gateRoutes,
            gateForks,
            problems);
        continue;
      }
      requireOnError(s, problems);
      Object out = s.entry.get("on_success");
      String output;
      if (out == null && s.kind == Kind.AGGREGATION && s.entry.get("name") instanceof String n) {
        output = n; // ELSPETH: an aggregation without on_success produces its own name
      } else if (!(out instanceof String o) || o.isBlank()) {
        problems.add(
            s.path()
                + ".on_success: required (a sink name, or the connection the"
                + " next step reads), got "
                + OptionsValidator.describe(out));
        continue;
      } else {
        output = o.strip();
      }
      outputs.put(s, output);
      produce(output, s.path() + ".on_success", sinks, producers, problems);
    }
    List<String> coalesceOutputs = new ArrayList<>();
    for (int i = 0; i < coalesce.size(); i++) {
      Map<String, Object> c = coalesce.get(i);
      String name = c != null && c.get("name") instanceof String n ? n : "coalesce[" + i + "]";
      Object out = c == null ? null : c.get("on_success");
      if (c == null) {
        coalesceOutputs.add("");
      } else if (out instanceof String o && sinks.contains(o.strip())) {
        coalesceOutputs.add(o.strip());
      } else if (out == null) {
        // As ELSPETH: without on_success the merged rows are the connection named after it.
        coalesceOutputs.add(name);
        produce(name, "coalesce[" + i + "]", sinks, producers, problems);
      } else {
        coalesceOutputs.add("");
        problems.add(
            "coalesce["
                + i
                + "].on_success: expected a sink "
                + sinks
                + ", got "
                + OptionsValidator.describe(out)
                + "; to send the merged rows to a step, leave"
                + " on_success out and give the step input: "
                + name);
      }
    }
    // Every connection written is read, and every one read is written.
    producers.forEach(
        (conn, who) -> {
          if (!readers.containsKey(conn)) {
            problems.add(
                who
                    + ": '"
                    + conn
                    + "' is neither a sink "
                    + sinks
                    + " nor the input of a transform, gate or aggregation (inputs: "
                    + new TreeSet<>(consumers.keySet())
                    + ")");
          }
        });
    readers.forEach(
        (conn, who) -> {
          if (!producers.containsKey(conn) && problems.isEmpty()) {
            problems.add(
                who
                    + ": no step's on_success, gate route or fork path writes connection '"
                    + conn
                    + "', so it would never receive a row (connections written: "
                    + new TreeSet<>(producers.keySet())
                    + ")");
          }
        });

    // The order the steps run in: from the source, each step after the steps it reads from.
    List<Step> order = new ArrayList<>();
    List<Integer> coalesceOrder = new ArrayList<>();
    if (problems.isEmpty()) {
      Map<String, List<String>> next = new LinkedHashMap<>(); // node -> connections it writes
      Map<String, String> nodeOf = new LinkedHashMap<>(); // connection -> node reading it
      consumers.forEach((conn, s) -> nodeOf.put(conn, s.path()));
      for (int i = 0; i < coalesce.size(); i++) {
        for (String conn : branchInputs.get(i).values()) {
          nodeOf.put(conn, "coalesce[" + i + "]");
        }
      }
      producers.forEach(
          (conn, who) -> next.computeIfAbsent(node(who), k -> new ArrayList<>()).add(conn));
      Map<String, Integer> indegree = new LinkedHashMap<>();
      nodeOf.values().forEach(n -> indegree.merge(n, 1, Integer::sum));
      List<String> ready = new ArrayList<>(List.of("source"));
      Set<String> reached = new LinkedHashSet<>();
      while (!ready.isEmpty()) {
        String n = ready.remove(0);
        reached.add(n);
        for (Step s : steps) {
          if (s.path().equals(n)) {
            order.add(s);
          }
        }
        if (n.startsWith("coalesce[")) {
          coalesceOrder.add(Integer.parseInt(n.substring(9, n.length() - 1)));
        }
        for (String conn : next.getOrDefault(n, List.of())) {
          String reader = nodeOf.get(conn);
          if (reader != null && indegree.merge(reader, -1, Integer::sum) == 0) {
            ready.add(reader);
          }
        }
      }
      for (Step s : steps) {
        if (!reached.contains(s.path())) {
          problems.add(
              s.path()
                  + ".input: "
                  + s.describe()
                  + " is not reached from the source:"
                  + " no chain of on_success, routes and fork paths from source.on_success leads to"
                  + " its input, or its input leads back to itself (a pipeline has no cycles)");
        }
      }
      for (int i = 0; i < coalesce.size(); i++) {
        if (coalesce.get(i) != null && !coalesceOrder.contains(i)) {
          problems.add(
              "coalesce["
                  + i
                  + "]: not reached from the source (its branches "
                  + branchInputs.get(i).values()
                  + " are not all written along the pipeline, or"
                  + " lead back to it)");
        }
      }
    }

    // The RC2 form, each list in the order its steps run, and the wiring beside it.
    Map<String, Object> out = new LinkedHashMap<>();
    Map<String, String> originalPaths = new LinkedHashMap<>();
    Map<Kind, List<Object>> lists = new LinkedHashMap<>();
    for (Kind k : Kind.values()) {
      lists.put(k, new ArrayList<>());
    }
    List<Wiring.Step> transformWires = new ArrayList<>();
    List<Wiring.Step> aggregationWires = new ArrayList<>();
    List<Wiring.GateWires> gateWires = new ArrayList<>();
    String defaultSink = sourceOutput != null && sinks.contains(sourceOutput) ? sourceOutput : null;
    for (Step s : order) {
      Map<String, Object> e = new LinkedHashMap<>(s.entry);
      // Every step in the order has a String input (a step without one is not reached).
      String input = String.valueOf(e.remove("input")).strip();
      e.remove("on_success");
      if (s.kind == Kind.GATE) {
        Map<String, Object> routes = gateRoutes.get(s);
        e.put("routes", routes);
        if (gateForks.containsKey(s)) {
          e.put("fork_to", new ArrayList<>(gateForks.get(s).keySet()));
        }
        gateWires.add(new Wiring.GateWires(input, null, gateForks.getOrDefault(s, Map.of())));
        for (Object d : routes == null ? List.of() : routes.values()) {
          defaultSink =
              defaultSink == null && d instanceof String ds && sinks.contains(ds)
                  ? ds
                  : defaultSink;
        }
      } else {
        String output =
            Objects.requireNonNull(
                outputs.get(s),
                () -> s.describe() + " has no output (a step in the order writes one)");
        (s.kind == Kind.TRANSFORM ? transformWires : aggregationWires)
            .add(new Wiring.Step(input, output));
        defaultSink = defaultSink == null && sinks.contains(output) ? output : defaultSink;
      }
      List<Object> list =
          Objects.requireNonNull(lists.get(s.kind), () -> "no section for " + s.kind);
      originalPaths.put(section(s.kind) + "[" + list.size() + "]", s.path());
      list.add(e);
    }
    List<Wiring.CoalesceWires> coalesceWires = new ArrayList<>();
    for (int i : coalesceOrder) {
      coalesceWires.add(new Wiring.CoalesceWires(branchInputs.get(i), coalesceOutputs.get(i)));
      if (defaultSink == null && sinks.contains(coalesceOutputs.get(i))) {
        defaultSink = coalesceOutputs.get(i);
      }
    }
    raw.forEach(
        (key, value) -> {
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
              for (int i : coalesceOrder) {
                Map<String, Object> c = new LinkedHashMap<>(coalesce.get(i));
                c.remove("on_success");
                c.put("branches", new ArrayList<>(branchInputs.get(i).keySet()));
                originalPaths.put("coalesce[" + cs.size() + "]", "coalesce[" + i + "]");
                cs.add(c);
              }
              out.put(key, cs);
            }
            case "default_sink" -> {}
            default -> out.put(key, value);
          }
        });
    // Not where rows go (the wiring says that): the sink RC2-shaped checks take as the main one.
    if (defaultSink == null && !sinks.isEmpty()) {
      defaultSink = sinks.iterator().next();
    }
    if (defaultSink != null) {
      out.put("default_sink", defaultSink);
    }
    Wiring wiring =
        sourceOutput == null
            ? null
            : new Wiring(sourceOutput, transformWires, aggregationWires, gateWires, coalesceWires);
    return new Translation(out, originalPaths, wiring);
  }

  /**
   * A gate's routes as written (a sink, fork, or a connection a further step reads) and its fork
   * paths, each under the name the coalesce knows it by, with what it writes: a sink, or a
   * connection a step or coalesce branch reads.
   */
  private static void gate(
      Step s,
      Set<String> sinks,
      Map<String, String> readers,
      Set<String> branchNames,
      Map<String, String> branchOfConnection,
      Map<String, String> producers,
      Map<Step, Map<String, Object>> gateRoutes,
      Map<Step, Map<String, String>> gateForks,
      List<String> problems) {
    Map<String, Object> routes = new LinkedHashMap<>();
    gateRoutes.put(s, routes);
    if (s.entry.get("routes") instanceof Map<?, ?> rm) {
      rm.forEach(
          (label, dest) -> {
            if (!(dest instanceof String d)) {
              routes.put(label.toString(), dest);
              return;
            }
            String target = d.strip();
            if (target.equals(GateStep.CONTINUE)) {
              problems.add(
                  s.path()
                      + ".routes."
                      + label
                      + ": 'continue' is not part of the current"
                      + " format; name the connection the next step reads (or a sink)");
              return;
            }
            routes.put(label.toString(), target);
            if (!target.equals(GateStep.FORK)) {
              produce(target, s.path() + ".routes." + label, sinks, producers, problems);
            }
          });
    }
    if (s.entry.get("fork_to") instanceof List<?> forks) {
      Map<String, String> paths = new LinkedHashMap<>();
      for (int i = 0; i < forks.size(); i++) {
        if (!(forks.get(i) instanceof String f)) {
          continue;
        }
        String path = f.strip();
        if (sinks.contains(path)) {
          paths.put(path, path);
          continue;
        }
        // A path is a coalesce branch's name; a path naming the connection a branch reads
        // is known to the coalesce by the branch's name (its nested merge key).
        String name =
            !branchNames.contains(path) && branchOfConnection.containsKey(path)
                ? branchOfConnection.get(path)
                : path;
        paths.put(name, path);
        produce(path, s.path() + ".fork_to[" + i + "]", sinks, producers, problems);
      }
      gateForks.put(s, paths);
    }
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
