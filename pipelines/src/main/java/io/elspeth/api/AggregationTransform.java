package io.elspeth.api;

import io.elspeth.audit.token.Token;
import io.elspeth.connectors.client.ClientSettings;
import io.elspeth.pipelines.plugins.PluginRegistry;
import io.elspeth.plugin.PluginOptions;
import io.elspeth.plugin.StepContext;
import io.elspeth.transforms.dag.AggregationPlugin;
import io.elspeth.transforms.dag.AggregationStep;
import io.elspeth.transforms.dag.AggregationTrigger;
import io.elspeth.transforms.gate.expression.ExpressionEvaluationException;
import io.elspeth.transforms.gate.expression.ExpressionSyntaxException;
import io.elspeth.transforms.gate.expression.GateExpression;
import java.util.ArrayList;
import java.util.Collections;
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
 * An aggregation (the settings' {@code aggregations:} entry) as a Beam transform over tokens: a
 * batch plugin, its trigger ({@link #withCount}, {@link #withTimeoutSeconds}, {@link
 * #withCondition}; at least one) and how rows continue after a flush ({@link #withOutputMode}).
 * Applied, it runs the settings' aggregation step ({@link AggregationStep}) with the plugin's own
 * batch work; added to {@link ElspethPipeline.Builder#aggregation} it is written as the settings
 * entry a file holds.
 *
 * <pre>{@code
 * StepResult totals = tokens.apply(ElspethTransforms.batchStats("amount")
 *     .withGroupBy("region").withCount(100).withTimeoutSeconds(30));
 * }</pre>
 *
 * @param <T> the concrete transform, which every {@code withX} returns
 */
public abstract class AggregationTransform<T extends AggregationTransform<T>>
    extends PTransform<PCollection<Token>, StepResult> {
  private static final long serialVersionUID = 1L;

  /**
   * The settings of the aggregation, as a file names them.
   *
   * @param outputMode {@code transform} or {@code passthrough}; null: the settings' default
   */
  record Spec(
      String plugin,
      @Nullable String name,
      Map<String, Object> options,
      @Nullable Integer count,
      @Nullable Double timeoutSeconds,
      @Nullable String condition,
      AggregationStep.@Nullable OutputMode outputMode,
      @Nullable Integer expectedOutputCount,
      @Nullable String onError)
      implements java.io.Serializable {
    Spec {
      options = Collections.unmodifiableMap(new LinkedHashMap<>(options));
    }

    static Spec of(String plugin) {
      return new Spec(plugin, null, Map.of(), null, null, null, null, null, null);
    }
  }

  private final Spec spec;
  private final @Nullable StepContext context;
  private final ClientSettings clients;

  AggregationTransform(Spec spec, @Nullable StepContext context, ClientSettings clients) {
    this.spec = Objects.requireNonNull(spec, "spec");
    this.context = context;
    this.clients = Objects.requireNonNull(clients, "clients");
  }

  /** The same transform with these fields; every wither goes through it. */
  abstract T copy(Spec spec, @Nullable StepContext context, ClientSettings clients);

  private T with(Spec next) {
    return copy(next, context, clients);
  }

  /** This aggregation with plugin option {@code key} (its settings name) set to {@code value}. */
  public T withOption(String key, Object value) {
    Objects.requireNonNull(key, "key");
    if (value == null) {
      throw new IllegalArgumentException(key + ": a value is required (null given)");
    }
    Map<String, Object> next = new LinkedHashMap<>(spec.options());
    next.put(key, value);
    return with(
        new Spec(
            spec.plugin(),
            spec.name(),
            next,
            spec.count(),
            spec.timeoutSeconds(),
            spec.condition(),
            spec.outputMode(),
            spec.expectedOutputCount(),
            spec.onError()));
  }

  /** The aggregation's name (the settings' {@code name:}); the plugin's name when not given. */
  public T named(String name) {
    Objects.requireNonNull(name, "name");
    if (name.isBlank()) {
      throw new IllegalArgumentException("named: expected a non-blank aggregation name");
    }
    return with(
        new Spec(
            spec.plugin(),
            name,
            spec.options(),
            spec.count(),
            spec.timeoutSeconds(),
            spec.condition(),
            spec.outputMode(),
            spec.expectedOutputCount(),
            spec.onError()));
  }

  /** Flushes the batch once it holds {@code rows} rows (trigger {@code count}). */
  public T withCount(int rows) {
    if (rows < 1) {
      throw new IllegalArgumentException("withCount: expected at least 1 row, got " + rows);
    }
    return with(
        new Spec(
            spec.plugin(),
            spec.name(),
            spec.options(),
            rows,
            spec.timeoutSeconds(),
            spec.condition(),
            spec.outputMode(),
            spec.expectedOutputCount(),
            spec.onError()));
  }

  /** Flushes the batch {@code seconds} after its first row (trigger {@code timeout_seconds}). */
  public T withTimeoutSeconds(double seconds) {
    if (!(seconds > 0) || !Double.isFinite(seconds)) {
      throw new IllegalArgumentException(
          "withTimeoutSeconds: expected a number of seconds above" + " 0, got " + seconds);
    }
    return with(
        new Spec(
            spec.plugin(),
            spec.name(),
            spec.options(),
            spec.count(),
            seconds,
            spec.condition(),
            spec.outputMode(),
            spec.expectedOutputCount(),
            spec.onError()));
  }

  /**
   * Flushes the batch when {@code condition} holds after a row is added (trigger {@code
   * condition}); it sees {@code row['batch_count']} and {@code row['batch_age_seconds']}.
   */
  public T withCondition(String condition) {
    Objects.requireNonNull(condition, "condition");
    return with(
        new Spec(
            spec.plugin(),
            spec.name(),
            spec.options(),
            spec.count(),
            spec.timeoutSeconds(),
            condition,
            spec.outputMode(),
            spec.expectedOutputCount(),
            spec.onError()));
  }

  /** How rows continue after a flush: the plugin's output rows (default) or the members. */
  public T withOutputMode(AggregationStep.OutputMode mode) {
    Objects.requireNonNull(mode, "mode");
    return with(
        new Spec(
            spec.plugin(),
            spec.name(),
            spec.options(),
            spec.count(),
            spec.timeoutSeconds(),
            spec.condition(),
            mode,
            spec.expectedOutputCount(),
            spec.onError()));
  }

  /** Transform mode: a batch whose plugin gives another number of rows fails. */
  public T withExpectedOutputCount(int rows) {
    if (rows < 0) {
      throw new IllegalArgumentException(
          "withExpectedOutputCount: expected 0 or more, got " + rows);
    }
    return with(
        new Spec(
            spec.plugin(),
            spec.name(),
            spec.options(),
            spec.count(),
            spec.timeoutSeconds(),
            spec.condition(),
            spec.outputMode(),
            rows,
            spec.onError()));
  }

  /**
   * Rows the plugin rejects go to sink {@code sink} (or {@code discard}); a plugin without row
   * errors of its own fails a batch whole, and the value is only checked and recorded, as in
   * settings.
   */
  public T withOnError(String sink) {
    Objects.requireNonNull(sink, "sink");
    return with(
        new Spec(
            spec.plugin(),
            spec.name(),
            spec.options(),
            spec.count(),
            spec.timeoutSeconds(),
            spec.condition(),
            spec.outputMode(),
            spec.expectedOutputCount(),
            sink));
  }

  /** This aggregation minting its audit records in {@code context} (a run the caller recorded). */
  public T withContext(StepContext context) {
    return copy(spec, Objects.requireNonNull(context, "context"), clients);
  }

  /** Retry and rate limits for the plugin's external calls when applied alone (default: none). */
  public T withClientSettings(ClientSettings clients) {
    return copy(spec, context, Objects.requireNonNull(clients, "clients"));
  }

  public String pluginName() {
    return spec.plugin();
  }

  /** The aggregation's name: the one given to {@link #named}, else the plugin's. */
  public String aggregationName() {
    return Objects.requireNonNullElse(spec.name(), spec.plugin());
  }

  /** The plugin options set, by their settings names. */
  public Map<String, Object> options() {
    return spec.options();
  }

  /** The aggregation as a settings file's {@code aggregations:} entry. */
  Map<String, Object> settingsEntry() {
    Map<String, Object> entry = new LinkedHashMap<>();
    entry.put("name", aggregationName());
    entry.put("plugin", spec.plugin());
    entry.put("trigger", triggerEntry());
    AggregationStep.OutputMode mode = spec.outputMode();
    if (mode != null) {
      entry.put("output_mode", mode.name().toLowerCase(java.util.Locale.ROOT));
    }
    Integer expected = spec.expectedOutputCount();
    if (expected != null) {
      entry.put("expected_output_count", expected);
    }
    String onError = spec.onError();
    if (onError != null) {
      entry.put("on_error", onError);
    }
    entry.put("options", new LinkedHashMap<>(spec.options()));
    return entry;
  }

  private Map<String, Object> triggerEntry() {
    Map<String, Object> trigger = new LinkedHashMap<>();
    Integer count = spec.count();
    if (count != null) {
      trigger.put("count", count);
    }
    Double timeout = spec.timeoutSeconds();
    if (timeout != null) {
      trigger.put("timeout_seconds", timeout);
    }
    String condition = spec.condition();
    if (condition != null) {
      trigger.put("condition", condition);
    }
    return trigger;
  }

  private AggregationPlugin descriptor() {
    return PluginRegistry.installed()
        .aggregation(spec.plugin())
        .orElseThrow(
            () ->
                new IllegalArgumentException(
                    "no aggregation plugin named '"
                        + spec.plugin()
                        + "' (installed: "
                        + PluginRegistry.installed().aggregationNames()
                        + ")"));
  }

  /** Whether the plugin answers row by row and so takes {@code on_error} among its options. */
  private static boolean takesOnError(AggregationPlugin plugin) {
    return plugin.options().stream().anyMatch(o -> o.name().equals("on_error"));
  }

  /**
   * The trigger, checked as the settings validator checks an aggregation's.
   *
   * @throws IllegalArgumentException naming every problem
   */
  AggregationTrigger trigger() {
    String path = "aggregations[" + aggregationName() + "].trigger";
    List<String> problems = new ArrayList<>();
    if (spec.count() == null && spec.timeoutSeconds() == null && spec.condition() == null) {
      problems.add(
          path
              + ": needs at least one of count, timeout_seconds, condition"
              + " (withCount, withTimeoutSeconds, withCondition)");
    }
    GateExpression condition = null;
    String source = spec.condition();
    if (source != null) {
      try {
        condition = GateExpression.parse(source);
        // A trial on the fields the trigger provides catches a condition that can never run.
        condition.evaluate(Map.of("batch_count", 1L, "batch_age_seconds", 0.0));
      } catch (ExpressionSyntaxException | ExpressionEvaluationException e) {
        problems.add(
            path
                + ".condition: "
                + e.getMessage()
                + " (the condition sees row['batch_count'] and row['batch_age_seconds'])");
      }
    }
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException(String.join("; ", problems));
    }
    return new AggregationTrigger(spec.count(), spec.timeoutSeconds(), condition);
  }

  /** The plugin options checked by the plugin's validator ({@code on_error} among them). */
  PluginOptions validated(AggregationPlugin plugin) {
    Map<String, Object> options = new LinkedHashMap<>(spec.options());
    String onError = spec.onError();
    if (onError != null && takesOnError(plugin)) {
      options.put("on_error", onError);
    }
    return PluginOptionsCheck.validated(
        plugin,
        options,
        "aggregations[" + aggregationName() + "].options",
        onError == null ? Set.of() : Set.of(onError));
  }

  @Override
  public StepResult expand(PCollection<Token> input) {
    AggregationPlugin plugin = descriptor();
    AggregationTrigger trigger = trigger();
    PluginOptions options = validated(plugin);
    @Nullable String onError = options.string("on_error");
    StepContext ctx =
        context != null
            ? context
            : PluginTransform.standaloneContext("aggregation", aggregationName(), onError);
    return StepResult.of(
        input.apply(
            AggregationStep.of(plugin.create(options, clients), trigger)
                .withOutputMode(
                    Objects.requireNonNullElse(
                        spec.outputMode(), AggregationStep.OutputMode.TRANSFORM))
                .withExpectedOutputCount(spec.expectedOutputCount())
                .withContext(ctx)));
  }

  @Override
  public void populateDisplayData(DisplayData.Builder builder) {
    // Only names: option values may hold keys.
    builder
        .add(DisplayData.item("plugin", spec.plugin()))
        .add(DisplayData.item("aggregation", aggregationName()));
  }
}
