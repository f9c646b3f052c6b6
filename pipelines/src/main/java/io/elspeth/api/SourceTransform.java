package io.elspeth.api;

import io.elspeth.audit.token.Ids;
import io.elspeth.pipelines.plugins.PluginRegistry;
import io.elspeth.plugin.PluginOptions;
import io.elspeth.plugin.SourcePlugin;
import io.elspeth.plugin.StepContext;
import io.elspeth.transforms.gate.GateStep;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.values.PBegin;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * A source plugin as a Beam transform with typed options ({@link ElspethSources}): its options are
 * the plugin's settings options, checked by the plugin's own validator, and applied it runs the
 * plugin's own read ({@link SourcePlugin#create}, what the settings' graph applies). Alone it gives
 * a {@link StepResult}: the valid rows as tokens on {@link StepResult#main()}, rows failing the
 * schema on {@link StepResult#routed()} (to the {@code on_validation_failure} sink) and the audit
 * records; added to {@link ElspethPipeline.Builder#source(SourceTransform)} it is the pipeline's
 * {@code source:}.
 *
 * @param <T> the concrete transform, which every {@code withX} returns
 */
public abstract class SourceTransform<T extends SourceTransform<T>>
    extends PTransform<PBegin, StepResult> {
  private static final long serialVersionUID = 1L;

  private final PluginEntry entry;
  private final @Nullable StepContext context;

  SourceTransform(PluginEntry entry, @Nullable StepContext context) {
    this.entry = Objects.requireNonNull(entry, "entry");
    this.context = context;
  }

  /** The same transform with these fields; every wither goes through it. */
  abstract T copy(PluginEntry entry, @Nullable StepContext context);

  final T with(String key, Object value) {
    return copy(entry.with(key, value), context);
  }

  /** This source with a plugin option set by its settings name (a plain JSON value). */
  public T withOption(String key, Object value) {
    return with(key, value);
  }

  /**
   * The rows' schema as a settings file writes it, e.g. {@code Map.of("mode", "fixed", "fields",
   * List.of("id: int", "amount: float"))}.
   */
  public T withSchema(Map<String, Object> schema) {
    return with("schema", new LinkedHashMap<>(Objects.requireNonNull(schema, "schema")));
  }

  /** Any fields, types as found ({@code schema: {mode: observed}}). */
  public T withObservedSchema() {
    return withSchema(Map.of("mode", "observed"));
  }

  /**
   * A row failing the schema goes to sink {@code sink}, or is dropped (quarantined) with {@code
   * discard} ({@code on_validation_failure}).
   */
  public T withOnValidationFailure(String sink) {
    return with("on_validation_failure", Objects.requireNonNull(sink, "sink"));
  }

  /** This source minting its audit records in {@code context} (a run the caller recorded). */
  public T withContext(StepContext context) {
    return copy(entry, Objects.requireNonNull(context, "context"));
  }

  public String pluginName() {
    return entry.plugin();
  }

  /** The options set, by their settings names. */
  public Map<String, Object> options() {
    return entry.options();
  }

  /** The source as a settings file's {@code source:} entry. */
  Map<String, Object> settingsEntry() {
    return entry.settingsEntry();
  }

  private SourcePlugin descriptor() {
    return PluginRegistry.installed()
        .source(entry.plugin())
        .orElseThrow(
            () ->
                new IllegalArgumentException(
                    "no source plugin named '"
                        + entry.plugin()
                        + "' (installed: "
                        + PluginRegistry.installed().sourceNames()
                        + ")"));
  }

  /**
   * The options checked as the settings validator checks a source's.
   *
   * @throws IllegalArgumentException listing every problem, each with its option's path
   */
  public PluginOptions validated() {
    Object failures = entry.options().get("on_validation_failure");
    return PluginOptionsCheck.validated(
        descriptor(),
        entry.options(),
        "source.options",
        failures instanceof String s ? Set.of(s) : Set.of());
  }

  @Override
  public StepResult expand(PBegin input) {
    SourcePlugin plugin = descriptor();
    PluginOptions options = validated();
    StepContext ctx = context;
    if (ctx == null) {
      // A run of its own: the source is step 0, as in a run's graph.
      Map<String, String> edges = new LinkedHashMap<>();
      edges.put(GateStep.CONTINUE, Ids.edgeId());
      // Where rows failing the schema are diverted (on_validation_failure names a sink).
      edges.put("__quarantine__", Ids.edgeId());
      ctx =
          new StepContext(
              Ids.runId(),
              "source_" + entry.plugin(),
              entry.plugin(),
              0,
              edges,
              options.string("on_validation_failure"));
    }
    return StepResult.of(input.apply("read:" + entry.plugin(), plugin.create(options, ctx)));
  }

  @Override
  public void populateDisplayData(DisplayData.Builder builder) {
    // Only the plugin and the place read: option values may hold keys.
    builder.add(DisplayData.item("plugin", entry.plugin()));
    for (String key : List.of("path", "container", "blob_path")) {
      if (entry.options().get(key) instanceof String value) {
        builder.add(DisplayData.item(key, value));
      }
    }
  }
}
