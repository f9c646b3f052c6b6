package io.elspeth.pipelines.settings;

import io.elspeth.audit.journal.LandscapeJournal;
import io.elspeth.audit.store.LandscapeUrl;
import io.elspeth.connectors.client.RateLimits;
import io.elspeth.plugin.OptionSpec;
import io.elspeth.plugin.OptionType;
import io.elspeth.plugin.OptionsValidator;
import io.elspeth.plugin.PluginDescriptor;
import io.elspeth.plugin.PluginOptions;
import io.elspeth.plugin.SinkPlugin;
import io.elspeth.plugin.SourcePlugin;
import io.elspeth.plugin.StepContext;
import io.elspeth.pipelines.plugins.PluginRegistry;
import io.elspeth.runners.RunnerOptions;
import io.elspeth.runners.RunnerProfile;
import io.elspeth.telemetry.config.TelemetrySettings;
import io.elspeth.transforms.gate.GateStep;
import io.elspeth.transforms.gate.expression.ExpressionSyntaxException;
import io.elspeth.transforms.gate.expression.GateExpression;
import io.elspeth.transforms.local.TransformOptions;
import io.elspeth.transforms.step.TransformPlugin;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Validates loaded settings before anything runs and reports every problem at once, each with its
 * key path (e.g. {@code transforms[2].options.fields}) and what was expected.
 */
public final class SettingsValidator {
  private static final String BLOB = "azure_blob";

  /** ELSPETH's default Landscape location. */
  public static final String DEFAULT_LANDSCAPE_URL = "sqlite:///./state/audit.db";
  /** ELSPETH's default payload store folder ({@code payload_store.base_path}). */
  public static final String DEFAULT_PAYLOAD_BASE_PATH = ".elspeth/payloads";

  private static final Set<String> TOP_LEVEL = new LinkedHashSet<>(List.of("source", "transforms",
      "gates", "aggregations", "coalesce", "sinks", "default_sink", "landscape", "concurrency",
      "retry", "payload_store", "checkpoint", "rate_limit", "telemetry", "run_mode",
      "replay_from", "runner", "name", "description", "lineage"));

  private static final List<OptionSpec> LANDSCAPE = List.of(
      OptionSpec.optional("enabled", OptionType.BOOL, true, "the Landscape cannot be disabled"),
      OptionSpec.oneOf("backend", null, List.of("sqlite", "sqlcipher", "postgresql"),
          "database kind (sqlcipher is refused: no encrypted SQLite here)"),
      OptionSpec.optional("encryption_key_env", OptionType.STRING, null,
          "SQLCipher key variable (refused with sqlcipher)"),
      OptionSpec.optional("url", OptionType.STRING, DEFAULT_LANDSCAPE_URL,
          "sqlite:///path.db or postgresql://user:password@host:port/db"),
      OptionSpec.optional("commit_batch_size", OptionType.INT,
          (long) io.elspeth.audit.commit.LandscapeCommit.DEFAULT_MAX_BATCH_SIZE,
          "most audit records per transaction; a bundle with more commits early"),
      OptionSpec.optional("export", OptionType.OBJECT, null, "post-run export"),
      OptionSpec.optional("dump_to_jsonl", OptionType.BOOL, false, "JSONL change journal"),
      OptionSpec.optional("dump_to_jsonl_path", OptionType.STRING, null, "journal path"),
      OptionSpec.optional("dump_to_jsonl_fail_on_error", OptionType.BOOL, false, ""),
      OptionSpec.optional("dump_to_jsonl_include_payloads", OptionType.BOOL, false, ""),
      OptionSpec.optional("dump_to_jsonl_payload_base_path", OptionType.STRING, null, ""),
      OptionSpec.optional("secret_url_params", OptionType.STRING_LIST, null,
          "extra URL query/fragment parameter names whose values are credentials"));
  private static final List<OptionSpec> CONCURRENCY = List.of(
      OptionSpec.optional("max_workers", OptionType.INT, 4L, "plugin-level thread budget"));
  private static final List<OptionSpec> RETRY = List.of(
      OptionSpec.optional("max_attempts", OptionType.INT, 3L, "attempts per row, 1 or more"),
      OptionSpec.optional("initial_delay_seconds", OptionType.NUMBER, 1.0, "first back-off"),
      OptionSpec.optional("max_delay_seconds", OptionType.NUMBER, 60.0, "largest back-off"),
      OptionSpec.optional("exponential_base", OptionType.NUMBER, 2.0, "back-off growth"));
  private static final List<OptionSpec> PAYLOAD_STORE = List.of(
      OptionSpec.oneOf("backend", "filesystem", List.of("filesystem"), "payload store kind"),
      OptionSpec.optional("base_path", OptionType.PATH, DEFAULT_PAYLOAD_BASE_PATH,
          "store folder"),
      OptionSpec.optional("retention_days", OptionType.INT, 90L, "days payloads are kept"));
  private static final List<OptionSpec> CHECKPOINT = List.of(
      OptionSpec.optional("enabled", OptionType.BOOL, true, ""),
      OptionSpec.oneOf("frequency", "every_row", List.of("every_row", "every_n", "aggregation_only"), ""),
      OptionSpec.optional("checkpoint_interval", OptionType.INT, null, "rows between checkpoints"),
      OptionSpec.optional("aggregation_boundaries", OptionType.BOOL, true, ""));
  private static final List<OptionSpec> RUNNER = List.of(
      OptionSpec.oneOf("profile", "direct", RunnerProfile.names(), "runner profile"),
      OptionSpec.optional("parallelism", OptionType.INT, 0L, "workers; 0: one per core"),
      OptionSpec.optional("max_parallelism", OptionType.INT, 0L, "Flink maximum parallelism"),
      OptionSpec.optional("flink_master", OptionType.STRING, null,
          "JobManager host:port (flink-cluster)"),
      OptionSpec.optional("checkpointing_interval_ms", OptionType.INT, 0L,
          "Flink checkpoint interval; 0: off (batch mode)"),
      OptionSpec.oneOf("checkpointing_mode", "exactly_once", List.of("exactly_once",
          "at_least_once"), "Flink checkpointing mode"),
      OptionSpec.optional("checkpoint_timeout_ms", OptionType.INT,
          RunnerOptions.DEFAULT_CHECKPOINT_TIMEOUT_MS, "Flink checkpoint timeout"),
      OptionSpec.optional("min_pause_between_checkpoints_ms", OptionType.INT, 0L, ""),
      OptionSpec.optional("restart_attempts", OptionType.INT,
          (long) RunnerOptions.DEFAULT_RESTART_ATTEMPTS, "Flink restarts of a failed job"),
      OptionSpec.optional("restart_delay_ms", OptionType.INT,
          RunnerOptions.DEFAULT_RESTART_DELAY_MS, "pause before a Flink restart"),
      OptionSpec.optional("object_reuse", OptionType.BOOL, false, "Flink object reuse"),
      OptionSpec.optional("flink_conf_dir", OptionType.PATH, null,
          "folder of a flink-conf.yaml"));
  private static final List<OptionSpec> RATE_LIMIT = List.of(
      OptionSpec.optional("enabled", OptionType.BOOL, true, ""),
      OptionSpec.optional("default_requests_per_minute", OptionType.INT, 60L, ""),
      OptionSpec.optional("persistence_path", OptionType.PATH, null, ""),
      OptionSpec.optional("services", OptionType.OBJECT, null,
          "per service: {name: {requests_per_minute}}"));

