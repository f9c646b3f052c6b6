package io.elspeth.transforms.dag;

import io.elspeth.audit.canonical.CanonicalJson;
import io.elspeth.audit.record.AuditRecord;
import io.elspeth.audit.record.NodeStateRecord;
import io.elspeth.audit.record.TokenOutcomeRecord;
import io.elspeth.audit.record.TokenParentRecord;
import io.elspeth.audit.record.TokenRecord;
import io.elspeth.audit.token.Ids;
import io.elspeth.audit.token.Token;
import io.elspeth.audit.token.TokenCoder;
import io.elspeth.plugin.StepAudit;
import io.elspeth.plugin.StepContext;
import io.elspeth.plugin.StepTags;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import org.apache.beam.sdk.coders.BooleanCoder;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.state.BagState;
import org.apache.beam.sdk.state.StateSpec;
import org.apache.beam.sdk.state.StateSpecs;
import org.apache.beam.sdk.state.TimeDomain;
import org.apache.beam.sdk.state.Timer;
import org.apache.beam.sdk.state.TimerSpec;
import org.apache.beam.sdk.state.TimerSpecs;
import org.apache.beam.sdk.state.ValueState;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
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
                ParDo.of(new JoinFn(this)).withOutputTags(StepTags.MAIN, StepTags.additional())));
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

  static final class JoinFn extends DoFn<KV<String, KV<Integer, Token>>, Token> {
    private final List<String> branches;
    private final Policy policy;
    private final Merge merge;
    private final int quorum;
    private final @Nullable String selectBranch;
    private final @Nullable Double timeoutSeconds;
    private final StepContext ctx;

    /** Held tokens: (branch index, (arrival millis, token)). */
    @StateId("held")
    private final StateSpec<BagState<KV<Integer, KV<Long, Token>>>> heldSpec =
        StateSpecs.bag(
            KvCoder.of(VarIntCoder.of(), KvCoder.of(VarLongCoder.of(), TokenCoder.of())));

    /** Set once the join was made or failed: later arrivals are late. */
    @StateId("done")
    private final StateSpec<ValueState<Boolean>> doneSpec = StateSpecs.value(BooleanCoder.of());

    @TimerId("timeout")
    private final TimerSpec timeoutSpec = TimerSpecs.timer(TimeDomain.PROCESSING_TIME);

    @TimerId("end")
    private final TimerSpec endSpec = TimerSpecs.timer(TimeDomain.EVENT_TIME);

    JoinFn(CoalesceStep step) {
      this.branches = step.branches;
      this.policy = step.policy;
      this.merge = step.merge;
      // expand() checked both: a quorum for policy quorum (no other policy reads it), a context.
      this.quorum =
          step.policy == Policy.QUORUM ? Objects.requireNonNull(step.quorum, "quorum") : 0;
      this.selectBranch = step.selectBranch;
      this.timeoutSeconds = step.timeoutSeconds;
      this.ctx = Objects.requireNonNull(step.context, "context");
    }

    @ProcessElement
    public void process(
        @Element KV<String, KV<Integer, Token>> element,
        BoundedWindow window,
        @StateId("held") BagState<KV<Integer, KV<Long, Token>>> heldState,
        @StateId("done") ValueState<Boolean> done,
        @TimerId("timeout") Timer timeout,
        @TimerId("end") Timer end,
        MultiOutputReceiver out) {
      int branch = element.getValue().getKey();
      Token token = element.getValue().getValue();
      long now = System.currentTimeMillis();
      Consumer<AuditRecord> audit = out.get(StepTags.AUDIT)::output;
      if (Boolean.TRUE.equals(done.read())) {
        fail(
            List.of(KV.of(branch, KV.of(now, token))),
            "late_arrival",
            "branch '" + branches.get(branch) + "' arrived after its join was resolved",
            audit);
        return;
      }
      List<KV<Integer, KV<Long, Token>>> held = new ArrayList<>();
      heldState.read().forEach(held::add);
      for (KV<Integer, KV<Long, Token>> h : held) {
        if (h.getKey() == branch) {
          throw new IllegalStateException(
              "two tokens of branch '"
                  + branches.get(branch)
                  + "' for one fork ("
                  + element.getKey()
                  + ")");
        }
      }
      if (held.isEmpty()) {
        end.set(window.maxTimestamp());
        if (timeoutSeconds != null) {
          timeout
              .offset(org.joda.time.Duration.millis(Math.round(timeoutSeconds * 1000)))
              .setRelative();
        }
      }
      held.add(KV.of(branch, KV.of(now, token)));
      heldState.add(KV.of(branch, KV.of(now, token)));
      boolean ready =
          switch (policy) {
            case REQUIRE_ALL, BEST_EFFORT -> held.size() == branches.size();
            case QUORUM -> held.size() >= quorum;
            case FIRST -> true;
          };
      if (ready) {
        heldState.clear();
        done.write(true);
        timeout.clear();
        end.clear();
        resolve(held, "all_arrived", out.get(StepTags.MAIN)::output, audit);
      }
    }

    @OnTimer("timeout")
    public void onTimeout(
        OnTimerContext c,
        @StateId("held") BagState<KV<Integer, KV<Long, Token>>> heldState,
        @StateId("done") ValueState<Boolean> done,
        @TimerId("end") Timer end) {
      end.clear();
      expire(
          "timeout",
          heldState,
          done,
          t -> c.output(StepTags.MAIN, t),
          r -> c.output(StepTags.AUDIT, r));
    }

    @OnTimer("end")
    public void onEnd(
        OnTimerContext c,
        @StateId("held") BagState<KV<Integer, KV<Long, Token>>> heldState,
        @StateId("done") ValueState<Boolean> done,
        @TimerId("timeout") Timer timeout) {
      timeout.clear();
      expire(
          "end_of_source",
          heldState,
          done,
          t -> c.output(StepTags.MAIN, t),
          r -> c.output(StepTags.AUDIT, r));
    }

    private void expire(
        String why,
        BagState<KV<Integer, KV<Long, Token>>> heldState,
        ValueState<Boolean> done,
        Consumer<Token> main,
        Consumer<AuditRecord> audit) {
      List<KV<Integer, KV<Long, Token>>> held = new ArrayList<>();
      heldState.read().forEach(held::add);
      heldState.clear();
      if (held.isEmpty() || Boolean.TRUE.equals(done.read())) {
        return;
      }
      done.write(true);
      boolean enough =
          switch (policy) {
            case REQUIRE_ALL -> held.size() == branches.size();
            case QUORUM -> held.size() >= quorum;
            case BEST_EFFORT, FIRST -> true;
          };
      if (!enough) {
        fail(
            held,
            why,
            policy.configName()
                + " not met: "
                + arrived(held)
                + " of "
                + branches
                + " arrived before the "
                + (why.equals("timeout") ? "timeout (" + timeoutSeconds + " s)" : "end of input"),
            audit);
        return;
      }
      resolve(held, why, main, audit);
    }

    private List<String> arrived(List<KV<Integer, KV<Long, Token>>> held) {
      return held.stream()
          .sorted(Comparator.comparing(KV::getKey))
          .map(h -> branches.get(h.getKey()))
          .toList();
    }

    /** Merges the held tokens (policy met), or fails them when the select branch is missing. */
    private void resolve(
        List<KV<Integer, KV<Long, Token>>> held,
        String why,
        Consumer<Token> main,
        Consumer<AuditRecord> audit) {
      held.sort(Comparator.comparing(KV::getKey));
      Map<String, Object> data = new LinkedHashMap<>();
      Token select = null;
      for (KV<Integer, KV<Long, Token>> h : held) {
        String name = branches.get(h.getKey());
        Token t = h.getValue().getValue();
        switch (merge) {
          case UNION -> data.putAll(t.data());
          case NESTED -> data.put(name, t.data());
          case SELECT -> {
            if (name.equals(selectBranch)) {
              select = t;
            }
          }
        }
      }
      if (merge == Merge.SELECT) {
        if (select == null) {
          fail(
              held,
              "select_branch_missing",
              "select_branch '"
                  + selectBranch
                  + "' did not arrive (arrived: "
                  + arrived(held)
                  + ")",
              audit);
          return;
        }
        data.putAll(select.data());
      }
      Token first = held.get(0).getValue().getValue();
      String joinGroupId = Ids.groupId();
      List<Integer> order =
          new ArrayList<>(first.order().subList(0, Math.max(0, first.order().size() - 1)));
      order.add(branches.size());
      Token merged =
          new Token(
              first.rowId(),
              Ids.tokenId(),
              held.stream().map(h -> h.getValue().getValue().tokenId()).toList(),
              first.rowIndex(),
              order,
              data,
              null,
              null,
              null,
              null);
      Instant now = Instant.now();
      audit.accept(
          new TokenRecord(
              merged.tokenId(),
              merged.rowId(),
              ctx.runId(),
              null,
              joinGroupId,
              null,
              null,
              ctx.stepIndex(),
              now));
      Map<String, Object> metadata = new LinkedHashMap<>();
      metadata.put("policy", policy.configName());
      metadata.put("merge", merge.configName());
      metadata.put("branches_arrived", arrived(held));
      metadata.put("branches_expected", branches);
      metadata.put("resolved_by", why);
      String lastState = null;
      for (int i = 0; i < held.size(); i++) {
        Token t = held.get(i).getValue().getValue();
        audit.accept(new TokenParentRecord(merged.tokenId(), t.tokenId(), i));
        String stateId = Ids.stateId();
        lastState = stateId;
        Instant arrived = Instant.ofEpochMilli(held.get(i).getValue().getKey());
        NodeStateRecord s =
            StepAudit.completed(
                ctx,
                stateId,
                t,
                t.data(),
                Map.of("merged_into", merged.tokenId()),
                arrived,
                metadata);
        audit.accept(s);
        audit.accept(
            new TokenOutcomeRecord(
                Ids.terminalOutcomeId(t.tokenId()),
                ctx.runId(),
                t.tokenId(),
                "coalesced",
                1,
                now,
                null,
                null,
                null,
                joinGroupId,
                null,
                null,
                null,
                null,
                t.rowId()));
      }
      Metrics.counter(CoalesceStep.class, "joins_" + why).inc();
      main.accept(merged.touchedBy(Objects.requireNonNull(lastState, "a join holds a token")));
    }

    private void fail(
        List<KV<Integer, KV<Long, Token>>> held,
        String failure,
        String message,
        Consumer<AuditRecord> audit) {
      Map<String, Object> error = StepAudit.error(message, "CoalesceFailure");
      error.put("failure_reason", failure);
      for (KV<Integer, KV<Long, Token>> h : held) {
        Token t = h.getValue().getValue();
        audit.accept(
            StepAudit.failed(
                ctx,
                Ids.stateId(),
                t,
                CanonicalJson.stableHash(t.data()),
                error,
                Instant.ofEpochMilli(h.getValue().getKey())));
        audit.accept(
            StepAudit.outcome(
                ctx.runId(),
                t,
                "failed",
                null,
                Ids.errorHash(message),
                Map.of("coalesce_failure", failure, "branch", branches.get(h.getKey()))));
      }
      Metrics.counter(CoalesceStep.class, "joins_failed").inc();
    }
  }
}
