package io.elspeth.pipelines.settings;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Where each step of a pipeline reads its rows and where it sends them: ELSPETH's named
 * connections, as a DAG. Every output is a name: a name that is a sink is that sink, any other name
 * is a connection, produced by one step and read by one step or coalesce branch. The lists are in
 * the order of {@link PipelineSettings}'s lists of the same steps.
 *
 * <p>An RC2 file has no connections of its own: {@link #chain} wires it as the chain it means
 * (source, transforms, aggregations, gates, each {@code continue} to the next, the last one and
 * every coalesce to the default sink).
 *
 * @param sourceOutput where the source's valid rows go
 * @param transforms each transform's input and output ({@code on_success})
 * @param aggregations each aggregation's input and output
 * @param gates each gate's input, where its {@code continue} route goes (RC2; null when the gate
 *     has none), and what each fork path produces (a sink, or a connection by the path's name)
 * @param coalesce each coalesce's branch inputs (branch name → connection) and output
 */
public record Wiring(
    String sourceOutput,
    List<Step> transforms,
    List<Step> aggregations,
    List<GateWires> gates,
    List<CoalesceWires> coalesce) {

  /** A transform's or aggregation's input and output. */
  public record Step(String input, String output) {}

  /** A gate's input, its RC2 {@code continue} target, and each fork path's output. */
  public record GateWires(
      String input, @Nullable String onContinue, Map<String, String> forkOutputs) {
    public GateWires {
      forkOutputs = Map.copyOf(forkOutputs);
    }
  }

  /** A coalesce's branch inputs (branch name → connection, in branch order) and output. */
  public record CoalesceWires(LinkedHashMap<String, String> branchInputs, String output) {}

  public Wiring {
    transforms = List.copyOf(transforms);
    aggregations = List.copyOf(aggregations);
    gates = List.copyOf(gates);
    coalesce = List.copyOf(coalesce);
  }

  /** The names of connections produced by the chain of an RC2 file: never a sink's name. */
  private static String link(int n) {
    return "(chain " + n + ")";
  }

  /**
   * The wiring an RC2 file means: source → transforms → aggregations → gates, each gate's {@code
   * continue} to the next step (the last one's to the default sink), fork paths to their coalesce
   * branch or sink, every coalesce to the default sink.
   */
  public static Wiring chain(PipelineSettings s) {
    int n = 0;
    String sourceOutput = steps(s) == 0 ? s.defaultSink() : link(0);
    List<Step> transforms = new ArrayList<>();
    List<Step> aggregations = new ArrayList<>();
    List<GateWires> gates = new ArrayList<>();
    int total = steps(s);
    for (int i = 0; i < s.transforms().size(); i++, n++) {
      transforms.add(new Step(link(n), n + 1 == total ? s.defaultSink() : link(n + 1)));
    }
    for (int i = 0; i < s.aggregations().size(); i++, n++) {
      aggregations.add(new Step(link(n), n + 1 == total ? s.defaultSink() : link(n + 1)));
    }
    for (PipelineSettings.Gate g : s.gates()) {
      Map<String, String> forks = new LinkedHashMap<>();
      g.forkTo().forEach(p -> forks.put(p, p));
      gates.add(new GateWires(link(n), n + 1 == total ? s.defaultSink() : link(n + 1), forks));
      n++;
    }
    List<CoalesceWires> coalesce = new ArrayList<>();
    for (PipelineSettings.Coalesce c : s.coalesce()) {
      LinkedHashMap<String, String> inputs = new LinkedHashMap<>();
      c.branches().forEach(b -> inputs.put(b, b));
      coalesce.add(new CoalesceWires(inputs, s.defaultSink()));
    }
    return new Wiring(sourceOutput, transforms, aggregations, gates, coalesce);
  }

  private static int steps(PipelineSettings s) {
    return s.transforms().size() + s.aggregations().size() + s.gates().size();
  }

  /** The gate route destinations that are connections (not a sink, continue or fork). */
  public static Set<String> connectionRoutes(PipelineSettings.Gate gate, Set<String> sinks) {
    Set<String> out = new LinkedHashSet<>();
    gate.routes()
        .values()
        .forEach(
            d -> {
              if (!sinks.contains(d)
                  && !d.equals(io.elspeth.transforms.gate.GateStep.CONTINUE)
                  && !d.equals(io.elspeth.transforms.gate.GateStep.FORK)) {
                out.add(d);
              }
            });
    return out;
  }

  /**
   * What reads connection {@code name}: a transform, aggregation or gate (its kind and index), or a
   * coalesce branch; empty for a sink or a connection nothing reads.
   */
  public Optional<Reader> readerOf(String name) {
    for (int i = 0; i < transforms.size(); i++) {
      if (transforms.get(i).input().equals(name)) {
        return Optional.of(new Reader(Reader.Kind.TRANSFORM, i, null));
      }
    }
    for (int i = 0; i < aggregations.size(); i++) {
      if (aggregations.get(i).input().equals(name)) {
        return Optional.of(new Reader(Reader.Kind.AGGREGATION, i, null));
      }
    }
    for (int i = 0; i < gates.size(); i++) {
      if (gates.get(i).input().equals(name)) {
        return Optional.of(new Reader(Reader.Kind.GATE, i, null));
      }
    }
    for (int i = 0; i < coalesce.size(); i++) {
      for (Map.Entry<String, String> b : coalesce.get(i).branchInputs().entrySet()) {
        if (b.getValue().equals(name)) {
          return Optional.of(new Reader(Reader.Kind.COALESCE, i, b.getKey()));
        }
      }
    }
    return Optional.empty();
  }

  /** The step that reads a connection; {@code branch} names the coalesce branch it feeds. */
  public record Reader(Kind kind, int index, @Nullable String branch) {
    /** The kinds of steps that read connections. */
    public enum Kind {
      TRANSFORM,
      AGGREGATION,
      GATE,
      COALESCE
    }
  }
}
