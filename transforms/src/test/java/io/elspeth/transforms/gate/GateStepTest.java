package io.elspeth.transforms.gate;

import static io.elspeth.transforms.Rows.row;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.notNullValue;

import io.elspeth.audit.canonical.CanonicalJson;
import io.elspeth.audit.record.NodeStateRecord;
import io.elspeth.audit.record.RoutingEventRecord;
import io.elspeth.audit.record.TokenOutcomeRecord;
import io.elspeth.audit.token.Token;
import io.elspeth.audit.token.TokenCoder;
import io.elspeth.plugin.StepContext;
import io.elspeth.testkit.BeamPipelines;
import io.elspeth.testkit.beam.StepOutputs;
import io.elspeth.testkit.beam.StepOutputs.Emitted;
import io.elspeth.transforms.gate.expression.GateExpression;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.values.PCollection;
import org.junit.jupiter.api.Test;

class GateStepTest {
  private static final String AMOUNT = "row['amount'] > 100";
  private static final Map<String, String> AMOUNT_ROUTES =
      Map.of("true", "high", "false", "continue");
  private static final String CATEGORY = "row['category']";
  private static final Map<String, String> CATEGORY_ROUTES =
      Map.of("books", "bookSink", "toys", "continue");
  private static final String NODE_ID = "config_gate_amount_gate_0123456789ab";
  private static final StepContext CTX =
      new StepContext(
          "run-1",
          NODE_ID,
          "amount_gate",
          3,
          Map.of("continue", "edge-continue", "true", "edge-high", "books", "edge-books"),
          null);

  /** The outputs of a gate over {@code tokens}, gathered for a single PAssert. */
  private static PCollection<Emitted> gate(
      TestPipeline p, String condition, Map<String, String> routes, Token... tokens) {
    return StepOutputs.gather(
        p.apply(Create.of(List.of(tokens)).withCoder(TokenCoder.of()))
            .apply(GateStep.of(GateExpression.parse(condition), routes).withContext(CTX)));
  }

  @Test
  void rowMeetingTheConditionIsRoutedToItsSink() throws Throwable {
    Token high = Token.fromSource("row-1", 0, row("id", 1L, "amount", 150L));
    BeamPipelines.test(
        p -> {
          PAssert.that(gate(p, AMOUNT, AMOUNT_ROUTES, high))
              .satisfies(
                  emitted -> {
                    StepOutputs out = StepOutputs.of(emitted);
                    assertThat(out.main(), empty());
                    assertThat(out.routed(), hasSize(1));
                    Token routed = out.routed().get(0);
                    assertThat(routed.tokenId(), equalTo(high.tokenId()));
                    assertThat(routed.destination(), equalTo("high"));
                    assertThat(routed.pendingOutcome(), equalTo("routed"));
                    assertThat(routed.data(), equalTo(high.data()));
                    assertThat(
                        routed.lastStateId(), equalTo(out.only(NodeStateRecord.class).stateId()));
                    // The sink records the routed outcome after its write, not the gate.
                    assertThat(out.audit(TokenOutcomeRecord.class), empty());
                    return null;
                  });
          p.run().waitUntilFinish();
        });
  }

  @Test
  void routedRowRecordsAMoveEventOnTheTrueEdge() throws Throwable {
    Token high = Token.fromSource("row-1", 0, row("amount", 150L));
    BeamPipelines.test(
        p -> {
          PAssert.that(gate(p, AMOUNT, AMOUNT_ROUTES, high))
              .satisfies(
                  emitted -> {
                    StepOutputs out = StepOutputs.of(emitted);
                    RoutingEventRecord event = out.only(RoutingEventRecord.class);
                    assertThat(event.mode(), equalTo("move"));
                    assertThat(event.edgeId(), equalTo("edge-high"));
                    assertThat(event.stateId(), equalTo(out.only(NodeStateRecord.class).stateId()));
                    assertThat(
                        event.reasonHash(),
                        equalTo(
                            CanonicalJson.stableHash(row("condition", AMOUNT, "result", "true"))));
                    return null;
                  });
          p.run().waitUntilFinish();
        });
  }

