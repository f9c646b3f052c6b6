package io.elspeth.api;

import io.elspeth.audit.schema.Dialect;
import io.elspeth.pipelines.launch.RunLauncher;
import io.elspeth.pipelines.launch.RunObserver;
import io.elspeth.pipelines.launch.RunSummary;
import io.elspeth.pipelines.settings.PipelineSettings;
import io.elspeth.pipelines.settings.SettingsException;
import io.elspeth.plugin.ElspethPipelineOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.options.PipelineOptions;

/**
 * What the Beam pipeline options of a run of an {@link ElspethPipeline} decide: the telemetry
 * section they give, whether the runner can use the settings' Landscape, and the launcher's
 * progress interval; and how the launcher's summary becomes the caller's result.
 */
final class PipelineRunOptions {
  private PipelineRunOptions() {}

  /**
   * The {@code telemetry} pipeline option: the settings' telemetry section as JSON or YAML; a
   * problem is reported against the settings {@code file}.
   */
  @SuppressWarnings("unchecked")
  static Map<String, Object> telemetry(String text, Path file) {
    Object parsed;
    try {
      parsed =
          new com.fasterxml.jackson.databind.ObjectMapper(
                  new com.fasterxml.jackson.dataformat.yaml.YAMLFactory())
              .readValue(text, Object.class);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new SettingsException(
          file,
          List.of(
              "telemetry (the telemetry pipeline"
                  + " option): not JSON or YAML: "
                  + e.getOriginalMessage()));
    }
    if (!(parsed instanceof Map<?, ?> m)) {
      throw new SettingsException(
          file,
          List.of(
              "telemetry (the telemetry pipeline"
                  + " option): expected a mapping like the settings' telemetry section, got "
                  + io.elspeth.plugin.OptionsValidator.describe(parsed)));
    }
    return new LinkedHashMap<>((Map<String, Object>) m);
  }

  /** A runner that may run steps in other JVMs needs a server Landscape every worker reaches. */
  static void checkLandscapeReachable(PipelineSettings run, PipelineOptions options) {
    if (!ElspethPipelineOptions.inProcessRunner(options)
        && run.landscape().dialect() == Dialect.SQLITE) {
      throw new SettingsException(
          run.file(),
          List.of(
              "landscape.url: the runner "
                  + options.getRunner().getSimpleName()
                  + " may run steps in other JVMs;"
                  + " it needs a server database every worker can reach"
                  + " (postgresql://user@host:port/db), not a SQLite Landscape ("
                  + run.landscape()
                  + ")"));
    }
  }

  /** The launcher of a run with {@code options}, telling {@code observer} its progress. */
  static RunLauncher launcher(RunObserver observer, PipelineOptions options) {
    Double seconds = ElspethPipelineOptions.of(options).getProgressIntervalSeconds();
    if (seconds != null && !(seconds > 0)) {
      throw new IllegalArgumentException(
          "progressIntervalSeconds: expected more than 0, got " + seconds);
    }
    return new RunLauncher(
        observer, seconds == null ? null : Duration.ofNanos((long) (seconds * 1e9)));
  }

  /** The run's result; a failed PAssert is thrown as its AssertionError, as TestPipeline does. */
  static RunResult result(RunSummary summary) {
    for (Throwable t = summary.cause(); t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof AssertionError assertion) {
        throw assertion;
      }
    }
    return new RunResult(summary);
  }
}
