package io.elspeth.pipelines.settings;

import io.elspeth.pipelines.plugins.PluginRegistry;
import io.elspeth.plugin.OptionSpec;
import io.elspeth.plugin.OptionType;
import io.elspeth.plugin.PluginDescriptor;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

/**
 * The one place relative paths of loaded settings are made absolute, for two rules:
 *
 * <ul>
 *   <li>{@link #pluginFilesAgainstSettings}: the file options of transform and aggregation plugins
 *       ({@code template_file}, {@code lookup_file}, {@code system_prompt_file}) are read against
 *       the settings file's folder, as ELSPETH reads them, whatever the working directory (every
 *       load);
 *   <li>{@link #resolve}: every option declared {@link OptionType#PATH} (of the plugins the
 *       settings name and of the settings' own sections) and a SQLite {@code landscape.url} are
 *       read against a base folder instead of the working directory (the Java API's {@code
 *       fromYaml(text, baseDir)}).
 * </ul>
 *
 * <p>A file option made absolute keeps the path as written as its {@code *_source} (what ELSPETH
 * records) unless one is given. Values that are not strings, absolute paths, and plugins or keys
 * the validator will reject are left as they are, for the validator to report.
 */
public final class RelativePaths {
  private static final String SQLITE = "sqlite:///";

  /** Plugin file option → the option recording where its content came from. */
  private static final Map<String, String> FILE_SOURCES =
      Map.of(
          "template_file", "template_source",
          "lookup_file", "lookup_source",
          "system_prompt_file", "system_prompt_source");

  private RelativePaths() {}

  /**
   * The settings with every relative file option of {@code transforms} and {@code aggregations}
   * ({@code template_file}, {@code lookup_file}, {@code system_prompt_file}) made absolute against
   * the folder of {@code settingsFile}.
   */
  static Map<String, Object> pluginFilesAgainstSettings(
      Map<String, Object> settings, Path settingsFile) {
    Path folder =
        Objects.requireNonNull(
            settingsFile.toAbsolutePath().getParent(),
            () -> "'" + settingsFile + "' is not a file in a folder");
    return PluginEntries.mapOptions(
        settings,
        (plugin, options) -> {
          Map<String, Object> out = new java.util.LinkedHashMap<>(options);
          FILE_SOURCES.keySet().forEach(key -> resolveOption(out, key, folder));
          return out;
        });
  }

  /**
   * Resolves, in place, the relative paths of {@code raw} (loaded settings) against {@code base}.
   */
  public static void resolve(Map<String, Object> raw, Path base, PluginRegistry registry) {
    Path dir = base.toAbsolutePath();
    if (raw.get("source") instanceof Map<?, ?> source) {
      plugin(source, registry::source, dir);
    }
    if (raw.get("transforms") instanceof List<?> transforms) {
      transforms.forEach(t -> plugin(t, registry::transform, dir));
    }
    if (raw.get("aggregations") instanceof List<?> aggregations) {
      aggregations.forEach(a -> plugin(a, registry::aggregation, dir));
    }
    if (raw.get("sinks") instanceof Map<?, ?> sinks) {
      sinks.values().forEach(k -> plugin(k, registry::sink, dir));
    }
    RunSections.SECTIONS.forEach(
        (key, specs) -> {
          if (raw.get(key) instanceof Map<?, ?> section) {
            resolveOptions(section, specs, dir);
          }
        });
    if (raw.get("landscape") instanceof Map<?, ?> landscape
        && landscape.get("url") instanceof String url
        && url.startsWith(SQLITE)) {
      String file = url.substring(SQLITE.length());
      if (!file.equals(":memory:") && !file.isEmpty() && !isAbsolute(file)) {
        put(landscape, "url", SQLITE + dir.resolve(file));
      }
    }
  }

  private static void plugin(
      Object entry, Function<String, Optional<? extends PluginDescriptor>> lookup, Path dir) {
    if (entry instanceof Map<?, ?> m
        && m.get("plugin") instanceof String name
        && m.get("options") instanceof Map<?, ?> options) {
      lookup.apply(name).ifPresent(p -> resolveOptions(options, p.options(), dir));
    }
  }

  private static void resolveOptions(Map<?, ?> options, List<OptionSpec> specs, Path dir) {
    for (OptionSpec spec : specs) {
      if (spec.type() == OptionType.PATH) {
        resolveOption(options, spec.name(), dir);
      }
    }
  }

  /**
   * Makes option {@code key} of {@code options} absolute against {@code dir} when it is a relative
   * path, recording the path as written as its {@code *_source} when it has one.
   */
  private static void resolveOption(Map<?, ?> options, String key, Path dir) {
    if (!(options.get(key) instanceof String written) || written.isBlank() || isAbsolute(written)) {
      return;
    }
    put(options, key, dir.resolve(written).normalize().toString());
    String source = FILE_SOURCES.get(key);
    if (source != null && options.get(source) == null) {
      put(options, source, written);
    }
  }

  private static boolean isAbsolute(String path) {
    try {
      return Path.of(path).isAbsolute();
    } catch (InvalidPathException e) {
      return true; // not a path: left for the validator and the plugin to report
    }
  }

  @SuppressWarnings("unchecked")
  private static void put(Map<?, ?> map, String key, String value) {
    ((Map<String, Object>) map).put(key, value);
  }
}