  @Test
  void gateRecordsACompletedStateWithConditionResultAndRouteLabel() throws Throwable {
    Token high = Token.fromSource("row-1", 0, row("amount", 150L));
    BeamPipelines.test(
        p -> {
          PAssert.that(gate(p, AMOUNT, AMOUNT_ROUTES, high))
              .satisfies(
                  emitted -> {
                    NodeStateRecord state = StepOutputs.of(emitted).only(NodeStateRecord.class);
                    assertThat(state.status(), equalTo("completed"));
                    assertThat(state.tokenId(), equalTo(high.tokenId()));
                    assertThat(state.nodeId(), equalTo(NODE_ID));
                    assertThat(state.stepIndex(), equalTo(3));
                    assertThat(
                        CanonicalJson.parse(state.contextAfterJson()),
                        equalTo(row("condition", AMOUNT, "result", true, "route_label", "true")));
                    // A gate does not change the row.
                    assertThat(state.inputHash(), equalTo(CanonicalJson.stableHash(high.data())));
                    assertThat(state.outputHash(), equalTo(state.inputHash()));
                    return null;
                  });
          p.run().waitUntilFinish();
        });
  }

  @Test
  void rowNotMeetingTheConditionContinuesWithAMoveEventOnTheContinueEdge() throws Throwable {
    Token low = Token.fromSource("row-2", 1, row("id", 2L, "amount", 100L));
    BeamPipelines.test(
        p -> {
          PAssert.that(gate(p, AMOUNT, AMOUNT_ROUTES, low))
              .satisfies(
                  emitted -> {
                    StepOutputs out = StepOutputs.of(emitted);
                    assertThat(out.routed(), empty());
                    assertThat(out.main(), hasSize(1));
                    Token token = out.main().get(0);
                    NodeStateRecord state = out.only(NodeStateRecord.class);
                    // ELSPETH records every gate decision, continue included (AUD-002): one move
                    // event on
                    // the continue edge, its reason the condition and the route label.
                    RoutingEventRecord event = out.only(RoutingEventRecord.class);
                    assertThat(event.edgeId(), equalTo("edge-continue"));
                    assertThat(event.mode(), equalTo("move"));
                    assertThat(event.ordinal(), equalTo(0));
                    assertThat(event.stateId(), equalTo(state.stateId()));
                    assertThat(
                        event.reasonHash(),
                        equalTo(
                            CanonicalJson.stableHash(row("condition", AMOUNT, "result", "false"))));
                    assertThat(token.tokenId(), equalTo(low.tokenId()));
                    assertThat(token.destination(), equalTo(null));
                    assertThat(token.lastStateId(), equalTo(state.stateId()));
                    assertThat(
                        CanonicalJson.parse(state.contextAfterJson()),
                        equalTo(row("condition", AMOUNT, "result", false, "route_label", "false")));
                    return null;
                  });
          p.run().waitUntilFinish();
        });
  }

  @Test
  void stringConditionRoutesByItsValue() throws Throwable {
    Token book = Token.fromSource("row-1", 0, row("category", "books"));
    Token toy = Token.fromSource("row-2", 1, row("category", "toys"));
    BeamPipelines.test(
        p -> {
          PAssert.that(gate(p, CATEGORY, CATEGORY_ROUTES, book, toy))
              .satisfies(
                  emitted -> {
                    StepOutputs out = StepOutputs.of(emitted);
                    assertThat(
                        out.routed().stream().map(Token::tokenId).toList(),
                        contains(book.tokenId()));
                    assertThat(out.routed().get(0).destination(), equalTo("bookSink"));
                    assertThat(
                        out.main().stream().map(Token::tokenId).toList(), contains(toy.tokenId()));
                    // One event per decision: the book's on its route's edge, the toy's on
                    // continue.
                    assertThat(
                        out.audit(RoutingEventRecord.class).stream()
                            .map(RoutingEventRecord::edgeId)
                            .sorted()
                            .toList(),
                        contains("edge-books", "edge-continue"));
                    return null;
                  });
          p.run().waitUntilFinish();
        });
  }

  @Test
  void resultWithoutARouteFailsTheRow() throws Throwable {
    Token garden = Token.fromSource("row-3", 2, row("category", "garden"));
    BeamPipelines.test(
        p -> {
          PAssert.that(gate(p, CATEGORY, CATEGORY_ROUTES, garden))
              .satisfies(
                  emitted -> {
                    StepOutputs out = StepOutputs.of(emitted);
                    TokenOutcomeRecord outcome = out.only(TokenOutcomeRecord.class);
                    assertThat(outcome.tokenId(), equalTo(garden.tokenId()));
                    assertThat(outcome.outcome(), equalTo("failed"));
                    assertThat(outcome.errorHash(), notNullValue());
                    NodeStateRecord state = out.only(NodeStateRecord.class);
                    assertThat(state.status(), equalTo("failed"));
                    assertThat(state.errorJson(), containsString("no route for result 'garden'"));
                    assertThat(out.main(), empty());
                    assertThat(out.routed(), empty());
                    assertThat(out.audit(RoutingEventRecord.class), empty());
                    return null;
                  });
          p.run().waitUntilFinish();
        });
  }

