package io.elspeth.api;

import io.elspeth.audit.record.AuditRecord;
import io.elspeth.audit.token.Token;
import io.elspeth.plugin.StepTags;
import java.util.LinkedHashMap;
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
 * {@code on_error}), and the audit records the step minted for the Landscape ({@link #audit()}).
 */
public final class StepResult implements POutput {
  private final Pipeline pipeline;
  private final PCollection<Token> main;
  private final PCollection<Token> routed;
  private final PCollection<AuditRecord> audit;

  private StepResult(Pipeline pipeline, PCollection<Token> main, PCollection<Token> routed,
      PCollection<AuditRecord> audit) {
    this.pipeline = pipeline;
    this.main = main;
    this.routed = routed;
    this.audit = audit;
  }

  /** The typed view of a step's tagged outputs ({@link StepTags}). */
  static StepResult of(PCollectionTuple tuple) {
    return new StepResult(tuple.getPipeline(), tuple.get(StepTags.MAIN),
        tuple.get(StepTags.ROUTED), tuple.get(StepTags.AUDIT));
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
    return out;
  }

  @Override
  public void finishSpecifyingOutput(String transformName, PInput input,
      PTransform<?, ?> transform) {}
}
