package io.elspeth.pipelines.settings;

import io.elspeth.audit.journal.LandscapeJournal;
import io.elspeth.audit.store.LandscapeUrl;
import io.elspeth.connectors.client.RateLimits;
import io.elspeth.pipelines.plugins.PluginRegistry;
import io.elspeth.plugin.OptionsValidator;
import io.elspeth.runners.RunnerOptions;
import io.elspeth.runners.RunnerProfile;
import io.elspeth.telemetry.config.TelemetrySettings;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Validates loaded settings before anything runs and reports every problem at once, each with its
 * key path (e.g. {@code transforms[2].options.fields}) and what was expected.
 */
public final class SettingsValidator {
  /** ELSPETH's default Landscape location. */
  public static final String DEFAULT_LANDSCAPE_URL = "sqlite:///./state/audit.db";

  /** ELSPETH's default payload store folder ({@code payload_store.base_path}). */
  public static final String DEFAULT_PAYLOAD_BASE_PATH = ".elspeth/payloads";

  private static final Set<String> TOP_LEVEL =
      new LinkedHashSet<>(
          List.of(
              "source",
              "transforms",
              "gates",
              "aggregations",
              "coalesce",
              "sinks",
              "default_sink",
              "landscape",
              "concurrency",
              "retry",
              "payload_store",
              "checkpoint",
              "rate_limit",
              "telemetry",
              "run_mode",
              "replay_from",
              "runner",
              "name",
              "description",
              "lineage"));

  private final PluginRegistry registry;

  public SettingsValidator(PluginRegistry registry) {
    this.registry = registry;
  }

  /** Validates; throws {@link SettingsException} listing every problem. */
  public PipelineSettings validate(Path file, Map<String, Object> raw) {
    if (!CurrentFormat.isCurrent(raw)) {
      return validateRc2(file, raw, raw, null);
    }
    // ELSPETH's current format: translated into the RC2 form; the run records what was written.
    List<String> wiring = new ArrayList<>();
    CurrentFormat.Translation translation = CurrentFormat.translate(raw, wiring);
    if (!wiring.isEmpty()) {
      throw new SettingsException(
          file, raw instanceof LocatedSettings located ? located.annotate(wiring) : wiring);
    }
    try {
      // Problems name the translated steps: renamed to the file's steps, then located in it.
      PipelineSettings settings =
          validateRc2(file, translation.settings(), raw, translation.wiring());
      return translation.wiring() == null
          ? settings
          : settings.withConnections(translation.wiring());
    } catch (SettingsException e) {
      List<String> inFile = translation.inFileTerms(e.problems());
      throw new SettingsException(
          file, raw instanceof LocatedSettings located ? located.annotate(inFile) : inFile);
    }
  }

