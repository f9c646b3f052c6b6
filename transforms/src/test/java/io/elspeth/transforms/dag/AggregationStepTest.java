package io.elspeth.transforms.dag;

import static io.elspeth.transforms.Rows.row;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.hasSize;

import io.elspeth.audit.record.BatchMemberRecord;
import io.elspeth.audit.record.BatchRecord;
import io.elspeth.audit.record.NodeStateRecord;
import io.elspeth.audit.record.TokenOutcomeRecord;
import io.elspeth.audit.record.TokenParentRecord;
import io.elspeth.audit.token.Token;
import io.elspeth.audit.token.TokenCoder;
import io.elspeth.plugin.PluginOptions;
import io.elspeth.plugin.StepContext;
import io.elspeth.testkit.BeamPipelines;
import io.elspeth.testkit.beam.StepOutputs;
import io.elspeth.testkit.beam.StepOutputs.Emitted;
import io.elspeth.transforms.gate.expression.GateExpression;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.testing.TestStream;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.values.PCollection;
import org.joda.time.Duration;
import org.junit.jupiter.api.Test;

class AggregationStepTest {
  private static final StepContext CTX =
      new StepContext(
          "run-1",
          "aggregation_totals_0123456789ab",
          "totals",
          2,
          Map.of("continue", "edge-continue"),
          null);

