package io.elspeth.pipelines.settings;

import io.elspeth.audit.store.LandscapeUrl;
import io.elspeth.plugin.PluginOptions;
import io.elspeth.plugin.SinkPlugin;
import io.elspeth.plugin.SourcePlugin;
import io.elspeth.telemetry.config.TelemetrySettings;
import io.elspeth.transforms.gate.expression.GateExpression;
import io.elspeth.transforms.step.TransformPlugin;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * A validated pipeline: every plugin resolved and its options checked, every sink reference
 * pointing at a configured sink, every gate condition parsed. Built only by
 * {@link SettingsValidator}.
 *
 * @param resolved the settings as loaded (after profiles and variable substitution), recorded
 *     on the run once secrets are fingerprinted
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
    Map<String, Object> resolved) {

  /** The configured source. */
  public record Source(String plugin, SourcePlugin descriptor, PluginOptions options,
      Map<String, Object> config) {}

  /**
   * A configured transform; {@code name} is its configured name or its plugin name, unique in
   * the pipeline.
   */
  public record Transform(String name, String plugin, TransformPlugin descriptor,
      PluginOptions options, @Nullable String onError, List<String> requiredInputFields,
      Map<String, Object> config) {}

  /** A configured gate: its condition and where each result goes (a sink name or continue). */
  public record Gate(String name, GateExpression condition, Map<String, String> routes,
      Map<String, Object> config) {}

  /** A configured sink. */
  public record Sink(String name, String plugin, SinkPlugin descriptor, PluginOptions options,
      Map<String, Object> config) {}

  /** Where quarantined source rows go: a sink name, or discard. */
  public String onValidationFailure() {
    String v = source.options().string("on_validation_failure");
    return v == null ? "discard" : v;
  }
}