  /** The options of the settings sections of a fixed shape, by section key. */
  static final Map<String, List<OptionSpec>> SECTIONS = Map.of("landscape", LANDSCAPE,
      "concurrency", CONCURRENCY, "retry", RETRY, "payload_store", PAYLOAD_STORE,
      "checkpoint", CHECKPOINT, "runner", RUNNER, "rate_limit", RATE_LIMIT,
      "lineage", LineageSettings.OPTIONS);

  /** The sink key naming where rows the sink cannot write go. */
  static final String ON_WRITE_FAILURE = "on_write_failure";

  private final PluginRegistry registry;

  public SettingsValidator(PluginRegistry registry) {
    this.registry = registry;
  }

  /** Validates; throws {@link SettingsException} listing every problem. */
  public PipelineSettings validate(Path file, Map<String, Object> raw) {
    if (!CurrentFormat.isCurrent(raw)) {
      return validateRc2(file, raw, raw);
    }
    // ELSPETH's current format: translated into the RC2 form; the run records what was written.
    List<String> wiring = new ArrayList<>();
    CurrentFormat.Translation translation = CurrentFormat.translate(raw, wiring);
    if (!wiring.isEmpty()) {
      throw new SettingsException(file,
          raw instanceof LocatedSettings located ? located.annotate(wiring) : wiring);
    }
    try {
      // Problems name the translated steps: renamed to the file's steps, then located in it.
      return validateRc2(file, translation.settings(), raw);
    } catch (SettingsException e) {
      List<String> inFile = translation.inFileTerms(e.problems());
      throw new SettingsException(file,
          raw instanceof LocatedSettings located ? located.annotate(inFile) : inFile);
    }
  }

