package io.elspeth.api;

import io.elspeth.audit.token.Token;
import io.elspeth.plugin.StepContext;
import io.elspeth.transforms.gate.GateStep;
import io.elspeth.transforms.gate.expression.ExpressionSyntaxException;
import io.elspeth.transforms.gate.expression.GateExpression;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.values.PCollection;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * A gate as a transform: evaluates {@code condition} (the settings' safe expression over {@code
 * row}) on each token and routes it by the result's label ({@code "true"}, {@code "false"}, or the
 * value as text) to a sink or on ({@code continue}), in the step the settings' gates run ({@link
 * GateStep}). Alone, continuing tokens leave on {@link StepResult#main()} and routed ones on {@link
 * StepResult#routed()}; added to {@link ElspethPipeline#builder()} it is one of the pipeline's
 * {@code gates:}.
 *
 * <p>A route to {@code fork} copies the token to every path of {@link #forkTo} (the settings'
 * {@code fork_to}): the token ends {@code forked} and one child per path continues; alone, each
 * path's children leave on {@link StepResult#branch(String)}, to be joined by a {@link Coalesce};
 * in a built pipeline a path is a coalesce's branch or a sink's name.
 *
 * <pre>{@code
 * StepResult gated = tokens.apply(ElspethTransforms.gate("row['amount'] > 1000")
 *     .named("threshold").route("true", "high").route("false", "continue"));
 * StepResult forked = tokens.apply(ElspethTransforms.gate("True").named("split")
 *     .route("true", "fork").forkTo("scored", "checked"));
 * }</pre>
 */
public final class Gate extends PTransform<PCollection<Token>, StepResult> {
  private static final long serialVersionUID = 1L;

  private final String condition;
  private final @Nullable String name;
  private final LinkedHashMap<String, String> routes;
  private final List<String> forkTo;
  private final @Nullable StepContext context;

  Gate(
      String condition,
      @Nullable String name,
      Map<String, String> routes,
      List<String> forkTo,
      @Nullable StepContext context) {
    this.condition = Objects.requireNonNull(condition, "condition");
    this.name = name;
    this.routes = new LinkedHashMap<>(routes);
    this.forkTo = List.copyOf(forkTo);
    this.context = context;
  }

  /** The gate's name (the settings' {@code name:}); {@code gate} when not given. */
  public Gate named(String name) {
    Objects.requireNonNull(name, "name");
    if (name.isBlank()) {
      throw new IllegalArgumentException("named: expected a non-blank gate name");
    }
    return new Gate(condition, name, routes, forkTo, context);
  }

  /**
   * Tokens whose condition result has label {@code label} go to {@code destination}: a sink's name,
   * {@code continue}, or {@code fork} (to every path of {@link #forkTo}).
   */
  public Gate route(String label, String destination) {
    Objects.requireNonNull(label, "label");
    Objects.requireNonNull(destination, "destination");
    Map<String, String> next = new LinkedHashMap<>(routes);
    next.put(label, destination);
    return new Gate(condition, name, next, forkTo, context);
  }

  /**
   * The paths a route to {@code fork} copies the token to, in order (the settings' {@code
   * fork_to}): each a {@link Coalesce} branch or, in a built pipeline, a sink's name.
   */
  public Gate forkTo(String... paths) {
    Objects.requireNonNull(paths, "paths");
    return new Gate(condition, name, routes, List.of(paths), context);
  }

  /** This gate minting its audit records in {@code context} (a run the caller recorded). */
  public Gate withContext(StepContext context) {
    return new Gate(condition, name, routes, forkTo, Objects.requireNonNull(context, "context"));
  }

  public String condition() {
    return condition;
  }

  public String gateName() {
    return name == null ? "gate" : name;
  }

  /** Result label to destination, in the order given. */
  public Map<String, String> routes() {
    return java.util.Collections.unmodifiableMap(routes);
  }

  /** The fork paths, in order; empty when the gate does not fork. */
  public List<String> forkPaths() {
    return forkTo;
  }

  /** The gate as a settings file's {@code gates:} entry. */
  Map<String, Object> settingsEntry() {
    Map<String, Object> entry = new LinkedHashMap<>();
    entry.put("name", gateName());
    entry.put("condition", condition);
    entry.put("routes", new LinkedHashMap<>(routes));
    if (!forkTo.isEmpty()) {
      entry.put("fork_to", forkTo);
    }
    return entry;
  }

  /**
   * The condition, parsed as the settings validator parses a gate's.
   *
   * @throws IllegalArgumentException naming every problem (bad condition, no route)
   */
  GateExpression parsed() {
    List<String> problems = new ArrayList<>();
    String path = "gates[" + gateName() + "]";
    GateExpression parsed = null;
    try {
      parsed = GateExpression.parse(condition);
    } catch (ExpressionSyntaxException e) {
      problems.add(path + ".condition: " + e.getMessage());
    }
    if (routes.isEmpty()) {
      problems.add(path + ".routes: expected at least one route (route(label, destination))");
    }
    // The settings validator's fork rules, for a gate applied alone.
    if (routes.containsValue(GateStep.FORK) && forkTo.isEmpty()) {
      problems.add(path + ".routes: 'fork' needs the gate's fork_to (forkTo(paths...))");
    }
    if (!forkTo.isEmpty() && !routes.containsValue(GateStep.FORK)) {
      problems.add(path + ".fork_to: no route goes to 'fork', so the paths are never used");
    }
    Set<String> seen = new HashSet<>();
    for (String p : forkTo) {
      if (p.isBlank() || Set.of(GateStep.CONTINUE, GateStep.FORK, "discard").contains(p)) {
        problems.add(
            path
                + ".fork_to: expected a path name (a sink name or a coalesce branch),"
                + " got '"
                + p
                + "'");
      } else if (!seen.add(p)) {
        problems.add(path + ".fork_to: path '" + p + "' is listed twice");
      }
    }
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException(String.join("; ", problems));
    }
    return Objects.requireNonNull(parsed, "a condition without problems is parsed");
  }

  @Override
  public StepResult expand(PCollection<Token> input) {
    GateExpression parsed = parsed();
    List<String> labels = new ArrayList<>(routes.keySet());
    labels.addAll(forkTo);
    StepContext ctx =
        context != null
            ? context
            : PluginTransform.standaloneContext(
                "config_gate", gateName(), null, labels.toArray(String[]::new));
    return StepResult.of(
        input.apply(GateStep.of(parsed, routes).withForkTo(forkTo).withContext(ctx)), forkTo);
  }

  @Override
  public void populateDisplayData(DisplayData.Builder builder) {
    builder
        .add(DisplayData.item("gate", gateName()))
        .add(DisplayData.item("condition", condition))
        .add(DisplayData.item("forkTo", forkTo.toString()));
  }
}
