package io.elspeth.transforms.dag;

import static io.elspeth.transforms.Rows.row;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.is;

import io.elspeth.audit.record.BatchRecord;
import io.elspeth.audit.record.CallRecord;
import io.elspeth.audit.record.NodeStateRecord;
import io.elspeth.audit.record.RoutingEventRecord;
import io.elspeth.audit.record.TokenOutcomeRecord;
import io.elspeth.audit.record.TransformErrorRecord;
import io.elspeth.audit.token.Token;
import io.elspeth.audit.token.TokenCoder;
import io.elspeth.connectors.client.CallAudit;
import io.elspeth.plugin.StepContext;
import io.elspeth.testkit.BeamPipelines;
import io.elspeth.testkit.beam.StepOutputs;
import io.elspeth.transforms.step.TransformResult;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.transforms.Create;
import org.junit.jupiter.api.Test;

/**
 * An aggregation whose plugin calls out ({@link ExternalBatchTransform}): every call under the
 * flush's state with the row's token for telemetry, each member continuing or rejected on its own,
 * and a plugin that raises failing the batch.
 */
class ExternalBatchAggregationTest {
  private static final StepContext CTX =
      new StepContext(
          "run-1",
          "aggregation_llm_0123456789ab",
          "llm",
          2,
          Map.of("continue", "edge-continue", "__error_llm__", "edge-error"),
          "errors");

  private static List<Token> rows(int n) {
    List<Token> tokens = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      tokens.add(Token.fromSource("row-" + i, i, row("id", (long) i)));
    }
    return tokens;
  }

  /** Answers every odd row with an error, records one call per row naming its token. */
  static final class OddRowsFail implements ExternalBatchTransform {
    @Override
    public List<TransformResult> process(BatchWork work) {
      List<TransformResult> out = new ArrayList<>();
      for (Member m : work.members()) {
        long id = (Long) m.row().get("id");
        work.record(
            "llm",
            id % 2 == 0 ? CallAudit.SUCCESS : CallAudit.ERROR,
            Map.of("custom_id", m.customId()),
            Map.of("n", id),
            null,
            0.0,
            new CallRecord.Telemetry("fake", m.tokenId(), "m", "m", 1L, 2L));
        if (id % 2 == 0) {
          Map<String, Object> row = new LinkedHashMap<>(m.row());
          row.put("answer", "ok " + id);
          out.add(TransformResult.success(row));
        } else {
          out.add(TransformResult.error(Map.of("reason", "odd", "custom_id", m.customId())));
        }
      }
      return out;
    }
  }

  @Test
  void eachMemberContinuesOrIsRoutedOnItsOwnWithItsCallsUnderTheFlushState() throws Throwable {
    BeamPipelines.test(
        p -> {
          PAssert.that(
                  StepOutputs.gather(
                      p.apply(Create.of(rows(4)).withCoder(TokenCoder.of()))
                          .apply(
                              AggregationStep.of(
                                      new OddRowsFail(), new AggregationTrigger(4, null, null))
                                  .withContext(CTX))))
              .satisfies(
                  emitted -> {
                    StepOutputs out = StepOutputs.of(emitted);
                    BatchRecord batch = out.only(BatchRecord.class);
                    assertThat(batch.status(), is("completed"));
                    List<CallRecord> calls = out.audit(CallRecord.class);
                    assertThat(calls, hasSize(4));
                    assertThat(
                        calls.stream().map(CallRecord::stateId).toList(),
                        everyItem(equalTo(batch.aggregationStateId())));
                    assertThat(
                        calls.stream().map(CallRecord::callIndex).sorted().toList(),
                        contains(0, 1, 2, 3));
                    // The telemetry of each call names the row it concerns.
                    assertThat(
                        calls.stream().map(c -> c.telemetry().tokenId()).distinct().count(),
                        is(4L));
                    assertThat(
                        out.main().stream().map(t -> t.data().get("answer")).sorted().toList(),
                        contains("ok 0", "ok 2"));
                    assertThat(
                        out.routed().stream().map(t -> t.data().get("id")).sorted().toList(),
                        contains(1L, 3L));
                    assertThat(
                        out.routed().stream().map(Token::destination).toList(),
                        everyItem(equalTo("errors")));
                    assertThat(out.audit(TransformErrorRecord.class), hasSize(2));
                    assertThat(
                        out.audit(RoutingEventRecord.class).stream()
                            .map(RoutingEventRecord::edgeId)
                            .toList(),
                        everyItem(equalTo("edge-error")));
                    // The routed rows have failed states of their own carrying the reason.
                    assertThat(
                        out.audit(NodeStateRecord.class).stream()
                            .filter(s -> s.status().equals("failed"))
                            .map(NodeStateRecord::errorJson)
                            .toList(),
                        everyItem(containsString("\"reason\":\"odd\"")));
                    assertThat(
                        out.audit(TokenOutcomeRecord.class).stream()
                            .filter(o -> o.outcome().equals("consumed_in_batch"))
                            .count(),
                        is(2L));
                    return null;
                  });
          p.run().waitUntilFinish();
        });
  }

  @Test
  void passthroughModeContinuesTheMembersOwnTokensWithTheirNewData() throws Throwable {
    BeamPipelines.test(
        p -> {
          List<Token> in = rows(2);
          PAssert.that(
                  StepOutputs.gather(
                      p.apply(Create.of(in).withCoder(TokenCoder.of()))
                          .apply(
                              AggregationStep.of(
                                      new OddRowsFail(), new AggregationTrigger(2, null, null))
                                  .withOutputMode(AggregationStep.OutputMode.PASSTHROUGH)
                                  .withContext(CTX))))
              .satisfies(
                  emitted -> {
                    StepOutputs out = StepOutputs.of(emitted);
                    assertThat(out.main(), hasSize(1));
                    assertThat(out.main().get(0).tokenId(), equalTo(in.get(0).tokenId()));
                    assertThat(out.main().get(0).data().get("answer"), is("ok 0"));
                    assertThat(
                        out.audit(TokenOutcomeRecord.class).stream()
                            .filter(o -> o.outcome().equals("consumed_in_batch"))
                            .count(),
                        is(0L));
                    return null;
                  });
          p.run().waitUntilFinish();
        });
  }

  @Test
  void aPluginThatRaisesFailsEveryMemberOfTheBatch() throws Throwable {
    ExternalBatchTransform broken =
        work -> {
          throw new IllegalStateException("plugin bug");
        };
    BeamPipelines.test(
        p -> {
          PAssert.that(
                  StepOutputs.gather(
                      p.apply(Create.of(rows(3)).withCoder(TokenCoder.of()))
                          .apply(
                              AggregationStep.of(broken, new AggregationTrigger(3, null, null))
                                  .withContext(CTX))))
              .satisfies(
                  emitted -> {
                    StepOutputs out = StepOutputs.of(emitted);
                    assertThat(out.only(BatchRecord.class).status(), is("failed"));
                    assertThat(out.main(), hasSize(0));
                    assertThat(out.routed(), hasSize(0));
                    assertThat(
                        out.audit(TokenOutcomeRecord.class).stream()
                            .filter(o -> o.isTerminal() == 1)
                            .map(TokenOutcomeRecord::outcome)
                            .toList(),
                        contains("failed", "failed", "failed"));
                    assertThat(
                        out.only(NodeStateRecord.class).errorJson(), containsString("plugin bug"));
                    return null;
                  });
          p.run().waitUntilFinish();
        });
  }
}