  private PipelineSettings validateRc2(Path file, Map<String, Object> raw,
      Map<String, Object> asWritten) {
    List<String> problems = new ArrayList<>();
    for (String key : raw.keySet()) {
      if (CurrentFormat.REFUSED_TOP_LEVEL.containsKey(key)) {
        problems.add(key + ": " + CurrentFormat.REFUSED_TOP_LEVEL.get(key));
      } else if (!TOP_LEVEL.contains(key)) {
        problems.add(key + ": unknown settings key (expected one of " + TOP_LEVEL + ")");
      }
    }
    // ELSPETH's pipeline name and description: recorded with the run's settings, nothing else.
    for (String key : List.of("name", "description")) {
      if (raw.get(key) != null && !(raw.get(key) instanceof String)) {
        problems.add(key + ": expected a string, got " + OptionsValidator.describe(raw.get(key)));
      }
    }
    Set<String> sinkNames = sinkNames(raw.get("sinks"));
    LinkedHashMap<String, PipelineSettings.Sink> sinks = sinks(raw.get("sinks"), problems);
    PipelineSettings.Source source = source(raw.get("source"), sinkNames, problems);
    List<PipelineSettings.Transform> transforms = transforms(raw.get("transforms"), sinkNames,
        problems);
    List<PipelineSettings.Gate> gates = gates(raw.get("gates"), sinkNames, problems);
    String defaultSink = defaultSink(raw.get("default_sink"), sinkNames, problems);
    List<PipelineSettings.Aggregation> aggregations = aggregations(raw.get("aggregations"),
        sinkNames, problems);
    List<PipelineSettings.Coalesce> coalesce = DagSettings.coalesce(raw.get("coalesce"), gates,
        sinkNames, problems);
    DagSettings.checkForkPaths(gates, coalesce, sinkNames, problems);
    if (problems.isEmpty() && source != null) { // no problems: there is a source
      problems.addAll(fieldContracts(source, transforms, aggregations));
    }
    problems.addAll(runModeProblems(raw, source, sinks));
    LandscapeUrl landscape = landscape(raw.get("landscape"), problems);
    section(raw, "concurrency", CONCURRENCY, sinkNames, problems).ifPresent(o -> {
      if (o.integer("max_workers", 1) < 1) {
        problems.add("concurrency.max_workers: expected 1 or more");
      }
    });
    section(raw, "retry", RETRY, sinkNames, problems).ifPresent(o -> {
      if (o.integer("max_attempts", 1) < 1) {
        problems.add("retry.max_attempts: expected 1 or more");
      }
    });
    section(raw, "payload_store", PAYLOAD_STORE, sinkNames, problems);
    section(raw, "checkpoint", CHECKPOINT, sinkNames, problems);
    section(raw, "rate_limit", RATE_LIMIT, sinkNames, problems)
        .ifPresent(o -> problems.addAll(RateLimits.validateServices(o.map("services"))));
    TelemetrySettings telemetry = TelemetrySettings.defaults();
    Object t = raw.get("telemetry");
    if (t != null) {
      Map<String, Object> tm = mapOrProblem(t, "telemetry", problems);
      if (tm != null) {
        TelemetrySettings.Parsed parsed = TelemetrySettings.parse(tm, "telemetry");
        problems.addAll(parsed.problems());
        telemetry = parsed.settings();
      }
    }
    RunnerOptions runner = section(raw, "runner", RUNNER, sinkNames, problems)
        .map(SettingsValidator::runnerOptions).orElse(RunnerOptions.defaults(RunnerProfile.DIRECT));
    LandscapeExport export = LandscapeExport.parse(raw.get("landscape") instanceof Map<?, ?> lm
        ? lm.get("export") : null, sinks, problems);
    if (export != null) {
      problems.addAll(LandscapeExport.sharedSinkProblems(export, source, transforms, gates,
          aggregations, sinks, defaultSink));
      // The export sink receives no rows: it is not a sink of the pipeline's graph.
      sinks.remove(export.sink().name());
    }
    LandscapeJournal.Options journal = journal(raw, landscape, problems);
    LineageSettings.parse(raw.get("lineage"), problems);
    problems.addAll(runnerProblems(runner, landscape, journal));
    problems.addAll(OutputConflicts.find(source, sinks, landscape, payloadBasePath(raw),
        telemetry.healthFile()));
    if (!problems.isEmpty()) {
      throw new SettingsException(file,
          raw instanceof LocatedSettings located ? located.annotate(problems) : problems);
    }
    // No problems: each part that was required is there.
    return new PipelineSettings(file, Objects.requireNonNull(source, "source"), transforms, gates,
        sinks, Objects.requireNonNull(defaultSink, "default_sink"),
        Objects.requireNonNull(landscape, "landscape"),
        telemetry, asWritten, aggregations, coalesce, runner, export, journal);
  }

  /**
   * {@code run_mode} (live, replay, verify) and {@code replay_from}, the recorded run, which
   * replay and verify need (ELSPETH's {@code validate_replay_from}). A replay answers the external
   * calls of node states from the recording; Azure Blob sources and sinks read and write outside
   * it, so a replay run of them is refused rather than half live.
   */
  private static List<String> runModeProblems(Map<String, Object> raw,
      PipelineSettings.@Nullable Source source, Map<String, PipelineSettings.Sink> sinks) {
    List<String> problems = new ArrayList<>();
    Object runMode = raw.get("run_mode");
    if (runMode != null && !List.of("live", "replay", "verify").contains(runMode)) {
      problems.add("run_mode: expected live, replay or verify, got "
          + OptionsValidator.describe(runMode));
      return problems;
    }
    Object replayFrom = raw.get("replay_from");
    if (replayFrom != null && !(replayFrom instanceof String s && !s.isBlank())) {
      problems.add("replay_from: expected the run id of a recorded run, got "
          + OptionsValidator.describe(replayFrom));
    }
    if (("replay".equals(runMode) || "verify".equals(runMode)) && replayFrom == null) {
      problems.add("replay_from: required when run_mode is '" + runMode + "' (the run id whose"
          + " recorded calls this run " + ("replay".equals(runMode) ? "replays" : "verifies")
          + ")");
    }
    if ("replay".equals(runMode)) {
      if (source != null && BLOB.equals(source.plugin())) {
        problems.add("run_mode: replay cannot replay source plugin " + BLOB + ": the Landscape"
            + " keeps only hashes of its Blob Storage reads; copy the input locally, or use"
            + " run_mode: verify");
      }
      sinks.values().stream().filter(k -> BLOB.equals(k.plugin())).forEach(k -> problems.add(
          "sinks." + k.name() + ": run_mode: replay cannot replay sink plugin " + BLOB
              + " (a replay makes no network call, and a blob write is one); write a local"
              + " file, or use run_mode: verify"));
    }
    return problems;
  }

