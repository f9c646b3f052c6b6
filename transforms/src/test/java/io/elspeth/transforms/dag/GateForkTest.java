package io.elspeth.transforms.dag;

import static io.elspeth.transforms.Rows.row;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.hasSize;

import io.elspeth.audit.record.RoutingEventRecord;
import io.elspeth.audit.record.TokenOutcomeRecord;
import io.elspeth.audit.record.TokenParentRecord;
import io.elspeth.audit.record.TokenRecord;
import io.elspeth.audit.token.Token;
import io.elspeth.audit.token.TokenCoder;
import io.elspeth.plugin.StepContext;
import io.elspeth.testkit.BeamPipelines;
import io.elspeth.testkit.beam.StepOutputs;
import io.elspeth.transforms.gate.DeliveredBranches;
import io.elspeth.transforms.gate.GateStep;
import io.elspeth.transforms.gate.expression.GateExpression;
import java.util.List;
import java.util.Map;
import java.util.stream.StreamSupport;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.junit.jupiter.api.Test;

class GateForkTest {
  private static final StepContext CTX =
      new StepContext(
          "run-1",
          "config_gate_f_0123456789ab",
          "f",
          1,
          Map.of("continue", "e-c", "path_a", "e-a", "path_b", "e-b"),
          null);

  @Test
  void forkEmitsOneChildPerPathWithLinksAndTheParentsForkedOutcome() throws Throwable {
    Token parent = Token.fromSource("row-1", 0, row("id", 1L));
    BeamPipelines.test(
        p -> {
          PCollectionTuple out =
              p.apply(Create.of(List.of(parent)).withCoder(TokenCoder.of()))
                  .apply(
                      GateStep.of(
                              GateExpression.parse("row['id'] == 1"),
                              Map.of("true", "fork", "false", "continue"))
                          .withForkTo(List.of("path_a", "path_b"))
                          .withContext(CTX));
          PAssert.that(out.get(GateStep.branchTag("path_a")))
              .satisfies(
                  a -> {
                    Token child = a.iterator().next();
                    assertThat(child.parentTokenIds(), contains(parent.tokenId()));
                    assertThat(child.rowId(), equalTo("row-1"));
                    assertThat(child.data(), equalTo(parent.data()));
                    return null;
                  });
          PAssert.that(out.get(GateStep.branchTag("path_b")))
              .satisfies(
                  b -> {
                    assertThat(b.iterator().next().parentTokenIds(), contains(parent.tokenId()));
                    return null;
                  });
          PAssert.that(StepOutputs.gather(out))
              .satisfies(
                  emitted -> {
                    StepOutputs s = StepOutputs.of(emitted);
                    assertThat(s.main(), empty());
                    List<TokenRecord> children = s.audit(TokenRecord.class);
                    assertThat(
                        children.stream().map(TokenRecord::branchName).toList(),
                        containsInAnyOrder("path_a", "path_b"));
                    TokenOutcomeRecord forked = s.only(TokenOutcomeRecord.class);
                    assertThat(forked.outcome(), equalTo("forked"));
                    assertThat(forked.tokenId(), equalTo(parent.tokenId()));
                    assertThat(forked.expectedBranchesJson(), equalTo("[\"path_a\",\"path_b\"]"));
                    assertThat(
                        children.stream().map(TokenRecord::forkGroupId).toList(),
                        everyItem(equalTo(forked.forkGroupId())));
                    assertThat(s.audit(TokenParentRecord.class), hasSize(2));
                    List<RoutingEventRecord> events = s.audit(RoutingEventRecord.class);
                    assertThat(
                        events.stream().map(RoutingEventRecord::mode).toList(),
                        everyItem(equalTo("copy")));
                    assertThat(
                        events.stream().map(RoutingEventRecord::edgeId).toList(),
                        containsInAnyOrder("e-a", "e-b"));
                    assertThat(
                        events.stream().map(RoutingEventRecord::routingGroupId).distinct().count(),
                        equalTo(1L));
                    return null;
                  });
          p.run().waitUntilFinish();
        });
  }