  /**
   * Validates settings in the RC2 form; {@code wiring} is the current format's connections when the
   * settings were translated from it (gate routes may then name connections), else null.
   */
  private PipelineSettings validateRc2(
      Path file, Map<String, Object> raw, Map<String, Object> asWritten, @Nullable Wiring wiring) {
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
    Set<String> sinkNames = SinkSettings.sinkNames(raw.get("sinks"));
    LinkedHashMap<String, PipelineSettings.Sink> sinks =
        new SinkSettings(registry).sinks(raw.get("sinks"), problems);
    PluginStepSettings steps = new PluginStepSettings(registry);
    PipelineSettings.Source source = steps.source(raw.get("source"), sinkNames, problems);
    List<PipelineSettings.Transform> transforms =
        steps.transforms(raw.get("transforms"), sinkNames, problems);
    List<PipelineSettings.Gate> gates =
        GateSettings.gates(
            raw.get("gates"),
            sinkNames,
            wiring == null ? Set.of() : readConnections(wiring),
            problems);
    String defaultSink = SinkSettings.defaultSink(raw.get("default_sink"), sinkNames, problems);
    List<PipelineSettings.Aggregation> aggregations =
        steps.aggregations(raw.get("aggregations"), sinkNames, problems);
    List<PipelineSettings.Coalesce> coalesce =
        DagSettings.coalesce(raw.get("coalesce"), gates, sinkNames, problems);
    DagSettings.checkForkPaths(gates, coalesce, sinkNames, problems);
    if (problems.isEmpty() && source != null) { // no problems: there is a source
      problems.addAll(
          wiring == null
              ? fieldContracts(source, transforms, aggregations)
              : fieldContracts(source, transforms, aggregations, gates, coalesce, wiring));
    }
    problems.addAll(RunSections.runModeProblems(raw, source, sinks));
    LandscapeUrl landscape = LandscapeSection.landscape(raw.get("landscape"), problems);
    RunSections.section(raw, "concurrency", RunSections.CONCURRENCY, sinkNames, problems)
        .ifPresent(
            o -> {
              if (o.integer("max_workers", 1) < 1) {
                problems.add("concurrency.max_workers: expected 1 or more");
              }
            });
    RunSections.section(raw, "retry", RunSections.RETRY, sinkNames, problems)
        .ifPresent(
            o -> {
              if (o.integer("max_attempts", 1) < 1) {
                problems.add("retry.max_attempts: expected 1 or more");
              }
            });
    RunSections.section(raw, "payload_store", RunSections.PAYLOAD_STORE, sinkNames, problems);
    RunSections.section(raw, "checkpoint", RunSections.CHECKPOINT, sinkNames, problems);
    RunSections.section(raw, "rate_limit", RunSections.RATE_LIMIT, sinkNames, problems)
        .ifPresent(o -> problems.addAll(RateLimits.validateServices(o.map("services"))));
    TelemetrySettings telemetry = TelemetrySettings.defaults();
    Object t = raw.get("telemetry");
    if (t != null) {
      Map<String, Object> tm = PluginResolver.mapOrProblem(t, "telemetry", problems);
      if (tm != null) {
        TelemetrySettings.Parsed parsed = TelemetrySettings.parse(tm, "telemetry");
        problems.addAll(parsed.problems());
        telemetry = parsed.settings();
      }
    }
    RunnerOptions runner =
        RunSections.section(raw, "runner", RunnerSection.RUNNER, sinkNames, problems)
            .map(RunnerSection::runnerOptions)
            .orElse(RunnerOptions.defaults(RunnerProfile.DIRECT));
    LandscapeExport export =
        LandscapeExport.parse(
            raw.get("landscape") instanceof Map<?, ?> lm ? lm.get("export") : null,
            sinks,
            problems);
    if (export != null) {
      problems.addAll(
          LandscapeExport.sharedSinkProblems(
              export, source, transforms, gates, aggregations, sinks, defaultSink));
      // The export sink receives no rows: it is not a sink of the pipeline's graph.
      sinks.remove(export.sink().name());
    }
    LandscapeJournal.Options journal = LandscapeSection.journal(raw, landscape, problems);
    LineageSettings.parse(raw.get("lineage"), problems);
    problems.addAll(RunnerSection.runnerProblems(runner, landscape, journal));
    problems.addAll(
        OutputConflicts.find(
            source, sinks, landscape, RunSections.payloadBasePath(raw), telemetry.healthFile()));
    if (!problems.isEmpty()) {
      throw new SettingsException(
          file, raw instanceof LocatedSettings located ? located.annotate(problems) : problems);
    }
    // No problems: each part that was required is there.
    return new PipelineSettings(
        file,
        Objects.requireNonNull(source, "source"),
        transforms,
        gates,
        sinks,
        Objects.requireNonNull(defaultSink, "default_sink"),
        Objects.requireNonNull(landscape, "landscape"),
        telemetry,
        asWritten,
        aggregations,
        coalesce,
        runner,
        export,
        journal);
  }

