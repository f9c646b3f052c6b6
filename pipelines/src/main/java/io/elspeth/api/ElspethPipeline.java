package io.elspeth.api;

import io.elspeth.audit.token.Ids;
import io.elspeth.audit.token.RowDataCoder;
import io.elspeth.audit.token.Token;
import io.elspeth.pipelines.graph.PipelineGraphBuilder;
import io.elspeth.pipelines.graph.PipelinePlan;
import io.elspeth.pipelines.launch.RunLauncher;
import io.elspeth.pipelines.launch.RunObserver;
import io.elspeth.pipelines.settings.PipelineSettings;
import io.elspeth.pipelines.settings.SettingsException;
import io.elspeth.plugin.ElspethPipelineOptions;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * A whole Elspeth pipeline, declared by settings (the YAML the {@code elspeth} command reads), as
 * one Beam transform. Applied to a pipeline it builds every step the settings declare, on the same
 * graph builder the command uses; {@link #run(Pipeline)} then runs it as the command does: the run
 * and its graph recorded in the Landscape before any row moves, the pipeline run to the end, the
 * run reconciled in the Landscape and completed (or failed, with the reason).
 *
 * <pre>{@code
 * Pipeline p = TestPipeline.create();                      // or Pipeline.create(options)
 * ElspethPipeline elspeth = ElspethPipeline.fromFile(Path.of("settings.yaml"));
 * ElspethResult result = p.apply("elspeth", elspeth);
 * PAssert.that(result.sink("high")).satisfies(rows -> { ... return null; });
 * RunResult run = elspeth.run(p);                          // run.status() is "completed"
 * }</pre>
 *
 * <p>Settings are loaded and validated when the transform is made, with the command's loader and
 * validator, so bad settings fail there with the command's messages ({@link SettingsException}).
 * The pipeline's runner is the one of the {@link Pipeline} it is applied to; the settings' {@code
 * runner:} section is only read by the command. The Landscape is the settings' {@code
 * landscape.url}, unless {@link #withLandscape} or the {@link ElspethPipelineOptions} option {@code
 * landscapeUrl} names another. Relative paths in the settings are read against the working
 * directory, as the command reads them (or against the base folder given to {@link
 * #fromYaml(String, Path)}).
 *
 * <p>An instance is applied to one pipeline once (it holds that run's plan until {@link
 * #run(Pipeline)}); make another for another pipeline.
 */
public final class ElspethPipeline extends PTransform<PBegin, ElspethResult> {
  private static final long serialVersionUID = 1L;

  /** The file name settings given as text are reported under. */
  static final String INLINE_NAME = "<inline settings>";

  private final transient @Nullable SettingsSource source;
  private final transient @Nullable String profile;
  private final transient @Nullable String landscape;

  /** The settings' {@code telemetry:} section given by the pipeline option, or null. */
  private final transient @Nullable Map<String, Object> telemetry;

  private final transient RunObserver observer;
  private final transient PipelineSettings settings;
  private transient @Nullable PipelinePlan plan;
  private transient @Nullable Pipeline appliedTo;

  /** The launcher's plan of a resumed run, which {@link #expand} builds instead of its own. */
  private transient @Nullable PipelinePlan resumePlan;

  private ElspethPipeline(
      @Nullable SettingsSource source,
      @Nullable String profile,
      @Nullable String landscape,
      @Nullable Map<String, Object> telemetry,
      RunObserver observer,
      PipelineSettings settings) {
    this.source = source;
    this.profile = profile;
    this.landscape = landscape;
    this.telemetry = telemetry;
    this.observer = observer;
    this.settings = settings;
  }

  private static ElspethPipeline load(
      SettingsSource source,
      @Nullable String profile,
      @Nullable String landscape,
      RunObserver observer) {
    return load(source, profile, landscape, null, observer);
  }

  private static ElspethPipeline load(
      SettingsSource source,
      @Nullable String profile,
      @Nullable String landscape,
      @Nullable Map<String, Object> telemetry,
      RunObserver observer) {
    PipelineSettings settings = source.load(profile, landscape, telemetry);
    return new ElspethPipeline(source, profile, landscape, telemetry, observer, settings);
  }

  /**
   * The pipeline the settings in {@code yaml} declare (either format the command reads: plain, or
   * {@code default:} with {@code profiles:}); relative paths are read against the working
   * directory, and {@code ${VAR}} from the environment and the working directory's {@code .env}.
   *
   * @throws SettingsException listing every problem, as the command reports them
   */
  public static ElspethPipeline fromYaml(String yaml) {
    Objects.requireNonNull(yaml, "yaml");
    return load(
        new SettingsSource(null, yaml, Path.of("").toAbsolutePath().resolve(INLINE_NAME), null),
        null,
        null,
        RunObserver.NONE);
  }

  /**
   * The pipeline the settings in {@code yaml} declare, with their relative paths read against
   * {@code baseDir}: every option declared a path (source and file sink {@code path}, template and
   * lookup files, {@code payload_store.base_path}, ...) and a SQLite {@code landscape.url}. The
   * {@code .env} of {@code baseDir} supplies {@code ${VAR}}s the environment does not, and error
   * messages name {@code baseDir/<inline settings>}.
   */
  public static ElspethPipeline fromYaml(String yaml, Path baseDir) {
    Objects.requireNonNull(yaml, "yaml");
    Objects.requireNonNull(baseDir, "baseDir");
    Path base = baseDir.toAbsolutePath();
    return load(
        new SettingsSource(null, yaml, base.resolve(INLINE_NAME), base),
        null,
        null,
        RunObserver.NONE);
  }

  /** The pipeline a settings file declares, loaded and validated as the command does. */
  public static ElspethPipeline fromFile(Path file) {
    Objects.requireNonNull(file, "file");
    return load(new SettingsSource(file, null, file, null), null, null, RunObserver.NONE);
  }

  /**
   * A pipeline declared in Java instead of YAML: a source, typed steps ({@link ElspethTransforms}),
   * gates and sinks. {@link Builder#build()} writes the settings a file would hold and loads them
   * with the command's loader and validator, so a built pipeline is checked, planned, run and
   * recorded exactly as the same settings in a file.
   */
  public static Builder builder() {
    return new Builder();
  }

  /** The pipeline of settings already validated (the command's path). */
  public static ElspethPipeline of(PipelineSettings settings) {
    return new ElspethPipeline(
        null, null, null, null, RunObserver.NONE, Objects.requireNonNull(settings, "settings"));
  }

  /** These settings with profile {@code name} applied over their {@code default:} block. */
  public ElspethPipeline withProfile(String name) {
    Objects.requireNonNull(name, "name");
    return load(requireSource("withProfile"), name, landscape, telemetry, observer);
  }

  /**
   * These settings recording in the Landscape at {@code url} ({@code sqlite:///path} or {@code
   * postgresql://user@host:port/db}) instead of their {@code landscape.url}; wins over the {@code
   * landscapeUrl} pipeline option.
   */
  public ElspethPipeline withLandscape(String url) {
    Objects.requireNonNull(url, "url");
    return load(requireSource("withLandscape"), profile, url, telemetry, observer);
  }

  /** This pipeline, telling {@code observer} the phases and progress of {@link #run}. */
  public ElspethPipeline withObserver(RunObserver observer) {
    return new ElspethPipeline(
        source,
        profile,
        landscape,
        telemetry,
        Objects.requireNonNull(observer, "observer"),
        settings);
  }

  private SettingsSource requireSource(String what) {
    if (source == null) {
      throw new IllegalStateException(
          what
              + "() needs settings loaded by fromYaml or fromFile;"
              + " these were validated before (ElspethPipeline.of)");
    }
    return source;
  }

  /** The validated settings this pipeline is built from. */
  public PipelineSettings settings() {
    return settings;
  }

  /**
   * The settings a run on a pipeline with {@code options} uses: these, with the Landscape and the
   * telemetry the pipeline options name (unless {@link #withLandscape} named one), checked against
   * the runner and pre-flighted as the command checks a run.
   */
  private PipelineSettings runSettings(PipelineOptions options) {
    PipelineSettings run = settings;
    ElspethPipelineOptions elspeth = ElspethPipelineOptions.of(options);
    String optionLandscape = landscape == null ? elspeth.getLandscapeUrl() : null;
    Map<String, Object> optionTelemetry =
        elspeth.getTelemetry() == null
            ? null
            : PipelineRunOptions.telemetry(elspeth.getTelemetry(), settings.file());
    if (optionLandscape != null || optionTelemetry != null) {
      String what = optionLandscape != null ? "the landscapeUrl option" : "the telemetry option";
      run =
          load(
                  requireSource(what),
                  profile,
                  optionLandscape != null ? optionLandscape : landscape,
                  optionTelemetry != null ? optionTelemetry : telemetry,
                  observer)
              .settings;
    }
    PipelineRunOptions.checkLandscapeReachable(run, options);
    RunLauncher.preflight(run);
    return run;
  }

  @Override
  public ElspethResult expand(PBegin input) {
    if (plan != null) {
      throw new IllegalStateException(
          "this ElspethPipeline is already applied to a pipeline;"
              + " make another (fromYaml, fromFile) for each pipeline");
    }
    Pipeline pipeline = input.getPipeline();
    PipelinePlan planned = resumePlan;
    if (planned == null) {
      PipelineSettings run = runSettings(pipeline.getOptions());
      planned = PipelinePlan.of(Ids.runId(), run, RunLauncher.runSecrets(run));
    }
    PipelineGraphBuilder.Outputs outputs = PipelineGraphBuilder.build(pipeline, planned);
    Map<String, PCollection<Map<String, Object>>> rows = new LinkedHashMap<>();
    outputs
        .sinkTokens()
        .forEach(
            (name, tokens) ->
                rows.put(
                    name,
                    tokens
                        .apply(
                            "rows-of:" + name,
                            MapElements.into(
                                    TypeDescriptors.maps(
                                        TypeDescriptors.strings(),
                                        new org.apache.beam.sdk.values.TypeDescriptor<Object>() {}))
                                .via(Token::data))
                        .setCoder(RowDataCoder.of())));
    this.plan = planned;
    this.appliedTo = pipeline;
    return new ElspethResult(pipeline, rows, outputs.audit());
  }

  /**
   * Runs {@code pipeline}, to which this transform was applied, as the {@code elspeth} command runs
   * a pipeline: records the run and its graph, runs the pipeline to the end, reconciles the run in
   * the Landscape and completes it. The {@code progressIntervalSeconds} pipeline option makes the
   * observer ({@link #withObserver}) hear progress while rows flow.
   *
   * <p>A failed run is returned with status {@code failed} and its reason; a failing PAssert is
   * thrown (as its {@link AssertionError}) after the run is recorded as failed, so a test fails the
   * way a plain {@code TestPipeline.run()} fails it.
   *
   * @throws IllegalStateException when this transform was not applied to {@code pipeline}
   */
  public RunResult run(Pipeline pipeline) {
    if (plan == null || appliedTo != pipeline) {
      throw new IllegalStateException(
          "apply this ElspethPipeline to the pipeline before running"
              + " it: pipeline.apply(\"elspeth\", elspeth), then elspeth.run(pipeline)");
    }
    return PipelineRunOptions.result(
        PipelineRunOptions.launcher(observer, pipeline.getOptions()).run(pipeline, plan));
  }

  /**
   * Resumes run {@code runId} of these settings on {@code pipeline}, as {@code elspeth resume
   * RUN_ID --execute} does, on the command's code path: the run is claimed (a second resume of it
   * is refused), the outputs of its interrupted publications repaired, and a new run records the
   * rows {@code runId} did not finish, skipping the source rows it did and appending to the sinks;
   * the new run records the one it resumes as its {@code dependency_run}.
   *
   * <p>Unlike {@link #run}, the pipeline must not have this transform applied yet: which rows to
   * skip is read from the Landscape when the run starts, and the transform is applied then (as step
   * {@code elspeth}). To assert on the resumed run's rows, use {@link #resume(Pipeline, String,
   * Consumer)}.
   *
   * @throws IllegalStateException when the run cannot be resumed (completed, unknown, another
   *     pipeline, or being resumed by another process)
   */
  public RunResult resume(Pipeline pipeline, String runId) {
    return resume(pipeline, runId, result -> {});
  }

  /**
   * {@link #resume(Pipeline, String)}, handing {@code assertions} the resumed run's {@link
   * ElspethResult} once the transform is applied, before the pipeline runs (the place for PAssert).
   */
  public RunResult resume(Pipeline pipeline, String runId, Consumer<ElspethResult> assertions) {
    Objects.requireNonNull(pipeline, "pipeline");
    Objects.requireNonNull(runId, "runId");
    Objects.requireNonNull(assertions, "assertions");
    if (plan != null) {
      throw new IllegalStateException(
          "this ElspethPipeline is already applied to a pipeline;"
              + " resume applies it itself: make another (fromYaml, fromFile) and pass the pipeline"
              + " without it");
    }
    PipelineSettings run = runSettings(pipeline.getOptions());
    PipelinePlan planned = PipelinePlan.of(Ids.runId(), run, RunLauncher.runSecrets(run));
    return PipelineRunOptions.result(
        PipelineRunOptions.launcher(observer, pipeline.getOptions())
            .resume(
                planned,
                runId,
                pipeline.getOptions(),
                resuming -> {
                  resumePlan = resuming;
                  try {
                    assertions.accept(pipeline.apply("elspeth", this));
                  } finally {
                    resumePlan = null;
                  }
                  return pipeline;
                }));
  }

  /** Only for the Landscape URL in display data: never the password. */
  @Override
  public void populateDisplayData(org.apache.beam.sdk.transforms.display.DisplayData.Builder b) {
    b.add(
        org.apache.beam.sdk.transforms.display.DisplayData.item(
            "settings", settings.file().toString()));
    b.add(
        org.apache.beam.sdk.transforms.display.DisplayData.item(
            "landscape", settings.landscape().toString())); // LandscapeUrl prints itself redacted
  }

  /**
   * Settings built in Java: each call adds what a settings file's key would hold. Plugin options
   * are the plugins' settings options (by their settings names); {@code ${VAR}} in a value is read
   * from the environment, as in a file; relative paths are read against the working directory.
   *
   * <pre>{@code
   * ElspethPipeline elspeth = ElspethPipeline.builder()
   *     .source("csv", Map.of("path", "orders.csv", "schema", Map.of("mode", "observed"),
   *         "on_validation_failure", "discard"))
   *     .transform(ElspethTransforms.fieldMapper(Map.of("amt", "amount")))
   *     .gate(ElspethTransforms.gate("row['amount'] > 1000").named("threshold")
   *         .route("true", "high").route("false", "continue"))
   *     .sink("normal", "csv", Map.of("path", "normal.csv"))
   *     .sink("high", "json", Map.of("path", "high.jsonl", "format", "jsonl"))
   *     .defaultSink("normal")
   *     .landscape("sqlite:///audit.db")
   *     .build();
   * }</pre>
   */
  public static final class Builder {
    /** The file name built settings are reported under. */
    static final String BUILT_NAME = "<built settings>";

    private final Map<String, Object> raw = new LinkedHashMap<>();
    private final List<Object> transforms = new java.util.ArrayList<>();
    private final List<Object> aggregations = new java.util.ArrayList<>();
    private final List<Object> gates = new java.util.ArrayList<>();
    private final List<Object> coalesces = new java.util.ArrayList<>();
    private final Map<String, Object> sinks = new LinkedHashMap<>();

    private Builder() {}

    /** The source: plugin {@code plugin} ({@code csv}, {@code json}, ...) with its options. */
    public Builder source(String plugin, Map<String, Object> options) {
      raw.put("source", entry(plugin, options));
      return this;
    }

    /**
     * The source, a typed one ({@link ElspethSources}: {@code ElspethSources.csv(path)...}); its
     * {@code withContext} is unused (the run places it).
     */
    public Builder source(SourceTransform<?> source) {
      raw.put("source", Objects.requireNonNull(source, "source").settingsEntry());
      return this;
    }

    /** The next transform step, in order (its {@code withContext} and client settings unused). */
    public Builder transform(PluginTransform<?> step) {
      transforms.add(Objects.requireNonNull(step, "step").settingsEntry());
      return this;
    }

    /**
     * The next aggregation, in order (aggregations run after the transforms and before the gates,
     * as in a settings file; its {@code withContext} and client settings unused).
     */
    public Builder aggregation(AggregationTransform<?> aggregation) {
      aggregations.add(Objects.requireNonNull(aggregation, "aggregation").settingsEntry());
      return this;
    }

    /**
     * A coalesce joining fork paths of a gate added with {@link #gate} (a route to {@code fork} and
     * {@code forkTo}); its merged rows go to the default sink.
     */
    public Builder coalesce(Coalesce coalesce) {
      coalesces.add(Objects.requireNonNull(coalesce, "coalesce").settingsEntry());
      return this;
    }

    /** The next gate, in order (gates run after the transforms, as in a settings file). */
    public Builder gate(Gate gate) {
      gates.add(Objects.requireNonNull(gate, "gate").settingsEntry());
      return this;
    }

    /** Sink {@code name}: plugin {@code plugin} ({@code csv}, {@code json}, ...), its options. */
    public Builder sink(String name, String plugin, Map<String, Object> options) {
      sinks.put(Objects.requireNonNull(name, "name"), entry(plugin, options));
      return this;
    }

    /**
     * Sink {@code name}, a typed one ({@link ElspethSinks}: {@code ElspethSinks.json(path)...});
     * its {@code named} and {@code withContext} are unused (the name is {@code name}). A fallback
     * sink given to its {@code withOnWriteFailure} is added too, under its own name, unless a sink
     * of that name was added already.
     */
    public Builder sink(String name, SinkTransform<?> sink) {
      sinks.put(
          Objects.requireNonNull(name, "name"),
          Objects.requireNonNull(sink, "sink").settingsEntry());
      SinkTransform<?> fallback = sink.fallback();
      if (fallback != null) {
        sinks.putIfAbsent(fallback.sinkName(), fallback.settingsEntry());
      }
      return this;
    }

    /** The sink rows reach when no step routes them elsewhere. */
    public Builder defaultSink(String name) {
      raw.put("default_sink", Objects.requireNonNull(name, "name"));
      return this;
    }

    /** The Landscape URL ({@code sqlite:///path}, {@code postgresql://user@host:port/db}). */
    public Builder landscape(String url) {
      raw.put("landscape", new LinkedHashMap<>(Map.of("url", Objects.requireNonNull(url, "url"))));
      return this;
    }

    /**
     * Any other top-level settings key ({@code retry}, {@code rate_limit}, {@code payload_store},
     * {@code telemetry}, {@code landscape} with more than a URL, ...) with the value a file would
     * hold under it.
     */
    public Builder setting(String key, Object value) {
      Objects.requireNonNull(key, "key");
      if (List.of("source", "transforms", "aggregations", "gates", "coalesce", "sinks")
          .contains(key)) {
        throw new IllegalArgumentException(
            key
                + ": set with source(), transform(),"
                + " aggregation(), gate(), coalesce(), sink()");
      }
      raw.put(key, Objects.requireNonNull(value, "value"));
      return this;
    }

    private static Map<String, Object> entry(String plugin, Map<String, Object> options) {
      Map<String, Object> entry = new LinkedHashMap<>();
      entry.put("plugin", Objects.requireNonNull(plugin, "plugin"));
      entry.put("options", new LinkedHashMap<>(Objects.requireNonNull(options, "options")));
      return entry;
    }

    /** The settings as a file would hold them (secrets included: keep it in memory). */
    String yaml() {
      Map<String, Object> settings = new LinkedHashMap<>();
      if (raw.containsKey("source")) {
        settings.put("source", raw.get("source"));
      }
      if (!transforms.isEmpty()) {
        settings.put("transforms", transforms);
      }
      if (!aggregations.isEmpty()) {
        settings.put("aggregations", aggregations);
      }
      if (!gates.isEmpty()) {
        settings.put("gates", gates);
      }
      if (!coalesces.isEmpty()) {
        settings.put("coalesce", coalesces);
      }
      settings.put("sinks", sinks);
      raw.forEach((k, v) -> settings.putIfAbsent(k, v));
      return SettingsSource.yaml(settings);
    }

    /**
     * The pipeline these settings declare, validated as the command validates a file.
     *
     * @throws SettingsException listing every problem, as the command reports them
     */
    public ElspethPipeline build() {
      return load(
          new SettingsSource(null, yaml(), Path.of("").toAbsolutePath().resolve(BUILT_NAME), null),
          null,
          null,
          RunObserver.NONE);
    }
  }
}
