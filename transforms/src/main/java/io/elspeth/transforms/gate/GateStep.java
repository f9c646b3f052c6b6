package io.elspeth.transforms.gate;

import io.elspeth.audit.canonical.CanonicalJson;
import io.elspeth.audit.record.AuditRecord;
import io.elspeth.audit.token.Ids;
import io.elspeth.audit.token.Token;
import io.elspeth.plugin.StepAudit;
import io.elspeth.plugin.StepContext;
import io.elspeth.plugin.StepTags;
import io.elspeth.transforms.gate.expression.ExpressionEvaluationException;
import io.elspeth.transforms.gate.expression.GateExpression;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * A config gate as a step: evaluates its condition on each row and follows the route for the
 * result ({@code "true"}/{@code "false"} for booleans, the value's text otherwise). {@code
 * continue} passes the token on; a sink name routes it there with a {@code move} routing event
 * (outcome {@code routed}, recorded at the sink). The node state records {condition, result,
 * route_label}. A result with no route, or a condition that cannot be evaluated on the row, fails
 * the row with the reason recorded.
 */
public final class GateStep extends PTransform<PCollection<Token>, PCollectionTuple> {
  public static final String CONTINUE = "continue";

  private final GateExpression condition;
  private final Map<String, String> routes;
  private final @Nullable StepContext context;

  private GateStep(GateExpression condition, Map<String, String> routes,
      @Nullable StepContext context) {
    this.condition = condition;
    this.routes = Map.copyOf(routes);
    this.context = context;
  }

  /** A gate over {@code condition} with {@code routes}: result label to sink name or continue. */
  public static GateStep of(GateExpression condition, Map<String, String> routes) {
    return new GateStep(condition, routes, null);
  }

  public GateStep withContext(StepContext ctx) {
    return new GateStep(condition, routes, ctx);
  }

  /** The route label of a condition result, as ELSPETH names them. */
  public static String labelOf(@Nullable Object result) {
    if (result == null) {
      return "None"; // Python's str(None), which ELSPETH uses as the label
    }
    if (result instanceof Boolean b) {
      return b ? "true" : "false";
    }
    return String.valueOf(result);
  }

  @Override
  public PCollectionTuple expand(PCollection<Token> input) {
    if (context == null) {
      throw new IllegalStateException("withContext() is required");
    }
    return StepTags.withCoders(input.apply(ParDo.of(new GateFn(condition, routes, context))
        .withOutputTags(StepTags.MAIN, StepTags.additional())));
  }

  @Override
  public void populateDisplayData(DisplayData.Builder builder) {
    builder.add(DisplayData.item("condition", condition.source()))
        .add(DisplayData.item("routes", routes.toString()));
  }

  static final class GateFn extends DoFn<Token, Token> {
    private final GateExpression condition;
    private final Map<String, String> routes;
    private final StepContext ctx;

    GateFn(GateExpression condition, Map<String, String> routes, StepContext ctx) {
      this.condition = condition;
      this.routes = routes;
      this.ctx = ctx;
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
          failure = "gate '" + ctx.nodeName() + "' has no route for result '" + label
              + "' (routes: " + routes.keySet() + ")";
        }
      } catch (ExpressionEvaluationException e) {
        result = null;
        failure = "gate '" + ctx.nodeName() + "' could not evaluate '" + condition.source()
            + "': " + e.getMessage();
      }
      if (failure != null) {
        audit.output(StepAudit.failed(ctx, stateId, token, CanonicalJson.stableHash(token.data()),
            StepAudit.error(failure, "GateEvaluationError"), started));
        audit.output(StepAudit.outcome(ctx.runId(), token, "failed", null,
            Ids.errorHash(failure), null));
        Metrics.counter(GateStep.class, "rows_failed").inc();
        return;
      }
      Map<String, Object> evaluation = new LinkedHashMap<>();
      evaluation.put("condition", condition.source());
      evaluation.put("result", result);
      evaluation.put("route_label", label);
      audit.output(StepAudit.completed(ctx, stateId, token, token.data(), token.data(), started,
          evaluation));
      String destination = routes.get(label);
      Metrics.counter(GateStep.class, "route_" + label).inc();
      if (CONTINUE.equals(destination)) {
        out.get(StepTags.MAIN).output(token.touchedBy(stateId));
        return;
      }
      Map<String, Object> reason = new LinkedHashMap<>();
      reason.put("condition", condition.source());
      reason.put("result", result);
      audit.output(StepAudit.routing(stateId, ctx.edgeId(label), "move", reason));
      out.get(StepTags.ROUTED).output(token.touchedBy(stateId).routedTo(destination, "routed",
          null));
    }
  }
}