  @Test
  void aResumedRunForksARowOnlyToTheBranchesNotDeliveredBefore() throws Throwable {
    Token parent = Token.fromSource("row-7", 7, row("id", 1L));
    Token other = Token.fromSource("row-8", 8, row("id", 1L));
    DeliveredBranches delivered =
        DeliveredBranches.builder().add(7, List.of(), "path_b", "run-0").build();
    BeamPipelines.test(
        p -> {
          PCollectionTuple out =
              p.apply(Create.of(List.of(parent, other)).withCoder(TokenCoder.of()))
                  .apply(
                      GateStep.of(
                              GateExpression.parse("row['id'] == 1"),
                              Map.of("true", "fork", "false", "continue"))
                          .withForkTo(List.of("path_a", "path_b"))
                          .withDeliveredBranches(delivered)
                          .withContext(CTX));
          PAssert.that(out.get(GateStep.branchTag("path_a")))
              .satisfies(
                  a -> {
                    assertThat(
                        StreamSupport.stream(a.spliterator(), false).map(Token::rowIndex).toList(),
                        containsInAnyOrder(7L, 8L));
                    return null;
                  });
          PAssert.that(out.get(GateStep.branchTag("path_b")))
              .satisfies(
                  b -> {
                    assertThat(
                        "row 7's path_b was delivered by run-0",
                        StreamSupport.stream(b.spliterator(), false).map(Token::rowIndex).toList(),
                        contains(8L));
                    return null;
                  });
          PAssert.that(StepOutputs.gather(out))
              .satisfies(
                  emitted -> {
                    StepOutputs s = StepOutputs.of(emitted);
                    TokenOutcomeRecord forked =
                        s.audit(TokenOutcomeRecord.class).stream()
                            .filter(o -> o.tokenId().equals(parent.tokenId()))
                            .findFirst()
                            .orElseThrow();
                    assertThat(forked.expectedBranchesJson(), equalTo("[\"path_a\"]"));
                    assertThat(
                        forked.contextJson(),
                        equalTo("{\"delivered_by_runs\":{\"path_b\":\"run-0\"}}"));
                    assertThat(s.audit(RoutingEventRecord.class), hasSize(3));
                    assertThat(s.audit(TokenParentRecord.class), hasSize(3));
                    return null;
                  });
          p.run().waitUntilFinish();
        });
  }

  @Test
  void aResumedRunTellsTheTokensOfAnExpandedRowApart() throws Throwable {
    Token source = Token.fromSource("row-7", 7, row("id", 1L));
    Token first = source.child(0, row("id", 1L), "s-1");
    Token second = source.child(1, row("id", 1L), "s-1");
    // The second expansion child's path_b was delivered; the first child's was not.
    DeliveredBranches delivered =
        DeliveredBranches.builder().add(7, List.of(1), "path_b", "run-0").build();
    BeamPipelines.test(
        p -> {
          PCollectionTuple out =
              p.apply(Create.of(List.of(first, second)).withCoder(TokenCoder.of()))
                  .apply(
                      GateStep.of(
                              GateExpression.parse("row['id'] == 1"),
                              Map.of("true", "fork", "false", "continue"))
                          .withForkTo(List.of("path_a", "path_b"))
                          .withDeliveredBranches(delivered)
                          .withContext(CTX));
          PAssert.that(out.get(GateStep.branchTag("path_a")))
              .satisfies(
                  a -> {
                    assertThat(
                        StreamSupport.stream(a.spliterator(), false)
                            .map(t -> t.order().get(0))
                            .toList(),
                        containsInAnyOrder(0, 1));
                    return null;
                  });
          PAssert.that(out.get(GateStep.branchTag("path_b")))
              .satisfies(
                  b -> {
                    assertThat(
                        StreamSupport.stream(b.spliterator(), false).map(Token::order).toList(),
                        contains(List.of(0, 1)));
                    return null;
                  });
          PAssert.that(StepOutputs.gather(out))
              .satisfies(
                  emitted -> {
                    StepOutputs s = StepOutputs.of(emitted);
                    List<String> contexts =
                        s.audit(TokenOutcomeRecord.class).stream()
                            .map(TokenOutcomeRecord::contextJson)
                            .toList();
                    assertThat(
                        contexts,
                        containsInAnyOrder(
                            "{\"token_order\":[0]}",
                            "{\"delivered_by_runs\":{\"path_b\":\"run-0\"},\"token_order\":[1]}"));
                    return null;
                  });
          p.run().waitUntilFinish();
        });
  }
}