  @Test
  void missingFieldFailsTheRow() throws Throwable {
    Token noAmount = Token.fromSource("row-4", 3, row("id", 4L));
    BeamPipelines.test(
        p -> {
          PAssert.that(gate(p, AMOUNT, AMOUNT_ROUTES, noAmount))
              .satisfies(
                  emitted -> {
                    StepOutputs out = StepOutputs.of(emitted);
                    assertThat(out.only(TokenOutcomeRecord.class).outcome(), equalTo("failed"));
                    NodeStateRecord state = out.only(NodeStateRecord.class);
                    assertThat(state.status(), equalTo("failed"));
                    assertThat(state.errorJson(), containsString("KeyError"));
                    assertThat(state.errorJson(), containsString("amount"));
                    assertThat(out.main(), empty());
                    assertThat(out.routed(), empty());
                    return null;
                  });
          p.run().waitUntilFinish();
        });
  }

  @Test
  void aConditionOverItsBudgetFailsTheRowWithTheReason() throws Throwable {
    Token hostile = Token.fromSource("row-5", 4, row("customer", "acme"));
    BeamPipelines.test(
        p -> {
          PAssert.that(gate(p, "row['customer'] * 9999999 == 'x'", AMOUNT_ROUTES, hostile))
              .satisfies(
                  emitted -> {
                    StepOutputs out = StepOutputs.of(emitted);
                    assertThat(out.only(TokenOutcomeRecord.class).outcome(), equalTo("failed"));
                    NodeStateRecord state = out.only(NodeStateRecord.class);
                    assertThat(state.status(), equalTo("failed"));
                    assertThat(state.errorJson(), containsString("budget exceeded"));
                    assertThat(out.main(), empty());
                    assertThat(out.routed(), empty());
                    return null;
                  });
          p.run().waitUntilFinish();
        });
  }

  @Test
  void labelsAreWhatPythonsStrGives() {
    assertThat(GateStep.labelOf(null), equalTo("None"));
    assertThat(GateStep.labelOf(1e16), equalTo("1e+16"));
    assertThat(GateStep.labelOf(List.of("a", 1L)), equalTo("['a', 1]"));
    assertThat(
        GateStep.labelOf(new java.math.BigInteger("9223372036854775808")),
        equalTo("9223372036854775808"));
  }

  @Test
  void aResultCanonicalJsonCannotHoldIsRecordedAsItsLabel() {
    assertThat(GateStep.recordable(Double.POSITIVE_INFINITY), equalTo("inf"));
    assertThat(GateStep.recordable(java.util.Set.of(1L)), equalTo("{1}"));
    assertThat(GateStep.recordable(1L << 60), equalTo(String.valueOf(1L << 60)));
    assertThat(GateStep.recordable(List.of(1L, "a")), equalTo(List.of(1L, "a")));
  }

  @Test
  void aRowRoutedOnAnInfiniteResultIsRecorded() throws Throwable {
    Token big = Token.fromSource("row-6", 5, row("amount", 1e308));
    BeamPipelines.test(
        p -> {
          PAssert.that(gate(p, "row['amount'] * 10", Map.of("inf", "continue"), big))
              .satisfies(
                  emitted -> {
                    StepOutputs out = StepOutputs.of(emitted);
                    assertThat(out.main(), hasSize(1));
                    assertThat(out.only(NodeStateRecord.class).status(), equalTo("completed"));
                    return null;
                  });
          p.run().waitUntilFinish();
        });
  }

  @Test
  void labelOfTrueIsTrue() {
    assertThat(GateStep.labelOf(true), equalTo("true"));
  }

  @Test
  void labelOfFalseIsFalse() {
    assertThat(GateStep.labelOf(false), equalTo("false"));
  }

  @Test
  void labelOfAStringIsItsValue() {
    assertThat(GateStep.labelOf("High"), equalTo("High"));
  }

  @Test
  void labelOfAnIntegerIsItsDecimalText() {
    assertThat(GateStep.labelOf(5L), equalTo("5"));
  }

  @Test
  void labelOfNoneIsPythonsNone() {
    // ELSPETH takes str(result) for non-bool, non-str results, and str(None) is 'None'.
    assertThat(GateStep.labelOf(null), equalTo("None"));
  }
}
