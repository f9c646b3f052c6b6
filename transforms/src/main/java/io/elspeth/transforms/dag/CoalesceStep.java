package io.elspeth.transforms.dag;

import io.elspeth.audit.token.Token;
import io.elspeth.audit.token.TokenCoder;
import io.elspeth.plugin.StepContext;
import io.elspeth.plugin.StepTags;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.TypeDescriptor;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * A coalesce (join) as a step: the input is one collection per branch, in the order of {@code
 * branches}; tokens are keyed by their row and the fork they came from (the row id and the forked
 * parent token), held in Beam state until the {@link Policy} is met, then merged. A processing-time
 * timer implements {@code timeout_seconds}; an event-time timer at the end of the window resolves
 * whatever is still held when the input ends. Both work on any runner with keyed state and timers
 * (DirectRunner, Flink).
 *
 * <p>A merge creates one token of the same row with a new {@code join_group_id}, one {@code
 * token_parents} link per consumed branch token (ordinal in branch order), and no outcome yet (it
 * gets one downstream); every consumed token gets a completed node state at this step ({@code
 * {"merged_into": token}}) and a {@code coalesced} outcome. A join that cannot be made (require_all
 * or quorum not met by the timeout or the end of input, the select branch missing) and a branch
 * token arriving after its join was made end {@code failed}, with the reason in the node state.
 *
 * <p>This class is the transform (options, checks, wiring); the state and timers that decide when a
 * join is resolved are {@code CoalesceJoinFn}'s, and the records a join writes are {@code
 * CoalesceResolution}'s.
 */
public final class CoalesceStep extends PTransform<PCollectionList<Token>, PCollectionTuple> {
  /** When the held branch tokens are merged. */
  public enum Policy {
    /** Every branch; a missing branch at the timeout or the end fails the join. */
    REQUIRE_ALL,
    /** {@code quorum_count} branches; fewer at the timeout or the end fails the join. */
    QUORUM,
    /** Every branch, or whatever arrived by the timeout or the end. */
    BEST_EFFORT,
    /** The first branch to arrive; later ones end failed as late arrivals. */
    FIRST;

    public String configName() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** How branch rows become the merged row. */
  public enum Merge {
    /** Fields of every branch, later branches (in branch order) winning on a clash. */
    UNION,
    /** {@code {branch: row}} for each arrived branch. */
    NESTED,
    /** The row of {@code select_branch}. */
    SELECT;

    public String configName() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  private final List<String> branches;
  private final Policy policy;
  private final Merge merge;
  private final @Nullable Integer quorum;
  private final @Nullable String selectBranch;
  private final @Nullable Double timeoutSeconds;
  private final @Nullable StepContext context;

  private CoalesceStep(
      List<String> branches,
      Policy policy,
      Merge merge,
      @Nullable Integer quorum,
      @Nullable String selectBranch,
      @Nullable Double timeoutSeconds,
      @Nullable StepContext context) {
    this.branches = List.copyOf(branches);
    this.policy = policy;
    this.merge = merge;
    this.quorum = quorum;
    this.selectBranch = selectBranch;
    this.timeoutSeconds = timeoutSeconds;
    this.context = context;
  }

  /** A join of {@code branches} (the input list's order) with {@code policy} and {@code merge}. */
  public static CoalesceStep of(List<String> branches, Policy policy, Merge merge) {
    return new CoalesceStep(branches, policy, merge, null, null, null, null);
  }

  public CoalesceStep withQuorum(@Nullable Integer n) {
    return new CoalesceStep(branches, policy, merge, n, selectBranch, timeoutSeconds, context);
  }

  public CoalesceStep withSelectBranch(@Nullable String b) {
    return new CoalesceStep(branches, policy, merge, quorum, b, timeoutSeconds, context);
  }

  public CoalesceStep withTimeoutSeconds(@Nullable Double s) {
    return new CoalesceStep(branches, policy, merge, quorum, selectBranch, s, context);
  }

  public CoalesceStep withContext(StepContext ctx) {
    return new CoalesceStep(branches, policy, merge, quorum, selectBranch, timeoutSeconds, ctx);
  }

  @Override
  public PCollectionTuple expand(PCollectionList<Token> input) {
    if (context == null) {
      throw new IllegalStateException("withContext() is required");
    }
    if (input.size() != branches.size()) {
      throw new IllegalStateException(
          "coalesce '"
              + context.nodeName()
              + "' has "
              + branches.size()
              + " branches but "
              + input.size()
              + " inputs");
    }
    if (policy == Policy.QUORUM && (quorum == null || quorum < 1 || quorum > branches.size())) {
      throw new IllegalStateException(
          "withQuorum() between 1 and " + branches.size() + " is required for policy quorum");
    }
    if (merge == Merge.SELECT && !branches.contains(selectBranch)) {
      throw new IllegalStateException("withSelectBranch() naming a branch is required");
    }
    KvCoder<String, KV<Integer, Token>> coder =
        KvCoder.of(StringUtf8Coder.of(), KvCoder.of(VarIntCoder.of(), TokenCoder.of()));
    List<PCollection<KV<String, KV<Integer, Token>>>> keyed = new ArrayList<>();
    for (int i = 0; i < input.size(); i++) {
      int branch = i;
      keyed.add(
          input
              .get(i)
              .apply(
                  "key-" + branches.get(i),
                  MapElements.into(
                          TypeDescriptors.kvs(
                              TypeDescriptors.strings(),
                              TypeDescriptors.kvs(
                                  TypeDescriptors.integers(), TypeDescriptor.of(Token.class))))
                      .via((Token t) -> KV.of(joinKey(t), KV.of(branch, t))))
              .setCoder(coder));
    }
    return StepTags.withCoders(
        PCollectionList.of(keyed)
            .apply("all-branches", Flatten.pCollections())
            .setCoder(coder)
            .apply(
                "hold-and-merge",
                ParDo.of(
                        new CoalesceJoinFn(
                            branches,
                            policy,
                            // Checked above for policy quorum; no other policy reads it.
                            policy == Policy.QUORUM ? Objects.requireNonNull(quorum, "quorum") : 0,
                            timeoutSeconds,
                            new CoalesceResolution(branches, policy, merge, selectBranch, context)))
                    .withOutputTags(StepTags.MAIN, StepTags.additional())));
  }

  /** Tokens of one fork of one row: the row and the forked parent token. */
  static String joinKey(Token t) {
    if (t.parentTokenIds().size() != 1) {
      throw new IllegalStateException(
          "token "
              + t.tokenId()
              + " reached a coalesce with parents "
              + t.parentTokenIds()
              + "; only fork children (one parent) can be joined");
    }
    return t.rowId() + "/" + t.parentTokenIds().get(0);
  }

  @Override
  public void populateDisplayData(DisplayData.Builder builder) {
    builder
        .add(DisplayData.item("branches", branches.toString()))
        .add(DisplayData.item("policy", policy.configName()))
        .add(DisplayData.item("merge", merge.configName()))
        .addIfNotNull(DisplayData.item("timeoutSeconds", timeoutSeconds));
  }
}
