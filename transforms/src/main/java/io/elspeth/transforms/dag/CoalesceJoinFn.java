package io.elspeth.transforms.dag;

import io.elspeth.audit.record.AuditRecord;
import io.elspeth.audit.token.Token;
import io.elspeth.audit.token.TokenCoder;
import io.elspeth.plugin.StepTags;
import io.elspeth.transforms.dag.CoalesceStep.Policy;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.apache.beam.sdk.coders.BooleanCoder;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.state.BagState;
import org.apache.beam.sdk.state.StateSpec;
import org.apache.beam.sdk.state.StateSpecs;
import org.apache.beam.sdk.state.TimeDomain;
import org.apache.beam.sdk.state.Timer;
import org.apache.beam.sdk.state.TimerSpec;
import org.apache.beam.sdk.state.TimerSpecs;
import org.apache.beam.sdk.state.ValueState;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.values.KV;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The keyed state of a {@link CoalesceStep}: holds each fork's branch tokens until the {@link
 * Policy} is met, a timeout fires or the input ends, and marks the join done so later arrivals are
 * late. What a resolved or failed join writes is {@link CoalesceResolution}'s job; this class only
 * decides when.
 */
final class CoalesceJoinFn extends DoFn<KV<String, KV<Integer, Token>>, Token> {
  private final List<String> branches;
  private final Policy policy;
  private final int quorum;
  private final @Nullable Double timeoutSeconds;
  private final CoalesceResolution resolution;

  /** Held tokens: (branch index, (arrival millis, token)). */
  @StateId("held")
  private final StateSpec<BagState<KV<Integer, KV<Long, Token>>>> heldSpec =
      StateSpecs.bag(KvCoder.of(VarIntCoder.of(), KvCoder.of(VarLongCoder.of(), TokenCoder.of())));

  /** Set once the join was made or failed: later arrivals are late. */
  @StateId("done")
  private final StateSpec<ValueState<Boolean>> doneSpec = StateSpecs.value(BooleanCoder.of());

  @TimerId("timeout")
  private final TimerSpec timeoutSpec = TimerSpecs.timer(TimeDomain.PROCESSING_TIME);

  @TimerId("end")
  private final TimerSpec endSpec = TimerSpecs.timer(TimeDomain.EVENT_TIME);

  /**
   * @param quorum the branches policy quorum needs (not read by the other policies)
   */
  CoalesceJoinFn(
      List<String> branches,
      Policy policy,
      int quorum,
      @Nullable Double timeoutSeconds,
      CoalesceResolution resolution) {
    this.branches = branches;
    this.policy = policy;
    this.quorum = quorum;
    this.timeoutSeconds = timeoutSeconds;
    this.resolution = resolution;
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
      resolution.fail(
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
      resolution.resolve(held, "all_arrived", out.get(StepTags.MAIN)::output, audit);
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
      resolution.fail(
          held,
          why,
          policy.configName()
              + " not met: "
              + resolution.arrived(held)
              + " of "
              + branches
              + " arrived before the "
              + (why.equals("timeout") ? "timeout (" + timeoutSeconds + " s)" : "end of input"),
          audit);
      return;
    }
    resolution.resolve(held, why, main, audit);
  }
}
