package io.elspeth.api;

import io.elspeth.audit.record.AuditRecord;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.POutput;
import org.apache.beam.sdk.values.PValue;
import org.apache.beam.sdk.values.TupleTag;

/**
 * What an applied {@link ElspethPipeline} offers to a Beam program: the rows each sink receives and
 * the audit records the Landscape commits, as collections to assert on (PAssert) or to process
 * further.
 */
public final class ElspethResult implements POutput {
  private final Pipeline pipeline;
  private final Map<String, PCollection<Map<String, Object>>> sinks;
  private final PCollection<AuditRecord> audit;

  ElspethResult(
      Pipeline pipeline,
      Map<String, PCollection<Map<String, Object>>> sinks,
      PCollection<AuditRecord> audit) {
    this.pipeline = pipeline;
    this.sinks = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(sinks));
    this.audit = audit;
  }

  /**
   * The rows sink {@code name} receives: each row's data as the sink writes it (after the sink's
   * row check; rows the check diverts go to the sink they are diverted to).
   *
   * @throws IllegalArgumentException when the settings configure no sink of that name
   */
  public PCollection<Map<String, Object>> sink(String name) {
    PCollection<Map<String, Object>> rows = sinks.get(name);
    if (rows == null) {
      throw new IllegalArgumentException(
          "no sink named '" + name + "' (the settings configure " + sinks.keySet() + ")");
    }
    return rows;
  }

  /** The names of the configured sinks, in the settings' order. */
  public Set<String> sinkNames() {
    return sinks.keySet();
  }

  /** Every audit record the run's steps emit, all of which the Landscape commit writes. */
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
    sinks.forEach((name, rows) -> out.put(new TupleTag<>("sink:" + name), rows));
    out.put(new TupleTag<>("audit"), audit);
    return out;
  }

  @Override
  public void finishSpecifyingOutput(
      String transformName, org.apache.beam.sdk.values.PInput input, PTransform<?, ?> transform) {}
}