  /**
   * {@code landscape.dump_to_jsonl} and its options as the journal's settings (paths made
   * absolute, so every worker writes the same file), or null when the journal is off.
   */
  private static LandscapeJournal.@Nullable Options journal(Map<String, Object> raw,
      @Nullable LandscapeUrl landscape, List<String> problems) {
    if (!(raw.get("landscape") instanceof Map<?, ?> m)
        || !Boolean.TRUE.equals(m.get("dump_to_jsonl")) || landscape == null) {
      return null;
    }
    Object path = m.get("dump_to_jsonl_path");
    java.nio.file.Path file = path instanceof String p ? java.nio.file.Path.of(p).toAbsolutePath()
        : LandscapeJournal.defaultPath(landscape);
    if (file == null) {
      problems.add("landscape.dump_to_jsonl_path: required when dump_to_jsonl is on and the"
          + " Landscape is not a SQLite file (" + landscape + ")");
      return null;
    }
    boolean payloads = Boolean.TRUE.equals(m.get("dump_to_jsonl_include_payloads"));
    Object base = m.get("dump_to_jsonl_payload_base_path");
    String payloadBase = !payloads ? null : java.nio.file.Path.of(base instanceof String b ? b
        : payloadBasePath(raw)).toAbsolutePath().toString();
    return new LandscapeJournal.Options(file.toString(),
        Boolean.TRUE.equals(m.get("dump_to_jsonl_fail_on_error")), payloads, payloadBase);
  }

  /** ELSPETH's contracts along the row chain: source, transforms, then aggregations. */
  private static List<String> fieldContracts(PipelineSettings.Source source,
      List<PipelineSettings.Transform> transforms, List<PipelineSettings.Aggregation> aggregations) {
    List<FieldContracts.Step> chain = new ArrayList<>();
    for (int i = 0; i < transforms.size(); i++) {
      PipelineSettings.Transform t = transforms.get(i);
      chain.add(new FieldContracts.Step("transforms[" + i + "]", t.plugin(), t.descriptor(),
          t.options()));
    }
    for (int i = 0; i < aggregations.size(); i++) {
      PipelineSettings.Aggregation a = aggregations.get(i);
      chain.add(new FieldContracts.Step("aggregations[" + i + "]", a.plugin(), a.descriptor(),
          a.options()));
    }
    return FieldContracts.check(new FieldContracts.Step("source", source.plugin(),
        source.descriptor(), source.options()), chain);
  }

  /** {@code payload_store.base_path} as configured, ELSPETH's default when unset. */
  private static String payloadBasePath(Map<String, Object> raw) {
    return raw.get("payload_store") instanceof Map<?, ?> m && m.get("base_path") instanceof String b
        ? b : DEFAULT_PAYLOAD_BASE_PATH;
  }

  /** The {@code runner:} section as runner options (its values already type-checked). */
  private static RunnerOptions runnerOptions(PluginOptions o) {
    RunnerProfile profile = RunnerProfile.byName(o.requiredString("profile")).orElseThrow();
    return RunnerOptions.defaults(profile)
        .withParallelism((int) o.integer("parallelism", 0))
        .withMaxParallelism((int) o.integer("max_parallelism", 0))
        .withFlinkMaster(o.string("flink_master"))
        .withCheckpointing(o.integer("checkpointing_interval_ms", 0),
            RunnerOptions.CheckpointingMode.valueOf(
                o.requiredString("checkpointing_mode").toUpperCase(java.util.Locale.ROOT)),
            o.integer("checkpoint_timeout_ms", RunnerOptions.DEFAULT_CHECKPOINT_TIMEOUT_MS),
            o.integer("min_pause_between_checkpoints_ms", 0))
        .withRestarts((int) o.integer("restart_attempts", RunnerOptions.DEFAULT_RESTART_ATTEMPTS),
            o.integer("restart_delay_ms", RunnerOptions.DEFAULT_RESTART_DELAY_MS))
        .withObjectReuse(o.bool("object_reuse", false))
        .withFlinkConfDir(o.string("flink_conf_dir"));
  }

  /**
   * What stops {@code runner} from running a pipeline with this Landscape: the options' own
   * problems, and a SQLite Landscape on a runner whose steps may run in other JVMs (a SQLite
   * file has one writer and is not reachable from another machine).
   */
  static List<String> runnerProblems(RunnerOptions runner, @Nullable LandscapeUrl landscape,
      io.elspeth.audit.journal.LandscapeJournal.@Nullable Options journal) {
    List<String> problems = new ArrayList<>(runner.problems());
    if (journal != null && runner.profile() == RunnerProfile.FLINK_CLUSTER) {
      problems.add("landscape.dump_to_jsonl: the journal is a local file written by every process"
          + " that writes the Landscape; on the " + runner.profile().configName() + " runner"
          + " those are Flink workers on other machines, so it is supported only with the"
          + " direct and flink-local runners");
    }
    if (landscape != null && runner.profile().distributed()
        && landscape.dialect() == io.elspeth.audit.schema.Dialect.SQLITE) {
      problems.add("landscape.url: the " + runner.profile().configName() + " runner needs a"
          + " server database every Flink worker can reach (postgresql://user@host:port/db);"
          + " a SQLite Landscape (" + landscape + ") works only with the direct runner");
    }
    return problems;
  }

