package io.elspeth.api;

import io.elspeth.pipelines.plugins.PluginRegistry;
import io.elspeth.pipelines.settings.PipelineSettings;
import io.elspeth.pipelines.settings.RelativePaths;
import io.elspeth.pipelines.settings.SettingsLoader;
import io.elspeth.pipelines.settings.SettingsValidator;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Where an {@link ElspethPipeline}'s settings come from: a file, or YAML text reported as if it
 * were a file; relative paths of the text read against {@code baseDir} when given (else the working
 * directory). Loaded and validated with the command's loader and validator.
 */
record SettingsSource(
    @Nullable Path file, @Nullable String yaml, Path origin, @Nullable Path baseDir) {

  /**
   * The settings with profile {@code profile} applied, the Landscape URL {@code landscape} and the
   * {@code telemetry} section put in when not null, validated.
   *
   * @throws io.elspeth.pipelines.settings.SettingsException listing every problem
   */
  PipelineSettings load(
      @Nullable String profile,
      @Nullable String landscape,
      @Nullable Map<String, Object> telemetry) {
    Map<String, Object> raw =
        file != null
            ? SettingsLoader.load(file, profile)
            : SettingsLoader.loadText(
                Objects.requireNonNull(yaml, "a settings source without a file has YAML text"),
                origin,
                profile);
    PluginRegistry plugins = PluginRegistry.installed();
    if (baseDir != null) {
      RelativePaths.resolve(raw, baseDir, plugins);
    }
    if (landscape != null) {
      overrideLandscape(raw, landscape);
    }
    if (telemetry != null) {
      raw.put("telemetry", telemetry);
    }
    return new SettingsValidator(plugins).validate(origin, raw);
  }

  /**
   * Puts {@code url} in the settings' landscape section (and drops a backend that names another).
   */
  @SuppressWarnings("unchecked")
  private static void overrideLandscape(Map<String, Object> raw, String url) {
    Object section = raw.get("landscape");
    Map<String, Object> landscape =
        section instanceof Map<?, ?> m
            ? new LinkedHashMap<>((Map<String, Object>) m)
            : new LinkedHashMap<>();
    landscape.put("url", url);
    landscape.remove("backend");
    raw.put("landscape", landscape);
  }

  /** {@code settings} as a settings file would hold them (secrets included: keep it in memory). */
  static String yaml(Map<String, Object> settings) {
    try {
      // Long values stay on one line: a split double-quoted scalar is folded back by rules
      // a template's whitespace should not depend on.
      return new com.fasterxml.jackson.databind.ObjectMapper(
              com.fasterxml.jackson.dataformat.yaml.YAMLFactory.builder()
                  .disable(com.fasterxml.jackson.dataformat.yaml.YAMLGenerator.Feature.SPLIT_LINES)
                  .build())
          .writeValueAsString(settings);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalArgumentException(
          "settings values must be plain JSON values (String,"
              + " Long, Double, Boolean, List, Map): "
              + e.getOriginalMessage(),
          e);
    }
  }
}
