package io.elspeth.pipelines.graph;

import io.elspeth.pipelines.settings.PipelineSettings;
import io.elspeth.pipelines.settings.Wiring;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** The audit step numbers of a run's processing steps, in the order rows reach them. */
final class StepNumbers {
  private StepNumbers() {}

  /**
   * The step numbers of the transforms, aggregations, gates and coalesces (in that order of the
   * settings' lists): 1.. in the order rows reach them, each step after every step whose output it
   * reads. For an RC2 chain this is the lists' order.
   */
  static List<Integer> of(PipelineSettings settings, Wiring wiring) {
    List<List<String>> inputs = new ArrayList<>();
    List<List<String>> outputs = new ArrayList<>();
    wiring
        .transforms()
        .forEach(
            t -> {
              inputs.add(List.of(t.input()));
              outputs.add(List.of(t.output()));
            });
    wiring
        .aggregations()
        .forEach(
            a -> {
              inputs.add(List.of(a.input()));
              outputs.add(List.of(a.output()));
            });
    for (int i = 0; i < wiring.gates().size(); i++) {
      Wiring.GateWires g = wiring.gates().get(i);
      inputs.add(List.of(g.input()));
      List<String> out = new ArrayList<>(settings.gates().get(i).routes().values());
      if (g.onContinue() != null) {
        out.add(g.onContinue());
      }
      out.addAll(g.forkOutputs().values());
      outputs.add(out);
    }
    wiring
        .coalesce()
        .forEach(
            c -> {
              inputs.add(List.copyOf(c.branchInputs().values()));
              outputs.add(List.of(c.output()));
            });
    Set<String> written = new HashSet<>(List.of(wiring.sourceOutput()));
    Integer[] steps = new Integer[inputs.size()];
    int next = 1;
    for (boolean progress = true; progress; ) {
      progress = false;
      for (int i = 0; i < inputs.size(); i++) {
        if (steps[i] == null && written.containsAll(inputs.get(i))) {
          steps[i] = next++;
          written.addAll(outputs.get(i));
          progress = true;
        }
      }
    }
    for (int i = 0; i < steps.length; i++) {
      if (steps[i] == null) {
        throw new IllegalStateException(
            "step "
                + i
                + " of the plan reads "
                + inputs.get(i)
                + ", which no step before it writes");
      }
    }
    return List.of(steps);
  }
}