  /** {@code aggregations}: each {name, plugin, trigger, output_mode, expected_output_count?, options}. */
  @SuppressWarnings("unchecked")
  private List<PipelineSettings.Aggregation> aggregations(@Nullable Object raw,
      Set<String> sinkNames, List<String> problems) {
    List<PipelineSettings.Aggregation> out = new ArrayList<>();
    List<Map<String, Object>> entries = DagSettings.entries(raw, "aggregations",
        "{name, plugin, trigger, output_mode, options}", problems);
    Set<String> names = new HashSet<>();
    for (int i = 0; i < entries.size(); i++) {
      String path = "aggregations[" + i + "]";
      Map<String, Object> a = entries.get(i);
      if (a == null) {
        continue;
      }
      Map<String, Object> plugin = new LinkedHashMap<>();
      for (Map.Entry<String, Object> e : a.entrySet()) {
        if (e.getKey().equals("plugin") || e.getKey().equals("options")) {
          plugin.put(e.getKey(), e.getValue());
        } else if (e.getKey().equals("on_error")) {
          // As for transforms: on_error beside plugin (HEAD) or inside options (RC2).
          continue;
        } else if (!DagSettings.AGGREGATION_KEYS.contains(e.getKey())) {
          problems.add(path + "." + e.getKey() + ": unknown key (expected one of "
              + DagSettings.AGGREGATION_KEYS + ")");
        }
      }
      // ELSPETH's current format gives every aggregation an on_error; a plugin without row
      // errors of its own (batch_stats, batch_replicate) fails a batch whole, so the value is
      // checked and recorded, and a failed batch's rows end failed as before.
      Object aggregationOnError = null;
      boolean pluginHasOnError = a.get("plugin") instanceof String pn0
          && registry.aggregation(pn0).map(d -> d.options().stream()
              .anyMatch(o -> o.name().equals("on_error"))).orElse(true);
      if (a.containsKey("on_error") && !pluginHasOnError) {
        aggregationOnError = a.get("on_error");
        if (!(aggregationOnError instanceof String oe) || !(oe.equals(StepContext.DISCARD)
            || sinkNames.contains(oe))) {
          problems.add(path + ".on_error: expected 'discard' or a sink name " + sinkNames
              + ", got " + OptionsValidator.describe(aggregationOnError));
        }
      } else if (a.containsKey("on_error")) {
        Map<String, Object> merged = plugin.get("options") instanceof Map<?, ?> opts
            ? new LinkedHashMap<>((Map<String, Object>) opts) : new LinkedHashMap<>();
        if (merged.containsKey("on_error")) {
          problems.add(path + ".on_error: given both beside plugin and in options; keep one");
        }
        merged.put("on_error", a.get("on_error"));
        plugin.put("options", merged);
      }
      String name = DagSettings.name(a, path, names, "aggregation", sinkNames, problems);
      var trigger = DagSettings.trigger(a.get("trigger"), path + ".trigger", problems);
      var mode = DagSettings.outputMode(a.get("output_mode"), path + ".output_mode", problems);
      Integer expected = DagSettings.positiveInt(a.get("expected_output_count"),
          path + ".expected_output_count", 0, problems);
      Resolved<io.elspeth.transforms.dag.AggregationPlugin> r = plugin(plugin, path,
          registry::aggregation, registry.aggregationNames(), Set.of(), sinkNames, problems);
      if (r == null && a.get("plugin") instanceof String pn && registry.transform(pn).isPresent()) {
        problems.add(path + ".plugin: '" + pn + "' is a row transform; name it under transforms");
      }
      if (r != null && name != null && trigger != null && mode != null) {
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("plugin", r.plugin);
        config.put("trigger", a.get("trigger"));
        config.put("output_mode", mode.name().toLowerCase());
        config.put("options", r.options.asMap());
        if (expected != null) {
          config.put("expected_output_count", expected);
        }
        if (aggregationOnError != null) {
          config.put("on_error", aggregationOnError);
        }
        out.add(new PipelineSettings.Aggregation(name, r.plugin, r.descriptor, r.options, trigger,
            mode, expected, config));
      }
    }
    return out;
  }

  private static Set<String> sinkNames(@Nullable Object sinks) {
    Set<String> names = new LinkedHashSet<>();
    if (sinks instanceof Map<?, ?> m) {
      m.keySet().forEach(k -> names.add(k.toString()));
    }
    return names;
  }

