package io.elspeth.pipelines.settings;

import io.elspeth.audit.commit.LandscapeCommit;
import io.elspeth.audit.store.LandscapeUrl;
import io.elspeth.plugin.PluginOptions;
import io.elspeth.plugin.SinkPlugin;
import io.elspeth.plugin.SourcePlugin;
import io.elspeth.runners.RunnerOptions;
import io.elspeth.runners.RunnerProfile;
import io.elspeth.telemetry.config.TelemetrySettings;
import io.elspeth.transforms.dag.AggregationPlugin;
import io.elspeth.transforms.dag.AggregationStep;
import io.elspeth.transforms.dag.AggregationTrigger;
import io.elspeth.transforms.dag.CoalesceStep;
import io.elspeth.transforms.gate.expression.GateExpression;
import io.elspeth.transforms.step.TransformPlugin;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * A validated pipeline: every plugin resolved and its options checked, every sink reference
 * pointing at a configured sink, every gate condition parsed. Built only by {@link
 * SettingsValidator}.
 *
 * @param resolved the settings as loaded (after profiles and variable substitution), recorded on
 *     the run once secrets are fingerprinted
 * @param runner the runner and its options ({@code runner:} section; direct when absent)
 * @param export the post-run export ({@code landscape.export}); null when not enabled. Its sink is
 *     not in {@code sinks}: it receives no rows, only the export
 * @param journal the JSONL change journal ({@code landscape.dump_to_jsonl}); null when off
 * @param connections the steps' named connections of a current-format file; null for an RC2 file,
 *     whose steps form the chain {@link Wiring#chain} describes
 */
public record PipelineSettings(
    Path file,
    Source source,
    List<Transform> transforms,
    List<Gate> gates,
    LinkedHashMap<String, Sink> sinks,
    String defaultSink,
    LandscapeUrl landscape,
    TelemetrySettings telemetry,
    Map<String, Object> resolved,
    List<Aggregation> aggregations,
    List<Coalesce> coalesce,
    RunnerOptions runner,
    @Nullable LandscapeExport export,
    io.elspeth.audit.journal.LandscapeJournal.@Nullable Options journal,
    @Nullable Wiring connections) {

  /** Settings of an RC2 file: its steps form one chain. */
  public PipelineSettings(
      Path file,
      Source source,
      List<Transform> transforms,
      List<Gate> gates,
      LinkedHashMap<String, Sink> sinks,
      String defaultSink,
      LandscapeUrl landscape,
      TelemetrySettings telemetry,
      Map<String, Object> resolved,
      List<Aggregation> aggregations,
      List<Coalesce> coalesce,
      RunnerOptions runner,
      @Nullable LandscapeExport export,
      io.elspeth.audit.journal.LandscapeJournal.@Nullable Options journal) {
    this(
        file,
        source,
        transforms,
        gates,
        sinks,
        defaultSink,
        landscape,
        telemetry,
        resolved,
        aggregations,
        coalesce,
        runner,
        export,
        journal,
        null);
  }

  /** Where each step reads and sends its rows: the file's connections, or the RC2 chain. */
  public Wiring wiring() {
    return connections != null ? connections : Wiring.chain(this);
  }

  /** These settings with the named connections of a current-format file. */
  PipelineSettings withConnections(Wiring wiring) {
    return new PipelineSettings(
        file,
        source,
        transforms,
        gates,
        sinks,
        defaultSink,
        landscape,
        telemetry,
        resolved,
        aggregations,
        coalesce,
        runner,
        export,
        journal,
        wiring);
  }

  /** Settings without aggregations or joins. */
  public PipelineSettings(
      Path file,
      Source source,
      List<Transform> transforms,
      List<Gate> gates,
      LinkedHashMap<String, Sink> sinks,
      String defaultSink,
      LandscapeUrl landscape,
      TelemetrySettings telemetry,
      Map<String, Object> resolved) {
    this(
        file,
        source,
        transforms,
        gates,
        sinks,
        defaultSink,
        landscape,
        telemetry,
        resolved,
        List.of(),
        List.of(),
        RunnerOptions.defaults(RunnerProfile.DIRECT),
        null,
        null);
  }

  /**
   * These settings on another runner (the command line's choice over the {@code runner:} section);
   * throws {@link SettingsException} naming the key when the runner cannot run them.
   */
  public PipelineSettings onRunner(RunnerOptions other) {
    List<String> problems = RunnerSection.runnerProblems(other, landscape, journal);
    if (!problems.isEmpty()) {
      throw new SettingsException(file, problems);
    }
    return new PipelineSettings(
        file,
        source,
        transforms,
        gates,
        sinks,
        defaultSink,
        landscape,
        telemetry,
        resolved,
        aggregations,
        coalesce,
        other,
        export,
        journal,
        connections);
  }

  /** The configured source. */
  public record Source(
      String plugin, SourcePlugin descriptor, PluginOptions options, Map<String, Object> config) {}

  /**
   * A configured transform; {@code name} is its configured name or its plugin name, unique in the
   * pipeline.
   */
  public record Transform(
      String name,
      String plugin,
      TransformPlugin descriptor,
      PluginOptions options,
      @Nullable String onError,
      List<String> requiredInputFields,
      Map<String, Object> config) {}

  /**
   * A configured gate: its condition, where each result goes (a sink name, continue, or fork), and
   * the paths a fork copies the row to (empty when the gate does not fork).
   */
  public record Gate(
      String name,
      GateExpression condition,
      Map<String, String> routes,
      Map<String, Object> config,
      List<String> forkTo) {
    public Gate(
        String name,
        GateExpression condition,
        Map<String, String> routes,
        Map<String, Object> config) {
      this(name, condition, routes, config, List.of());
    }
  }

  /**
   * A configured aggregation: the batch plugin, its trigger, and how rows continue after a flush;
   * {@code config} is the node configuration recorded in the Landscape.
   */
  public record Aggregation(
      String name,
      String plugin,
      AggregationPlugin descriptor,
      PluginOptions options,
      AggregationTrigger trigger,
      AggregationStep.OutputMode outputMode,
      @Nullable Integer expectedOutputCount,
      Map<String, Object> config) {

    /**
     * Sink (or {@code discard}) for rows the plugin rejects one by one (a batch LLM's failed rows);
     * null when the plugin has no {@code on_error} or it is not set.
     */
    public @Nullable String onError() {
      return options.string("on_error");
    }
  }

  /**
   * A configured coalesce: the fork paths it joins (each a path of {@code gate}'s {@code fork_to}),
   * its policy and merge.
   */
  public record Coalesce(
      String name,
      String gate,
      List<String> branches,
      CoalesceStep.Policy policy,
      CoalesceStep.Merge merge,
      @Nullable Double timeoutSeconds,
      @Nullable Integer quorumCount,
      @Nullable String selectBranch,
      Map<String, Object> config) {}

  /** The coalesce joining fork path {@code path}, if any. */
  public java.util.Optional<Coalesce> coalesceOf(String path) {
    return coalesce.stream().filter(c -> c.branches().contains(path)).findFirst();
  }

  /**
   * A configured sink; {@code onWriteFailure} is where rows it cannot write go ({@code discard} or
   * another sink's name), null when such a row fails the run before any sink publishes.
   */
  public record Sink(
      String name,
      String plugin,
      SinkPlugin descriptor,
      PluginOptions options,
      Map<String, Object> config,
      @Nullable String onWriteFailure) {}

  /** {@code run_mode}: live (the default), replay or verify. */
  public String runMode() {
    Object mode = resolved.get("run_mode");
    return mode == null ? io.elspeth.connectors.replay.ReplaySource.LIVE : mode.toString();
  }

  /** {@code replay_from}: the recorded run of a replay or verify run; null in a live run. */
  public @Nullable String replayFrom() {
    Object from = resolved.get("replay_from");
    return from == null || io.elspeth.connectors.replay.ReplaySource.LIVE.equals(runMode())
        ? null
        : from.toString();
  }

  /**
   * The recorded run the steps of run {@code runId} answer from (replay) or compare with (verify);
   * null in a live run.
   */
  public io.elspeth.connectors.replay.@Nullable ReplaySource replaySource(String runId) {
    String from = replayFrom();
    return from == null
        ? null
        : new io.elspeth.connectors.replay.ReplaySource(
            runMode(), from, runId, landscape, payloadStoreBasePath());
  }

  /**
   * The payload store folder ({@code payload_store.base_path}, ELSPETH's default when unset) as an
   * absolute path, so every worker of a local run writes to the same folder.
   */
  public String payloadStoreBasePath() {
    Object section = resolved.get("payload_store");
    Object base = section instanceof Map<?, ?> m ? m.get("base_path") : null;
    return Path.of(base == null ? SettingsValidator.DEFAULT_PAYLOAD_BASE_PATH : base.toString())
        .toAbsolutePath()
        .toString();
  }

  /**
   * At most this many audit records per Landscape transaction ({@code
   * landscape.commit_batch_size}); a bundle with more commits early.
   */
  public int landscapeCommitBatchSize() {
    Object section = resolved.get("landscape");
    Object size = section instanceof Map<?, ?> m ? m.get("commit_batch_size") : null;
    return size instanceof Number n ? n.intValue() : LandscapeCommit.DEFAULT_MAX_BATCH_SIZE;
  }

  /**
   * Where the run's OpenLineage events go ({@code lineage:}, checked by the validator; its {@code
   * file} already made absolute against the settings file's folder).
   */
  public LineageSettings lineage() {
    List<String> problems = new java.util.ArrayList<>();
    LineageSettings lineage = LineageSettings.parse(resolved.get("lineage"), problems);
    if (!problems.isEmpty()) {
      throw new SettingsException(file, problems);
    }
    return lineage;
  }

  /** Where quarantined source rows go: a sink name, or discard. */
  public String onValidationFailure() {
    String v = source.options().string("on_validation_failure");
    return v == null ? "discard" : v;
  }
}