  private static List<Token> rows(int n) {
    List<Token> tokens = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      tokens.add(
          Token.fromSource("row-" + i, i, row("id", (long) i, "amount", 10L * i, "copies", 2L)));
    }
    return tokens;
  }

  private static BatchTransform stats() {
    return new BatchStatsPlugin().create(new PluginOptions(Map.of("value_field", "amount"), null));
  }

  private static PCollection<Emitted> aggregate(
      TestPipeline p, AggregationStep step, List<Token> tokens) {
    return StepOutputs.gather(
        p.apply(Create.of(tokens).withCoder(TokenCoder.of())).apply(step.withContext(CTX)));
  }

  @Test
  void countTriggerFlushesFullBatchesAndTheEndOfInputFlushesTheRest() throws Throwable {
    BeamPipelines.test(
        p -> {
          PAssert.that(
                  aggregate(
                      p,
                      AggregationStep.of(stats(), new AggregationTrigger(2, null, null)),
                      rows(5)))
              .satisfies(
                  emitted -> {
                    StepOutputs out = StepOutputs.of(emitted);
                    List<BatchRecord> batches = out.audit(BatchRecord.class);
                    assertThat(
                        batches.stream().map(BatchRecord::triggerType).sorted().toList(),
                        contains("count", "count", "end_of_source"));
                    assertThat(
                        batches.stream().map(BatchRecord::status).toList(),
                        everyItem(equalTo("completed")));
                    assertThat(out.audit(BatchMemberRecord.class), hasSize(5));
                    List<TokenOutcomeRecord> outcomes = out.audit(TokenOutcomeRecord.class);
                    assertThat(
                        outcomes.stream().filter(o -> o.outcome().equals("buffered")).count(),
                        equalTo(5L));
                    assertThat(
                        outcomes.stream()
                            .filter(o -> o.outcome().equals("consumed_in_batch"))
                            .count(),
                        equalTo(5L));
                    // One summary per batch; its parents are the batch's members.
                    assertThat(out.main(), hasSize(3));
                    assertThat(
                        out.main().stream().mapToLong(t -> (Long) t.data().get("count")).sum(),
                        equalTo(5L));
                    assertThat(out.audit(TokenParentRecord.class), hasSize(5));
                    assertThat(out.audit(NodeStateRecord.class), hasSize(3));
                    return null;
                  });
          p.run().waitUntilFinish();
        });
  }

  @Test
  void passthroughModeContinuesTheBufferedTokensUnchanged() throws Throwable {
    List<Token> in = rows(3);
    BeamPipelines.test(
        p -> {
          PAssert.that(
                  aggregate(
                      p,
                      AggregationStep.of(stats(), new AggregationTrigger(3, null, null))
                          .withOutputMode(AggregationStep.OutputMode.PASSTHROUGH),
                      in))
              .satisfies(
                  emitted -> {
                    StepOutputs out = StepOutputs.of(emitted);
                    assertThat(
                        out.main().stream().map(Token::tokenId).toList(),
                        containsInAnyOrder(in.stream().map(Token::tokenId).toArray()));
                    assertThat(
                        out.main().stream().map(Token::data).toList(),
                        containsInAnyOrder(in.stream().map(Token::data).toArray()));
                    // Only the non-terminal buffered outcomes: the sink records the terminal ones.
                    assertThat(
                        out.audit(TokenOutcomeRecord.class).stream()
                            .map(TokenOutcomeRecord::outcome)
                            .distinct()
                            .toList(),
                        contains("buffered"));
                    assertThat(out.only(BatchRecord.class).triggerType(), equalTo("count"));
                    return null;
                  });
          p.run().waitUntilFinish();
        });
  }

  @Test
  void replicateOutputsAreChildrenOfTheRowTheyCopy() throws Throwable {
    List<Token> in = rows(2);
    BatchTransform replicate =
        new BatchReplicatePlugin()
            .create(
                new PluginOptions(
                    Map.of("copies_field", "copies", "include_copy_index", true), null));
    BeamPipelines.test(
        p -> {
          PAssert.that(
                  aggregate(
                      p, AggregationStep.of(replicate, new AggregationTrigger(2, null, null)), in))
              .satisfies(
                  emitted -> {
                    StepOutputs out = StepOutputs.of(emitted);
                    assertThat(out.main(), hasSize(4));
                    for (Token t : out.main()) {
                      assertThat(t.parentTokenIds(), hasSize(1));
                      Token parent =
                          in.stream()
                              .filter(x -> x.tokenId().equals(t.parentTokenIds().get(0)))
                              .findFirst()
                              .orElseThrow();
                      assertThat(t.rowId(), equalTo(parent.rowId()));
                      assertThat(t.data().get("id"), equalTo(parent.data().get("id")));
                    }
                    return null;
                  });
          p.run().waitUntilFinish();
        });
  }

  @Test
  void aBatchThePluginRejectsFailsEveryMember() throws Throwable {
    List<Token> in =
        List.of(
            Token.fromSource("row-0", 0, row("amount", "lots")),
            Token.fromSource("row-1", 1, row("amount", 5L)));
    BeamPipelines.test(
        p -> {
          PAssert.that(
                  aggregate(
                      p, AggregationStep.of(stats(), new AggregationTrigger(2, null, null)), in))
              .satisfies(
                  emitted -> {
                    StepOutputs out = StepOutputs.of(emitted);
                    assertThat(out.main(), empty());
                    assertThat(out.only(BatchRecord.class).status(), equalTo("failed"));
                    assertThat(
                        out.only(NodeStateRecord.class).errorJson(),
                        containsString("value_field 'amount'"));
                    assertThat(
                        out.audit(TokenOutcomeRecord.class).stream()
                            .filter(o -> o.isTerminal() == 1)
                            .map(TokenOutcomeRecord::outcome)
                            .toList(),
                        contains("failed", "failed"));
                    return null;
                  });
          p.run().waitUntilFinish();
        });
  }

  @Test
  void conditionTriggerFlushesWhenItHolds() throws Throwable {
    BeamPipelines.test(
        p -> {
          PAssert.that(
                  aggregate(
                      p,
                      AggregationStep.of(
                          stats(),
                          new AggregationTrigger(
                              null, null, GateExpression.parse("row['batch_count'] >= 2"))),
                      rows(4)))
              .satisfies(
                  emitted -> {
                    StepOutputs out = StepOutputs.of(emitted);
                    assertThat(
                        out.audit(BatchRecord.class).stream()
                            .map(BatchRecord::triggerType)
                            .toList(),
                        contains("condition", "condition"));
                    return null;
                  });
          p.run().waitUntilFinish();
        });
  }

  @Test
  void timeoutTriggerFlushesAnIdleBatch() throws Throwable {
    List<Token> in = rows(1);
    TestStream<Token> stream =
        TestStream.create(TokenCoder.of())
            .addElements(in.get(0))
            .advanceProcessingTime(Duration.standardSeconds(10))
            .advanceWatermarkToInfinity();
    BeamPipelines.test(
        p -> {
          PAssert.that(
                  StepOutputs.gather(
                      p.apply(stream)
                          .apply(
                              AggregationStep.of(stats(), new AggregationTrigger(100, 5.0, null))
                                  .withContext(CTX))))
              .satisfies(
                  emitted -> {
                    StepOutputs out = StepOutputs.of(emitted);
                    assertThat(out.only(BatchRecord.class).triggerType(), equalTo("timeout"));
                    return null;
                  });
          p.run().waitUntilFinish();
        });
  }
}