  private LinkedHashMap<String, PipelineSettings.Sink> sinks(@Nullable Object raw,
      List<String> problems) {
    LinkedHashMap<String, PipelineSettings.Sink> sinks = new LinkedHashMap<>();
    if (raw == null) {
      problems.add("sinks: required (a mapping of sink name to {plugin, options}, at least one)");
      return sinks;
    }
    Map<String, Object> m = mapOrProblem(raw, "sinks", problems);
    if (m == null) {
      return sinks;
    }
    if (m.isEmpty()) {
      problems.add("sinks: at least one sink is required");
    }
    Set<String> names = sinkNames(raw);
    for (Map.Entry<String, Object> e : m.entrySet()) {
      String path = "sinks." + e.getKey();
      if (e.getKey().equals("discard") || e.getKey().equals("continue")) {
        problems.add(path + ": '" + e.getKey() + "' is reserved and cannot name a sink");
        continue;
      }
      Resolved<SinkPlugin> r = plugin(e.getValue(), path, registry::sink, registry.sinkNames(),
          Set.of(ON_WRITE_FAILURE), names, problems);
      String onWriteFailure = onWriteFailure(e.getKey(), e.getValue(), names, problems);
      if (r != null) {
        Map<String, Object> config = r.config;
        if (onWriteFailure != null) {
          config = new LinkedHashMap<>(config);
          config.put(ON_WRITE_FAILURE, onWriteFailure);
        }
        sinks.put(e.getKey(), new PipelineSettings.Sink(e.getKey(), r.plugin, r.descriptor,
            r.options, config, onWriteFailure));
      }
    }
    // A sink that receives another's unwritable rows may only discard its own: no chains, so no
    // cycles, and a diverted row is written or discarded at the second sink.
    for (Map.Entry<String, Object> e : m.entrySet()) {
      Object raw1 = e.getValue() instanceof Map<?, ?> sm ? sm.get(ON_WRITE_FAILURE) : null;
      String target = raw1 instanceof String s ? s.strip() : null;
      if (target == null || target.equals(StepContext.DISCARD) || target.equals(e.getKey())
          || !(m.get(target) instanceof Map<?, ?> t)) {
        continue;
      }
      Object next = t.get(ON_WRITE_FAILURE);
      if (next != null && !(next instanceof String n && n.strip().equals(StepContext.DISCARD))) {
        problems.add("sinks." + e.getKey() + "." + ON_WRITE_FAILURE + " and sinks." + target
            + "." + ON_WRITE_FAILURE + ": '" + e.getKey() + "' diverts to '" + target
            + "', which diverts in turn to '" + next + "'; a sink that receives diverted rows may"
            + " only discard the rows it cannot write (on_write_failure: discard, or unset)");
      }
    }
    return sinks;
  }

  /**
   * A sink's {@code on_write_failure} (beside {@code plugin}, as ELSPETH writes it): {@code
   * discard} or the name of another configured sink; null when unset.
   */
  private static @Nullable String onWriteFailure(String sink, Object raw, Set<String> sinkNames,
      List<String> problems) {
    if (!(raw instanceof Map<?, ?> m) || !m.containsKey(ON_WRITE_FAILURE)) {
      return null;
    }
    String key = "sinks." + sink + "." + ON_WRITE_FAILURE;
    Object value = m.get(ON_WRITE_FAILURE);
    if (!(value instanceof String s) || s.isBlank()) {
      problems.add(key + ": expected 'discard' or the name of another sink, got "
          + OptionsValidator.describe(value));
      return null;
    }
    String target = s.strip();
    if (target.equals(StepContext.DISCARD)) {
      return target;
    }
    if (target.equals(sink)) {
      problems.add(key + ": '" + sink + "' cannot be its own failure sink (use 'discard' or"
          + " another sink)");
      return null;
    }
    if (!sinkNames.contains(target)) {
      problems.add(key + ": no sink named '" + target + "' (configured sinks: " + sinkNames
          + "; or 'discard')");
      return null;
    }
    return target;
  }

  private PipelineSettings.@Nullable Source source(@Nullable Object raw, Set<String> sinkNames,
      List<String> problems) {
    if (raw == null) {
      problems.add("source: required ({plugin, options})");
      return null;
    }
    Resolved<SourcePlugin> r = plugin(raw, "source", registry::source, registry.sourceNames(),
        Set.of(), sinkNames, problems);
    return r == null ? null
        : new PipelineSettings.Source(r.plugin, r.descriptor, r.options, r.config);
  }

