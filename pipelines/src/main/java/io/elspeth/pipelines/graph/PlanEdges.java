package io.elspeth.pipelines.graph;

import io.elspeth.audit.token.Ids;
import io.elspeth.connectors.sink.SinkRowCheck;
import io.elspeth.pipelines.graph.PipelinePlan.Edge;
import io.elspeth.pipelines.graph.PipelinePlan.Node;
import io.elspeth.pipelines.settings.PipelineSettings;
import io.elspeth.pipelines.settings.Wiring;
import io.elspeth.plugin.StepContext;
import io.elspeth.transforms.gate.GateStep;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The edges of a run's DAG, with their labels: each step's output to the sink of its name or the
 * step reading it, a gate route to a further step labelled with the route, fork paths with the path
 * name, and the divert edges of quarantine, step errors and sink write failures.
 */
final class PlanEdges {
  private final PlanNodes nodes;
  private final List<Edge> edges = new ArrayList<>();

  private PlanEdges(PlanNodes nodes) {
    this.nodes = nodes;
  }

  /** The edges between {@code nodes}, as validated {@code settings} wire them. */
  static List<Edge> of(PipelineSettings settings, PlanNodes nodes) {
    PlanEdges plan = new PlanEdges(nodes);
    plan.connectAll(settings, settings.wiring());
    return List.copyOf(plan.edges);
  }

