package io.elspeth.connectors.plugins;

import io.elspeth.audit.canonical.CanonicalJson;
import io.elspeth.audit.record.OperationRecord;
import io.elspeth.audit.token.Ids;
import io.elspeth.audit.token.Token;
import io.elspeth.plugin.OptionSpec;
import io.elspeth.plugin.PluginOptions;
import io.elspeth.plugin.SourcePlugin;
import io.elspeth.plugin.StepContext;
import io.elspeth.plugin.StepTags;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollectionTuple;

/** {@code null} source: yields no rows (its empty source_load operation is still recorded). */
public final class NullSourcePlugin implements SourcePlugin {
  @Override
  public String name() {
    return "null";
  }

  @Override
  public String description() {
    return "Yields no rows";
  }

  @Override
  public List<OptionSpec> options() {
    return List.of(
        SourceOptions.SCHEMA,
        OptionSpec.optional(
            "on_validation_failure",
            io.elspeth.plugin.OptionType.SINK_NAME,
            StepContext.DISCARD,
            "unused: the null source yields no rows"));
  }

  @Override
  public PTransform<PBegin, PCollectionTuple> create(PluginOptions options, StepContext context) {
    return new PTransform<>() {
      @Override
      public PCollectionTuple expand(PBegin input) {
        return StepTags.withCoders(
            input
                .apply(Create.of(context.nodeId()))
                .apply(
                    ParDo.of(new EmptyLoadFn(context))
                        .withOutputTags(StepTags.MAIN, StepTags.additional())));
      }
    };
  }

  static final class EmptyLoadFn extends DoFn<String, Token> {
    private final StepContext ctx;

    EmptyLoadFn(StepContext ctx) {
      this.ctx = ctx;
    }

    @ProcessElement
    public void process(MultiOutputReceiver out) {
      Instant now = Instant.now();
      out.get(StepTags.AUDIT)
          .output(
              new OperationRecord(
                  Ids.operationId(),
                  ctx.runId(),
                  ctx.nodeId(),
                  "source_load",
                  now,
                  now,
                  "completed",
                  null,
                  CanonicalJson.stableHash(Map.of()),
                  null,
                  CanonicalJson.stableHash(Map.of("rows_valid", 0)),
                  null,
                  0.0));
    }
  }
}
