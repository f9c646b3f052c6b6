package io.elspeth.transforms.step;

import static io.elspeth.transforms.Rows.row;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.elspeth.audit.canonical.CanonicalJson;
import io.elspeth.audit.record.NodeStateRecord;
import io.elspeth.audit.record.RoutingEventRecord;
import io.elspeth.audit.record.TokenOutcomeRecord;
import io.elspeth.audit.record.TokenParentRecord;
import io.elspeth.audit.record.TokenRecord;
import io.elspeth.audit.record.TransformErrorRecord;
import io.elspeth.audit.token.Ids;
import io.elspeth.audit.token.Token;
import io.elspeth.audit.token.TokenCoder;
import io.elspeth.plugin.StepContext;
import io.elspeth.testkit.BeamPipelines;
import io.elspeth.testkit.beam.StepOutputs;
import io.elspeth.testkit.beam.StepOutputs.Emitted;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.values.PCollection;
import org.junit.jupiter.api.Test;

class TransformStepTest {
  private static final String NODE_ID = "transform_enrich_0123456789ab";
  private static final String ERROR_EDGE = "edge-error-enrich";
  private static final Map<String, Object> INPUT = row("id", 7L, "amount", 5L);
  private static final Map<String, Object> REASON =
      row("reason", "blocked_content", "field", "amount");

  private static StepContext context(String onError) {
    return new StepContext(
        "run-1",
        NODE_ID,
        "enrich",
        2,
        Map.of("continue", "edge-continue", "__error_enrich__", ERROR_EDGE),
        onError);
  }

  private static Token source(Map<String, Object> data) {
    return Token.fromSource("row-7", 0, data);
  }

  /** The outputs of one transform step over {@code input}, gathered for a single PAssert. */
  private static PCollection<Emitted> step(
      TestPipeline p, StepContext ctx, RowTransform transform, Token input) {
    return StepOutputs.gather(
        p.apply(Create.of(List.of(input)).withCoder(TokenCoder.of()))
            .apply(TransformStep.of(transform).withContext(ctx)));
  }

  @Test
  void successContinuesTheTokenOnMainWithTheNewData() throws Throwable {
    Token in = source(INPUT);
    BeamPipelines.test(
        p -> {
          PAssert.that(
                  step(
                      p,
                      context(null),
                      r -> TransformResult.success(row("id", 7L, "doubled", 10L)),
                      in))
              .satisfies(
                  emitted -> {
                    StepOutputs out = StepOutputs.of(emitted);
                    assertThat(out.main(), hasSize(1));
                    Token token = out.main().get(0);
                    assertThat(token.tokenId(), equalTo(in.tokenId()));
                    assertThat(token.data(), equalTo(row("id", 7L, "doubled", 10L)));
                    assertThat(out.routed(), empty());
                    assertThat(out.audit(TokenOutcomeRecord.class), empty());
                    return null;
                  });
          p.run().waitUntilFinish();
        });
  }

  @Test
  void successTokenPointsAtItsCompletedNodeState() throws Throwable {
    Token in = source(INPUT);
    BeamPipelines.test(
        p -> {
          PAssert.that(step(p, context(null), TransformResult::success, in))
              .satisfies(
                  emitted -> {
                    StepOutputs out = StepOutputs.of(emitted);
                    NodeStateRecord state = out.only(NodeStateRecord.class);
                    assertThat(out.main().get(0).lastStateId(), equalTo(state.stateId()));
                    assertThat(state.status(), equalTo("completed"));
                    assertThat(state.tokenId(), equalTo(in.tokenId()));
                    assertThat(state.runId(), equalTo("run-1"));
                    assertThat(state.nodeId(), equalTo(NODE_ID));
                    assertThat(state.stepIndex(), equalTo(2));
                    assertThat(state.errorJson(), nullValue());
                    return null;
                  });
          p.run().waitUntilFinish();
        });
  }