  private void connectAll(PipelineSettings settings, Wiring wiring) {
    // Each output goes to the sink of its name or to the step reading the connection.
    Map<String, Node> readers = new LinkedHashMap<>();
    for (int i = 0; i < wiring.transforms().size(); i++) {
      readers.put(wiring.transforms().get(i).input(), nodes.transformNode(i));
    }
    for (int i = 0; i < wiring.aggregations().size(); i++) {
      readers.put(wiring.aggregations().get(i).input(), nodes.aggregationNode(i));
    }
    for (int i = 0; i < wiring.gates().size(); i++) {
      readers.put(wiring.gates().get(i).input(), nodes.gateNode(i));
    }
    for (int i = 0; i < wiring.coalesce().size(); i++) {
      Node join = nodes.coalesceNode(i);
      wiring.coalesce().get(i).branchInputs().values().forEach(c -> readers.put(c, join));
    }
    // ELSPETH's current DAG builder labels a step's edge to a sink "on_success" (the key that
    // named it) and an edge to a further step "continue"; RC2 labels both "continue".
    String toSink = settings.connections() != null ? PipelinePlan.ON_SUCCESS : GateStep.CONTINUE;
    output(nodes.source(), wiring.sourceOutput(), toSink, readers);
    for (int i = 0; i < wiring.transforms().size(); i++) {
      output(nodes.transformNode(i), wiring.transforms().get(i).output(), toSink, readers);
    }
    for (int i = 0; i < wiring.aggregations().size(); i++) {
      output(nodes.aggregationNode(i), wiring.aggregations().get(i).output(), toSink, readers);
    }
    String quarantine = settings.onValidationFailure();
    if (!StepContext.DISCARD.equals(quarantine)) {
      edges.add(
          new Edge(
              Ids.edgeId(),
              nodes.source().nodeId(),
              nodes.sinkNode(quarantine).nodeId(),
              "__quarantine__",
              "divert"));
    }
    for (int i = 0; i < settings.transforms().size(); i++) {
      PipelineSettings.Transform t = settings.transforms().get(i);
      if (t.onError() != null && !StepContext.DISCARD.equals(t.onError())) {
        edges.add(
            new Edge(
                Ids.edgeId(),
                nodes.transformNode(i).nodeId(),
                nodes.sinkNode(t.onError()).nodeId(),
                "__error_" + t.name() + "__",
                "divert"));
      }
    }
    for (int i = 0; i < settings.aggregations().size(); i++) {
      PipelineSettings.Aggregation a = settings.aggregations().get(i);
      if (a.onError() != null && !StepContext.DISCARD.equals(a.onError())) {
        edges.add(
            new Edge(
                Ids.edgeId(),
                nodes.aggregationNode(i).nodeId(),
                nodes.sinkNode(a.onError()).nodeId(),
                "__error_" + a.name() + "__",
                "divert"));
      }
    }
    for (int i = 0; i < settings.gates().size(); i++) {
      PipelineSettings.Gate g = settings.gates().get(i);
      Wiring.GateWires w = wiring.gates().get(i);
      Node gate = nodes.gateNode(i);
      if (w.onContinue() != null) {
        connect(gate, w.onContinue(), GateStep.CONTINUE, "move", readers);
      }
      Set<String> furtherSteps = new java.util.LinkedHashSet<>();
      g.routes()
          .forEach(
              (label, dest) -> {
                if (!GateStep.CONTINUE.equals(dest) && !GateStep.FORK.equals(dest)) {
                  connect(gate, dest, label, "move", readers);
                  if (!nodes.sinks().containsKey(dest)) {
                    // connect(...) above refused a destination that is neither a sink nor read.
                    furtherSteps.add(Objects.requireNonNull(readers.get(dest), dest).nodeId());
                  }
                }
              });
      // As ELSPETH's DAG builder: a gate whose routes lead to one further step also has a
      // continue edge to it (its fallthrough).
      if (w.onContinue() == null && furtherSteps.size() == 1) {
        String to = furtherSteps.iterator().next();
        edges.add(new Edge(Ids.edgeId(), gate.nodeId(), to, GateStep.CONTINUE, "move"));
      }
      // Fork paths are labelled with their names; a path straight to a sink or coalesce copies
      // the row, a path read by a step moves it there (ELSPETH's edges for both).
      for (String path : g.forkTo()) {
        String output = w.forkOutputs().getOrDefault(path, path);
        Node to =
            nodes.sinks().containsKey(output) ? nodes.sinks().get(output) : readers.get(output);
        if (to == null) {
          throw new IllegalStateException(
              "fork path '"
                  + path
                  + "' of gate '"
                  + g.name()
                  + "' leads to '"
                  + output
                  + "', which no step reads");
        }
        edges.add(
            new Edge(
                Ids.edgeId(),
                gate.nodeId(),
                to.nodeId(),
                path,
                to.nodeType().equals("transform")
                        || to.nodeType().equals("aggregation")
                        || to.nodeType().equals("gate")
                    ? "move"
                    : "copy"));
      }
    }
    for (int i = 0; i < settings.coalesce().size(); i++) {
      output(nodes.coalesceNode(i), wiring.coalesce().get(i).output(), toSink, readers);
    }
    // A sink's rows it cannot write, diverted to its failure sink (ELSPETH's DIVERT edge).
    for (PipelineSettings.Sink k : settings.sinks().values()) {
      String to = k.onWriteFailure();
      if (to != null && !StepContext.DISCARD.equals(to)) {
        edges.add(
            new Edge(
                Ids.edgeId(),
                nodes.sinkNode(k.name()).nodeId(),
                nodes.sinkNode(to).nodeId(),
                SinkRowCheck.FAILSINK_EDGE,
                "divert"));
      }
    }
  }

  /**
   * The edge of a step's output: to the sink named {@code output}, labelled {@code toSinkLabel}, or
   * to the step reading the connection, labelled {@code continue}.
   */
  private void output(Node from, String output, String toSinkLabel, Map<String, Node> readers) {
    connect(
        from,
        output,
        nodes.sinks().containsKey(output) ? toSinkLabel : GateStep.CONTINUE,
        "move",
        readers);
  }

  /** An edge from {@code from} to the sink named {@code output} or the step reading it. */
  private void connect(
      Node from, String output, String label, String mode, Map<String, Node> readers) {
    Node to = nodes.sinks().containsKey(output) ? nodes.sinks().get(output) : readers.get(output);
    if (to == null) {
      throw new IllegalStateException(
          "'" + output + "' written by " + from.name() + " is neither a sink nor read by a step");
    }
    edges.add(new Edge(Ids.edgeId(), from.nodeId(), to.nodeId(), label, mode));
  }
}