  @SuppressWarnings("unchecked")
  private List<PipelineSettings.Transform> transforms(@Nullable Object raw, Set<String> sinkNames,
      List<String> problems) {
    List<PipelineSettings.Transform> out = new ArrayList<>();
    if (raw == null) {
      return out;
    }
    if (!(raw instanceof List<?> list)) {
      problems.add("transforms: expected a list of {plugin, options}, got "
          + OptionsValidator.describe(raw));
      return out;
    }
    Set<String> used = new HashSet<>();
    for (int i = 0; i < list.size(); i++) {
      String path = "transforms[" + i + "]";
      Object item = list.get(i);
      if (!(item instanceof Map<?, ?>)) {
        problems.add(path + ": expected a mapping {plugin, options}, got "
            + OptionsValidator.describe(item));
        continue;
      }
      // HEAD writes on_error beside plugin; RC2 inside options. Accept both, one place.
      Map<String, Object> entry = new LinkedHashMap<>((Map<String, Object>) item);
      Object topOnError = entry.remove("on_error");
      if (topOnError != null && entry.get("options") instanceof Map<?, ?> opts) {
        Map<String, Object> merged = new LinkedHashMap<>((Map<String, Object>) opts);
        if (merged.containsKey("on_error")) {
          problems.add(path + ".on_error: given both beside plugin and in options; keep one");
        }
        merged.put("on_error", topOnError);
        entry.put("options", merged);
      } else if (topOnError != null) {
        entry.put("options", new LinkedHashMap<>(Map.of("on_error", topOnError)));
      }
      Object nameValue = entry.remove("name");
      entry = UnifiedLlm.resolve(entry, path, problems);
      if (entry == null) {
        continue;
      }
      Resolved<TransformPlugin> r = plugin(entry, path, registry::transform,
          registry.transformNames(), Set.of(), sinkNames, problems);
      if (r == null) {
        continue;
      }
      String name = nameValue == null ? r.plugin : nameValue.toString();
      String unique = name;
      for (int n = 2; !used.add(unique); n++) {
        if (nameValue != null) {
          problems.add(path + ".name: '" + name + "' is already used by another transform");
          break;
        }
        unique = name + "_" + n;
      }
      out.add(new PipelineSettings.Transform(unique, r.plugin, r.descriptor, r.options,
          r.options.string(TransformOptions.ON_ERROR),
          r.options.strings(TransformOptions.REQUIRED_INPUT_FIELDS), r.config));
    }
    return out;
  }

  @SuppressWarnings("unchecked")
  private List<PipelineSettings.Gate> gates(@Nullable Object raw, Set<String> sinkNames,
      List<String> problems) {
    List<PipelineSettings.Gate> out = new ArrayList<>();
    if (raw == null) {
      return out;
    }
    if (!(raw instanceof List<?> list)) {
      problems.add("gates: expected a list of {name, condition, routes}, got "
          + OptionsValidator.describe(raw));
      return out;
    }
    Set<String> names = new HashSet<>();
    for (int i = 0; i < list.size(); i++) {
      String path = "gates[" + i + "]";
      Map<String, Object> g = mapOrProblem(list.get(i), path, problems);
      if (g == null) {
        continue;
      }
      for (String key : g.keySet()) {
        if (!Set.of("name", "condition", "routes", "fork_to").contains(key)) {
          problems.add(path + "." + key + ": unknown key (expected name, condition, routes,"
              + " fork_to)");
        }
      }
      List<String> forkTo = DagSettings.forkTo(g.get("fork_to"), path + ".fork_to", sinkNames,
          problems);
      Object name = g.get("name");
      if (!(name instanceof String n) || n.isBlank()) {
        problems.add(path + ".name: required (a string naming the gate)");
      } else if (!names.add(n)) {
        problems.add(path + ".name: '" + n + "' is already used by another gate");
      }
      GateExpression condition = null;
      Object c = g.get("condition");
      if (!(c instanceof String cs) || cs.isBlank()) {
        problems.add(path + ".condition: required (an expression over row, e.g. row['amount'] > 100)");
      } else {
        try {
          condition = GateExpression.parse(cs);
        } catch (ExpressionSyntaxException e) {
          problems.add(path + ".condition: " + e.getMessage());
        }
      }
      Map<String, String> routes = new LinkedHashMap<>();
      Object rr = g.get("routes");
      if (rr == null) {
        problems.add(path + ".routes: required (result label -> sink name or continue)");
      } else {
        Map<String, Object> rm = mapOrProblem(rr, path + ".routes", problems);
        if (rm != null) {
          if (rm.isEmpty()) {
            problems.add(path + ".routes: expected at least one route");
          }
          rm.forEach((label, dest) -> {
            String lp = path + ".routes." + label;
            if (!(dest instanceof String d)) {
              problems.add(lp + ": expected a sink name or 'continue', got "
                  + OptionsValidator.describe(dest));
            } else if (d.equals(GateStep.FORK) && forkTo.isEmpty()) {
              problems.add(lp + ": 'fork' needs the gate's fork_to (the paths to fork to)");
            } else if (!d.equals(GateStep.CONTINUE) && !d.equals(GateStep.FORK)
                && !sinkNames.contains(d)) {
              problems.add(lp + ": no sink named '" + d + "' (configured sinks: " + sinkNames
                  + "; or 'continue', or 'fork' with fork_to)");
            } else {
              routes.put(label, d);
            }
          });
        }
      }
      if (!forkTo.isEmpty() && rr instanceof Map<?, ?> rmap && !rmap.containsValue(GateStep.FORK)) {
        problems.add(path + ".fork_to: no route goes to 'fork', so the paths are never used");
      }
      if (condition != null && name instanceof String n && routes.size() == mapSize(rr)) {
        out.add(new PipelineSettings.Gate(n, condition, routes, g, forkTo));
      }
    }
    return out;
  }

  private static int mapSize(@Nullable Object o) {
    return o instanceof Map<?, ?> m ? m.size() : -1;
  }