  @Test
  void completedStateHashesTheInputAndOutputRows() throws Throwable {
    Token in = source(INPUT);
    Map<String, Object> output = row("id", 7L, "amount", 5L, "label", "small");
    BeamPipelines.test(
        p -> {
          PAssert.that(step(p, context(null), r -> TransformResult.success(output), in))
              .satisfies(
                  emitted -> {
                    NodeStateRecord state = StepOutputs.of(emitted).only(NodeStateRecord.class);
                    assertThat(state.inputHash(), equalTo(CanonicalJson.stableHash(INPUT)));
                    assertThat(state.outputHash(), equalTo(CanonicalJson.stableHash(output)));
                    return null;
                  });
          p.run().waitUntilFinish();
        });
  }

  private static TransformResult explodeThree(Map<String, Object> r) {
    return new TransformResult.Expanded(
        List.of(row("item", "a"), row("item", "b"), row("item", "c")));
  }

  @Test
  void expansionEmitsChildTokensOfTheParentOnMain() throws Throwable {
    Token in = source(INPUT);
    BeamPipelines.test(
        p -> {
          PAssert.that(step(p, context(null), TransformStepTest::explodeThree, in))
              .satisfies(
                  emitted -> {
                    StepOutputs out = StepOutputs.of(emitted);
                    List<Token> children = out.main();
                    assertThat(
                        children.stream().map(Token::data).toList(),
                        containsInAnyOrder(row("item", "a"), row("item", "b"), row("item", "c")));
                    assertThat(
                        children.stream().map(Token::parentTokenIds).toList(),
                        everyItem(equalTo(List.of(in.tokenId()))));
                    assertThat(
                        children.stream().map(Token::rowId).toList(), everyItem(equalTo("row-7")));
                    assertThat(
                        children.stream().map(Token::lastStateId).toList(),
                        everyItem(equalTo(out.only(NodeStateRecord.class).stateId())));
                    assertThat(out.routed(), empty());
                    return null;
                  });
          p.run().waitUntilFinish();
        });
  }

  @Test
  void expansionRecordsChildTokensInOneExpandGroupLinkedToTheParent() throws Throwable {
    Token in = source(INPUT);
    BeamPipelines.test(
        p -> {
          PAssert.that(step(p, context(null), TransformStepTest::explodeThree, in))
              .satisfies(
                  emitted -> {
                    StepOutputs out = StepOutputs.of(emitted);
                    Set<String> childIds =
                        out.main().stream().map(Token::tokenId).collect(Collectors.toSet());
                    List<TokenRecord> tokens = out.audit(TokenRecord.class);
                    assertThat(
                        tokens.stream().map(TokenRecord::tokenId).collect(Collectors.toSet()),
                        equalTo(childIds));
                    assertThat(
                        tokens.stream().map(TokenRecord::expandGroupId).distinct().toList(),
                        contains(notNullValue()));
                    assertThat(
                        tokens.stream().map(TokenRecord::stepInPipeline).toList(),
                        everyItem(equalTo(2)));
                    assertThat(
                        tokens.stream().map(TokenRecord::rowId).toList(),
                        everyItem(equalTo("row-7")));
                    List<TokenParentRecord> links = out.audit(TokenParentRecord.class);
                    assertThat(
                        links.stream().map(TokenParentRecord::tokenId).collect(Collectors.toSet()),
                        equalTo(childIds));
                    assertThat(
                        links.stream().map(TokenParentRecord::parentTokenId).toList(),
                        everyItem(equalTo(in.tokenId())));
                    return null;
                  });
          p.run().waitUntilFinish();
        });
  }

  @Test
  void expansionRecordsTheParentOutcomeExpandedWithTheChildCount() throws Throwable {
    Token in = source(INPUT);
    BeamPipelines.test(
        p -> {
          PAssert.that(step(p, context(null), TransformStepTest::explodeThree, in))
              .satisfies(
                  emitted -> {
                    StepOutputs out = StepOutputs.of(emitted);
                    TokenOutcomeRecord outcome = out.only(TokenOutcomeRecord.class);
                    assertThat(outcome.tokenId(), equalTo(in.tokenId()));
                    assertThat(outcome.outcome(), equalTo("expanded"));
                    assertThat(outcome.isTerminal(), equalTo(1));
                    assertThat(
                        outcome.expandGroupId(),
                        equalTo(out.audit(TokenRecord.class).get(0).expandGroupId()));
                    assertThat(outcome.expectedBranchesJson(), equalTo("{\"count\":3}"));
                    assertThat(out.only(NodeStateRecord.class).status(), equalTo("completed"));
                    return null;
                  });
          p.run().waitUntilFinish();
        });
  }

