package io.elspeth.api;

import io.elspeth.audit.token.Token;
import io.elspeth.plugin.StepContext;
import io.elspeth.transforms.gate.GateStep;
import io.elspeth.transforms.gate.expression.ExpressionSyntaxException;
import io.elspeth.transforms.gate.expression.GateExpression;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.values.PCollection;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * A gate as a transform: evaluates {@code condition} (the settings' safe expression over
 * {@code row}) on each token and routes it by the result's label ({@code "true"},
 * {@code "false"}, or the value as text) to a sink or on ({@code continue}), in the step the
 * settings' gates run ({@link GateStep}). Alone, continuing tokens leave on
 * {@link StepResult#main()} and routed ones on {@link StepResult#routed()}; added to
 * {@link ElspethPipeline#builder()} it is one of the pipeline's {@code gates:}.
 *
 * <pre>{@code
 * StepResult gated = tokens.apply(ElspethTransforms.gate("row['amount'] > 1000")
 *     .named("threshold").route("true", "high").route("false", "continue"));
 * }</pre>
 */
public final class Gate extends PTransform<PCollection<Token>, StepResult> {
  private static final long serialVersionUID = 1L;

  private final String condition;
  private final @Nullable String name;
  private final LinkedHashMap<String, String> routes;
  private final @Nullable StepContext context;

  Gate(String condition, @Nullable String name, Map<String, String> routes,
      @Nullable StepContext context) {
    this.condition = Objects.requireNonNull(condition, "condition");
    this.name = name;
    this.routes = new LinkedHashMap<>(routes);
    this.context = context;
  }

  /** The gate's name (the settings' {@code name:}); {@code gate} when not given. */
  public Gate named(String name) {
    Objects.requireNonNull(name, "name");
    if (name.isBlank()) {
      throw new IllegalArgumentException("named: expected a non-blank gate name");
    }
    return new Gate(condition, name, routes, context);
  }

  /**
   * Tokens whose condition result has label {@code label} go to {@code destination}: a sink's
   * name, or {@code continue}.
   */
  public Gate route(String label, String destination) {
    Objects.requireNonNull(label, "label");
    Objects.requireNonNull(destination, "destination");
    if (GateStep.FORK.equals(destination)) {
      throw new IllegalArgumentException("route " + label + ": forks are declared in settings"
          + " (gates[].fork_to with a coalesce), not on a gate applied alone");
    }
    Map<String, String> next = new LinkedHashMap<>(routes);
    next.put(label, destination);
    return new Gate(condition, name, next, context);
  }

  /** This gate minting its audit records in {@code context} (a run the caller recorded). */
  public Gate withContext(StepContext context) {
    return new Gate(condition, name, routes, Objects.requireNonNull(context, "context"));
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

  /** The gate as a settings file's {@code gates:} entry. */
  Map<String, Object> settingsEntry() {
    Map<String, Object> entry = new LinkedHashMap<>();
    entry.put("name", gateName());
    entry.put("condition", condition);
    entry.put("routes", new LinkedHashMap<>(routes));
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
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException(String.join("; ", problems));
    }
    return Objects.requireNonNull(parsed, "a condition without problems is parsed");
  }

  @Override
  public StepResult expand(PCollection<Token> input) {
    GateExpression parsed = parsed();
    StepContext ctx = context != null ? context : PluginTransform.standaloneContext("config_gate",
        gateName(), null, routes.keySet().toArray(String[]::new));
    return StepResult.of(input.apply(GateStep.of(parsed, routes).withContext(ctx)));
  }

  @Override
  public void populateDisplayData(DisplayData.Builder builder) {
    builder.add(DisplayData.item("gate", gateName()))
        .add(DisplayData.item("condition", condition));
  }
}
