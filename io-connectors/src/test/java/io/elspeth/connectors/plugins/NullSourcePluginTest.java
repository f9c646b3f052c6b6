package io.elspeth.connectors.plugins;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.instanceOf;
import static org.hamcrest.Matchers.is;

import io.elspeth.audit.record.AuditRecord;
import io.elspeth.audit.record.OperationRecord;
import io.elspeth.plugin.OptionsValidator;
import io.elspeth.plugin.PluginOptions;
import io.elspeth.plugin.StepContext;
import io.elspeth.plugin.StepTags;
import io.elspeth.testkit.BeamPipelines;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.junit.jupiter.api.Test;

class NullSourcePluginTest {

  private final NullSourcePlugin plugin = new NullSourcePlugin();

  @Test
  void needsNoOptionsAndDiscardsByDefault() {
    OptionsValidator.Result result =
        OptionsValidator.validate(Map.of(), plugin.options(), "source.options", Set.of());

    assertThat(result.problems(), is(empty()));
    assertThat(result.options().string("on_validation_failure"), is("discard"));
  }

  @Test
  void yieldsNoRowsAndRecordsOneSourceLoadOperation() throws Throwable {
    PluginOptions opts = new PluginOptions(Map.of(), null);
    StepContext ctx = new StepContext("run", "src", "source", 0, Map.of(), "discard");

    BeamPipelines.test(
        p -> {
          PCollectionTuple out = p.apply(plugin.create(opts, ctx));

          PAssert.that(out.get(StepTags.MAIN)).empty();
          PAssert.that(out.get(StepTags.ROUTED)).empty();
          PAssert.that(out.get(StepTags.AUDIT))
              .satisfies(
                  records -> {
                    List<AuditRecord> list = new ArrayList<>();
                    records.forEach(list::add);
                    assertThat(list, hasSize(1));
                    assertThat(list.get(0), is(instanceOf(OperationRecord.class)));
                    OperationRecord op = (OperationRecord) list.get(0);
                    assertThat(op.operationType(), is("source_load"));
                    assertThat(op.nodeId(), is("src"));
                    assertThat(op.runId(), is("run"));
                    return null;
                  });
          p.run().waitUntilFinish();
        });
  }
}