  @Test
  void errorWithAnOnErrorSinkRoutesTheTokenToThatSink() throws Throwable {
    Token in = source(INPUT);
    BeamPipelines.test(
        p -> {
          PAssert.that(step(p, context("sinkA"), r -> TransformResult.error(REASON), in))
              .satisfies(
                  emitted -> {
                    StepOutputs out = StepOutputs.of(emitted);
                    assertThat(out.main(), empty());
                    assertThat(out.routed(), hasSize(1));
                    Token routed = out.routed().get(0);
                    assertThat(routed.tokenId(), equalTo(in.tokenId()));
                    assertThat(routed.destination(), equalTo("sinkA"));
                    assertThat(routed.pendingOutcome(), equalTo("routed"));
                    assertThat(routed.data(), equalTo(INPUT));
                    assertThat(
                        routed.lastStateId(), equalTo(out.only(NodeStateRecord.class).stateId()));
                    // The sink records the routed outcome once the write is durable, not the step.
                    assertThat(out.audit(TokenOutcomeRecord.class), empty());
                    return null;
                  });
          p.run().waitUntilFinish();
        });
  }

  @Test
  void errorRecordsAFailedStateWithTheReasonAsItsError() throws Throwable {
    Token in = source(INPUT);
    BeamPipelines.test(
        p -> {
          PAssert.that(step(p, context("sinkA"), r -> TransformResult.error(REASON), in))
              .satisfies(
                  emitted -> {
                    NodeStateRecord state = StepOutputs.of(emitted).only(NodeStateRecord.class);
                    assertThat(state.status(), equalTo("failed"));
                    assertThat(CanonicalJson.parse(state.errorJson()), equalTo(REASON));
                    assertThat(state.inputHash(), equalTo(CanonicalJson.stableHash(INPUT)));
                    assertThat(state.outputHash(), nullValue());
                    return null;
                  });
          p.run().waitUntilFinish();
        });
  }

  @Test
  void errorWithAnOnErrorSinkRecordsATransformErrorForThatSink() throws Throwable {
    Token in = source(INPUT);
    BeamPipelines.test(
        p -> {
          PAssert.that(step(p, context("sinkA"), r -> TransformResult.error(REASON), in))
              .satisfies(
                  emitted -> {
                    TransformErrorRecord error =
                        StepOutputs.of(emitted).only(TransformErrorRecord.class);
                    assertThat(error.destination(), equalTo("sinkA"));
                    assertThat(error.tokenId(), equalTo(in.tokenId()));
                    assertThat(error.transformId(), equalTo(NODE_ID));
                    assertThat(error.runId(), equalTo("run-1"));
                    assertThat(error.rowHash(), equalTo(CanonicalJson.stableHash(INPUT)));
                    assertThat(CanonicalJson.parse(error.errorDetailsJson()), equalTo(REASON));
                    return null;
                  });
          p.run().waitUntilFinish();
        });
  }

  @Test
  void errorWithAnOnErrorSinkRecordsADivertOverTheErrorEdge() throws Throwable {
    Token in = source(INPUT);
    BeamPipelines.test(
        p -> {
          PAssert.that(step(p, context("sinkA"), r -> TransformResult.error(REASON), in))
              .satisfies(
                  emitted -> {
                    StepOutputs out = StepOutputs.of(emitted);
                    RoutingEventRecord event = out.only(RoutingEventRecord.class);
                    assertThat(event.mode(), equalTo("divert"));
                    assertThat(event.edgeId(), equalTo(ERROR_EDGE));
                    assertThat(event.stateId(), equalTo(out.only(NodeStateRecord.class).stateId()));
                    assertThat(event.reasonHash(), equalTo(CanonicalJson.stableHash(REASON)));
                    return null;
                  });
          p.run().waitUntilFinish();
        });
  }