  /** ELSPETH's contracts along the row chain: source, transforms, then aggregations. */
  private static List<String> fieldContracts(
      PipelineSettings.Source source,
      List<PipelineSettings.Transform> transforms,
      List<PipelineSettings.Aggregation> aggregations) {
    List<FieldContracts.Step> chain = new ArrayList<>();
    for (int i = 0; i < transforms.size(); i++) {
      PipelineSettings.Transform t = transforms.get(i);
      chain.add(
          new FieldContracts.Step(
              "transforms[" + i + "]", t.plugin(), t.descriptor(), t.options()));
    }
    for (int i = 0; i < aggregations.size(); i++) {
      PipelineSettings.Aggregation a = aggregations.get(i);
      chain.add(
          new FieldContracts.Step(
              "aggregations[" + i + "]", a.plugin(), a.descriptor(), a.options()));
    }
    return FieldContracts.check(
        new FieldContracts.Step("source", source.plugin(), source.descriptor(), source.options()),
        chain);
  }

  /** The connections some step or coalesce branch reads, which a gate's routes may name. */
  private static Set<String> readConnections(Wiring wiring) {
    Set<String> out = new HashSet<>();
    wiring.transforms().forEach(t -> out.add(t.input()));
    wiring.aggregations().forEach(a -> out.add(a.input()));
    wiring.gates().forEach(g -> out.add(g.input()));
    wiring.coalesce().forEach(c -> out.addAll(c.branchInputs().values()));
    return out;
  }

  /**
   * The field contracts of a wired pipeline: each transform or aggregation against what the rows of
   * the connection it reads are guaranteed to hold: through any gates (which pass rows on
   * unchanged) the step before them, or a coalesce's merged rows, as ELSPETH's graph validation
   * resolves them ({@code get_effective_guaranteed_fields}): a {@code nested} merge guarantees its
   * branch names, a {@code union} the fields every branch guarantees, a {@code select} what the
   * selected branch guarantees.
   */
  private static List<String> fieldContracts(
      PipelineSettings.Source source,
      List<PipelineSettings.Transform> transforms,
      List<PipelineSettings.Aggregation> aggregations,
      List<PipelineSettings.Gate> gates,
      List<PipelineSettings.Coalesce> coalesce,
      Wiring wiring) {
    Guarantees guarantees = new Guarantees(coalesce, wiring);
    FieldContracts.Step sourceStep =
        new FieldContracts.Step("source", source.plugin(), source.descriptor(), source.options());
    guarantees.writers.put(wiring.sourceOutput(), FieldContracts.producer(sourceStep));
    List<FieldContracts.Step> steps = new ArrayList<>();
    List<String> inputs = new ArrayList<>();
    for (int i = 0; i < transforms.size(); i++) {
      PipelineSettings.Transform t = transforms.get(i);
      FieldContracts.Step step =
          new FieldContracts.Step("transforms[" + i + "]", t.plugin(), t.descriptor(), t.options());
      guarantees.writers.put(wiring.transforms().get(i).output(), FieldContracts.producer(step));
      steps.add(step);
      inputs.add(wiring.transforms().get(i).input());
    }
    for (int i = 0; i < aggregations.size(); i++) {
      PipelineSettings.Aggregation a = aggregations.get(i);
      FieldContracts.Step step =
          new FieldContracts.Step(
              "aggregations[" + i + "]", a.plugin(), a.descriptor(), a.options());
      guarantees.writers.put(wiring.aggregations().get(i).output(), FieldContracts.producer(step));
      steps.add(step);
      inputs.add(wiring.aggregations().get(i).input());
    }
    for (int i = 0; i < gates.size(); i++) {
      String in = wiring.gates().get(i).input();
      gates.get(i).routes().values().forEach(d -> guarantees.gateInputOf.put(d, in));
      wiring.gates().get(i).forkOutputs().values().forEach(d -> guarantees.gateInputOf.put(d, in));
    }
    for (int i = 0; i < coalesce.size(); i++) {
      guarantees.coalesceOf.put(wiring.coalesce().get(i).output(), i);
    }
    List<String> problems = new ArrayList<>();
    for (int i = 0; i < steps.size(); i++) {
      FieldContracts.Producer producer = guarantees.at(inputs.get(i), 0);
      if (producer != null) {
        problems.addAll(FieldContracts.check(producer, steps.get(i)));
      }
    }
    return problems;
  }

