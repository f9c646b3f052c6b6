package io.elspeth.api;

import io.elspeth.audit.schema.Dialect;
import io.elspeth.audit.token.Ids;
import io.elspeth.audit.token.RowDataCoder;
import io.elspeth.audit.token.Token;
import io.elspeth.pipelines.graph.PipelineGraphBuilder;
import io.elspeth.pipelines.graph.PipelinePlan;
import io.elspeth.pipelines.launch.RunLauncher;
import io.elspeth.pipelines.launch.RunObserver;
import io.elspeth.pipelines.launch.RunSummary;
import io.elspeth.pipelines.plugins.PluginRegistry;
import io.elspeth.pipelines.settings.PipelineSettings;
import io.elspeth.pipelines.settings.RelativePaths;
import io.elspeth.pipelines.settings.SettingsException;
import io.elspeth.pipelines.settings.SettingsLoader;
import io.elspeth.pipelines.settings.SettingsValidator;
import io.elspeth.plugin.ElspethPipelineOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.beam.sdk.Pipeline;
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
 * The pipeline's runner is the one of the {@link Pipeline} it is applied to; the settings'
 * {@code runner:} section is only read by the command. The Landscape is the settings'
 * {@code landscape.url}, unless {@link #withLandscape} or the {@link ElspethPipelineOptions}
 * option {@code landscapeUrl} names another. Relative paths in the settings are read against the
 * working directory, as the command reads them (or against the base folder given to
 * {@link #fromYaml(String, Path)}).
 *
 * <p>An instance is applied to one pipeline once (it holds that run's plan until
 * {@link #run(Pipeline)}); make another for another pipeline.
 */
public final class ElspethPipeline extends PTransform<PBegin, ElspethResult> {
  private static final long serialVersionUID = 1L;
  /** The file name settings given as text are reported under. */
  static final String INLINE_NAME = "<inline settings>";

  /**
   * Where settings come from: a file, or YAML text reported as if it were a file; relative paths
   * of the text read against {@code baseDir} when given (else the working directory).
   */
  private record SettingsSource(@Nullable Path file, @Nullable String yaml, Path origin,
      @Nullable Path baseDir) {}

  private final transient @Nullable SettingsSource source;
  private final transient @Nullable String profile;
  private final transient @Nullable String landscape;
  private final transient RunObserver observer;
  private final transient PipelineSettings settings;
  private transient @Nullable PipelinePlan plan;
  private transient @Nullable Pipeline appliedTo;

  private ElspethPipeline(@Nullable SettingsSource source, @Nullable String profile,
      @Nullable String landscape, RunObserver observer, PipelineSettings settings) {
    this.source = source;
    this.profile = profile;
    this.landscape = landscape;
    this.observer = observer;
    this.settings = settings;
  }

  private static ElspethPipeline load(SettingsSource source, @Nullable String profile,
      @Nullable String landscape, RunObserver observer) {
    Map<String, Object> raw = source.file() != null
        ? SettingsLoader.load(source.file(), profile)
        : SettingsLoader.loadText(source.yaml(), source.origin(), profile);
    PluginRegistry plugins = PluginRegistry.installed();
    if (source.baseDir() != null) {
      RelativePaths.resolve(raw, source.baseDir(), plugins);
    }
    if (landscape != null) {
      overrideLandscape(raw, landscape);
    }
    PipelineSettings settings = new SettingsValidator(plugins).validate(source.origin(), raw);
    return new ElspethPipeline(source, profile, landscape, observer, settings);
  }

  /**
   * The pipeline the settings in {@code yaml} declare (either format the command reads: plain,
   * or {@code default:} with {@code profiles:}); relative paths are read against the working
   * directory, and {@code ${VAR}} from the environment and the working directory's {@code .env}.
   *
   * @throws SettingsException listing every problem, as the command reports them
   */
  public static ElspethPipeline fromYaml(String yaml) {
    Objects.requireNonNull(yaml, "yaml");
    return load(new SettingsSource(null, yaml, Path.of("").toAbsolutePath().resolve(INLINE_NAME),
        null), null, null, RunObserver.NONE);
  }

  /**
   * The pipeline the settings in {@code yaml} declare, with their relative paths read against
   * {@code baseDir}: every option declared a path (source and file sink {@code path}, template
   * and lookup files, {@code payload_store.base_path}, ...) and a SQLite {@code landscape.url}.
   * The {@code .env} of {@code baseDir} supplies {@code ${VAR}}s the environment does not, and
   * error messages name {@code baseDir/<inline settings>}.
   */
  public static ElspethPipeline fromYaml(String yaml, Path baseDir) {
    Objects.requireNonNull(yaml, "yaml");
    Objects.requireNonNull(baseDir, "baseDir");
    Path base = baseDir.toAbsolutePath();
    return load(new SettingsSource(null, yaml, base.resolve(INLINE_NAME), base), null, null,
        RunObserver.NONE);
  }

  /** The pipeline a settings file declares, loaded and validated as the command does. */
  public static ElspethPipeline fromFile(Path file) {
    Objects.requireNonNull(file, "file");
    return load(new SettingsSource(file, null, file, null), null, null, RunObserver.NONE);
  }

  /** The pipeline of settings already validated (the command's path). */
  public static ElspethPipeline of(PipelineSettings settings) {
    return new ElspethPipeline(null, null, null, RunObserver.NONE,
        Objects.requireNonNull(settings, "settings"));
  }

  /** These settings with profile {@code name} applied over their {@code default:} block. */
  public ElspethPipeline withProfile(String name) {
    Objects.requireNonNull(name, "name");
    return load(requireSource("withProfile"), name, landscape, observer);
  }

  /**
   * These settings recording in the Landscape at {@code url} ({@code sqlite:///path} or
   * {@code postgresql://user@host:port/db}) instead of their {@code landscape.url}; wins over
   * the {@code landscapeUrl} pipeline option.
   */
  public ElspethPipeline withLandscape(String url) {
    Objects.requireNonNull(url, "url");
    return load(requireSource("withLandscape"), profile, url, observer);
  }

  /** This pipeline, telling {@code observer} the phases and progress of {@link #run}. */
  public ElspethPipeline withObserver(RunObserver observer) {
    return new ElspethPipeline(source, profile, landscape,
        Objects.requireNonNull(observer, "observer"), settings);
  }

  private SettingsSource requireSource(String what) {
    if (source == null) {
      throw new IllegalStateException(what + "() needs settings loaded by fromYaml or fromFile;"
          + " these were validated before (ElspethPipeline.of)");
    }
    return source;
  }

  /** The validated settings this pipeline is built from. */
  public PipelineSettings settings() {
    return settings;
  }

  @Override
  public ElspethResult expand(PBegin input) {
    if (plan != null) {
      throw new IllegalStateException("this ElspethPipeline is already applied to a pipeline;"
          + " make another (fromYaml, fromFile) for each pipeline");
    }
    Pipeline pipeline = input.getPipeline();
    PipelineSettings run = settings;
    String optionLandscape = ElspethPipelineOptions.of(pipeline.getOptions()).getLandscapeUrl();
    if (landscape == null && optionLandscape != null) {
      run = load(requireSource("the landscapeUrl option"), profile, optionLandscape, observer)
          .settings;
    }
    if (!ElspethPipelineOptions.inProcessRunner(pipeline.getOptions())
        && run.landscape().dialect() == Dialect.SQLITE) {
      throw new SettingsException(run.file(), List.of("landscape.url: the runner "
          + pipeline.getOptions().getRunner().getSimpleName() + " may run steps in other JVMs;"
          + " it needs a server database every worker can reach"
          + " (postgresql://user@host:port/db), not a SQLite Landscape (" + run.landscape()
          + ")"));
    }
    RunLauncher.preflight(run);
    PipelinePlan planned = PipelinePlan.of(Ids.runId(), run, RunLauncher.runSecrets(run));
    PipelineGraphBuilder.Outputs outputs = PipelineGraphBuilder.build(pipeline, planned);
    Map<String, PCollection<Map<String, Object>>> rows = new LinkedHashMap<>();
    outputs.sinkTokens().forEach((name, tokens) -> rows.put(name, tokens
        .apply("rows-of:" + name, MapElements.into(TypeDescriptors.maps(
                TypeDescriptors.strings(), new org.apache.beam.sdk.values.TypeDescriptor<Object>() {}))
            .via(Token::data))
        .setCoder(RowDataCoder.of())));
    this.plan = planned;
    this.appliedTo = pipeline;
    return new ElspethResult(pipeline, rows, outputs.audit());
  }

  /**
   * Runs {@code pipeline}, to which this transform was applied, as the {@code elspeth} command
   * runs a pipeline: records the run and its graph, runs the pipeline to the end, reconciles the
   * run in the Landscape and completes it. The {@code progressIntervalSeconds} pipeline option
   * makes the observer ({@link #withObserver}) hear progress while rows flow.
   *
   * <p>A failed run is returned with status {@code failed} and its reason; a failing PAssert is
   * thrown (as its {@link AssertionError}) after the run is recorded as failed, so a test fails
   * the way a plain {@code TestPipeline.run()} fails it.
   *
   * @throws IllegalStateException when this transform was not applied to {@code pipeline}
   */
  public RunResult run(Pipeline pipeline) {
    if (plan == null || appliedTo != pipeline) {
      throw new IllegalStateException("apply this ElspethPipeline to the pipeline before running"
          + " it: pipeline.apply(\"elspeth\", elspeth), then elspeth.run(pipeline)");
    }
    Double seconds = ElspethPipelineOptions.of(pipeline.getOptions()).getProgressIntervalSeconds();
    if (seconds != null && !(seconds > 0)) {
      throw new IllegalArgumentException("progressIntervalSeconds: expected more than 0, got "
          + seconds);
    }
    RunLauncher launcher = new RunLauncher(observer,
        seconds == null ? null : Duration.ofNanos((long) (seconds * 1e9)));
    RunSummary summary = launcher.run(pipeline, plan);
    for (Throwable t = summary.cause(); t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof AssertionError assertion) {
        throw assertion;
      }
    }
    return new RunResult(summary);
  }

  /** Puts {@code url} in the settings' landscape section (and drops a backend that names another). */
  @SuppressWarnings("unchecked")
  private static void overrideLandscape(Map<String, Object> raw, String url) {
    Object section = raw.get("landscape");
    Map<String, Object> landscape = section instanceof Map<?, ?> m
        ? new LinkedHashMap<>((Map<String, Object>) m) : new LinkedHashMap<>();
    landscape.put("url", url);
    landscape.remove("backend");
    raw.put("landscape", landscape);
  }

  /** Only for the Landscape URL in display data: never the password. */
  @Override
  public void populateDisplayData(org.apache.beam.sdk.transforms.display.DisplayData.Builder b) {
    b.add(org.apache.beam.sdk.transforms.display.DisplayData.item("settings",
        settings.file().toString()));
    b.add(org.apache.beam.sdk.transforms.display.DisplayData.item("landscape",
        settings.landscape().toString())); // LandscapeUrl prints itself redacted
  }
}
