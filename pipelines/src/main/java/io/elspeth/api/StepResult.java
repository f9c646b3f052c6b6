package io.elspeth.api;

import io.elspeth.audit.record.AuditRecord;
import io.elspeth.audit.token.Token;
import io.elspeth.plugin.StepTags;
import io.elspeth.transforms.gate.GateStep;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.PInput;
import org.apache.beam.sdk.values.POutput;
import org.apache.beam.sdk.values.PValue;
import org.apache.beam.sdk.values.TupleTag;

/**
 * What one plugin step applied on its own gives: the tokens that continue ({@link #main()}), the
 * tokens routed to a sink (their {@code destination()} names it: a gate's route, a transform's
 * {@code on_error}), and the audit records the step minted for the Landscape ({@link #audit()}); a
 * forking gate's children leave by path on {@link #branch(String)}.
 */
public final class StepResult implements POutput {
  private final Pipeline pipeline;
  private final PCollection<Token> main;
  private final PCollection<Token> routed;
  private final PCollection<AuditRecord> audit;
  private final Map<String, PCollection<Token>> branches;

  private StepResult(
      Pipeline pipeline,
      PCollection<Token> main,
      PCollection<Token> routed,
      PCollection<AuditRecord> audit,
      Map<String, PCollection<Token>> branches) {
    this.pipeline = pipeline;
    this.main = main;
    this.routed = routed;
    this.audit = audit;
    this.branches = branches;
  }

  /** The typed view of a step's tagged outputs ({@link StepTags}). */
  static StepResult of(PCollectionTuple tuple) {
    return of(tuple, List.of());
  }

  /** The typed view of a forking gate's outputs: also the children of each fork path. */
  static StepResult of(PCollectionTuple tuple, List<String> forkPaths) {
    Map<String, PCollection<Token>> branches = new LinkedHashMap<>();
    for (String path : forkPaths) {
      branches.put(path, tuple.get(GateStep.branchTag(path)));
    }
    return new StepResult(
        tuple.getPipeline(),
        tuple.get(StepTags.MAIN),
        tuple.get(StepTags.ROUTED),
        tuple.get(StepTags.AUDIT),
        Collections.unmodifiableMap(branches));
  }

  /**
   * The child tokens a forking gate copied to {@code path} (one of its {@code forkTo} paths), each
   * with {@code branchName()} {@code path}: the input of a {@link Coalesce} branch.
   *
   * @throws IllegalArgumentException when the step has no such fork path
   */
  public PCollection<Token> branch(String path) {
    PCollection<Token> children = branches.get(path);
    if (children == null) {
      throw new IllegalArgumentException(
          "no fork path '" + path + "' (this step's paths: " + branches.keySet() + ")");
    }
    return children;
  }

  /** The fork paths whose children leave on {@link #branch}, in order; empty for most steps. */
  public List<String> branchNames() {
    return List.copyOf(branches.keySet());
  }

  /** The tokens that continue to the next step. */
  public PCollection<Token> main() {
    return main;
  }

  /** The tokens routed to a sink; each one's {@code destination()} names the sink. */
  public PCollection<Token> routed() {
    return routed;
  }

  /** The audit records the step minted: node states, calls, routing events, outcomes. */
  public PCollection<AuditRecord> audit() {
    return audit;
  }

  @Override
  public Pipeline getPipeline() {
    return pipeline;
  }

  @Override
  public Map<TupleTag<?>, PValue> expand() {
    Map<TupleTag<?>, PValue> out = new LinkedHashMap<>();
    out.put(StepTags.MAIN, main);
    out.put(StepTags.ROUTED, routed);
    out.put(StepTags.AUDIT, audit);
    branches.forEach((path, children) -> out.put(GateStep.branchTag(path), children));
    return out;
  }

  @Override
  public void finishSpecifyingOutput(
      String transformName, PInput input, PTransform<?, ?> transform) {}
}