  /**
   * What the rows of each connection of a wired pipeline are guaranteed to hold: the producer of
   * each step output, followed back through gates and resolved for coalesce outputs.
   */
  private static final class Guarantees {
    final Map<String, FieldContracts.Producer> writers = new HashMap<>();
    final Map<String, String> gateInputOf = new HashMap<>();
    final Map<String, Integer> coalesceOf = new HashMap<>();
    private final List<PipelineSettings.Coalesce> coalesce;
    private final Wiring wiring;

    Guarantees(List<PipelineSettings.Coalesce> coalesce, Wiring wiring) {
      this.coalesce = coalesce;
      this.wiring = wiring;
    }

    /**
     * The producer of the rows on {@code connection}; null when no step, gate or coalesce writes it
     * (a wiring problem reported elsewhere). {@code depth} bounds the walk, which validated wiring
     * keeps acyclic anyway.
     */
    FieldContracts.@Nullable Producer at(String connection, int depth) {
      String conn = connection;
      // Gates pass rows on as they are: the contract is with the step before them.
      for (int hops = 0;
          !writers.containsKey(conn)
              && !coalesceOf.containsKey(conn)
              && gateInputOf.containsKey(conn)
              && hops <= gateInputOf.size();
          hops++) {
        conn = gateInputOf.get(conn);
      }
      FieldContracts.Producer writer = writers.get(conn);
      if (writer != null) {
        return writer;
      }
      Integer index = coalesceOf.get(conn);
      if (index == null || depth > coalesce.size()) {
        return null;
      }
      return merged(index, depth + 1);
    }

    /** What coalesce {@code i}'s merged rows are guaranteed to hold. */
    private FieldContracts.Producer merged(int i, int depth) {
      PipelineSettings.Coalesce c = coalesce.get(i);
      Map<String, String> inputs = wiring.coalesce().get(i).branchInputs();
      String path = "coalesce[" + i + "]";
      String what = "coalesce '" + c.name() + "', merge: " + c.merge().configName();
      return switch (c.merge()) {
        case NESTED ->
            new FieldContracts.Producer(
                path,
                what,
                new LinkedHashSet<>(c.branches()),
                "no fields",
                "A nested merge guarantees only its branch names (each holding that branch's row)");
        case SELECT -> {
          String selected = c.selectBranch();
          String in = selected == null ? null : inputs.get(selected);
          FieldContracts.Producer branch = in == null ? null : at(in, depth);
          yield new FieldContracts.Producer(
              path,
              what + ", select_branch: " + selected,
              branch == null ? Set.of() : branch.fields(),
              "no fields",
              "A select merge guarantees what its selected branch guarantees: declare them in"
                  + " that branch's last step's schema");
        }
        case UNION -> {
          Set<String> common = null;
          for (String b : c.branches()) {
            String in = inputs.get(b);
            FieldContracts.Producer branch = in == null ? null : at(in, depth);
            Set<String> fields = branch == null ? Set.of() : branch.fields();
            if (common == null) {
              common = new LinkedHashSet<>(fields);
            } else {
              common.retainAll(fields);
            }
          }
          yield new FieldContracts.Producer(
              path,
              what,
              common == null ? Set.of() : common,
              "no fields every branch guarantees",
              "A union merge guarantees the fields every branch guarantees: declare them in"
                  + " each branch's last step's schema");
        }
      };
    }
  }
}
