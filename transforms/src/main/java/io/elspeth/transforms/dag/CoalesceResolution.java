package io.elspeth.transforms.dag;

import io.elspeth.audit.canonical.CanonicalJson;
import io.elspeth.audit.record.AuditRecord;
import io.elspeth.audit.record.NodeStateRecord;
import io.elspeth.audit.record.TokenOutcomeRecord;
import io.elspeth.audit.record.TokenParentRecord;
import io.elspeth.audit.record.TokenRecord;
import io.elspeth.audit.token.Ids;
import io.elspeth.audit.token.Token;
import io.elspeth.plugin.StepAudit;
import io.elspeth.plugin.StepContext;
import io.elspeth.transforms.dag.CoalesceStep.Merge;
import io.elspeth.transforms.dag.CoalesceStep.Policy;
import java.io.Serializable;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.values.KV;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * What a {@link CoalesceStep} writes when a join is resolved: the merged token (by the {@link
 * Merge}) with its {@code token_parents}, and for each consumed token a completed node state and a
 * {@code coalesced} outcome; or, for a join that cannot be made, a failed node state and outcome
 * per held token. Apart from {@link CoalesceJoinFn} so that the audit trail of a join reads apart
 * from the state and timers that decide when it happens. Held tokens are (branch index, (arrival
 * millis, token)).
 */
final class CoalesceResolution implements Serializable {
  private static final long serialVersionUID = 1L;

  private final List<String> branches;
  private final Policy policy;
  private final Merge merge;
  private final @Nullable String selectBranch;
  private final StepContext ctx;

  CoalesceResolution(
      List<String> branches,
      Policy policy,
      Merge merge,
      @Nullable String selectBranch,
      StepContext ctx) {
    this.branches = branches;
    this.policy = policy;
    this.merge = merge;
    this.selectBranch = selectBranch;
    this.ctx = ctx;
  }

  /** The names of the held branches, in branch order. */
  List<String> arrived(List<KV<Integer, KV<Long, Token>>> held) {
    return held.stream()
        .sorted(Comparator.comparing(KV::getKey))
        .map(h -> branches.get(h.getKey()))
        .toList();
  }

  /** Merges the held tokens (policy met), or fails them when the select branch is missing. */
  void resolve(
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
            "select_branch '" + selectBranch + "' did not arrive (arrived: " + arrived(held) + ")",
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

  /** Fails every held token with {@code failure} (the reason code) and {@code message}. */
  void fail(
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