  private static @Nullable String defaultSink(@Nullable Object raw, Set<String> sinkNames,
      List<String> problems) {
    if (raw == null) {
      if (sinkNames.size() == 1) {
        return sinkNames.iterator().next();
      }
      problems.add("default_sink: required when there is more than one sink (one of "
          + sinkNames + ")");
      return null;
    }
    if (!(raw instanceof String s) || !sinkNames.contains(s)) {
      problems.add("default_sink: expected one of the configured sinks " + sinkNames + ", got "
          + OptionsValidator.describe(raw));
      return null;
    }
    return s;
  }

  private static @Nullable LandscapeUrl landscape(@Nullable Object raw, List<String> problems) {
    Map<String, Object> m = raw == null ? Map.of() : mapOrProblem(raw, "landscape", problems);
    if (m == null) {
      return null;
    }
    OptionsValidator.Result r = OptionsValidator.validate(m, LANDSCAPE, "landscape", Set.of());
    problems.addAll(r.problems());
    if (r.options() == null) {
      return null;
    }
    if (!r.options().bool("enabled", true)) {
      problems.add("landscape.enabled: the Landscape is the legal record of a run and cannot be"
          + " disabled");
    }
    if (r.options().integer("commit_batch_size", 1) < 1) {
      problems.add("landscape.commit_batch_size: expected 1 or more, got "
          + r.options().integer("commit_batch_size", 1));
    }
    if ("sqlcipher".equals(r.options().string("backend"))
        || m.containsKey("encryption_key_env")) {
      problems.add("landscape.backend: sqlcipher (an encrypted SQLite Landscape, with"
          + " encryption_key_env) is not supported: this project has no SQLCipher driver; use"
          + " backend sqlite on an encrypted volume, or postgresql with encryption at rest");
      return null;
    }
    String url = r.options().requiredString("url");
    try {
      LandscapeUrl parsed = LandscapeUrl.parse(url);
      String backend = r.options().string("backend");
      if (backend != null && !backend.equals(parsed.dialect().name().toLowerCase())) {
        problems.add("landscape.backend: '" + backend + "' does not match the url " + parsed);
      }
      return parsed;
    } catch (IllegalArgumentException e) {
      problems.add("landscape.url: " + e.getMessage());
      return null;
    }
  }

  private static Optional<PluginOptions> section(Map<String, Object> raw, String key,
      List<OptionSpec> specs, Set<String> sinkNames, List<String> problems) {
    Object v = raw.get(key);
    if (v == null) {
      return Optional.empty();
    }
    Map<String, Object> m = mapOrProblem(v, key, problems);
    if (m == null) {
      return Optional.empty();
    }
    OptionsValidator.Result r = OptionsValidator.validate(m, specs, key, sinkNames);
    problems.addAll(r.problems());
    return Optional.ofNullable(r.options());
  }

  private record Resolved<P extends PluginDescriptor>(String plugin, P descriptor,
      PluginOptions options, Map<String, Object> config) {}

  @SuppressWarnings("unchecked")
  private static <P extends PluginDescriptor> @Nullable Resolved<P> plugin(Object raw,
      String path, Function<String, Optional<P>> lookup, List<String> known, Set<String> extraKeys,
      Set<String> sinkNames, List<String> problems) {
    Map<String, Object> m = mapOrProblem(raw, path, problems);
    if (m == null) {
      return null;
    }
    for (String key : m.keySet()) {
      if (!key.equals("plugin") && !key.equals("options") && !extraKeys.contains(key)) {
        problems.add(path + "." + key + ": unknown key (expected plugin, options"
            + (extraKeys.isEmpty() ? "" : ", " + String.join(", ", new java.util.TreeSet<>(extraKeys)))
            + ")");
      }
    }
    Object name = m.get("plugin");
    if (!(name instanceof String pluginName)) {
      problems.add(path + ".plugin: required (one of " + known + ")");
      return null;
    }
    Optional<P> descriptor = lookup.apply(pluginName);
    if (descriptor.isEmpty()) {
      problems.add(path + ".plugin: unknown plugin '" + pluginName + "' (expected one of " + known
          + ")");
      return null;
    }
    Object options = m.get("options");
    if (options != null && !(options instanceof Map<?, ?>)) {
      problems.add(path + ".options: expected a mapping, got " + OptionsValidator.describe(options));
      return null;
    }
    Map<String, Object> opts = options == null ? Map.of() : (Map<String, Object>) options;
    OptionsValidator.Result r = OptionsValidator.validate(opts, descriptor.get().options(),
        path + ".options", sinkNames);
    problems.addAll(r.problems());
    if (r.options() == null) {
      return null;
    }
    List<String> semantic = descriptor.get().validate(r.options());
    semantic.forEach(s -> problems.add(path + ".options." + s));
    if (!semantic.isEmpty()) {
      return null;
    }
    Map<String, Object> config = new LinkedHashMap<>();
    config.put("plugin", pluginName);
    config.put("options", r.options().asMap());
    return new Resolved<>(pluginName, descriptor.get(), r.options(), config);
  }

  @SuppressWarnings("unchecked")
  private static @Nullable Map<String, Object> mapOrProblem(@Nullable Object raw, String path,
      List<String> problems) {
    if (raw instanceof Map<?, ?> m) {
      return (Map<String, Object>) m;
    }
    problems.add(path + ": expected a mapping, got " + OptionsValidator.describe(raw));
    return null;
  }
}
