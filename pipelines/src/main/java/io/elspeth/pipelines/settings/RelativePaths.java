package io.elspeth.pipelines.settings;

import io.elspeth.pipelines.plugins.PluginRegistry;
import io.elspeth.plugin.OptionSpec;
import io.elspeth.plugin.OptionType;
import io.elspeth.plugin.PluginDescriptor;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * Reads the relative paths of loaded settings against a base folder instead of the working
 * directory: every option declared {@link OptionType#PATH} (of the plugins the settings name and
 * of the settings' own sections) and a SQLite {@code landscape.url}. Values that are not strings,
 * absolute paths, and plugins or keys the validator will reject are left as they are, for the
 * validator to report.
 */
public final class RelativePaths {
  private static final String SQLITE = "sqlite:///";

  private RelativePaths() {}

  /** Resolves, in place, the relative paths of {@code raw} (loaded settings) against {@code base}. */
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
    SettingsValidator.SECTIONS.forEach((key, specs) -> {
      if (raw.get(key) instanceof Map<?, ?> section) {
        resolveOptions(section, specs, dir);
      }
    });
    if (raw.get("landscape") instanceof Map<?, ?> landscape
        && landscape.get("url") instanceof String url && url.startsWith(SQLITE)) {
      String file = url.substring(SQLITE.length());
      if (!file.equals(":memory:") && !file.isEmpty() && !isAbsolute(file)) {
        put(landscape, "url", SQLITE + dir.resolve(file));
      }
    }
  }

  private static void plugin(Object entry, Function<String, Optional<? extends PluginDescriptor>>
      lookup, Path dir) {
    if (entry instanceof Map<?, ?> m && m.get("plugin") instanceof String name
        && m.get("options") instanceof Map<?, ?> options) {
      lookup.apply(name).ifPresent(p -> resolveOptions(options, p.options(), dir));
    }
  }

  private static void resolveOptions(Map<?, ?> options, List<OptionSpec> specs, Path dir) {
    for (OptionSpec spec : specs) {
      if (spec.type() == OptionType.PATH && options.get(spec.name()) instanceof String value
          && !value.isEmpty() && !isAbsolute(value)) {
        put(options, spec.name(), dir.resolve(value).toString());
      }
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
