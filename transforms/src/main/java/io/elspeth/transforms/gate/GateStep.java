package io.elspeth.transforms.gate;

import io.elspeth.audit.canonical.CanonicalJson;
import io.elspeth.audit.canonical.CanonicalizationException;
import io.elspeth.audit.record.AuditRecord;
import io.elspeth.audit.record.RoutingEventRecord;
import io.elspeth.audit.record.TokenOutcomeRecord;
import io.elspeth.audit.record.TokenParentRecord;
import io.elspeth.audit.record.TokenRecord;
import io.elspeth.audit.token.Ids;
import io.elspeth.audit.token.Token;
import io.elspeth.audit.token.TokenCoder;
import io.elspeth.plugin.StepAudit;
import io.elspeth.plugin.StepContext;
import io.elspeth.plugin.StepTags;
import io.elspeth.transforms.gate.expression.ExpressionEvaluationException;
import io.elspeth.transforms.gate.expression.GateExpression;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * A config gate as a step: evaluates its condition on each row and follows the route for the result
 * ({@code "true"}/{@code "false"} for booleans, the value's text otherwise). {@code continue}
 * passes the token on with a {@code move} routing event on the gate's {@code continue} edge, as
 * ELSPETH records every gate decision; a sink name routes it there with a {@code move} routing
 * event on the route label's edge (outcome {@code routed}, recorded at the sink). The node state
 * records {condition, result, route_label}. A result with no route, or a condition that cannot be
 * evaluated on the row (including one that exceeds its evaluation budget, see {@code
 * ExpressionLimits}), fails the row with the reason recorded.
 *
 * <p>A route to {@code fork} (with {@link #withForkTo}) forks the row: one child token per path,
 * each a copy of the row on the output {@link #branchTag(String)}, with its {@code token_parents}
 * link, {@code fork_group_id} and {@code branch_name}; one {@code copy} routing event per path
 * sharing one routing group; and the parent's {@code forked} outcome with the path names as {@code
 * expected_branches_json}. All are emitted by the same element, so they reach the Landscape commit
 * together.
 *
 * <p>A route to a connection (ELSPETH's current format names the connection the next step reads,
 * with {@link #withConnections}) passes the token on to {@link #connectionTag(String)} with a
 * {@code move} routing event on the edge of the route's label, as ELSPETH's gate executor records a
 * route to a processing node; several routes may lead to several connections (a tree of gates).
 *
 * <p>In a resumed run, {@link #withDeliveredBranches} names the branches a run being resumed
 * already delivered for a token (its row was processed again because another branch did not
 * finish); a token is named by its row and its order, so each of the several tokens of an expanded
 * or batched row is told apart: the gate forks the token to the other paths only, and its {@code
 * forked} outcome names the paths it forked to as {@code expected_branches_json} and the delivered
 * ones, with the run that delivered each, in its context ({@code {"delivered_by_runs": {path:
 * run_id}}}). The context of a derived token's {@code forked} outcome also holds its order ({@value
 * #TOKEN_ORDER}), which the resume reads.
 */
public final class GateStep extends PTransform<PCollection<Token>, PCollectionTuple> {
  public static final String CONTINUE = "continue";

  /**
   * The key of a forked outcome's context holding the forked token's order among the tokens of its
   * row (absent for the row's own token).
   */
  public static final String TOKEN_ORDER = "token_order";

  /** The route destination that forks the row to every {@code fork_to} path. */
  public static final String FORK = "fork";

  private final GateExpression condition;
  private final Map<String, String> routes;
  private final List<String> forkTo;
  private final @Nullable StepContext context;
  private final DeliveredBranches delivered;
  private final java.util.Set<String> connections;

  private GateStep(
      GateExpression condition,
      Map<String, String> routes,
      List<String> forkTo,
      @Nullable StepContext context,
      DeliveredBranches delivered,
      java.util.Set<String> connections) {
    this.condition = condition;
    this.routes = Map.copyOf(routes);
    this.forkTo = List.copyOf(forkTo);
    this.context = context;
    this.delivered = java.util.Objects.requireNonNull(delivered, "delivered");
    this.connections = java.util.Set.copyOf(connections);
  }

  /** A gate over {@code condition} with {@code routes}: result label to sink name or continue. */
  public static GateStep of(GateExpression condition, Map<String, String> routes) {
    return new GateStep(
        condition, routes, List.of(), null, DeliveredBranches.none(), java.util.Set.of());
  }

  public GateStep withContext(StepContext ctx) {
    return new GateStep(condition, routes, forkTo, ctx, delivered, connections);
  }

  /**
   * The route destinations that are connections read by further steps (not sinks); the context must
   * have an edge labelled with each route label leading to one.
   */
  public GateStep withConnections(java.util.Set<String> names) {
    return new GateStep(condition, routes, forkTo, context, delivered, names);
  }

  /** The output of the tokens routed to connection {@code name}. */
  public static TupleTag<Token> connectionTag(String name) {
    return new TupleTag<>("connection:" + name) {};
  }

  /**
   * The paths a {@code fork} route copies the row to, in order; the context must have an edge
   * labelled with each path name.
   */
  public GateStep withForkTo(List<String> paths) {
    return new GateStep(condition, routes, paths, context, delivered, connections);
  }

  /** The fork branches runs being resumed already delivered, which this gate does not fork to. */
  public GateStep withDeliveredBranches(DeliveredBranches branches) {
    return new GateStep(condition, routes, forkTo, context, branches, connections);
  }

  /** The output of the child tokens forked to {@code path}. */
  public static TupleTag<Token> branchTag(String path) {
    return new TupleTag<>("fork:" + path) {};
  }

  /** The route label of a condition result, as ELSPETH names them. */
  public static String labelOf(@Nullable Object result) {
    if (result instanceof Boolean b) {
      return b ? "true" : "false";
    }
    return GateExpression.pythonStr(result); // Python's str(), which ELSPETH uses as the label
  }

  /**
   * The result as recorded in the Landscape: itself, or its label when canonical JSON cannot hold
   * it (a set, an int beyond ±2^53, a non-finite float), so that no result can fail the run.
   */
  static @Nullable Object recordable(@Nullable Object result) {
    if (result == null || result instanceof Boolean || result instanceof String) {
      return result;
    }
    try {
      CanonicalJson.canonicalize(result);
      return result;
    } catch (CanonicalizationException notJson) {
      return labelOf(result);
    }
  }

  @Override
  public PCollectionTuple expand(PCollection<Token> input) {
    if (context == null) {
      throw new IllegalStateException("withContext() is required");
    }
    if (routes.containsValue(FORK) && forkTo.isEmpty()) {
      throw new IllegalStateException("a route to 'fork' needs withForkTo() paths");
    }
    TupleTagList tags = StepTags.additional();
    for (String path : forkTo) {
      tags = tags.and(branchTag(path));
    }
    for (String name : connections) {
      tags = tags.and(connectionTag(name));
    }
    PCollectionTuple out =
        StepTags.withCoders(
            input.apply(
                ParDo.of(new GateFn(condition, routes, forkTo, context, delivered, connections))
                    .withOutputTags(StepTags.MAIN, tags)));
    for (String path : forkTo) {
      out.get(branchTag(path)).setCoder(TokenCoder.of());
    }
    for (String name : connections) {
      out.get(connectionTag(name)).setCoder(TokenCoder.of());
    }
    return out;
  }

  @Override
  public void populateDisplayData(DisplayData.Builder builder) {
    builder
        .add(DisplayData.item("condition", condition.source()))
        .add(DisplayData.item("routes", routes.toString()))
        .add(DisplayData.item("forkTo", forkTo.toString()));
  }

  static final class GateFn extends DoFn<Token, Token> {
    private final GateExpression condition;
    private final Map<String, String> routes;
    private final List<String> forkTo;
    private final StepContext ctx;
    private final DeliveredBranches delivered;
    private final java.util.Set<String> connections;

    GateFn(
        GateExpression condition,
        Map<String, String> routes,
        List<String> forkTo,
        StepContext ctx,
        DeliveredBranches delivered,
        java.util.Set<String> connections) {
      this.condition = condition;
      this.routes = routes;
      this.forkTo = forkTo;
      this.ctx = ctx;
      this.delivered = delivered;
      this.connections = connections;
    }

    @ProcessElement
    public void process(@Element Token token, MultiOutputReceiver out) {
      Instant started = Instant.now();
      String stateId = Ids.stateId();
      DoFn.OutputReceiver<AuditRecord> audit = out.get(StepTags.AUDIT);
      Object result;
      String failure = null;
      String label = null;
      try {
        result = condition.evaluate(token.data());
        label = labelOf(result);
        if (!routes.containsKey(label)) {
          failure =
              "gate '"
                  + ctx.nodeName()
                  + "' has no route for result '"
                  + shortened(label)
                  + "' (routes: "
                  + routes.keySet()
                  + ")";
        }
      } catch (ExpressionEvaluationException e) {
        result = null;
        failure =
            "gate '"
                + ctx.nodeName()
                + "' could not evaluate '"
                + condition.source()
                + "': "
                + e.getMessage();
      }
      if (failure != null) {
        audit.output(
            StepAudit.failed(
                ctx,
                stateId,
                token,
                CanonicalJson.stableHash(token.data()),
                StepAudit.error(failure, "GateEvaluationError"),
                started));
        audit.output(
            StepAudit.outcome(ctx.runId(), token, "failed", null, Ids.errorHash(failure), null));
        Metrics.counter(GateStep.class, "rows_failed").inc();
        return;
      }
      Map<String, Object> evaluation = new LinkedHashMap<>();
      evaluation.put("condition", condition.source());
      evaluation.put("result", recordable(result));
      evaluation.put("route_label", label);
      audit.output(
          StepAudit.completed(
              ctx, stateId, token, token.data(), token.data(), started, evaluation));
      // Both exist whenever the evaluation did not fail.
      Objects.requireNonNull(label, "label");
      String destination = Objects.requireNonNull(routes.get(label), "route");
      Metrics.counter(GateStep.class, "route_" + label).inc();
      // ELSPETH's ConfigGateReason: the condition and the route label (not the raw value).
      Map<String, Object> reason = new LinkedHashMap<>();
      reason.put("condition", condition.source());
      reason.put("result", label);
      if (CONTINUE.equals(destination)) {
        // As ELSPETH records it (AUD-002): every decision has its routing event, a continue one
        // on the gate's continue edge; emitted with the node state, so it is in the same commit.
        audit.output(StepAudit.routing(stateId, ctx.edgeId(CONTINUE), "move", reason));
        out.get(StepTags.MAIN).output(token.touchedBy(stateId));
        return;
      }
      if (FORK.equals(destination)) {
        fork(token, stateId, reason, out);
        return;
      }
      audit.output(StepAudit.routing(stateId, ctx.edgeId(label), "move", reason));
      if (connections.contains(destination)) {
        // On to the step that reads the connection; the token's outcome is recorded later.
        out.get(connectionTag(destination)).output(token.touchedBy(stateId));
        return;
      }
      out.get(StepTags.ROUTED)
          .output(token.touchedBy(stateId).routedTo(destination, "routed", null));
    }

    /**
     * The forked outcome's context: for a token derived from its row (an expansion child, a batch
     * output, a branch of an earlier fork), its {@code token_order}, which names it among its row's
     * tokens in every run, so that a resume can tell which of the row's tokens a delivered branch
     * belongs to; and the paths runs being resumed delivered, with the run of each. Null when there
     * is neither.
     */
    private static @Nullable String forkContext(Token parent, Map<String, String> deliveredBy) {
      Map<String, Object> context = new LinkedHashMap<>();
      if (!deliveredBy.isEmpty()) {
        context.put("delivered_by_runs", deliveredBy);
      }
      if (!parent.order().isEmpty()) {
        context.put(TOKEN_ORDER, parent.order());
      }
      return context.isEmpty() ? null : CanonicalJson.canonicalize(context);
    }

    /** A result label cut short for the failure reason, which must not carry a huge value. */
    private static String shortened(String label) {
      return label.length() <= 200 ? label : label.substring(0, 200) + "...";
    }

    /** Children, parent links, copy events and the parent's forked outcome, together. */
    private void fork(
        Token parent, String stateId, Map<String, Object> reason, MultiOutputReceiver out) {
      DoFn.OutputReceiver<AuditRecord> audit = out.get(StepTags.AUDIT);
      String forkGroupId = Ids.groupId();
      String routingGroupId = Ids.groupId();
      String reasonHash = CanonicalJson.stableHash(reason);
      Instant now = Instant.now();
      // Paths a run being resumed delivered for this row are not forked to again; a child keeps
      // its path's index, so its place in the source order is the one it had.
      Map<String, String> deliveredBy = new LinkedHashMap<>();
      List<String> paths = new java.util.ArrayList<>();
      for (String path : forkTo) {
        delivered
            .deliveredBy(parent.rowIndex(), parent.order(), path)
            .ifPresentOrElse(run -> deliveredBy.put(path, run), () -> paths.add(path));
      }
      for (int i = 0; i < forkTo.size(); i++) {
        String path = forkTo.get(i);
        if (deliveredBy.containsKey(path)) {
          continue;
        }
        audit.output(
            new RoutingEventRecord(
                Ids.eventId(),
                stateId,
                ctx.edgeId(path),
                routingGroupId,
                i,
                "copy",
                reasonHash,
                null,
                now));
      }
      for (int i = 0; i < forkTo.size(); i++) {
        String path = forkTo.get(i);
        if (deliveredBy.containsKey(path)) {
          Metrics.counter(GateStep.class, "branches_delivered_earlier").inc();
          continue;
        }
        // Each child carries its own copy of the row (Token copies its data map).
        Token child = parent.child(i, parent.data(), stateId);
        audit.output(
            new TokenRecord(
                child.tokenId(),
                child.rowId(),
                ctx.runId(),
                forkGroupId,
                null,
                null,
                path,
                ctx.stepIndex(),
                now));
        audit.output(new TokenParentRecord(child.tokenId(), parent.tokenId(), i));
        out.get(branchTag(path)).output(child);
      }
      audit.output(
          new TokenOutcomeRecord(
              Ids.terminalOutcomeId(parent.tokenId()),
              ctx.runId(),
              parent.tokenId(),
              "forked",
              1,
              now,
              null,
              null,
              forkGroupId,
              null,
              null,
              null,
              forkContext(parent, deliveredBy),
              CanonicalJson.canonicalize(paths),
              parent.rowId()));
      Metrics.counter(GateStep.class, "rows_forked").inc();
    }
  }
}
