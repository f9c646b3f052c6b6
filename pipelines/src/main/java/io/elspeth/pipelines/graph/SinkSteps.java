package io.elspeth.pipelines.graph;

import io.elspeth.audit.record.AuditRecord;
import io.elspeth.audit.token.Token;
import io.elspeth.audit.token.TokenCoder;
import io.elspeth.connectors.sink.SinkRowCheck;
import io.elspeth.connectors.sink.SinkWrite;
import io.elspeth.connectors.sink.SinkWriteBarrier;
import io.elspeth.connectors.sink.SinkWriter;
import io.elspeth.plugin.StepContext;
import io.elspeth.plugin.StepTags;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.transforms.Filter;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.PCollectionView;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The sink steps of a set of sinks, the one way sinks are applied (the settings' graph, and the
 * Java API's sink applied alone with its fallback sink): every row checked against what its sink
 * can write before any sink writes ({@link SinkRowCheck}): diverting sinks first (a sink that
 * receives diverted rows never diverts itself), then the others with the rows diverted to them; one
 * refused row and no sink publishes ({@link SinkWriteBarrier}); then each sink's durable write
 * ({@link SinkWrite}).
 */
public final class SinkSteps {
  private SinkSteps() {}

  /**
   * One sink of the set.
   *
   * @param onWriteFailure where rows it cannot write go: {@code discard}, another sink of the set,
   *     or null (a refused row fails the run); {@code context}'s {@code onError} is the same
   * @param input the tokens routed to it
   */
  public record Sink(
      String name,
      String plugin,
      SinkWriter writer,
      StepContext context,
      @Nullable String onWriteFailure,
      PCollection<Token> input) {
    boolean diverts() {
      return onWriteFailure != null && !StepContext.DISCARD.equals(onWriteFailure);
    }
  }

  /**
   * What the sinks give.
   *
   * @param writable per sink (in the order given), the tokens it writes
   * @param audit the checks' and the writes' audit records
   */
  public record Applied(
      Map<String, PCollection<Token>> writable, List<PCollection<AuditRecord>> audit) {}

  /** Applies the sink steps of {@code sinks} (names unique), in the order given. */
  public static Applied apply(List<Sink> sinks) {
    List<PCollection<AuditRecord>> audits = new ArrayList<>();
    Map<String, PCollection<Token>> checkedByName = new LinkedHashMap<>();
    List<PCollection<SinkWriteBarrier.Refusal>> refusals = new ArrayList<>();
    List<PCollection<Token>> diverted = new ArrayList<>();
    for (boolean diverting : List.of(true, false)) {
      for (Sink sink : sinks) {
        if (diverting != sink.diverts()) {
          continue;
        }
        PCollection<Token> in = sink.input();
        if (!diverting && !diverted.isEmpty()) {
          String name = sink.name();
          PCollection<Token> toThis =
              PCollectionList.of(diverted)
                  .apply("diverted-to:" + name, Flatten.pCollections())
                  .setCoder(TokenCoder.of())
                  .apply(
                      "diverted-filter:" + name,
                      Filter.by((Token t) -> name.equals(t.destination())))
                  .setCoder(TokenCoder.of());
          in =
              PCollectionList.of(in)
                  .and(toThis)
                  .apply("to-sink:" + name, Flatten.pCollections())
                  .setCoder(TokenCoder.of());
        }
        PCollectionTuple checked =
            in.apply(
                "sink-check:" + sink.name(),
                SinkRowCheck.of(sink.writer()).withContext(sink.context()));
        audits.add(checked.get(StepTags.AUDIT));
        refusals.add(checked.get(SinkRowCheck.REFUSED));
        if (diverting) {
          diverted.add(checked.get(StepTags.ROUTED));
        }
        checkedByName.put(sink.name(), checked.get(StepTags.MAIN));
      }
    }
    PCollectionView<SinkWriteBarrier.Verdict> barrier =
        SinkWriteBarrier.of(PCollectionList.of(refusals));
    Map<String, PCollection<Token>> writable = new LinkedHashMap<>();
    for (Sink sink : sinks) {
      PCollection<Token> rows = checkedByName.get(sink.name());
      if (rows == null) {
        throw new IllegalStateException("no sink input for sink '" + sink.name() + "'");
      }
      writable.put(sink.name(), rows);
      audits.add(
          rows.apply(
              "sink:" + sink.name(),
              SinkWrite.to(sink.writer())
                  .withPluginName(sink.plugin())
                  .withContext(sink.context())
                  .withBarrier(barrier)));
    }
    return new Applied(java.util.Collections.unmodifiableMap(writable), List.copyOf(audits));
  }
}
