package io.elspeth.transforms.dag;

import static io.elspeth.transforms.Rows.row;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;

import io.elspeth.audit.record.NodeStateRecord;
import io.elspeth.audit.record.TokenOutcomeRecord;
import io.elspeth.audit.record.TokenParentRecord;
import io.elspeth.audit.record.TokenRecord;
import io.elspeth.audit.token.Token;
import io.elspeth.audit.token.TokenCoder;
import io.elspeth.plugin.StepContext;
import io.elspeth.testkit.BeamPipelines;
import io.elspeth.testkit.beam.StepOutputs;
import io.elspeth.testkit.beam.StepOutputs.Emitted;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.testing.TestStream;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.joda.time.Duration;
import org.junit.jupiter.api.Test;

class CoalesceStepTest {
  private static final StepContext CTX =
      new StepContext(
          "run-1",
          "coalesce_join_0123456789ab",
          "join",
          4,
          Map.of("continue", "edge-continue"),
          null);
  private static final List<String> BRANCHES = List.of("path_a", "path_b");

  private static final Token PARENT = Token.fromSource("row-1", 0, row("id", 1L));
  private static final Token A = PARENT.child(0, row("id", 1L, "a", "x"), "s1");
  private static final Token B = PARENT.child(1, row("id", 1L, "b", "y"), "s1");

  private static PCollection<Emitted> join(
      TestPipeline p, CoalesceStep step, List<Token> a, List<Token> b) {
    PCollection<Token> ca = p.apply("a", Create.of(a).withCoder(TokenCoder.of()));
    PCollection<Token> cb = p.apply("b", Create.of(b).withCoder(TokenCoder.of()));
    return StepOutputs.gather(PCollectionList.of(ca).and(cb).apply(step.withContext(CTX)));
  }

  @Test
  void requireAllMergesBothBranchesWithParentsAndCoalescedOutcomes() throws Throwable {
    BeamPipelines.test(
        p -> {
          PAssert.that(
                  join(
                      p,
                      CoalesceStep.of(
                          BRANCHES, CoalesceStep.Policy.REQUIRE_ALL, CoalesceStep.Merge.UNION),
                      List.of(A),
                      List.of(B)))
              .satisfies(
                  emitted -> {
                    StepOutputs out = StepOutputs.of(emitted);
                    assertThat(out.main(), hasSize(1));
                    Token merged = out.main().get(0);
                    assertThat(merged.data(), equalTo(row("id", 1L, "a", "x", "b", "y")));
                    assertThat(merged.rowId(), equalTo("row-1"));
                    assertThat(merged.parentTokenIds(), contains(A.tokenId(), B.tokenId()));
                    TokenRecord token = out.only(TokenRecord.class);
                    assertThat(token.tokenId(), equalTo(merged.tokenId()));
                    assertThat(token.stepInPipeline(), equalTo(4));
                    List<String> parents = new ArrayList<>();
                    out.audit(TokenParentRecord.class).stream()
                        .sorted((x, y) -> Integer.compare(x.ordinal(), y.ordinal()))
                        .forEach(l -> parents.add(l.parentTokenId()));
                    assertThat(parents, contains(A.tokenId(), B.tokenId()));
                    List<TokenOutcomeRecord> outcomes = out.audit(TokenOutcomeRecord.class);
                    assertThat(
                        outcomes.stream().map(TokenOutcomeRecord::tokenId).toList(),
                        containsInAnyOrder(A.tokenId(), B.tokenId()));
                    outcomes.forEach(
                        o -> {
                          assertThat(o.outcome(), equalTo("coalesced"));
                          assertThat(o.joinGroupId(), equalTo(token.joinGroupId()));
                        });
                    assertThat(
                        out.audit(NodeStateRecord.class).stream()
                            .map(NodeStateRecord::status)
                            .toList(),
                        contains("completed", "completed"));
                    return null;
                  });
          p.run().waitUntilFinish();
        });
  }

  @Test
  void nestedMergeKeysEachBranchRowByBranchName() throws Throwable {
    BeamPipelines.test(
        p -> {
          PAssert.that(
                  join(
                      p,
                      CoalesceStep.of(
                          BRANCHES, CoalesceStep.Policy.REQUIRE_ALL, CoalesceStep.Merge.NESTED),
                      List.of(A),
                      List.of(B)))
              .satisfies(
                  emitted -> {
                    Token merged = StepOutputs.of(emitted).main().get(0);
                    assertThat(merged.data(), equalTo(row("path_a", A.data(), "path_b", B.data())));
                    return null;
                  });
          p.run().waitUntilFinish();
        });
  }