  @Test
  void errorWithOnErrorDiscardQuarantinesTheToken() throws Throwable {
    Token in = source(INPUT);
    BeamPipelines.test(
        p -> {
          PAssert.that(
                  step(p, context(StepContext.DISCARD), r -> TransformResult.error(REASON), in))
              .satisfies(
                  emitted -> {
                    StepOutputs out = StepOutputs.of(emitted);
                    TokenOutcomeRecord outcome = out.only(TokenOutcomeRecord.class);
                    assertThat(outcome.tokenId(), equalTo(in.tokenId()));
                    assertThat(outcome.outcome(), equalTo("quarantined"));
                    assertThat(outcome.errorHash(), notNullValue());
                    assertThat(out.main(), empty());
                    assertThat(out.routed(), empty());
                    assertThat(out.audit(RoutingEventRecord.class), empty());
                    assertThat(
                        out.only(TransformErrorRecord.class).destination(),
                        equalTo(StepContext.DISCARD));
                    return null;
                  });
          p.run().waitUntilFinish();
        });
  }

  @Test
  void errorWithoutOnErrorFailsTheToken() throws Throwable {
    Token in = source(INPUT);
    BeamPipelines.test(
        p -> {
          PAssert.that(step(p, context(null), r -> TransformResult.error(REASON), in))
              .satisfies(
                  emitted -> {
                    StepOutputs out = StepOutputs.of(emitted);
                    TokenOutcomeRecord outcome = out.only(TokenOutcomeRecord.class);
                    assertThat(outcome.tokenId(), equalTo(in.tokenId()));
                    assertThat(outcome.outcome(), equalTo("failed"));
                    assertThat(
                        outcome.errorHash(),
                        equalTo(Ids.errorHash(CanonicalJson.canonicalize(REASON))));
                    assertThat(out.main(), empty());
                    assertThat(out.routed(), empty());
                    assertThat(out.audit(TransformErrorRecord.class), empty());
                    assertThat(out.audit(RoutingEventRecord.class), empty());
                    assertThat(out.only(NodeStateRecord.class).status(), equalTo("failed"));
                    return null;
                  });
          p.run().waitUntilFinish();
        });
  }

  @Test
  void throwingTransformFailsTheRowAndTheRunStillSucceeds() throws Throwable {
    Token in = source(INPUT);
    BeamPipelines.test(
        p -> {
          RowTransform broken =
              r -> {
                throw new IllegalArgumentException("boom");
              };
          PAssert.that(step(p, context("sinkA"), broken, in))
              .satisfies(
                  emitted -> {
                    StepOutputs out = StepOutputs.of(emitted);
                    assertThat(out.only(TokenOutcomeRecord.class).outcome(), equalTo("failed"));
                    NodeStateRecord state = out.only(NodeStateRecord.class);
                    assertThat(state.status(), equalTo("failed"));
                    assertThat(
                        CanonicalJson.parse(state.errorJson()),
                        equalTo(
                            row(
                                "exception",
                                "IllegalArgumentException: boom",
                                "type",
                                "IllegalArgumentException")));
                    // A plugin bug is not a processing error: nothing goes to on_error.
                    assertThat(out.routed(), empty());
                    assertThat(out.main(), empty());
                    return null;
                  });
          assertThat(p.run().waitUntilFinish(), is(PipelineResult.State.DONE));
        });
  }

  @Test
  void outputThatIsNotCanonicalJsonFailsTheRow() throws Throwable {
    Token in = source(INPUT);
    BeamPipelines.test(
        p -> {
          PAssert.that(
                  step(
                      p, context(null), r -> TransformResult.success(row("ratio", Double.NaN)), in))
              .satisfies(
                  emitted -> {
                    StepOutputs out = StepOutputs.of(emitted);
                    assertThat(out.only(TokenOutcomeRecord.class).outcome(), equalTo("failed"));
                    assertThat(
                        out.only(NodeStateRecord.class).errorJson(),
                        containsString("not canonical JSON"));
                    assertThat(out.main(), empty());
                    return null;
                  });
          p.run().waitUntilFinish();
        });
  }

  @Test
  void expandWithoutAContextIsRejected() {
    TransformStep step = TransformStep.of(TransformResult::success);

    IllegalStateException e = assertThrows(IllegalStateException.class, () -> step.expand(null));

    assertThat(e.getMessage(), containsString("withContext() are required"));
  }
}
