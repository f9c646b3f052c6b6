package io.elspeth.pipelines.graph;

import io.elspeth.audit.commit.LandscapeCommit;
import io.elspeth.audit.record.AuditRecord;
import io.elspeth.audit.token.Token;
import io.elspeth.audit.token.TokenCoder;
import io.elspeth.connectors.sink.SinkWrite;
import io.elspeth.pipelines.settings.PipelineSettings;
import io.elspeth.plugin.StepContext;
import io.elspeth.plugin.StepTags;
import io.elspeth.transforms.gate.GateStep;
import io.elspeth.transforms.step.RequiredInputFields;
import io.elspeth.transforms.step.RowTransform;
import io.elspeth.transforms.step.TransformStep;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.Pipeline;
import io.elspeth.audit.record.AuditRecordCoder;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.Partition;
import org.apache.beam.sdk.transforms.Reshuffle;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.TypeDescriptor;

/**
 * Turns a {@link PipelinePlan} into a Beam pipeline: the source step, each transform and gate
 * step in order, the default route to the default sink, every routed token partitioned to its
 * sink's durable write, and every step's audit output flattened into one Landscape commit.
 */
public final class PipelineGraphBuilder {
  /** Buckets rows are spread over after the source; a few per worker thread. */
  static final int SPREAD_BUCKETS = 16;

  private PipelineGraphBuilder() {}

  public static void build(Pipeline pipeline, PipelinePlan plan) {
    PipelineSettings settings = plan.settings();
    List<PCollection<AuditRecord>> audits = new ArrayList<>();
    List<PCollection<Token>> routed = new ArrayList<>();

    PipelineSettings.Source source = settings.source();
    PCollectionTuple sourced = pipeline.apply("source:" + source.plugin(),
        source.descriptor().create(source.options(),
            plan.context(plan.source(), settings.onValidationFailure())));
    audits.add(sourced.get(StepTags.AUDIT));
    routed.add(sourced.get(StepTags.ROUTED));
    // A file is read by one worker; spread its rows before the per-row work. A few buckets, not
    // one key per row: runners bundle per key, and per-row keys make one-element bundles.
    PCollection<Token> main = sourced.get(StepTags.MAIN)
        .apply("spread-rows", Reshuffle.<Token>viaRandomKey().withNumBuckets(SPREAD_BUCKETS))
        .setCoder(TokenCoder.of());

    List<PipelinePlan.Node> processing = plan.processing();
    for (int i = 0; i < settings.transforms().size(); i++) {
      PipelineSettings.Transform t = settings.transforms().get(i);
      RowTransform rowTransform = t.descriptor().create(t.options());
      if (!t.requiredInputFields().isEmpty()) {
        rowTransform = new RequiredInputFields(t.requiredInputFields(), rowTransform);
      }
      PCollectionTuple out = main.apply("transform:" + t.name(),
          TransformStep.of(rowTransform).withContext(plan.context(processing.get(i), t.onError())));
      audits.add(out.get(StepTags.AUDIT));
      routed.add(out.get(StepTags.ROUTED));
      main = out.get(StepTags.MAIN);
    }
    for (int i = 0; i < settings.gates().size(); i++) {
      PipelineSettings.Gate g = settings.gates().get(i);
      PipelinePlan.Node node = processing.get(settings.transforms().size() + i);
      PCollectionTuple out = main.apply("gate:" + g.name(),
          GateStep.of(g.condition(), g.routes()).withContext(plan.context(node, null)));
      audits.add(out.get(StepTags.AUDIT));
      routed.add(out.get(StepTags.ROUTED));
      main = out.get(StepTags.MAIN);
    }
    String defaultSink = settings.defaultSink();
    routed.add(main.apply("to-default-sink", MapElements.into(TypeDescriptor.of(Token.class))
        .via((Token t) -> t.routedTo(defaultSink, "completed", null))).setCoder(TokenCoder.of()));

    List<String> sinkNames = new ArrayList<>(settings.sinks().keySet());
    PCollectionList<Token> bySink = PCollectionList.of(routed)
        .apply("all-routed", Flatten.pCollections())
        .apply("by-sink", Partition.of(sinkNames.size(), (Token t, int n) -> {
          int index = sinkNames.indexOf(t.destination());
          if (index < 0) {
            throw new IllegalStateException("token " + t.tokenId() + " routed to unknown sink "
                + t.destination());
          }
          return index;
        }));
    for (int i = 0; i < sinkNames.size(); i++) {
      PipelineSettings.Sink sink = settings.sinks().get(sinkNames.get(i));
      PipelinePlan.Node node = plan.sinks().get(sink.name());
      StepContext ctx = plan.context(node, null);
      audits.add(bySink.get(i).setCoder(TokenCoder.of()).apply("sink:" + sink.name(),
          SinkWrite.to(sink.descriptor().create(sink.options())).withPluginName(sink.plugin())
              .withContext(ctx)));
    }
    PCollectionList.of(audits).apply("all-audit", Flatten.pCollections())
        .setCoder(AuditRecordCoder.of())
        .apply("landscape-commit", LandscapeCommit.to(settings.landscape()));
  }
}