  @Test
  void requireAllWithAMissingBranchFailsTheHeldTokenAtTheEndOfInput() throws Throwable {
    BeamPipelines.test(
        p -> {
          PAssert.that(
                  join(
                      p,
                      CoalesceStep.of(
                          BRANCHES, CoalesceStep.Policy.REQUIRE_ALL, CoalesceStep.Merge.UNION),
                      List.of(A),
                      List.of()))
              .satisfies(
                  emitted -> {
                    StepOutputs out = StepOutputs.of(emitted);
                    assertThat(out.main(), empty());
                    TokenOutcomeRecord o = out.only(TokenOutcomeRecord.class);
                    assertThat(o.tokenId(), equalTo(A.tokenId()));
                    assertThat(o.outcome(), equalTo("failed"));
                    NodeStateRecord s = out.only(NodeStateRecord.class);
                    assertThat(s.status(), equalTo("failed"));
                    assertThat(s.errorJson(), containsString("end_of_source"));
                    return null;
                  });
          p.run().waitUntilFinish();
        });
  }

  @Test
  void bestEffortMergesWhatArrivedByTheEndOfInput() throws Throwable {
    BeamPipelines.test(
        p -> {
          PAssert.that(
                  join(
                      p,
                      CoalesceStep.of(
                          BRANCHES, CoalesceStep.Policy.BEST_EFFORT, CoalesceStep.Merge.UNION),
                      List.of(),
                      List.of(B)))
              .satisfies(
                  emitted -> {
                    StepOutputs out = StepOutputs.of(emitted);
                    assertThat(out.main(), hasSize(1));
                    assertThat(out.main().get(0).parentTokenIds(), contains(B.tokenId()));
                    assertThat(out.only(TokenOutcomeRecord.class).outcome(), equalTo("coalesced"));
                    return null;
                  });
          p.run().waitUntilFinish();
        });
  }

  @Test
  void selectMergeWithoutTheSelectedBranchFails() throws Throwable {
    BeamPipelines.test(
        p -> {
          PAssert.that(
                  join(
                      p,
                      CoalesceStep.of(
                              BRANCHES, CoalesceStep.Policy.BEST_EFFORT, CoalesceStep.Merge.SELECT)
                          .withSelectBranch("path_a"),
                      List.of(),
                      List.of(B)))
              .satisfies(
                  emitted -> {
                    StepOutputs out = StepOutputs.of(emitted);
                    assertThat(out.main(), empty());
                    assertThat(out.only(TokenOutcomeRecord.class).outcome(), equalTo("failed"));
                    assertThat(
                        out.only(NodeStateRecord.class).errorJson(),
                        containsString("select_branch_missing"));
                    return null;
                  });
          p.run().waitUntilFinish();
        });
  }

  @Test
  void quorumOfOneMergesTheFirstAndFailsTheLateArrival() throws Throwable {
    TestStream<Token> a =
        TestStream.create(TokenCoder.of()).addElements(A).advanceWatermarkToInfinity();
    BeamPipelines.test(
        p -> {
          PCollection<Token> ca = p.apply("a", a);
          // Branch b only has data once branch a has been processed: an arrival after the join.
          PCollection<Token> cb =
              p.apply(
                  "b",
                  TestStream.create(TokenCoder.of())
                      .advanceProcessingTime(Duration.standardSeconds(1))
                      .addElements(B)
                      .advanceWatermarkToInfinity());
          PAssert.that(
                  StepOutputs.gather(
                      PCollectionList.of(ca)
                          .and(cb)
                          .apply(
                              CoalesceStep.of(
                                      BRANCHES,
                                      CoalesceStep.Policy.QUORUM,
                                      CoalesceStep.Merge.UNION)
                                  .withQuorum(1)
                                  .withContext(CTX))))
              .satisfies(
                  emitted -> {
                    StepOutputs out = StepOutputs.of(emitted);
                    assertThat(out.main(), hasSize(1));
                    List<String> outcomes =
                        out.audit(TokenOutcomeRecord.class).stream()
                            .map(o -> o.outcome())
                            .sorted()
                            .toList();
                    assertThat(outcomes, contains("coalesced", "failed"));
                    return null;
                  });
          p.run().waitUntilFinish();
        });
  }

  @Test
  void timeoutResolvesAHeldJoinBeforeTheEndOfInput() throws Throwable {
    TestStream<Token> a =
        TestStream.create(TokenCoder.of())
            .addElements(A)
            .advanceProcessingTime(Duration.standardSeconds(30))
            .advanceWatermarkToInfinity();
    BeamPipelines.test(
        p -> {
          PCollection<Token> ca = p.apply("a", a);
          PCollection<Token> cb = p.apply("b", Create.empty(TokenCoder.of()));
          PAssert.that(
                  StepOutputs.gather(
                      PCollectionList.of(ca)
                          .and(cb)
                          .apply(
                              CoalesceStep.of(
                                      BRANCHES,
                                      CoalesceStep.Policy.REQUIRE_ALL,
                                      CoalesceStep.Merge.UNION)
                                  .withTimeoutSeconds(5.0)
                                  .withContext(CTX))))
              .satisfies(
                  emitted -> {
                    StepOutputs out = StepOutputs.of(emitted);
                    assertThat(out.only(TokenOutcomeRecord.class).outcome(), equalTo("failed"));
                    assertThat(
                        out.only(NodeStateRecord.class).errorJson(), containsString("timeout"));
                    return null;
                  });
          p.run().waitUntilFinish();
        });
  }
}
