package io.elspeth.api;

import io.elspeth.audit.token.Ids;
import io.elspeth.audit.token.Token;
import io.elspeth.connectors.client.ClientSettings;
import io.elspeth.pipelines.graph.PipelineGraphBuilder;
import io.elspeth.pipelines.plugins.PluginRegistry;
import io.elspeth.plugin.PluginOptions;
import io.elspeth.plugin.StepContext;
import io.elspeth.transforms.gate.GateStep;
import io.elspeth.transforms.local.TransformOptions;
import io.elspeth.transforms.step.TransformPlugin;
import io.elspeth.transforms.step.TransformStep;
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
 * A transform plugin as a Beam transform over tokens, with typed options. Its options are the
 * plugin's settings options (the keys a settings file writes under {@code options:}), checked by
 * the plugin's own validator, and its work is the plugin's own row transform in the step the
 * settings run ({@link TransformStep}): applied alone or added to an {@link
 * ElspethPipeline#builder()}, it runs the code a settings file runs.
 *
 * <p>Applied on its own it gives a {@link StepResult}: the tokens that continue, the tokens its
 * {@code on_error} routes, and the audit records it minted. Those records belong to a run of its
 * own (a fresh run id and node id) unless {@link #withContext} places the step in a run the caller
 * recorded; to record a whole run in a Landscape, add the step to {@link
 * ElspethPipeline#builder()}.
 *
 * @param <T> the concrete transform, which every {@code withX} returns
 */
public abstract class PluginTransform<T extends PluginTransform<T>>
    extends PTransform<PCollection<Token>, StepResult> {
  private static final long serialVersionUID = 1L;

  private final String plugin;
  private final @Nullable String stepName;
  private final LinkedHashMap<String, Object> options;
  private final @Nullable StepContext context;
  private final ClientSettings clients;

  PluginTransform(
      String plugin,
      @Nullable String stepName,
      Map<String, Object> options,
      @Nullable StepContext context,
      ClientSettings clients) {
    this.plugin = Objects.requireNonNull(plugin, "plugin");
    this.stepName = stepName;
    this.options = new LinkedHashMap<>(options);
    this.context = context;
    this.clients = Objects.requireNonNull(clients, "clients");
  }

  /** The same transform with these fields; every wither goes through it. */
  abstract T copy(
      @Nullable String stepName,
      Map<String, Object> options,
      @Nullable StepContext context,
      ClientSettings clients);

  /** This transform with option {@code key} (its settings name) set to {@code value}. */
  final T with(String key, Object value) {
    Objects.requireNonNull(key, "key");
    if (value == null) {
      throw new IllegalArgumentException(key + ": a value is required (null given)");
    }
    Map<String, Object> next = new LinkedHashMap<>(options);
    next.put(key, value);
    return copy(stepName, next, context, clients);
  }

  /**
   * This transform with a plugin option set by its settings name, for options without a typed
   * wither; the value is a plain JSON value (String, Long, Double, Boolean, List, Map).
   */
  public T withOption(String key, Object value) {
    return with(key, value);
  }

  /** The step's name (the settings' {@code name:}); the plugin's name when not given. */
  public T named(String name) {
    Objects.requireNonNull(name, "name");
    if (name.isBlank()) {
      throw new IllegalArgumentException("named: expected a non-blank step name");
    }
    return copy(name, options, context, clients);
  }

  /**
   * Rows this transform rejects go to sink {@code sink} (or {@code discard}: they end quarantined);
   * without it a rejected row fails. Alone, the routed rows leave on {@link StepResult#routed()}.
   */
  public T withOnError(String sink) {
    return with(TransformOptions.ON_ERROR, Objects.requireNonNull(sink, "sink"));
  }

  /** Fields a row must have; a row without one is rejected before the plugin sees it. */
  public T withRequiredInputFields(String... fields) {
    return with(TransformOptions.REQUIRED_INPUT_FIELDS, List.of(fields));
  }

  /**
   * This transform minting its audit records in {@code context} (run, node, step and edge ids of a
   * run the caller recorded) instead of a run of its own. Applied alone only; a step added to
   * {@link ElspethPipeline#builder()} takes its place in that pipeline's run.
   */
  public T withContext(StepContext context) {
    return copy(stepName, options, Objects.requireNonNull(context, "context"), clients);
  }

  /** Retry and rate limits for the plugin's external calls when applied alone (default: none). */
  public T withClientSettings(ClientSettings clients) {
    return copy(stepName, options, context, Objects.requireNonNull(clients, "clients"));
  }

  /** The plugin's name, as a settings file names it ({@code azure_llm}, {@code field_mapper}). */
  public String pluginName() {
    return plugin;
  }

  /** The step's name: the one given to {@link #named}, else the plugin's. */
  public String stepName() {
    return stepName == null ? plugin : stepName;
  }

  /** The options set, by their settings names, as a settings file would hold them. */
  public Map<String, Object> options() {
    return Collections.unmodifiableMap(options);
  }

  /** The step as a settings file's {@code transforms:} entry. */
  Map<String, Object> settingsEntry() {
    Map<String, Object> entry = new LinkedHashMap<>();
    if (stepName != null) {
      entry.put("name", stepName);
    }
    entry.put("plugin", plugin);
    entry.put("options", new LinkedHashMap<>(options));
    return entry;
  }

  /**
   * The options checked as the settings validator checks a transform's: types, required options,
   * defaults, and the plugin's own checks.
   *
   * @throws IllegalArgumentException listing every problem, each with its option's path
   */
  public PluginOptions validated() {
    // Alone there are no configured sinks: the sink on_error names is the one routed rows go to.
    Object onError = options.get(TransformOptions.ON_ERROR);
    return PluginOptionsCheck.validated(
        descriptor(),
        options,
        "transforms[" + stepName() + "].options",
        onError instanceof String s ? Set.of(s) : Set.of());
  }

  private TransformPlugin descriptor() {
    return PluginRegistry.installed()
        .transform(plugin)
        .orElseThrow(
            () ->
                new IllegalArgumentException(
                    "no transform plugin named '"
                        + plugin
                        + "' (installed: "
                        + PluginRegistry.installed().transformNames()
                        + ")"));
  }

  @Override
  public StepResult expand(PCollection<Token> input) {
    PluginOptions validated = validated();
    StepContext ctx =
        context != null
            ? context
            : standaloneContext(
                "transform", stepName(), validated.string(TransformOptions.ON_ERROR));
    return StepResult.of(
        input.apply(
            TransformStep.of(PipelineGraphBuilder.rowTransform(descriptor(), validated, clients))
                .withContext(ctx)));
  }

  /**
   * The context of a step applied alone: a run of its own, the node named after the step, and an
   * edge for each label the step may route by ({@code continue}, its error edge, routes).
   */
  static StepContext standaloneContext(
      String nodeType, String name, @Nullable String onError, String... routeLabels) {
    Map<String, String> edges = new LinkedHashMap<>();
    edges.put(GateStep.CONTINUE, Ids.edgeId());
    edges.put("__error_" + name + "__", Ids.edgeId());
    for (String label : routeLabels) {
      edges.put(label, Ids.edgeId());
    }
    return new StepContext(
        Ids.runId(),
        nodeType + "_" + name.replaceAll("[^A-Za-z0-9_]", "_"),
        name,
        1,
        edges,
        onError);
  }

  @Override
  public void populateDisplayData(DisplayData.Builder builder) {
    // Only names: option values may hold keys.
    builder.add(DisplayData.item("plugin", plugin)).add(DisplayData.item("step", stepName()));
  }
}
