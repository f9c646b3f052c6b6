package io.elspeth.pipelines.settings;

import static io.elspeth.pipelines.settings.PluginResolver.mapOrProblem;

import io.elspeth.plugin.OptionSpec;
import io.elspeth.plugin.OptionType;
import io.elspeth.plugin.OptionsValidator;
import io.elspeth.plugin.PluginOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The run-wide settings sections of a fixed shape ({@code concurrency}, {@code retry}, {@code
 * payload_store}, {@code checkpoint}, {@code rate_limit}, with {@link LandscapeSection}, {@link
 * RunnerSection} and {@code lineage}), checked against their option specs, and {@code run_mode}
 * with {@code replay_from}.
 */
final class RunSections {
  private static final String BLOB = "azure_blob";

  static final List<OptionSpec> CONCURRENCY =
      List.of(OptionSpec.optional("max_workers", OptionType.INT, 4L, "plugin-level thread budget"));
  static final List<OptionSpec> RETRY =
      List.of(
          OptionSpec.optional("max_attempts", OptionType.INT, 3L, "attempts per row, 1 or more"),
          OptionSpec.optional("initial_delay_seconds", OptionType.NUMBER, 1.0, "first back-off"),
          OptionSpec.optional("max_delay_seconds", OptionType.NUMBER, 60.0, "largest back-off"),
          OptionSpec.optional("exponential_base", OptionType.NUMBER, 2.0, "back-off growth"));
  static final List<OptionSpec> PAYLOAD_STORE =
      List.of(
          OptionSpec.oneOf("backend", "filesystem", List.of("filesystem"), "payload store kind"),
          OptionSpec.optional(
              "base_path",
              OptionType.PATH,
              SettingsValidator.DEFAULT_PAYLOAD_BASE_PATH,
              "store folder"),
          OptionSpec.optional("retention_days", OptionType.INT, 90L, "days payloads are kept"));
  static final List<OptionSpec> CHECKPOINT =
      List.of(
          OptionSpec.optional("enabled", OptionType.BOOL, true, ""),
          OptionSpec.oneOf(
              "frequency", "every_row", List.of("every_row", "every_n", "aggregation_only"), ""),
          OptionSpec.optional(
              "checkpoint_interval", OptionType.INT, null, "rows between checkpoints"),
          OptionSpec.optional("aggregation_boundaries", OptionType.BOOL, true, ""));
  static final List<OptionSpec> RATE_LIMIT =
      List.of(
          OptionSpec.optional("enabled", OptionType.BOOL, true, ""),
          OptionSpec.optional("default_requests_per_minute", OptionType.INT, 60L, ""),
          OptionSpec.optional("persistence_path", OptionType.PATH, null, ""),
          OptionSpec.optional(
              "services", OptionType.OBJECT, null, "per service: {name: {requests_per_minute}}"));

  /** The options of the settings sections of a fixed shape, by section key. */
  static final Map<String, List<OptionSpec>> SECTIONS =
      Map.of(
          "landscape",
          LandscapeSection.LANDSCAPE,
          "concurrency",
          CONCURRENCY,
          "retry",
          RETRY,
          "payload_store",
          PAYLOAD_STORE,
          "checkpoint",
          CHECKPOINT,
          "runner",
          RunnerSection.RUNNER,
          "rate_limit",
          RATE_LIMIT,
          "lineage",
          LineageSettings.OPTIONS);

  private RunSections() {}

  static Optional<PluginOptions> section(
      Map<String, Object> raw,
      String key,
      List<OptionSpec> specs,
      Set<String> sinkNames,
      List<String> problems) {
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

  /** {@code payload_store.base_path} as configured, ELSPETH's default when unset. */
  static String payloadBasePath(Map<String, Object> raw) {
    return raw.get("payload_store") instanceof Map<?, ?> m && m.get("base_path") instanceof String b
        ? b
        : SettingsValidator.DEFAULT_PAYLOAD_BASE_PATH;
  }

  /**
   * {@code run_mode} (live, replay, verify) and {@code replay_from}, the recorded run, which replay
   * and verify need (ELSPETH's {@code validate_replay_from}). A replay answers the external calls
   * of node states from the recording; Azure Blob sources and sinks read and write outside it, so a
   * replay run of them is refused rather than half live.
   */
  static List<String> runModeProblems(
      Map<String, Object> raw,
      PipelineSettings.@Nullable Source source,
      Map<String, PipelineSettings.Sink> sinks) {
    List<String> problems = new ArrayList<>();
    Object runMode = raw.get("run_mode");
    if (runMode != null && !List.of("live", "replay", "verify").contains(runMode)) {
      problems.add(
          "run_mode: expected live, replay or verify, got " + OptionsValidator.describe(runMode));
      return problems;
    }
    Object replayFrom = raw.get("replay_from");
    if (replayFrom != null && !(replayFrom instanceof String s && !s.isBlank())) {
      problems.add(
          "replay_from: expected the run id of a recorded run, got "
              + OptionsValidator.describe(replayFrom));
    }
    if (("replay".equals(runMode) || "verify".equals(runMode)) && replayFrom == null) {
      problems.add(
          "replay_from: required when run_mode is '"
              + runMode
              + "' (the run id whose"
              + " recorded calls this run "
              + ("replay".equals(runMode) ? "replays" : "verifies")
              + ")");
    }
    if ("replay".equals(runMode)) {
      if (source != null && BLOB.equals(source.plugin())) {
        problems.add(
            "run_mode: replay cannot replay source plugin "
                + BLOB
                + ": the Landscape"
                + " keeps only hashes of its Blob Storage reads; copy the input locally, or use"
                + " run_mode: verify");
      }
      sinks.values().stream()
          .filter(k -> BLOB.equals(k.plugin()))
          .forEach(
              k ->
                  problems.add(
                      "sinks."
                          + k.name()
                          + ": run_mode: replay cannot replay sink plugin "
                          + BLOB
                          + " (a replay makes no network call, and a blob write is one); write a local"
                          + " file, or use run_mode: verify"));
    }
    return problems;
  }
}
